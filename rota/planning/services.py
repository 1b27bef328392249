"""Planning writes: plans and their diagnosis, objectives, key results, actions, milestones,
reviews and business cases. Each write checks its input (naming every bad field), changes
the rows and records its audit event in one transaction; a refused call changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone

from rota.audit.actors import Actor
from rota.audit.services import audit_record, diff
from rota.catalog.models import Offer, Segment
from rota.core.errors import Conflict, FieldError, InvalidInput
from rota.core.money import to_decimal
from rota.core.periods import EARLIEST, LATEST, Month
from rota.installation.selectors import installation_today, installation_zone
from rota.kpis import calc
from rota.kpis.definitions import BY_CODE
from rota.kpis.filters import FILTER_FIELDS, Filters
from rota.kpis.selectors import filters_parse
from rota.kpis.services import kpi_months
from rota.planning import business_case as model
from rota.planning import selectors
from rota.planning.models import (
    Action,
    ActionStatus,
    Area,
    BusinessCase,
    CaseOffer,
    CheckIn,
    Decision,
    DiagnosisMonth,
    DirectionChoice,
    Finding,
    KeyResult,
    KeyResultMode,
    Milestone,
    MilestoneKind,
    Objective,
    Plan,
    PlanSegment,
    Review,
    ReviewEntry,
    SwotItem,
    SwotKind,
)
from rota.planning.status import Status

# The standard milestones come in this order; custom ones may fall anywhere.
MILESTONE_ORDER = [MilestoneKind.TEST_START, MilestoneKind.PILOT, MilestoneKind.FULL_LAUNCH]
MAX_VALUE = Decimal("99999999999999")


def _refuse(detail: str, errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(detail=detail, errors=errors)


def _choice(name: str, value: str, choices: Any) -> list[FieldError]:
    if value in choices.values:
        return []
    return [FieldError(name, f"must be one of {', '.join(choices.values)}")]


def _text(name: str, value: str, limit: int, *, required: bool = True) -> list[FieldError]:
    if required and not value.strip():
        return [FieldError(name, "is required")]
    if len(value.strip()) > limit:
        return [FieldError(name, f"must be at most {limit} characters")]
    return []


def _user(name: str, user: User | None, *, required: bool = True) -> list[FieldError]:
    if user is None:
        return [FieldError(name, "is required: every item has an owner")] if required else []
    if not (user.is_active and user.is_staff):
        return [FieldError(name, f"{user.get_username()} is not an active staff user")]
    return []


def _day(name: str, value: date | None, *, required: bool = True) -> list[FieldError]:
    if value is None:
        return [FieldError(name, "is required")] if required else []
    if not EARLIEST <= value <= LATEST:
        return [FieldError(name, f"must be between {EARLIEST} and {LATEST}")]
    return []


def _kpi(name: str, code: str) -> list[FieldError]:
    if code and code not in BY_CODE:
        return [FieldError(name, f"there is no KPI {code!r}")]
    return []


def _number(name: str, value: Decimal | None) -> list[FieldError]:
    if value is not None and not (-MAX_VALUE <= value <= MAX_VALUE):
        return [FieldError(name, "is out of range")]
    return []


def _fields(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


M = TypeVar("M", bound=models.Model)


def _update(obj: M, values: dict[str, Any], *, action: str, actor: Actor) -> M:
    """Lock the row, set `values` on it, save them and record what changed as `action`."""
    row = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    before = _fields(row, values)
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=list(values))
    audit_record(actor=actor, action=action, obj=row, changes=diff(before, _fields(row, values)))
    return row


# Plans -------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    name: str,
    starts_on: date,
    owner: User | None,
    actor: Actor,
    kind: str = "yearly",
    summary: str = "",
    offers: Sequence[Offer] = (),
    segments: dict[str, str] | None = None,
) -> Plan:
    """Create a plan starting on the first day of `starts_on`'s month; freeze its diagnosis.

    The diagnosis is every KPI of the twelve months before the start (computed now and
    kept as it was) and the subscriptions lost in them by reason, segment, offer and area.
    """
    from rota.planning.models import Kind

    errors = _text("name", name, 120) + _user("owner", owner) + _choice("kind", kind, Kind)
    errors += _day("starts_on", starts_on)
    errors += _text("summary", summary, 5000, required=False)
    if name.strip() and Plan.objects.filter(name=name.strip()).exists():
        errors.append(FieldError("name", f"a plan named {name.strip()!r} exists already"))
    for segment, needs in (segments or {}).items():
        errors += _choice(f"segments.{segment}", segment, Segment)
        errors += _text(f"segments.{segment}", needs, 2000)
    _refuse("The plan cannot be created.", errors)
    assert owner is not None
    start = Month.of(starts_on).start
    plan = Plan.objects.create(
        name=name.strip(),
        kind=kind,
        starts_on=start,
        owner=owner,
        summary=summary.strip(),
        created_at=timezone.now(),
    )
    plan.offers.set(offers)
    for segment, needs in (segments or {}).items():
        PlanSegment.objects.create(plan=plan, segment=segment, needs=needs.strip())
    _diagnose(plan)
    audit_record(
        actor=actor,
        action="plan.create",
        obj=plan,
        changes={
            "name": plan.name,
            "kind": kind,
            "owner": owner.get_username() if owner else None,
            "offers": [o.code for o in offers],
            "segments": sorted((segments or {}).keys()),
        },
    )
    return plan


def _diagnose(plan: Plan) -> None:
    """Freeze the KPIs and lost customers of the twelve months before the plan starts."""
    first, last = selectors.diagnosis_months(plan.starts_on, installation_today())
    figures = kpi_months(first, last, Filters())
    DiagnosisMonth.objects.bulk_create(
        DiagnosisMonth(
            plan=plan,
            month=str(month),
            values={code: calc.as_json(value) for code, value in f.values.items()},
            churn_reasons=f.churn_reasons,
        )
        for month, f in sorted(figures.items())
    )
    plan.lost_customers = selectors.lost_customers(first, last)
    plan.save(update_fields=["lost_customers"])


@transaction.atomic
def plan_update(plan: Plan, *, actor: Actor, name: str, summary: str, owner: User | None) -> Plan:
    """Rename a plan, change its summary or its owner (the diagnosis stays as it was)."""
    errors = _text("name", name, 120) + _user("owner", owner)
    errors += _text("summary", summary, 5000, required=False)
    if Plan.objects.filter(name=name.strip()).exclude(pk=plan.pk).exists():
        errors.append(FieldError("name", f"a plan named {name.strip()!r} exists already"))
    _refuse("The plan cannot be changed.", errors)
    values = {"name": name.strip(), "summary": summary.strip(), "owner": owner}
    return _update(plan, values, action="plan.update", actor=actor)


@transaction.atomic
def segment_set(plan: Plan, *, segment: str, needs: str, actor: Actor) -> PlanSegment:
    """Target a segment with what its customers need (replacing the needs if targeted)."""
    errors = _choice("segment", segment, Segment) + _text("needs", needs, 2000)
    _refuse("The segment cannot be set.", errors)
    row, _ = PlanSegment.objects.update_or_create(
        plan=plan, segment=segment, defaults={"needs": needs.strip()}
    )
    audit_record(actor=actor, action="plan.segment", obj=plan, changes={segment: needs.strip()})
    return row


@transaction.atomic
def finding_add(plan: Plan, *, text: str, actor: Actor, kpi_code: str = "") -> Finding:
    """Add a finding to the plan's diagnosis, optionally citing a KPI."""
    _refuse("The finding cannot be added.", _text("text", text, 5000) + _kpi("kpi_code", kpi_code))
    finding = Finding.objects.create(plan=plan, text=text.strip(), kpi_code=kpi_code)
    audit_record(
        actor=actor, action="plan.finding", obj=plan, changes={"finding": finding.text[:200]}
    )
    return finding


