"""Planning reads: key results measured against live KPIs, my work, the timeline, the report.

A key result on a KPI is measured on the last complete month M before `today` (the
installation's date): its actual is the KPI of M with the key result's filters, the
expected value is taken on M's last day. A manual key result is measured by its latest
check-in on or before `today`, and the expected value on that check-in's day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q, QuerySet

from rota.core.errors import NotFound
from rota.core.periods import Month, add_months
from rota.installation.selectors import installation_today
from rota.kpis.filters import Filters
from rota.kpis.services import kpi_months
from rota.planning import status as rule
from rota.planning.models import (
    Action,
    ActionStatus,
    CheckIn,
    KeyResult,
    KeyResultMode,
    Milestone,
    Objective,
    Plan,
    Review,
)
from rota.subscriptions.models import Subscription

DIAGNOSIS_MONTHS = 12


@dataclass(frozen=True)
class Measure:
    """A key result as it stands: actual, expected and status on the day they refer to."""

    key_result: KeyResult
    actual: Decimal | None
    expected: Decimal | None
    status: rule.Status
    as_of: date | None
    month: Month | None = None

    @property
    def status_label(self) -> str:
        return rule.LABELS[self.status]


def plan_get(pk: int) -> Plan:
    """Return a plan or raise NotFound."""
    found = Plan.objects.select_related("owner").filter(pk=pk).first()
    if found is None:
        raise NotFound(detail=f"There is no plan {pk}.")
    return found


def plan_find(name_or_id: str) -> Plan:
    """Return the plan with this name (or id), or raise NotFound."""
    found = Plan.objects.filter(name=name_or_id).first()
    if found is None and name_or_id.isdigit():
        found = Plan.objects.filter(pk=int(name_or_id)).first()
    if found is None:
        raise NotFound(detail=f"There is no plan {name_or_id!r}.")
    return found


def diagnosis_months(starts_on: date, created_on: date | None = None) -> tuple[Month, Month]:
    """Return the first and last month of the diagnosis: the twelve months before t0.

    A plan made ahead of its start (in November for January) looks at the twelve months
    complete when it was made.
    """
    last = Month.of(min(starts_on, created_on or starts_on)).previous()
    first = last
    for _ in range(DIAGNOSIS_MONTHS - 1):
        first = first.previous()
    return first, last


def lost_customers(first: Month, last: Month) -> dict[str, dict[str, int]]:
    """Count the subscriptions whose last day of service is in first..last, four ways."""
    ended = Subscription.objects.filter(end_date__gte=first.start, end_date__lt=last.end)
    out: dict[str, dict[str, int]] = {}
    for key, column in (
        ("reason", "cancel_reason"),
        ("segment", "offer__segment"),
        ("offer", "offer__code"),
        ("area", "area"),
        ("municipality", "municipality_code"),
    ):
        rows = ended.values_list(column).annotate(n=Count("id")).order_by("-n", column)
        out[key] = {str(value or "unknown"): n for value, n in rows}
    return out


def targets_of(kr: KeyResult, start: date) -> rule.Targets | None:
    """Return the key result's line of targets, or None for a stay-below/above one."""
    if kr.mode != KeyResultMode.TARGET:
        return None
    assert kr.baseline is not None and kr.target_3 is not None
    assert kr.target_6 is not None and kr.target_12 is not None
    return rule.Targets(start, kr.baseline, kr.target_3, kr.target_6, kr.target_12)


def _judge(
    kr: KeyResult, start: date, actual: Decimal | None, day: date | None
) -> tuple[Decimal | None, rule.Status]:
    targets = targets_of(kr, start)
    expected = rule.expected(targets, day) if targets and day else None
    if expected is not None:
        expected = expected.quantize(Decimal("0.0001"))
    state = rule.status(
        mode=rule.Mode(kr.mode),
        direction=rule.Direction(kr.direction),
        actual=actual,
        day=day or start,
        targets=targets,
        bound=kr.bound,
    )
    return expected, state


def measured_month(today: date) -> Month:
    """Return the last complete month before `today`."""
    return Month.of(today).previous()


