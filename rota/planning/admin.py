"""Plans in the back office: the list, a new plan, and the plan page with its seven steps.

The plan page reads everything through `selectors.plan_detail` and `plan_measures` (a fixed
number of queries however many objectives it has); each "Add ..." button is a one-form page
that calls one service and shows its refusals on the fields they name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from rota.audit.actors import Actor
from rota.audit.admin import AuditHistoryMixin
from rota.catalog.models import Segment
from rota.core.admin import action_form_page, form_call
from rota.core.errors import FieldError, InvalidInput
from rota.installation.selectors import installation_today
from rota.kpis import calc
from rota.kpis.definitions import BY_CODE
from rota.planning import selectors, services
from rota.planning.forms import (
    ActionForm,
    ActionStatusForm,
    FindingForm,
    KeyResultForm,
    MilestoneForm,
    MilestoneUpdateForm,
    ObjectiveForm,
    PlanForm,
    PlanUpdateForm,
    ReviewForm,
    SegmentForm,
    SwotForm,
)
from rota.planning.models import (
    Action,
    ActionStatus,
    Area,
    KeyResult,
    KeyResultMode,
    Milestone,
    Plan,
    SwotKind,
)
from rota.planning.status import LABELS, Status
from rota.subscriptions.models import Area as PlaceArea
from rota.subscriptions.models import CancelReason

VIEW, WRITE = "planning.view_plan", "planning.change_plan"
DIAGNOSIS_KPIS = [
    "active_subscribers",
    "gross_adds",
    "churned",
    "churn_rate",
    "mrr",
    "arpu",
    "collection_rate",
    "tickets_per_100",
    "avg_ticket_handling_hours",
    "link_failure_rate",
    "availability",
]
STATUS_BADGES = {
    Status.ON_TRACK: "success",
    Status.AT_RISK: "warning",
    Status.OFF_TRACK: "danger",
    Status.ACHIEVED: "primary",
    Status.NO_DATA: "info",
}
ACTION_BADGES = {
    "todo": "info",
    "doing": "primary",
    "done": "success",
    "dropped": "danger",
    "standby": "warning",
}
SWOT_TITLES = {"S": "Strengths", "W": "Weaknesses", "O": "Opportunities", "T": "Threats"}
LOST_LABELS = {
    "reason": dict(CancelReason.choices),
    "segment": dict(Segment.choices),
    "area": dict(PlaceArea.choices),
}
LOST_TITLES = {
    "reason": "By reason",
    "segment": "By segment",
    "offer": "By offer",
    "area": "By area",
    "municipality": "By municipality",
}


def _number(value: Decimal | int | None) -> str:
    """Return a measured or planned value as the page shows it ("—" when there is none)."""
    if value is None:
        return "—"
    if isinstance(value, int) or value == value.to_integral_value():
        return str(int(value))
    return calc.shown(value)


def _renamed(call: Callable[[], Any], rename: Callable[[str], str]) -> Any:
    """Call a service; if it refuses, rename the fields its errors name to the form's."""
    try:
        return call()
    except InvalidInput as exc:
        errors = [FieldError(rename(e.field), e.message) for e in exc.errors]
        raise InvalidInput(detail=exc.detail, errors=errors) from None


def _segment_field(name: str) -> str:
    """Return the plan form's field for a service error on `segments.<segment>`."""
    return f"needs_{name.removeprefix('segments.')}" if name.startswith("segments.") else name


def key_result_target(kr: KeyResult) -> str:
    """Return what a key result aims at, in words."""
    if kr.mode == KeyResultMode.STAY_BELOW:
        return f"stay at or below {_number(kr.bound)}"
    if kr.mode == KeyResultMode.STAY_ABOVE:
        return f"stay at or above {_number(kr.bound)}"
    return (
        f"{_number(kr.baseline)} → {_number(kr.target_3)} (3 months) → "
        f"{_number(kr.target_6)} (6 months) → {_number(kr.target_12)} (12 months)"
    )


def key_result_metric(kr: KeyResult) -> str:
    """Return the KPI and slice a key result measures, or its manual unit."""
    if kr.is_manual:
        return f"manual metric{f' ({kr.unit})' if kr.unit else ''}"
    kpi = BY_CODE.get(kr.kpi_code)
    name = kpi.name if kpi else kr.kpi_code
    slice_ = ", ".join(f"{k} {v}" for k, v in sorted(kr.filters.items()))
    return f"{name}{f' ({slice_})' if slice_ else ''}"


@dataclass
class Person:
    """Someone on the plan's team and what they answer for."""

    user: User
    roles: list[str] = field(default_factory=list)
    open_actions: int = 0