@transaction.atomic
def swot_add(plan: Plan, *, kind: str, text: str, actor: Actor, kpi_code: str = "") -> SwotItem:
    """Add a strength, weakness, opportunity or threat (S, W, O, T)."""
    errors = _choice("kind", kind, SwotKind) + _text("text", text, 300) + _kpi("kpi_code", kpi_code)
    _refuse("The SWOT item cannot be added.", errors)
    item = SwotItem.objects.create(plan=plan, kind=kind, text=text.strip(), kpi_code=kpi_code)
    audit_record(actor=actor, action="plan.swot", obj=plan, changes={kind: item.text})
    return item


# Objectives and key results -----------------------------------------------------------------


def _objective_errors(
    area: str, title: str, owner: User | None, reviewer: User | None
) -> list[FieldError]:
    errors = _choice("area", area, Area) + _text("title", title, 200)
    errors += _user("owner", owner) + _user("reviewer", reviewer)
    if owner is not None and reviewer is not None and owner.pk == reviewer.pk:
        errors.append(FieldError("reviewer", "must be someone other than the objective's owner"))
    return errors


@transaction.atomic
def objective_add(
    plan: Plan,
    *,
    area: str,
    title: str,
    owner: User | None,
    reviewer: User | None,
    actor: Actor,
    description: str = "",
) -> Objective:
    """Add an objective of one area; its reviewer checks the owner's work."""
    _refuse("The objective cannot be added.", _objective_errors(area, title, owner, reviewer))
    assert owner is not None and reviewer is not None
    objective = Objective.objects.create(
        plan=plan,
        area=area,
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        reviewer=reviewer,
    )
    audit_record(
        actor=actor,
        action="objective.create",
        obj=objective,
        changes={
            "plan": plan.name,
            "area": area,
            "owner": owner.get_username() if owner else None,
            "reviewer": reviewer.get_username() if reviewer else None,
        },
    )
    return objective