def measure_all(
    key_results: list[KeyResult], start: date, today: date | None = None
) -> list[Measure]:
    """Measure key results of one plan: one KPI computation per distinct slice."""
    today = today or installation_today()
    month = measured_month(today)
    values: dict[str, dict[str, Decimal | int]] = {}
    manual = [kr.pk for kr in key_results if kr.is_manual]
    latest: dict[int, CheckIn] = {}
    for check_in in CheckIn.objects.filter(key_result_id__in=manual, on__lte=today).order_by(
        "key_result_id", "on", "id"
    ):
        latest[check_in.key_result_id] = check_in
    out = []
    for kr in key_results:
        if kr.is_manual:
            found = latest.get(kr.pk)
            actual, day = (found.value, found.on) if found else (None, None)
            expected, state = _judge(kr, start, actual, day)
            out.append(Measure(kr, actual, expected, state, day))
            continue
        filters = Filters(**kr.filters)
        if filters.key not in values:
            values[filters.key] = kpi_months(month, month, filters)[month].values
        actual = Decimal(values[filters.key][kr.kpi_code])
        last_day = month.end - timedelta(days=1)
        expected, state = _judge(kr, start, actual, last_day)
        out.append(Measure(kr, actual, expected, state, last_day, month))
    return out


def plan_key_results(plan: Plan) -> list[KeyResult]:
    """Return the plan's key results with their objectives, in objective order."""
    return list(
        KeyResult.objects.filter(objective__plan=plan)
        .select_related("objective", "objective__owner", "objective__reviewer")
        .order_by("objective__area", "objective_id", "id")
    )


def plan_measures(plan: Plan, today: date | None = None) -> list[Measure]:
    """Measure every key result of a plan."""
    return measure_all(plan_key_results(plan), plan.starts_on, today)


def kr_history(kr: KeyResult, today: date | None = None) -> list[tuple[Month, Decimal, Decimal]]:
    """Return (month, actual, expected) for each complete month from the diagnosis to today.

    A KPI key result reads the KPI series; a manual one its latest check-in of each month.
    """
    plan = kr.objective.plan
    today = today or installation_today()
    first = Month.of(plan.starts_on).previous()
    last = measured_month(today)
    targets = targets_of(kr, plan.starts_on)
    rows: list[tuple[Month, Decimal, Decimal]] = []
    if last < first:
        return rows
    if kr.is_manual:
        by_month: dict[Month, Decimal] = {}
        for check_in in kr.check_ins.filter(on__lte=today).order_by("on", "id"):
            by_month[Month.of(check_in.on)] = check_in.value
        months = sorted(by_month)
        series = [(m, by_month[m]) for m in months]
    else:
        figures = kpi_months(first, last, Filters(**kr.filters))
        series = [(m, Decimal(figures[m].values[kr.kpi_code])) for m in sorted(figures)]
    for month, actual in series:
        day = month.end - timedelta(days=1)
        if targets:
            expected = rule.expected(targets, day).quantize(Decimal("0.0001"))
        else:
            expected = kr.bound or Decimal(0)
        rows.append((month, actual, expected))
    return rows


# My work ------------------------------------------------------------------------------------


@dataclass
class Work:
    """What one person owes across all plans."""

    actions: list[Action] = field(default_factory=list)
    overdue: list[Action] = field(default_factory=list)
    objectives_owned: list[Objective] = field(default_factory=list)
    reviews_owed: list[Objective] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)


def open_actions() -> QuerySet[Action]:
    """Return actions still to be done: not done, not dropped, not a plan B on standby."""
    return Action.objects.filter(status__in=[ActionStatus.TODO, ActionStatus.DOING]).exclude(
        plan_b_of__isnull=False, activated_on__isnull=True
    )


