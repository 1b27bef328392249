"""The KPI dashboard: the back office's home page (unfold's DASHBOARD_CALLBACK)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from rota.core.charts import chart_options
from rota.core.errors import DomainError
from rota.core.forms import add_field_errors
from rota.core.periods import Month
from rota.kpis import calc
from rota.kpis.definitions import KPIS, Better, Kpi
from rota.kpis.filters import FILTER_FIELDS, Filters
from rota.kpis.forms import DashboardForm
from rota.kpis.selectors import (
    DASHBOARD_MONTHS,
    MonthFigures,
    closed_before,
    filters_parse,
    month_parse,
)
from rota.kpis.services import kpi_months
from rota.subscriptions.models import CancelReason

PERMISSION = "kpis.view_kpisnapshot"
GOOD, BAD = "#16a34a", "#dc2626"
COLORS = ["#2563eb", "#16a34a", "#dc2626", "#f59e0b", "#7c3aed", "#0891b2", "#db2777", "#64748b"]


@dataclass(frozen=True)
class Card:
    """One KPI on the dashboard."""

    kpi: Kpi
    value: str
    change: str
    color: str
    link: str


def _list_links(month: Month, filters: Filters) -> dict[str, str]:
    """Return, per KPI, the back-office list of the rows behind the number."""
    first, last = month.start.isoformat(), (month.end - timedelta(days=1)).isoformat()
    after = month.end.isoformat()

    def url(name: str, **params: str) -> str:
        return reverse(f"admin:{name}") + ("?" + urlencode(params) if params else "")

    subscriptions = url("subscriptions_subscription_changelist")
    if filters.municipality:
        subscriptions += "?" + urlencode({"municipality_code": filters.municipality})
    ended = {"end_date__gte": first, "end_date__lte": last}
    tickets_opened = url("support_ticket_changelist", opened_at__gte=first, opened_at__lt=after)
    tickets_resolved = url(
        "support_ticket_changelist", resolved_at__gte=first, resolved_at__lt=after
    )
    incidents = url("support_incident_changelist", started_at__gte=first, started_at__lt=after)
    return {
        "active_subscribers": subscriptions,
        "opening_subscribers": subscriptions,
        "gross_adds": url(
            "subscriptions_subscription_changelist", start_date__gte=first, start_date__lte=last
        ),
        "churned": url("subscriptions_cancellation_changelist", **ended),
        "churned_voluntary": url("subscriptions_cancellation_changelist", **ended),
        "churned_involuntary": url(
            "subscriptions_cancellation_changelist", cancel_reason="non_payment", **ended
        ),
        "net_adds": url("subscriptions_cancellation_changelist", **ended),
        "churn_rate": url("subscriptions_cancellation_changelist", **ended),
        "mrr": subscriptions,
        "arpu": subscriptions,
        "revenue_invoiced": url(
            "billing_invoice_changelist", issue_date__gte=first, issue_date__lte=last
        ),
        "collection_rate": url(
            "billing_invoice_changelist", due_date__gte=first, due_date__lte=last
        ),
        "overdue_amount": url("billing_arrears"),
        "tickets_opened": tickets_opened,
        "tickets_per_100": tickets_opened,
        "avg_ticket_handling_hours": tickets_resolved,
        "first_response_hours": tickets_opened,
        "sla_compliance": tickets_resolved,
        "link_failure_rate": incidents,
        "availability": incidents,
        "mttr_hours": url(
            "support_incident_changelist", resolved_at__gte=first, resolved_at__lt=after
        ),
    }


def _card(kpi: Kpi, now: Decimal | int, then: Decimal | int, link: str) -> Card:
    diff = calc.change(now, then)
    sign = "+" if diff > 0 else ""
    good = (diff > 0) == (kpi.better == Better.UP)
    return Card(
        kpi=kpi,
        value=calc.shown(now),
        change=f"{sign}{calc.shown(diff)}",
        color="" if not diff else (GOOD if good else BAD),
        link=link,
    )


def _number(value: Decimal | int) -> float:
    return float(value)


def _line(label: str, values: list[float], color: str, axis: str = "y") -> dict[str, Any]:
    return {
        "type": "line",
        "label": label,
        "data": values,
        "borderColor": color,
        "backgroundColor": color,
        "yAxisID": axis,
        "tension": 0.2,
        "pointRadius": 2,
    }


def _bar(label: str, values: list[float], color: str, stack: str = "") -> dict[str, Any]:
    bar: dict[str, Any] = {
        "type": "bar",
        "label": label,
        "data": values,
        "backgroundColor": color,
        "yAxisID": "y",
    }
    if stack:
        bar["stack"] = stack
    return bar


def _charts(figures: dict[Month, MonthFigures]) -> list[dict[str, str]]:
    months = sorted(figures)
    labels = [str(m) for m in months]

    def series(code: str) -> list[float]:
        return [_number(figures[m].values[code]) for m in months]

    reasons = [
        _bar(
            label,
            [float(figures[m].churn_reasons.get(value, 0)) for m in months],
            COLORS[i % len(COLORS)],
            stack="reasons",
        )
        for i, (value, label) in enumerate(CancelReason.choices)
    ]
    charts = [
        (
            "Subscribers",
            [
                _bar("Gross adds", series("gross_adds"), GOOD),
                _bar("Churned", [-v for v in series("churned")], BAD),
                _bar("Net adds", series("net_adds"), "#64748b"),
                _line("Active subscribers", series("active_subscribers"), COLORS[0], "y1"),
            ],
            chart_options("adds and churn", "active"),
        ),
        (
            "Churn",
            [*reasons, _line("Churn rate %", series("churn_rate"), "#111827", "y1")],
            chart_options("churned by reason", "%", stacked=True),
        ),
        (
            "MRR and ARPU",
            [
                _line("MRR", series("mrr"), COLORS[0]),
                _line("ARPU", series("arpu"), COLORS[3], "y1"),
            ],
            chart_options("MRR", "ARPU"),
        ),
        (
            "Revenue and collection",
            [
                _bar("Revenue invoiced", series("revenue_invoiced"), COLORS[0]),
                _bar("Overdue", series("overdue_amount"), BAD),
                _line("Collection rate %", series("collection_rate"), GOOD, "y1"),
            ],
            chart_options("net / gross", "%"),
        ),
        (
            "Tickets",
            [
                _line("Handling hours", series("avg_ticket_handling_hours"), COLORS[0]),
                _line("First response hours", series("first_response_hours"), COLORS[3]),
                _line("SLA compliance %", series("sla_compliance"), GOOD, "y1"),
            ],
            chart_options("hours", "%"),
        ),
        (
            "Network",
            [
                _bar("Link failures per 100", series("link_failure_rate"), BAD),
                _line("Availability %", series("availability"), GOOD, "y1"),
            ],
            chart_options("per 100 lines", "%"),
        ),
    ]
    return [
        {
            "title": title,
            "data": json.dumps({"labels": labels, "datasets": datasets}),
            "options": options,
        }
        for title, datasets, options in charts
    ]


def dashboard(request: HttpRequest) -> dict[str, Any]:
    """Return the dashboard's context for the month and slice the request asks for."""
    form = DashboardForm(request.GET or None)
    month = closed_before().previous()
    filters = Filters()
    if form.is_bound and form.is_valid():
        try:
            if form.cleaned_data["month"]:
                month = month_parse(form.cleaned_data["month"], field="month")
            filters = filters_parse({name: form.cleaned_data[name] for name in FILTER_FIELDS})
        except DomainError as exc:
            add_field_errors(form, exc.errors)
            month, filters = closed_before().previous(), Filters()
    first = month
    for _ in range(DASHBOARD_MONTHS - 1):
        first = first.previous()
    figures = kpi_months(first, month, filters)
    values, before = figures[month].values, figures[month.previous()].values
    links = _list_links(month, filters)
    cards = [_card(k, values[k.code], before[k.code], links[k.code]) for k in KPIS]
    return {
        "month": str(month),
        "previous": str(month.previous()),
        "form": form,
        "filters": filters.as_dict(),
        "cards": cards,
        "charts": _charts(figures),
    }


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """Add the KPI dashboard to the admin index for staff allowed to read KPIs."""
    user = getattr(request, "user", None)
    if user is not None and user.has_perm(PERMISSION):
        context["kpi_dashboard"] = dashboard(request)
    return context