@transaction.atomic
def objective_update(
    objective: Objective,
    *,
    area: str,
    title: str,
    owner: User | None,
    reviewer: User | None,
    actor: Actor,
    description: str = "",
) -> Objective:
    """Change an objective's area, title, owner or reviewer."""
    _refuse("The objective cannot be changed.", _objective_errors(area, title, owner, reviewer))
    values = {
        "area": area,
        "title": title.strip(),
        "description": description.strip(),
        "owner": owner,
        "reviewer": reviewer,
    }
    return _update(objective, values, action="objective.update", actor=actor)


@dataclass(frozen=True)
class KeyResultInput:
    """What a key result is made of; None means "not given"."""

    title: str
    kpi_code: str = ""
    filters: dict[str, str] | None = None
    unit: str = ""
    mode: str = KeyResultMode.TARGET
    direction: str = ""
    baseline: Decimal | None = None
    target_3: Decimal | None = None
    target_6: Decimal | None = None
    target_12: Decimal | None = None
    bound: Decimal | None = None


def diagnosis_baseline(plan: Plan, kpi_code: str, filters: Filters) -> Decimal:
    """Return the KPI's value in the last month of the plan's diagnosis for a slice.

    A plan made before it starts (in November for January) has diagnosis months that had
    not ended when it was created: the baseline is the last month that had.
    """
    created = timezone.localtime(plan.created_at, installation_zone()).date()
    _, last = selectors.diagnosis_months(plan.starts_on, created)
    if filters.is_empty:
        frozen = plan.diagnosis.filter(month=str(last)).first()
        if frozen is not None and kpi_code in frozen.values:
            return Decimal(frozen.values[kpi_code])
    return Decimal(kpi_months(last, last, filters)[last].values[kpi_code])


def _key_result_check(plan: Plan, data: KeyResultInput) -> tuple[KeyResultInput, Filters]:
    """Check a key result and fill in its direction and baseline; raise InvalidInput."""
    errors = _text("title", data.title, 200) + _kpi("kpi_code", data.kpi_code)
    errors += _choice("mode", data.mode, KeyResultMode)
    if data.direction:
        errors += _choice("direction", data.direction, DirectionChoice)
    for name in ("baseline", "target_3", "target_6", "target_12", "bound"):
        errors += _number(name, getattr(data, name))
    raw = data.filters or {}
    unknown = sorted(set(raw) - set(FILTER_FIELDS))
    if unknown:
        errors.append(FieldError("filters", f"unknown filter {unknown[0]!r}"))
    if raw and not data.kpi_code:
        errors.append(FieldError("filters", "only a key result on a KPI can be filtered"))
    filters = Filters()
    if not errors and raw:
        try:
            filters = filters_parse(raw)
        except InvalidInput as exc:
            errors += [FieldError(f"filters.{e.field}", e.message) for e in exc.errors]
    _refuse("The key result cannot be saved.", errors)
    kpi = BY_CODE.get(data.kpi_code)
    direction = data.direction or (kpi.better.value if kpi else DirectionChoice.UP)
    baseline = data.baseline
    targets = (data.target_3, data.target_6, data.target_12)
    if data.mode == KeyResultMode.TARGET:
        if baseline is None and kpi is None:
            errors.append(
                FieldError(
                    "baseline", "is required: a manual metric has no diagnosis to take it from"
                )
            )
        for name, value in zip(("target_3", "target_6", "target_12"), targets, strict=True):
            if value is None:
                errors.append(FieldError(name, "is required for a key result with targets"))
    elif data.bound is None:
        errors.append(FieldError("bound", "is required for a stay-below or stay-above key result"))
    _refuse("The key result cannot be saved.", errors)
    if baseline is None and kpi is not None:
        baseline = diagnosis_baseline(plan, kpi.code, filters)
    filled = KeyResultInput(
        title=data.title.strip(),
        kpi_code=data.kpi_code,
        filters=filters.as_dict(),
        unit=data.unit.strip() if not kpi else "",
        mode=data.mode,
        direction=direction,
        baseline=baseline,
        target_3=data.target_3,
        target_6=data.target_6,
        target_12=data.target_12,
        bound=data.bound,
    )
    return filled, filters