def my_work(user: User, today: date | None = None) -> Work:
    """Return the actions, objectives, milestones and reviews `user` owes."""
    today = today or installation_today()
    actions = list(
        open_actions()
        .filter(owner=user)
        .select_related("objective", "objective__plan")
        .order_by("due_on", "id")
    )
    objectives = Objective.objects.select_related("plan").order_by("plan__name", "id")
    reviewed = list(objectives.filter(reviewer=user))
    last_reviews = _last_reviews({o.plan_id for o in reviewed})
    return Work(
        actions=actions,
        overdue=[a for a in actions if a.due_on < today],
        objectives_owned=list(objectives.filter(owner=user)),
        reviews_owed=[o for o in reviewed if review_due(last_reviews.get(o.plan_id), today)],
        milestones=list(
            Milestone.objects.filter(owner=user, actual_on__isnull=True)
            .select_related("plan")
            .order_by("planned_on")
        ),
    )


REVIEW_EVERY_DAYS = 31


def review_due(last: date | None, today: date) -> bool:
    """Tell whether a plan is due for a review: none yet, or the last over a month ago."""
    return last is None or (today - last).days >= REVIEW_EVERY_DAYS


def _last_reviews(plan_ids: set[int]) -> dict[int, date]:
    out: dict[int, date] = {}
    for plan_id, held_on in Review.objects.filter(plan_id__in=plan_ids).values_list(
        "plan_id", "held_on"
    ):
        out[plan_id] = max(held_on, out.get(plan_id, held_on))
    return out


# Timeline -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One row of the timeline: an action's span or a milestone's dates, and its drift."""

    label: str
    kind: str  # "action" or "milestone"
    start: date
    end: date
    planned_end: date
    actual: date | None
    status: str
    drift_days: int
    owner: str
    left: float = 0.0  # percent of the timeline's width
    width: float = 0.0
    planned_left: float = 0.0


@dataclass(frozen=True)
class Timeline:
    start: date
    end: date
    months: list[tuple[Month, float, float]]  # month, left %, width %
    bars: list[Bar]
    today_left: float | None


def _drift(planned: date, expected: date, actual: date | None, today: date) -> int:
    """Days late (positive) or early (negative) against the planned date."""
    if actual is not None:
        return (actual - planned).days
    if expected < today:
        return max((today - planned).days, (expected - planned).days)
    return (expected - planned).days


def timeline(plan: Plan, today: date | None = None) -> Timeline:
    """Return the plan's actions and milestones laid out on its months, with their drift."""
    today = today or installation_today()
    actions = list(
        Action.objects.filter(objective__plan=plan)
        .select_related("owner", "objective")
        .order_by("starts_on", "due_on", "id")
    )
    milestones = list(plan.milestones.select_related("owner").order_by("planned_on", "id"))
    start = plan.starts_on
    dates = [add_months(start, 12)]
    dates += [a.due_on for a in actions] + [a.done_on for a in actions if a.done_on]
    dates += [m.due_on for m in milestones] + [m.actual_on for m in milestones if m.actual_on]
    dates += [a.starts_on for a in actions] + [m.planned_on for m in milestones]
    first = min([start, *dates])
    end = Month.of(max(dates)).end
    first = Month.of(first).start
    span = (end - first).days

    def pos(day: date) -> float:
        return round(100 * (day - first).days / span, 2)

    bars = []
    for a in actions:
        finish = a.done_on or a.due_on
        drift = 0
        if a.status == ActionStatus.DONE and a.done_on:
            drift = (a.done_on - a.due_on).days
        elif a.status in (ActionStatus.TODO, ActionStatus.DOING) and not a.is_standby:
            drift = max(0, (today - a.due_on).days)
        status = "standby" if a.is_standby else a.status
        bars.append(
            Bar(
                label=a.title,
                kind="action",
                start=a.starts_on,
                end=finish,
                planned_end=a.due_on,
                actual=a.done_on,
                status=status,
                drift_days=drift,
                owner=a.owner.get_username(),
                left=pos(a.starts_on),
                width=max(pos(finish + timedelta(days=1)) - pos(a.starts_on), 0.5),
                planned_left=pos(a.due_on),
            )
        )
    for m in milestones:
        shown = m.actual_on or m.due_on
        bars.append(
            Bar(
                label=m.title,
                kind="milestone",
                start=shown,
                end=shown,
                planned_end=m.planned_on,
                actual=m.actual_on,
                status="reached" if m.actual_on else ("late" if m.due_on < today else "planned"),
                drift_days=_drift(m.planned_on, m.due_on, m.actual_on, today),
                owner=m.owner.get_username() if m.owner else "",
                left=pos(shown),
                width=0.0,
                planned_left=pos(m.planned_on),
            )
        )
    months = []
    month = Month.of(first)
    while month.start < end:
        months.append((month, pos(month.start), pos(month.end) - pos(month.start)))
        month = month.next()
    today_left = pos(today) if first <= today < end else None
    return Timeline(first, end, months, bars, today_left)


