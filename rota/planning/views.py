"""Planning pages of the back office: timeline, key result, business case, my work, report.

Thin handlers: check the permission, read through the selectors, call one service and
render inside the admin's layout. `planning.view_plan` sees the pages, `planning.change_plan`
posts on them; an action's owner may also move their own action from "my work".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from rota.audit.actors import Actor
from rota.core.admin import form_call
from rota.core.charts import chart_options
from rota.core.errors import DomainError, InvalidInput, NotFound
from rota.core.money import to_decimal
from rota.installation.selectors import installation_get, installation_today, money_formatter
from rota.kpis.definitions import BY_CODE
from rota.planning import business_case as model
from rota.planning import report as text
from rota.planning import selectors, services
from rota.planning.forms_pages import (
    ActionStatusForm,
    BusinessCaseForm,
    CaseOfferFormSet,
    CheckInForm,
    KeyResultsFromCaseForm,
    PersonForm,
    add_case_errors,
    case_offer_initial,
    case_offer_rows,
    percent,
)
from rota.planning.models import (
    Action,
    ActionStatus,
    BusinessCase,
    CheckIn,
    KeyResult,
    KeyResultMode,
    Plan,
)

VIEW = "planning.view_plan"
CHANGE = "planning.change_plan"
ACTUAL, EXPECTED, CASH, SUBSCRIBERS = "#2563eb", "#64748b", "#16a34a", "#f59e0b"


def _allow(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _plan(plan_id: int) -> Plan:
    try:
        return selectors.plan_get(plan_id)
    except NotFound as exc:
        raise Http404(exc.detail) from None


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def _page(
    request: HttpRequest, template: str, title: str, context: dict[str, Any]
) -> TemplateResponse:
    return TemplateResponse(
        request,
        f"planning/pages/{template}",
        {
            **admin.site.each_context(request),
            "title": title,
            "can_change": request.user.has_perm(CHANGE),
            **context,
        },
    )


def _line(label: str, values: list[float | None], color: str, **extra: Any) -> dict[str, Any]:
    return {
        "label": label,
        "data": values,
        "borderColor": color,
        "backgroundColor": color,
        "tension": 0,
        "pointRadius": 3,
        **extra,
    }


# Timeline -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A timeline bar and how the page draws it."""

    bar: selectors.Bar
    late: bool
    drift: str
    moved: bool  # the milestone's planned date differs from where it is shown


def _drift(days: int) -> str:
    if days == 0:
        return "on time"
    return f"+{days} d" if days > 0 else f"−{-days} d"