KR_FIELDS = (
    "title",
    "kpi_code",
    "filters",
    "unit",
    "mode",
    "direction",
    "baseline",
    "target_3",
    "target_6",
    "target_12",
    "bound",
)


@transaction.atomic
def key_result_add(objective: Objective, data: KeyResultInput, *, actor: Actor) -> KeyResult:
    """Add a key result; a KPI's baseline defaults to its value in the diagnosis."""
    filled, _ = _key_result_check(objective.plan, data)
    kr = KeyResult.objects.create(
        objective=objective, **{name: getattr(filled, name) for name in KR_FIELDS}
    )
    audit_record(
        actor=actor,
        action="key_result.create",
        obj=kr,
        changes={name: getattr(kr, name) for name in KR_FIELDS},
    )
    return kr


@transaction.atomic
def key_result_update(kr: KeyResult, data: KeyResultInput, *, actor: Actor) -> KeyResult:
    """Change a key result's definition or targets."""
    filled, _ = _key_result_check(kr.objective.plan, data)
    return _update(kr, _fields(filled, KR_FIELDS), action="key_result.update", actor=actor)


@transaction.atomic
def check_in(
    kr: KeyResult, *, on: date, value: Decimal | None, actor: Actor, note: str = ""
) -> CheckIn:
    """Record a manual key result's value measured on a day."""
    errors = _day("on", on) + _text("note", note, 300, required=False) + _number("value", value)
    if value is None:
        errors.append(FieldError("value", "is required"))
    if on and on > installation_today():
        errors.append(FieldError("on", "must not be in the future"))
    if not kr.is_manual:
        errors.append(
            FieldError(
                "key_result", f"is measured by the KPI {kr.kpi_code}; check in manual metrics"
            )
        )
    _refuse("The check-in cannot be recorded.", errors)
    assert value is not None
    row = CheckIn.objects.create(
        key_result=kr,
        on=on,
        value=value,
        note=note.strip(),
        by_id=actor.user_id,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="key_result.check_in",
        obj=kr,
        changes={"on": on, "value": value, "note": row.note},
    )
    return row


# Actions ------------------------------------------------------------------------------------


def _action_errors(
    objective: Objective,
    title: str,
    owner: User | None,
    starts_on: date | None,
    due_on: date | None,
    plan_b_of: Action | None,
    this: Action | None = None,
) -> list[FieldError]:
    errors = _text("title", title, 200) + _user("owner", owner)
    errors += _day("starts_on", starts_on, required=False) + _day("due_on", due_on)
    if starts_on and due_on and due_on < starts_on:
        errors.append(FieldError("due_on", f"must not be before the start ({starts_on})"))
    if plan_b_of is not None:
        if plan_b_of.objective.plan_id != objective.plan_id:
            errors.append(FieldError("plan_b_of", "must be an action of the same plan"))
        elif this is not None and plan_b_of.pk == this.pk:
            errors.append(FieldError("plan_b_of", "an action cannot be its own plan B"))
        elif plan_b_of.status in (ActionStatus.DONE, ActionStatus.DROPPED):
            errors.append(
                FieldError("plan_b_of", f"{plan_b_of.title!r} is already {plan_b_of.status}")
            )
    return errors