def _team(plan: Plan) -> list[Person]:
    people: dict[int, Person] = {}

    def note(user: User | None, role: str) -> Person | None:
        if user is None:
            return None
        person = people.setdefault(user.pk, Person(user))
        if role:
            person.roles.append(role)
        return person

    note(plan.owner, "owns the plan")
    for objective in plan.objectives.all():
        note(objective.owner, f"owns “{objective.title}”")
        note(objective.reviewer, f"reviews “{objective.title}”")
        for act in objective.actions.all():
            person = note(act.owner, "")
            is_open = act.status in (ActionStatus.TODO, ActionStatus.DOING)
            if person is not None and is_open and not act.is_standby:
                person.open_actions += 1
    for milestone in plan.milestones.all():
        note(milestone.owner, f"answers for the milestone “{milestone.title}”")
    return sorted(people.values(), key=lambda p: p.user.get_username())


def _action_status(act: Action) -> tuple[str, str]:
    """Return the badge key and label of an action (plan B on standby or switched to)."""
    if act.is_standby:
        return "standby", "Plan B on standby"
    label = act.get_status_display()
    if act.activated_on:
        label += f" (plan B since {act.activated_on:%Y-%m-%d})"
    return act.status, label


def plan_page(plan: Plan, *, can_write: bool, today: date) -> dict[str, Any]:
    """Return what the plan page shows of the seven steps (plan from `plan_detail`)."""
    months = list(plan.diagnosis.all())
    diagnosis = [
        {
            "kpi": BY_CODE[code],
            "values": [
                _number(calc.from_json(m.values[code])) if code in m.values else "—" for m in months
            ],
        }
        for code in DIAGNOSIS_KPIS
    ]
    frozen = plan.lost_customers or {}
    lost = [
        {
            "title": title,
            "rows": [
                (LOST_LABELS.get(key, {}).get(k, k), n)
                for k, n in sorted(frozen[key].items(), key=lambda item: (-item[1], item[0]))
            ],
        }
        for key, title in LOST_TITLES.items()
        if key in frozen
    ]
    swot: dict[str, list[Any]] = {kind: [] for kind in SwotKind.values}
    for item in plan.swot.all():
        swot[item.kind].append(item)
    measures = {m.key_result.pk: m for m in selectors.plan_measures(plan, today)}
    areas: dict[str, list[dict[str, Any]]] = defaultdict(list)
    kr_titles: dict[int, str] = {}
    for objective in plan.objectives.all():
        krs = []
        for kr in objective.key_results.all():
            kr_titles[kr.pk] = kr.title
            m = measures.get(kr.pk)
            status = m.status if m else Status.NO_DATA
            krs.append(
                {
                    "kr": kr,
                    "metric": key_result_metric(kr),
                    "target": key_result_target(kr),
                    "actual": _number(m.actual) if m else "—",
                    "expected": _number(m.expected) if m else "—",
                    "as_of": m.as_of if m else None,
                    "status": status.value,
                    "status_label": LABELS[status],
                    "badge": STATUS_BADGES[status],
                }
            )
        actions = []
        for act in objective.actions.all():
            key, label = _action_status(act)
            actions.append(
                {
                    "action": act,
                    "status": key,
                    "status_label": label,
                    "badge": ACTION_BADGES[key],
                    "overdue": key in ("todo", "doing") and act.due_on < today,
                }
            )
        areas[objective.get_area_display()].append(
            {"objective": objective, "key_results": krs, "actions": actions}
        )
    milestones = []
    for milestone in plan.milestones.all():
        shown = milestone.actual_on or milestone.due_on
        late = milestone.actual_on is None and milestone.due_on < today
        drift = ((today if late else shown) - milestone.planned_on).days
        milestones.append({"milestone": milestone, "drift": drift, "late": late})
    reviews = [
        {
            "review": review,
            "attendees": ", ".join(sorted(a.get_username() for a in review.attendees.all())),
            "entries": [
                {
                    "title": kr_titles.get(e.key_result_id, str(e.key_result_id)),
                    "entry": e,
                    "actual": _number(e.actual),
                    "expected": _number(e.expected),
                    "status_label": LABELS.get(Status(e.status), e.status)
                    if e.status in Status.__members__.values()
                    else e.status,
                    "badge": STATUS_BADGES.get(Status(e.status), "info")
                    if e.status in Status.__members__.values()
                    else "info",
                }
                for e in review.entries.all()
            ],
            "decisions": list(review.decisions.all()),
        }
        for review in plan.reviews.all()
    ]
    return {
        "plan": plan,
        "can_write": can_write,
        "today": today,
        "diagnosis_months": [m.month for m in months],
        "diagnosis": diagnosis,
        "lost": lost,
        "swot": [(title, swot[kind]) for kind, title in SWOT_TITLES.items()],
        "areas": [(label, areas[label]) for label in dict(Area.choices).values() if label in areas],
        "team": _team(plan),
        "milestones": milestones,
        "reviews": reviews,
        "links": {
            "timeline": reverse("planning:timeline", args=[plan.pk]),
            "report": reverse("planning:report", args=[plan.pk]),
            "report_markdown": reverse("planning:report_markdown", args=[plan.pk]),
            "business_case": reverse("planning:business_case", args=[plan.pk]),
        },
    }