@require_GET
def timeline(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Show the plan's actions and milestones on its months, with their drift."""
    _allow(request, VIEW)
    plan = _plan(plan_id)
    today = installation_today()
    chart = selectors.timeline(plan, today)
    rows = []
    for bar in chart.bars:
        if bar.kind == "action":
            late = bar.status in (ActionStatus.TODO, ActionStatus.DOING) and bar.drift_days > 0
        else:
            late = bar.status == "late"
        moved = bar.kind == "milestone" and bar.planned_end != bar.start
        drift = "—" if bar.status in ("standby", ActionStatus.DROPPED) else _drift(bar.drift_days)
        rows.append(Row(bar, late, drift, moved))
    return _page(
        request,
        "timeline.html",
        f"{plan.name}: timeline",
        {"plan": plan, "chart": chart, "rows": rows, "today": today},
    )


# Key result ---------------------------------------------------------------------------------


def _key_result(kr_id: int) -> KeyResult:
    return get_object_or_404(
        KeyResult.objects.select_related(
            "objective", "objective__plan", "objective__owner", "objective__reviewer"
        ),
        pk=kr_id,
    )


def _history_chart(kr: KeyResult, today: date) -> dict[str, str]:
    history = selectors.kr_history(kr, today)
    line = "Expected" if kr.mode == KeyResultMode.TARGET else "Bound"
    data = {
        "labels": [str(month) for month, _, _ in history],
        "datasets": [
            _line("Actual", [float(actual) for _, actual, _ in history], ACTUAL),
            _line(
                line,
                [float(expected) for _, _, expected in history],
                EXPECTED,
                borderDash=[6, 4],
            ),
        ],
    }
    unit = BY_CODE[kr.kpi_code].unit.value if kr.kpi_code else kr.unit
    return {
        "data": json.dumps(data),
        "options": chart_options(unit or "value"),
        "months": str(len(history)),
    }


@require_http_methods(["GET", "POST"])
def key_result(request: HttpRequest, kr_id: int) -> HttpResponse:
    """Show a key result's definition, status, chart and check-ins; record a check-in."""
    _allow(request, VIEW)
    if request.method == "POST":
        _allow(request, CHANGE)
    kr = _key_result(kr_id)
    plan = kr.objective.plan
    form = CheckInForm(
        request.POST if request.method == "POST" else None, initial={"on": installation_today()}
    )
    done = form_call(
        form,
        request,
        lambda data: services.check_in(
            kr, on=data["on"], value=data["value"], note=data["note"], actor=_actor(request)
        ),
    )
    if done is not None:
        messages.success(request, f"Check-in of {done.on.isoformat()} recorded.")
        return HttpResponseRedirect(request.path)
    today = installation_today()
    measure = selectors.measure_all([kr], plan.starts_on, today)[0]
    kpi = BY_CODE.get(kr.kpi_code)
    check_ins = CheckIn.objects.filter(key_result=kr).select_related("by").order_by("-on", "-id")
    return _page(
        request,
        "key_result.html",
        kr.title,
        {
            "kr": kr,
            "plan": plan,
            "kpi": kpi,
            "measure": measure,
            "actual": text.figure(measure.actual, kr),
            "expected": text.expected_text(measure.expected, kr),
            "targets": [
                (label, text.figure(value, kr))
                for label, value in (
                    ("Baseline", kr.baseline),
                    ("In 3 months", kr.target_3),
                    ("In 6 months", kr.target_6),
                    ("In 12 months", kr.target_12),
                )
            ],
            "bound": text.figure(kr.bound, kr),
            "chart": _history_chart(kr, today),
            "check_ins": [(c, text.figure(c.value, kr)) for c in check_ins],
            "form": form if kr.is_manual or form.errors else None,
        },
    )


# Business case ------------------------------------------------------------------------------


def _projection_context(case: BusinessCase) -> dict[str, Any]:
    money = money_formatter()
    assumptions = services.assumptions_of(case)
    projection = model.project(assumptions)
    table = model.sensitivity(assumptions)
    rows = [
        {
            "month": row.month,
            "subscribers": row.subscribers,
            "gross_adds": row.gross_adds,
            "revenue": money(row.revenue_minor),
            "costs": money(row.costs_minor),
            "net": money(row.net_minor),
            "cumulative": money(row.cumulative_minor),
            "negative": row.cumulative_minor < 0,
        }
        for row in projection.rows
    ]
    chart = {
        "labels": [str(row.month) for row in projection.rows],
        "datasets": [
            _line(
                "Cumulative cash",
                [float(to_decimal(row.cumulative_minor)) for row in projection.rows],
                CASH,
                yAxisID="y",
            ),
            _line(
                "Subscribers",
                [float(row.subscribers) for row in projection.rows],
                SUBSCRIBERS,
                yAxisID="y1",
            ),
        ],
    }
    return {
        "rows": rows,
        "projection": projection,
        "discount_percent": percent(case.discount_rate),
        "npv": money(projection.npv_minor),
        "arpu": money(projection.arpu_minor),
        "ltv": money(projection.ltv_minor) if projection.ltv_minor is not None else None,
        "total_revenue": money(projection.total_revenue_minor),
        "total_costs": money(projection.total_costs_minor),
        "sensitivity": [
            {
                "label": s.label,
                "npv": money(s.npv_minor),
                "break_even": s.break_even_month,
                "cumulative": money(s.cumulative_minor),
            }
            for s in table
        ],
        "chart": {
            "data": json.dumps(chart),
            "options": chart_options(f"cash ({installation_get().currency})", "subscribers"),
        },
    }


def _save_case(
    request: HttpRequest, plan: Plan, form: BusinessCaseForm, formset: Any
) -> BusinessCase | None:
    if not (form.is_valid() and formset.is_valid()):
        return None
    rows = case_offer_rows(formset)
    try:
        return services.business_case_set(
            plan, offers=[row for _, row in rows], actor=_actor(request), **form.values()
        )
    except InvalidInput as exc:
        add_case_errors(form, formset, exc.errors, [index for index, _ in rows])
    except DomainError as exc:
        form.add_error(None, exc.detail)
    return None


@require_http_methods(["GET", "POST"])
def business_case(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Enter the launch's assumptions and see its projection; turn it into key results."""
    _allow(request, VIEW)
    plan = _plan(plan_id)
    case = BusinessCase.objects.filter(plan=plan).first()
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted else None
    if posted is not None:
        _allow(request, CHANGE)
    form = BusinessCaseForm(
        posted if which == "case" else None,
        initial=BusinessCaseForm.initial_of(case),
        currency=installation_get().currency,
    )
    formset = CaseOfferFormSet(
        posted if which == "case" else None, initial=case_offer_initial(case), prefix="offers"
    )
    kr_form = KeyResultsFromCaseForm(posted if which == "key_results" else None, plan_id=plan.pk)
    if which == "case":
        saved = _save_case(request, plan, form, formset)
        if saved is not None:
            messages.success(request, "Business case saved.")
            return HttpResponseRedirect(request.path)
    elif which == "key_results":
        made = form_call(
            kr_form,
            request,
            lambda data: services.key_results_from_case(data["objective"], actor=_actor(request)),
        )
        if made is not None:
            names = ", ".join(kr.title for kr in made)
            messages.success(request, f"{len(made)} key results added: {names}.")
            return HttpResponseRedirect(request.path)
    context: dict[str, Any] = {
        "plan": plan,
        "case": case,
        "form": form,
        "formset": formset,
        "kr_form": kr_form,
    }
    if case is not None:
        context.update(_projection_context(case))
    return _page(request, "business_case.html", f"{plan.name}: business case", context)


# My work ------------------------------------------------------------------------------------


def _person(request: HttpRequest, picker: PersonForm) -> User:
    """Return whose work to show: the chosen person for a planner, else the user."""
    me: User = request.user  # type: ignore[assignment]
    wanted = request.GET.get("user", "")
    if not wanted or wanted == me.get_username():
        return me
    _allow(request, CHANGE)
    if picker.is_valid() and picker.cleaned_data["user"] is not None:
        person: User = picker.cleaned_data["user"]
        return person
    return me


def _change_status(request: HttpRequest) -> str:
    """Move the posted action; return why the service refused, or "" when it is done."""
    form = ActionStatusForm(request.POST)
    form.is_valid()
    if "action" not in form.cleaned_data:
        raise Http404("No such action.")
    action = get_object_or_404(Action, pk=form.cleaned_data["action"])
    if action.owner_id != request.user.pk and not request.user.has_perm(CHANGE):
        raise PermissionDenied
    if "status" in form.errors:
        return f"{action.title}: status {form.errors['status'][0]}"
    try:
        services.action_status(action, status=form.cleaned_data["status"], actor=_actor(request))
    except DomainError as exc:
        problems = "; ".join(f"{e.field} {e.message}" for e in exc.errors) or exc.detail
        return f"{action.title}: {problems}"
    messages.success(request, f"{action.title}: {ActionStatus(form.cleaned_data['status']).label}.")
    return ""


@require_http_methods(["GET", "POST"])
def my_work(request: HttpRequest) -> HttpResponse:
    """List what a person owes: actions (overdue first), objectives, reviews, milestones."""
    _allow(request, VIEW)
    refused = ""
    if request.method == "POST":
        refused = _change_status(request)
        if not refused:
            return HttpResponseRedirect(request.get_full_path())
    picker = PersonForm(request.GET if request.GET.get("user") else None)
    person = _person(request, picker)
    today = installation_today()
    work = selectors.my_work(person, today)
    overdue = {a.pk for a in work.overdue}
    actions = work.overdue + [a for a in work.actions if a.pk not in overdue]
    may_move = person.pk == request.user.pk or request.user.has_perm(CHANGE)
    return _page(
        request,
        "my_work.html",
        "My work" if person.pk == request.user.pk else f"Work of {person.get_username()}",
        {
            "person": person,
            "picker": picker if request.user.has_perm(CHANGE) else None,
            "today": today,
            "actions": [
                {
                    "action": a,
                    "overdue": a.pk in overdue,
                    "late": text.days_late(a.due_on, today) if a.pk in overdue else "",
                    "form": ActionStatusForm(
                        initial={"action": a.pk, "status": a.status}, auto_id=False
                    ),
                }
                for a in actions
            ],
            "may_move": may_move,
            "refused": refused,
            "work": work,
            "milestones": [(m, text.milestone_slip(m, today)) for m in work.milestones],
        },
    )


# Progress report ----------------------------------------------------------------------------


@require_GET
def report(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Show the plan's progress report, ready to print."""
    _allow(request, VIEW)
    plan = _plan(plan_id)
    found = selectors.report(plan, installation_today())
    return _page(
        request,
        "report.html",
        f"{plan.name}: progress report",
        {
            "plan": plan,
            "report": found,
            "since": text.since_text(found),
            "counts": text.counts_text(found),
            "lines": text.kr_lines(found),
            "overdue": [(a, text.overdue_text(a, found.today)) for a in found.overdue],
            "slipped": [(m, text.milestone_slip(m, found.today)) for m in found.slipped],
            "check_ins": [(c, text.figure(c.value, c.key_result)) for c in found.check_ins_since],
            "markdown_url": reverse("planning:report_markdown", args=[plan.pk]),
        },
    )


@require_GET
def report_markdown(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Download the plan's progress report as Markdown."""
    _allow(request, VIEW)
    plan = _plan(plan_id)
    found = selectors.report(plan, installation_today())
    response = HttpResponse(
        text.report_markdown(found), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{text.report_filename(found)}"'
    return response