@transaction.atomic
def action_add(
    objective: Objective,
    *,
    title: str,
    owner: User | None,
    due_on: date | None,
    actor: Actor,
    starts_on: date | None = None,
    description: str = "",
    plan_b_of: Action | None = None,
) -> Action:
    """Add an action; one with `plan_b_of` waits on standby until a review switches to it."""
    start = starts_on or objective.plan.starts_on
    errors = _action_errors(objective, title, owner, start, due_on, plan_b_of)
    _refuse("The action cannot be added.", errors)
    assert owner is not None and due_on is not None
    action = Action.objects.create(
        objective=objective,
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        starts_on=start,
        due_on=due_on,
        plan_b_of=plan_b_of,
    )
    audit_record(
        actor=actor,
        action="action.create",
        obj=action,
        changes={
            "objective": objective.title,
            "owner": owner.get_username() if owner else None,
            "due_on": due_on,
            "plan_b_of": plan_b_of.title if plan_b_of else None,
        },
    )
    return action


@transaction.atomic
def action_update(
    action: Action,
    *,
    title: str,
    owner: User | None,
    starts_on: date | None,
    due_on: date | None,
    actor: Actor,
    description: str = "",
) -> Action:
    """Change an action's title, owner or dates (re-planning)."""
    errors = _action_errors(action.objective, title, owner, starts_on, due_on, None)
    if starts_on is None:
        errors.append(FieldError("starts_on", "is required"))
    _refuse("The action cannot be changed.", errors)
    values = {
        "title": title.strip(),
        "description": description.strip(),
        "owner": owner,
        "starts_on": starts_on,
        "due_on": due_on,
    }
    return _update(action, values, action="action.update", actor=actor)


@transaction.atomic
def action_status(action: Action, *, status: str, actor: Actor, on: date | None = None) -> Action:
    """Move an action to todo, doing, done (on `on`, default today) or dropped."""
    errors = _choice("status", status, ActionStatus) + _day("on", on, required=False)
    today = installation_today()
    if on and on > today:
        errors.append(FieldError("on", "must not be in the future"))
    _refuse("The action's status cannot be changed.", errors)
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.is_standby and status in (ActionStatus.DOING, ActionStatus.DONE):
        raise Conflict(
            detail=f"{action.title!r} is a plan B on standby: a review switches to it first.",
            errors=[FieldError("status", "a plan B starts only when a review activates it")],
        )
    before = action.status
    action.status = status
    action.done_on = (on or today) if status == ActionStatus.DONE else None
    action.save(update_fields=["status", "done_on"])
    audit_record(
        actor=actor,
        action="action.status",
        obj=action,
        changes={"status": [before, status], "done_on": action.done_on},
    )
    return action


# Milestones ---------------------------------------------------------------------------------


def _milestone_order_errors(
    plan: Plan, kind: str, day: date, this: Milestone | None
) -> list[FieldError]:
    """Refuse a standard milestone whose date is out of order with the others."""
    if kind not in MILESTONE_ORDER:
        return []
    errors = []
    others = plan.milestones.filter(kind__in=MILESTONE_ORDER)
    if this is not None:
        others = others.exclude(pk=this.pk)
    position = MILESTONE_ORDER.index(MilestoneKind(kind))
    for other in others:
        other_position = MILESTONE_ORDER.index(MilestoneKind(other.kind))
        label = other.get_kind_display().lower()
        if other_position < position and day < other.due_on:
            errors.append(
                FieldError("planned_on", f"must not be before the {label} ({other.due_on})")
            )
        if other_position > position and day > other.due_on:
            errors.append(
                FieldError("planned_on", f"must not be after the {label} ({other.due_on})")
            )
    return errors