# Progress report ----------------------------------------------------------------------------


@dataclass
class Report:
    """What the owner sends the team: what changed since the last review and what is late."""

    plan: Plan
    today: date
    last_review: Review | None
    measures: list[Measure]
    previous_status: dict[int, str]
    overdue: list[Action]
    done_since: list[Action]
    activated_since: list[Action]
    slipped: list[Milestone]
    reached_since: list[Milestone]
    check_ins_since: list[CheckIn]
    counts: dict[str, int]


def report(plan: Plan, today: date | None = None) -> Report:
    """Return the plan's progress report as of `today`."""
    today = today or installation_today()
    last = plan.reviews.order_by("-held_on", "-id").prefetch_related("entries").first()
    since = last.held_on if last else plan.starts_on - timedelta(days=1)
    measures = plan_measures(plan, today)
    previous = {e.key_result_id: e.status for e in last.entries.all()} if last else {}
    actions = Action.objects.filter(objective__plan=plan).select_related("owner", "objective")
    milestones = list(plan.milestones.select_related("owner"))
    counts: dict[str, int] = defaultdict(int)
    for m in measures:
        counts[m.status] += 1
    return Report(
        plan=plan,
        today=today,
        last_review=last,
        measures=measures,
        previous_status=previous,
        overdue=list(
            open_actions()
            .filter(objective__plan=plan, due_on__lt=today)
            .select_related("owner", "objective")
            .order_by("due_on", "id")
        ),
        done_since=list(actions.filter(done_on__gt=since).order_by("done_on", "id")),
        activated_since=list(actions.filter(activated_on__gt=since).order_by("activated_on")),
        slipped=[
            m
            for m in milestones
            if (m.replanned_on and m.replanned_on > m.planned_on)
            or (m.actual_on and m.actual_on > m.planned_on)
            or (not m.actual_on and m.due_on < today)
        ],
        reached_since=[m for m in milestones if m.actual_on and m.actual_on > since],
        check_ins_since=list(
            CheckIn.objects.filter(key_result__objective__plan=plan, on__gt=since, on__lte=today)
            .select_related("key_result", "by")
            .order_by("on", "id")
        ),
        counts=dict(counts),
    )


def plans_with_counts() -> QuerySet[Plan]:
    """Return plans with how many objectives, key results and open actions each has."""
    return Plan.objects.select_related("owner").annotate(
        objective_count=Count("objectives", distinct=True),
        key_result_count=Count("objectives__key_results", distinct=True),
        open_action_count=Count(
            "objectives__actions",
            filter=Q(objectives__actions__status__in=[ActionStatus.TODO, ActionStatus.DOING]),
            distinct=True,
        ),
    )


def plan_detail(plan_id: int) -> Plan:
    """Return a plan with everything its page shows prefetched."""
    return (
        Plan.objects.select_related("owner")
        .prefetch_related(
            "segments",
            "findings",
            "swot",
            "offers",
            "diagnosis",
            Prefetch(
                "objectives",
                queryset=Objective.objects.select_related("owner", "reviewer").prefetch_related(
                    "key_results",
                    Prefetch(
                        "actions",
                        queryset=Action.objects.select_related("owner", "plan_b_of"),
                    ),
                ),
            ),
            Prefetch("milestones", queryset=Milestone.objects.select_related("owner")),
            Prefetch(
                "reviews",
                queryset=Review.objects.prefetch_related(
                    "attendees", "entries", "decisions__activates"
                ),
            ),
        )
        .get(pk=plan_id)
    )