@admin.register(Plan)
class PlanAdmin(AuditHistoryMixin, ModelAdmin):
    list_display = [
        "name",
        "kind",
        "starts_on",
        "owner",
        "objective_count",
        "key_result_count",
        "open_action_count",
    ]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["owner"]
    actions = None
    actions_detail = [
        {
            "title": "Diagnosis",
            "icon": "query_stats",
            "items": ["finding_action", "swot_action", "segment_action"],
        },
        {
            "title": "Objectives",
            "icon": "flag",
            "items": ["objective_action", "key_result_action", "action_action"],
        },
        "milestone_action",
        "review_action",
        "edit_action",
    ]
    change_form_template = "planning/plan_change_form.html"
    readonly_fields = ["kind", "starts_on", "owner", "summary"]
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Plan]:
        return selectors.plans_with_counts()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("planning.add_plan")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_write_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return request.user.has_perm(WRITE)

    @display(description="objectives", ordering="objective_count")
    def objective_count(self, obj: Plan) -> int:
        return int(getattr(obj, "objective_count", 0))

    @display(description="key results", ordering="key_result_count")
    def key_result_count(self, obj: Plan) -> int:
        return int(getattr(obj, "key_result_count", 0))

    @display(description="open actions", ordering="open_action_count")
    def open_action_count(self, obj: Plan) -> int:
        return int(getattr(obj, "open_action_count", 0))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:plan_id>/actions/<int:action_id>/status/",
                self.admin_site.admin_view(self.action_status_view),
                name="planning_plan_action_status",
            ),
            path(
                "<int:plan_id>/milestones/<int:milestone_id>/",
                self.admin_site.admin_view(self.milestone_update_view),
                name="planning_plan_milestone_update",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = dict(extra_context or {})
        if object_id.isdigit() and Plan.objects.filter(pk=object_id).exists():
            plan = selectors.plan_detail(int(object_id))
            context["title"] = plan.name
            context["page"] = plan_page(
                plan, can_write=request.user.has_perm(WRITE), today=installation_today()
            )
        return super().change_view(request, object_id, form_url, context)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PlanForm(request.POST or None, initial={"owner": request.user.pk})

        def call(data: dict[str, Any]) -> Plan:
            return _renamed(
                lambda: services.plan_create(
                    name=data["name"],
                    kind=data["kind"],
                    starts_on=data["starts_on"],
                    owner=data["owner"],
                    summary=data["summary"],
                    offers=list(data["offers"]),
                    segments=form.segments(),
                    actor=Actor.for_user(request.user),
                ),
                lambda name: (
                    f"needs_{name.split('.')[1]}" if name.startswith("segments.") else name
                ),
            )

        plan = form_call(form, request, call)
        if plan is not None:
            messages.success(request, f"{plan.name} created; its diagnosis is frozen.")
            return HttpResponseRedirect(reverse("admin:planning_plan_change", args=[plan.pk]))
        return action_form_page(
            self,
            request,
            form,
            title="New plan",
            submit="Create the plan",
            back=reverse("admin:planning_plan_changelist"),
        )

    # One-form pages ---------------------------------------------------------------------

    def _act(
        self,
        request: HttpRequest,
        plan: Plan,
        form: forms.Form,
        *,
        title: str,
        submit: str,
        call: Callable[[dict[str, Any], Actor], str],
        step: str,
    ) -> HttpResponse:
        """Run a one-form action on a plan: on success back to its step, else the form."""
        back = reverse("admin:planning_plan_change", args=[plan.pk])
        actor = Actor.for_user(request.user)
        done = form_call(form, request, lambda data: call(data, actor))
        if done:
            messages.success(request, done)
            return HttpResponseRedirect(f"{back}#{step}")
        return action_form_page(
            self, request, form, title=f"{plan.name}: {title}", submit=submit, back=back
        )

    @action(description="Add finding", url_path="finding", permissions=["write"], icon="search")
    def finding_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        plan = get_object_or_404(Plan, pk=object_id)

        def call(data: dict[str, Any], actor: Actor) -> str:
            services.finding_add(plan, text=data["text"], kpi_code=data["kpi_code"], actor=actor)
            return "Finding added."

        form = FindingForm(request.POST or None)
        return self._act(
            request, plan, form, title="add a finding", submit="Add", call=call, step="step-1"
        )

    @action(description="Add SWOT item", url_path="swot", permissions=["write"], icon="grid_view")
    def swot_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        plan = get_object_or_404(Plan, pk=object_id)

        def call(data: dict[str, Any], actor: Actor) -> str:
            item = services.swot_add(
                plan, kind=data["kind"], text=data["text"], kpi_code=data["kpi_code"], actor=actor
            )
            return f"{item.get_kind_display()} added."

        form = SwotForm(request.POST or None, initial={"kind": request.GET.get("kind")})
        return self._act(
            request, plan, form, title="add a SWOT item", submit="Add", call=call, step="step-1"
        )

    @action(
        description="Target a segment", url_path="segment", permissions=["write"], icon="groups"
    )
    def segment_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        plan = get_object_or_404(Plan, pk=object_id)

        def call(data: dict[str, Any], actor: Actor) -> str:
            row = services.segment_set(
                plan, segment=data["segment"], needs=data["needs"], actor=actor
            )
            return f"{row.get_segment_display()} customers targeted."

        form = SegmentForm(request.POST or None)
        return self._act(
            request, plan, form, title="target a segment", submit="Save", call=call, step="step-1"
        )

    @action(description="Add objective", url_path="objective", permissions=["write"], icon="flag")
    def objective_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        plan = get_object_or_404(Plan, pk=object_id)

        def call(data: dict[str, Any], actor: Actor) -> str:
            objective = services.objective_add(
                plan,
                area=data["area"],
                title=data["title"],
                description=data["description"],
                owner=data["owner"],
                reviewer=data["reviewer"],
                actor=actor,
            )
            return f"Objective “{objective.title}” added."

        form = ObjectiveForm(request.POST or None)
        return self._act(
            request, plan, form, title="add an objective", submit="Add", call=call, step="step-2"
        )

    @action(
        description="Add key result", url_path="key-result", permissions=["write"], icon="target"
    )
    def key_result_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        plan = get_object_or_404(Plan, pk=object_id)

        def call(data: dict[str, Any], actor: Actor) -> str:
            given = services.KeyResultInput(
                title=data["title"],
                kpi_code=data["kpi_code"],
                filters=form.filters(),
                unit=data["unit"],
                mode=data["mode"],
                direction=data["direction"],
                baseline=data["baseline"],
                target_3=data["target_3"],
                target_6=data["target_6"],
                target_12=data["target_12"],
                bound=data["bound"],
            )
            kr = _renamed(
                lambda: services.key_result_add(data["objective"], given, actor=actor),
                lambda name: name.removeprefix("filters."),
            )
            return f"Key result “{kr.title}” added."

        initial = {"objective": request.GET.get("objective")}
        form = KeyResultForm(request.POST or None, plan=plan, initial=initial)
        return self._act(
            request, plan, form, title="add a key result", submit="Add", call=call, step="step-2"
        )

    @action(description="Add action", url_path="action", permissions=["write"], icon="task_alt")
    def action_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        plan = get_object_or_404(Plan, pk=object_id)

        def call(data: dict[str, Any], actor: Actor) -> str:
            act = services.action_add(
                data["objective"],
                title=data["title"],
                description=data["description"],
                owner=data["owner"],
                starts_on=data["starts_on"],
                due_on=data["due_on"],
                plan_b_of=data["plan_b_of"],
                actor=actor,
            )
            kind = "Plan B" if act.plan_b_of_id else "Action"
            return f"{kind} “{act.title}” added."

        initial = {
            "objective": request.GET.get("objective"),
            "plan_b_of": request.GET.get("plan_b_of"),
        }
        form = ActionForm(request.POST or None, plan=plan, initial=initial)
        return self._act(
            request, plan, form, title="add an action", submit="Add", call=call, step="step-3"
        )

    @action(description="Add milestone", url_path="milestone", permissions=["write"], icon="event")
    def milestone_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        plan = get_object_or_404(Plan, pk=object_id)

        def call(data: dict[str, Any], actor: Actor) -> str:
            milestone = services.milestone_add(
                plan,
                kind=data["kind"],
                title=data["title"],
                planned_on=data["planned_on"],
                owner=data["owner"],
                actor=actor,
            )
            return f"Milestone “{milestone.title}” added."

        form = MilestoneForm(request.POST or None)
        return self._act(
            request, plan, form, title="add a milestone", submit="Add", call=call, step="step-5"
        )

    @action(
        description="Record review",
        url_path="review",
        permissions=["write"],
        icon="rate_review",
    )
    def review_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        plan = get_object_or_404(Plan, pk=object_id)
        today = installation_today()
        standby = list(
            Action.objects.filter(
                objective__plan=plan, plan_b_of__isnull=False, activated_on__isnull=True
            )
            .select_related("plan_b_of")
            .order_by("objective__area", "objective_id", "id")
        )
        form = ReviewForm(
            request.POST or None,
            measures=selectors.plan_measures(plan, today),
            standby=standby,
            initial={"held_on": today},
        )

        def call(data: dict[str, Any], actor: Actor) -> str:
            key_results = {m.key_result.pk: m.key_result for m in form.measures}
            entries = form.entries()
            decisions = form.decisions()

            def rename(name: str) -> str:
                head, _, rest = name.partition(".")
                if head.startswith("entries["):
                    return f"kr_{entries[int(head[8:-1])][0]}_{rest}"
                if head.startswith("decisions["):
                    return f"decision_{decisions[int(head[10:-1])][0]}_{rest}"
                return name

            review = _renamed(
                lambda: services.review_record(
                    plan,
                    held_on=data["held_on"],
                    attendees=list(data["attendees"]),
                    summary=data["summary"],
                    entries=[
                        services.EntryInput(key_results[pk], note=note, status=status)
                        for pk, status, note in entries
                    ],
                    decisions=[
                        services.DecisionInput(text, activates) for _, text, activates in decisions
                    ],
                    actor=actor,
                ),
                rename,
            )
            return f"Review of {review.held_on:%Y-%m-%d} recorded."

        return self._act(
            request, plan, form, title="record a review", submit="Record", call=call, step="step-7"
        )

    @action(description="Edit plan", url_path="edit", permissions=["write"], icon="edit")
    def edit_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        plan = get_object_or_404(Plan, pk=object_id)
        initial = {"name": plan.name, "owner": plan.owner_id, "summary": plan.summary}

        def call(data: dict[str, Any], actor: Actor) -> str:
            saved = services.plan_update(
                plan, name=data["name"], summary=data["summary"], owner=data["owner"], actor=actor
            )
            return f"{saved.name} saved."

        form = PlanUpdateForm(request.POST or None, initial=initial)
        return self._act(
            request, plan, form, title="edit", submit="Save", call=call, step="content"
        )

    # Row actions (an action's status, a milestone's dates) ------------------------------

    def action_status_view(
        self, request: HttpRequest, plan_id: int, action_id: int
    ) -> HttpResponse:
        """Move one action of the plan to another status."""
        if not request.user.has_perm(WRITE):
            raise PermissionDenied
        act = get_object_or_404(
            Action.objects.select_related("objective__plan"), pk=action_id, objective__plan=plan_id
        )

        def call(data: dict[str, Any], actor: Actor) -> str:
            done = services.action_status(act, status=data["status"], on=data["on"], actor=actor)
            return f"“{done.title}” is now {done.get_status_display().lower()}."

        form = ActionStatusForm(request.POST or None, initial={"status": act.status})
        return self._act(
            request,
            act.objective.plan,
            form,
            title=f"status of “{act.title}”",
            submit="Change status",
            call=call,
            step="step-3",
        )

    def milestone_update_view(
        self, request: HttpRequest, plan_id: int, milestone_id: int
    ) -> HttpResponse:
        """Re-plan a milestone or record the day it was reached."""
        if not request.user.has_perm(WRITE):
            raise PermissionDenied
        milestone = get_object_or_404(
            Milestone.objects.select_related("plan"), pk=milestone_id, plan=plan_id
        )

        def call(data: dict[str, Any], actor: Actor) -> str:
            services.milestone_update(
                milestone,
                replanned_on=data["replanned_on"],
                actual_on=data["actual_on"],
                owner=data["owner"],
                actor=actor,
            )
            return f"Milestone “{milestone.title}” saved."

        form = MilestoneUpdateForm(
            request.POST or None, initial=MilestoneUpdateForm.initial_of(milestone)
        )
        return self._act(
            request,
            milestone.plan,
            form,
            title=f"re-plan or mark reached “{milestone.title}” (planned {milestone.planned_on})",
            submit="Save",
            call=call,
            step="step-5",
        )