@transaction.atomic
def milestone_add(
    plan: Plan,
    *,
    kind: str,
    title: str,
    planned_on: date | None,
    actor: Actor,
    owner: User | None = None,
) -> Milestone:
    """Add a milestone; test start, pilot and full launch happen once each, in that order."""
    errors = _choice("kind", kind, MilestoneKind) + _day("planned_on", planned_on)
    errors += _text("title", title, 200) + _user("owner", owner, required=False)
    if kind in MILESTONE_ORDER and plan.milestones.filter(kind=kind).exists():
        errors.append(
            FieldError("kind", f"the plan already has a {kind.replace('_', ' ')} milestone")
        )
    if not errors and planned_on:
        errors += _milestone_order_errors(plan, kind, planned_on, None)
    _refuse("The milestone cannot be added.", errors)
    assert planned_on is not None
    milestone = Milestone.objects.create(
        plan=plan, kind=kind, title=title.strip(), planned_on=planned_on, owner=owner
    )
    audit_record(
        actor=actor,
        action="milestone.create",
        obj=milestone,
        changes={"plan": plan.name, "kind": kind, "planned_on": planned_on},
    )
    return milestone


@transaction.atomic
def milestone_update(
    milestone: Milestone,
    *,
    actor: Actor,
    replanned_on: date | None = None,
    actual_on: date | None = None,
    owner: User | None = None,
) -> Milestone:
    """Re-plan a milestone (the planned date stays, to show the drift) or record its date."""
    errors = _day("replanned_on", replanned_on, required=False)
    errors += _day("actual_on", actual_on, required=False) + _user("owner", owner, required=False)
    if actual_on and actual_on > installation_today():
        errors.append(FieldError("actual_on", "must not be in the future"))
    if not errors and replanned_on:
        errors += [
            FieldError("replanned_on", e.message)
            for e in _milestone_order_errors(
                milestone.plan, milestone.kind, replanned_on, milestone
            )
        ]
    _refuse("The milestone cannot be changed.", errors)
    values = {"replanned_on": replanned_on, "actual_on": actual_on, "owner": owner}
    return _update(milestone, values, action="milestone.update", actor=actor)


# Reviews ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryInput:
    key_result: KeyResult
    note: str = ""
    status: str = ""  # empty: the status measured from live data


@dataclass(frozen=True)
class DecisionInput:
    text: str
    activates: Action | None = None


@transaction.atomic
def review_record(
    plan: Plan,
    *,
    held_on: date | None,
    attendees: Sequence[User],
    actor: Actor,
    summary: str = "",
    entries: Sequence[EntryInput] = (),
    decisions: Sequence[DecisionInput] = (),
) -> Review:
    """Record a review: every key result's status (measured live unless given) and note,
    and decisions; a decision that activates a plan-B action drops the action it backs.
    """
    errors = _day("held_on", held_on) + _text("summary", summary, 5000, required=False)
    today = installation_today()
    if held_on and held_on > today:
        errors.append(FieldError("held_on", "must not be in the future"))
    if not attendees:
        errors.append(FieldError("attendees", "name at least one person who took part"))
    for i, person in enumerate(attendees):
        errors += _user(f"attendees[{i}]", person)
    key_results = {kr.pk: kr for kr in selectors.plan_key_results(plan)}
    given = {}
    for i, entry in enumerate(entries):
        if entry.key_result.pk not in key_results:
            errors.append(
                FieldError(f"entries[{i}].key_result", "is not a key result of this plan")
            )
        if entry.status and entry.status not in Status.__members__.values():
            errors.append(FieldError(f"entries[{i}].status", f"must be one of {', '.join(Status)}"))
        errors += _text(f"entries[{i}].note", entry.note, 2000, required=False)
        given[entry.key_result.pk] = entry
    activated: set[int] = set()
    for i, decision in enumerate(decisions):
        errors += _text(f"decisions[{i}].text", decision.text, 2000)
        action = decision.activates
        if action is None:
            continue
        name = f"decisions[{i}].activates"
        if action.objective.plan_id != plan.pk:
            errors.append(FieldError(name, "is not an action of this plan"))
        elif action.plan_b_of_id is None:
            errors.append(FieldError(name, f"{action.title!r} is not a plan B"))
        elif action.activated_on is not None or action.pk in activated:
            errors.append(FieldError(name, f"{action.title!r} is already active"))
        activated.add(action.pk)
    _refuse("The review cannot be recorded.", errors)
    assert held_on is not None
    review = Review.objects.create(
        plan=plan,
        held_on=held_on,
        summary=summary.strip(),
        recorded_by_id=actor.user_id,
        created_at=timezone.now(),
    )
    review.attendees.set(attendees)
    measures = selectors.measure_all(list(key_results.values()), plan.starts_on, held_on)
    ReviewEntry.objects.bulk_create(
        ReviewEntry(
            review=review,
            key_result=m.key_result,
            actual=m.actual,
            expected=m.expected,
            status=(given[m.key_result.pk].status if m.key_result.pk in given else "") or m.status,
            note=given[m.key_result.pk].note.strip() if m.key_result.pk in given else "",
        )
        for m in measures
    )
    switched = []
    for decision in decisions:
        Decision.objects.create(
            review=review, text=decision.text.strip(), activates=decision.activates
        )
        if decision.activates is not None:
            switched.append(_switch_to_plan_b(decision.activates, held_on))
    audit_record(
        actor=actor,
        action="review.record",
        obj=review,
        changes={
            "plan": plan.name,
            "held_on": held_on,
            "attendees": [a.get_username() for a in attendees],
            "activated": [a.title for a in switched],
        },
    )
    return review


def _switch_to_plan_b(plan_b: Action, on: date) -> Action:
    """Activate a plan-B action and drop the action it backs (inside the review's transaction)."""
    plan_b = Action.objects.select_for_update().get(pk=plan_b.pk)
    plan_b.activated_on = on
    plan_b.status = ActionStatus.DOING
    plan_b.save(update_fields=["activated_on", "status"])
    assert plan_b.plan_b_of_id is not None
    original = Action.objects.select_for_update().get(pk=plan_b.plan_b_of_id)
    if original.status != ActionStatus.DONE:
        original.status, original.done_on = ActionStatus.DROPPED, None
        original.save(update_fields=["status", "done_on"])
    return plan_b


# Business case ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseOfferInput:
    offer: Offer
    gross_adds: tuple[int, ...]
    churn: Decimal


def assumptions_of(case: BusinessCase) -> model.Assumptions:
    """Return the model's assumptions for a stored business case (prices from the offers)."""
    offers = []
    for row in case.offers.select_related("offer").order_by("id"):
        offers.append(
            model.OfferAssumption(
                label=row.offer.code,
                phases=offer_phases(row.offer),
                gross_adds=tuple(int(n) for n in row.gross_adds),
                churn=Decimal(row.churn),
            )
        )
    return model.Assumptions(
        offers=tuple(offers),
        horizon=case.horizon,
        acquisition_cost_minor=case.acquisition_cost_minor,
        variable_cost_minor=case.variable_cost_minor,
        launch_cost_minor=case.launch_cost_minor,
        fixed_cost_minor=case.fixed_cost_minor,
        discount_rate=Decimal(case.discount_rate),
    )


def offer_phases(offer: Offer) -> tuple[model.Phase, ...]:
    """Return the net monthly price phases of the offer's current version (draft or active).

    An offer sold on several contract terms has a schedule per term: the shortest term's.
    """
    versions = offer.versions.order_by("-number")
    version = (
        versions.filter(status="active").first()
        or versions.filter(status="draft").first()
        or versions.first()
    )
    if version is None:
        return (model.Phase(0, 0),)
    phases = list(version.phases.order_by("term_months", "from_month"))
    phases = [p for p in phases if p.term_months == phases[0].term_months]
    basis_points = int((version.tax_rate * 10000).to_integral_value())
    return tuple(
        model.Phase(
            p.from_month,
            calc.net_monthly(
                p.monthly_price_minor, basis_points, gross_priced=version.prices_include_tax
            ),
        )
        for p in phases
    ) or (model.Phase(0, 0),)


@transaction.atomic
def business_case_set(
    plan: Plan,
    *,
    offers: Sequence[CaseOfferInput],
    actor: Actor,
    horizon: int = 24,
    acquisition_cost_minor: int = 0,
    variable_cost_minor: int = 0,
    launch_cost_minor: int = 0,
    fixed_cost_minor: int = 0,
    discount_rate: Decimal = Decimal("0.10"),
) -> BusinessCase:
    """Set (or replace) the plan's business case; the model checks every assumption."""
    seen: set[int] = set()
    duplicates = []
    for i, row in enumerate(offers):
        if row.offer.pk in seen:
            duplicates.append(FieldError(f"offers[{i}].offer", f"{row.offer.code} is listed twice"))
        seen.add(row.offer.pk)
    assumptions = model.Assumptions(
        offers=tuple(
            model.OfferAssumption(
                label=row.offer.code,
                phases=offer_phases(row.offer),
                gross_adds=tuple(row.gross_adds),
                churn=row.churn,
            )
            for row in offers
        ),
        horizon=horizon,
        acquisition_cost_minor=acquisition_cost_minor,
        variable_cost_minor=variable_cost_minor,
        launch_cost_minor=launch_cost_minor,
        fixed_cost_minor=fixed_cost_minor,
        discount_rate=discount_rate,
    )
    try:
        model.validate(assumptions)
    except InvalidInput as exc:
        raise InvalidInput(
            detail="The business case cannot be saved.", errors=exc.errors + duplicates
        ) from None
    _refuse("The business case cannot be saved.", duplicates)
    case, _ = BusinessCase.objects.update_or_create(
        plan=plan,
        defaults={
            "horizon": horizon,
            "acquisition_cost_minor": acquisition_cost_minor,
            "variable_cost_minor": variable_cost_minor,
            "launch_cost_minor": launch_cost_minor,
            "fixed_cost_minor": fixed_cost_minor,
            "discount_rate": discount_rate,
        },
    )
    case.offers.all().delete()
    CaseOffer.objects.bulk_create(
        CaseOffer(case=case, offer=row.offer, gross_adds=list(row.gross_adds), churn=row.churn)
        for row in offers
    )
    plan.offers.add(*[row.offer for row in offers])
    audit_record(
        actor=actor,
        action="business_case.set",
        obj=plan,
        changes={
            "horizon": horizon,
            "offers": [row.offer.code for row in offers],
            "acquisition_cost_minor": acquisition_cost_minor,
            "variable_cost_minor": variable_cost_minor,
            "launch_cost_minor": launch_cost_minor,
            "fixed_cost_minor": fixed_cost_minor,
            "discount_rate": str(discount_rate),
        },
    )
    return case


def _adds_at(projection: model.Projection, month: int) -> Decimal:
    rows = {row.month: row for row in projection.rows}
    row = rows.get(month) or projection.rows[-1]
    return Decimal(row.gross_adds)


@transaction.atomic
def key_results_from_case(objective: Objective, *, actor: Actor) -> list[KeyResult]:
    """Turn the plan's business case into key results of `objective`.

    - gross adds: the diagnosis baseline, then baseline + the launch's projected adds in
      months 3, 6 and 12 (the launch comes on top of today's sales);
    - churn rate: stay below the case's churn (weighted by adds), in percent;
    - ARPU: stay above the projection's ARPU, of the offer when the case has one, else of
      all offers (the KPI has no slice for a set of offers).
    """
    plan = objective.plan
    case = BusinessCase.objects.filter(plan=plan).first()
    if case is None:
        raise Conflict(
            detail=f"{plan.name} has no business case yet.",
            errors=[FieldError("plan", "set the business case first")],
        )
    assumptions = assumptions_of(case)
    projection = model.project(assumptions)
    codes = [o.label for o in assumptions.offers]
    offer_filter = {"offer": codes[0]} if len(codes) == 1 else {}
    baseline = diagnosis_baseline(plan, "gross_adds", Filters())
    weights = [sum(o.gross_adds) or 1 for o in assumptions.offers]
    churn = sum(
        (o.churn * w for o, w in zip(assumptions.offers, weights, strict=True)), Decimal(0)
    ) / sum(weights)
    made = [
        KeyResultInput(
            title="New subscribers per month (with the launch)",
            kpi_code="gross_adds",
            baseline=baseline,
            target_3=baseline + _adds_at(projection, 3),
            target_6=baseline + _adds_at(projection, 6),
            target_12=baseline + _adds_at(projection, 12),
        ),
        KeyResultInput(
            title="Monthly churn within the business case",
            kpi_code="churn_rate",
            mode=KeyResultMode.STAY_BELOW,
            bound=(churn * 100).quantize(Decimal("0.0001")),
        ),
        KeyResultInput(
            title=f"ARPU of {codes[0]}" if len(codes) == 1 else "ARPU of all offers",
            kpi_code="arpu",
            filters=offer_filter,
            mode=KeyResultMode.STAY_ABOVE,
            bound=to_decimal(projection.arpu_minor),
        ),
    ]
    return [key_result_add(objective, data, actor=actor) for data in made]
