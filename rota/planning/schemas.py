"""API shapes of plans, objectives, key results, actions, milestones, reviews and business cases.

Measured values, baselines and targets travel as decimal strings with 4 places; money as
decimal strings with 2 places plus the installation's currency; people as usernames.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field, WithJsonSchema

from rota.catalog.models import Segment
from rota.core.errors import FieldError, InvalidInput
from rota.core.money import format_amount, parse_amount
from rota.planning import business_case as model
from rota.planning import selectors
from rota.planning.models import (
    Action,
    ActionStatus,
    Area,
    BusinessCase,
    CheckIn,
    DiagnosisMonth,
    DirectionChoice,
    Finding,
    KeyResultMode,
    Kind,
    Milestone,
    MilestoneKind,
    Objective,
    Plan,
    PlanSegment,
    Review,
    SwotItem,
    SwotKind,
)

MAX_ID = 2**63 - 1
PLACES = Decimal("0.0001")
_DECIMAL_TEXT = re.compile(r"[+-]?[0-9]{1,14}(?:\.[0-9]{1,4})?", re.ASCII)

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Adds = Annotated[int, Field(ge=0, le=1_000_000)]
# Choices documented inline: other apps have enums named Area and Kind, and the OpenAPI
# document holds one component per name. The services check the value and name the field.
AreaCode = Annotated[
    str, WithJsonSchema({"type": "string", "enum": list(Area.values), "title": "Objective area"})
]
PlanKind = Annotated[
    str, WithJsonSchema({"type": "string", "enum": list(Kind.values), "title": "Plan kind"})
]


def number(value: Decimal | None) -> str | None:
    """Return a measured value, baseline or target as a decimal string with 4 places."""
    return None if value is None else str(Decimal(value).quantize(PLACES))


def parse_number(value: str | None, field: str, errors: list[FieldError]) -> Decimal | None:
    """Return a decimal string as a Decimal (at most 4 places); note a bad one in `errors`."""
    if value is None:
        return None
    text = value.strip()
    if not _DECIMAL_TEXT.fullmatch(text):
        errors.append(
            FieldError(field, "must be a decimal string with at most 4 places, e.g. '14.2857'")
        )
        return None
    return Decimal(text)


def parse_money(value: str, field: str, errors: list[FieldError]) -> int:
    """Return a money amount in minor units; note a bad one in `errors`."""
    try:
        return parse_amount(value, field=field)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        return 0


def refuse(detail: str, errors: list[FieldError]) -> None:
    """Raise InvalidInput naming every bad field, if there is any."""
    if errors:
        raise InvalidInput(detail=detail, errors=errors)


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


# Plans --------------------------------------------------------------------------------------


class PlanIn(Schema):
    name: str = Field(max_length=120, examples=["Plan 2027"])
    kind: PlanKind = Kind.YEARLY.value
    starts_on: date = Field(
        description="Any day of the plan's first month", examples=["2027-01-01"]
    )
    owner: str = Field(description="Username of the plan's owner")
    summary: str = ""
    offers: list[str] = Field([], description="Offer codes the plan launches or sells")
    segments: dict[str, str] = Field(
        {}, description="Targeted segment (household, business) -> what its customers need"
    )


class PlanPatch(Schema):
    name: str | None = Field(None, max_length=120)
    summary: str | None = None
    owner: str | None = Field(None, description="Username")


class PlanBrief(Schema):
    id: int
    name: str
    kind: PlanKind
    starts_on: date
    owner: str
    summary: str
    offers: list[str]
    created_at: datetime

    @staticmethod
    def build(plan: Plan) -> dict[str, Any]:
        """Return the representation of a plan."""
        return {
            "id": plan.pk,
            "name": plan.name,
            "kind": plan.kind,
            "starts_on": plan.starts_on,
            "owner": plan.owner.get_username(),
            "summary": plan.summary,
            "offers": sorted(o.code for o in plan.offers.all()),
            "created_at": plan.created_at,
        }


class PlanRow(PlanBrief):
    objectives: int
    key_results: int
    open_actions: int

    @staticmethod
    def build(plan: Plan) -> dict[str, Any]:
        """Return a plan annotated by `plans_with_counts`."""
        return {
            **PlanBrief.build(plan),
            "objectives": plan.objective_count,  # type: ignore[attr-defined]
            "key_results": plan.key_result_count,  # type: ignore[attr-defined]
            "open_actions": plan.open_action_count,  # type: ignore[attr-defined]
        }


class PlanList(Schema):
    items: list[PlanRow]
    count: int


class SegmentIn(Schema):
    needs: str = Field(description="What these customers ask for")


class SegmentOut(Schema):
    segment: Segment
    needs: str

    @staticmethod
    def build(row: PlanSegment) -> dict[str, Any]:
        return {"segment": row.segment, "needs": row.needs}


class FindingIn(Schema):
    text: str
    kpi_code: str = Field("", description="A KPI code the finding cites")


class FindingOut(Schema):
    id: int
    text: str
    kpi_code: str

    @staticmethod
    def build(row: Finding) -> dict[str, Any]:
        return {"id": row.pk, "text": row.text, "kpi_code": row.kpi_code}


class SwotIn(Schema):
    kind: SwotKind = Field(description="S, W, O or T")
    text: str
    kpi_code: str = Field("", description="A KPI code the item cites")


class SwotOut(Schema):
    id: int
    kind: SwotKind
    text: str
    kpi_code: str

    @staticmethod
    def build(row: SwotItem) -> dict[str, Any]:
        return {"id": row.pk, "kind": row.kind, "text": row.text, "kpi_code": row.kpi_code}


class DiagnosisOut(Schema):
    month: str
    values: dict[str, int | str] = Field(description="Every KPI of the month, as /kpis gives it")
    churn_reasons: dict[str, int]

    @staticmethod
    def build(row: DiagnosisMonth) -> dict[str, Any]:
        return {"month": row.month, "values": row.values, "churn_reasons": row.churn_reasons}


class PlanDetail(PlanBrief):
    segments: list[SegmentOut]
    findings: list[FindingOut]
    swot: list[SwotOut]
    diagnosis: list[DiagnosisOut] = Field(description="The twelve months before the start")
    lost_customers: dict[str, dict[str, int]] = Field(
        description="Subscriptions lost in the diagnosis months by reason, segment, offer, "
        "area and municipality"
    )

    @staticmethod
    def build(plan: Plan) -> dict[str, Any]:
        """Return a plan fetched by `plan_detail` with its diagnosis, segments and SWOT."""
        return {
            **PlanBrief.build(plan),
            "segments": [SegmentOut.build(s) for s in plan.segments.all()],
            "findings": [FindingOut.build(f) for f in plan.findings.all()],
            "swot": [SwotOut.build(s) for s in plan.swot.all()],
            "diagnosis": [DiagnosisOut.build(d) for d in plan.diagnosis.all()],
            "lost_customers": plan.lost_customers,
        }


# Objectives ---------------------------------------------------------------------------------


class ObjectiveIn(Schema):
    area: AreaCode
    title: str = Field(max_length=200)
    description: str = ""
    owner: str = Field(description="Username")
    reviewer: str = Field(description="Username of someone other than the owner")


class ObjectivePatch(Schema):
    area: AreaCode | None = None
    title: str | None = Field(None, max_length=200)
    description: str | None = None
    owner: str | None = None
    reviewer: str | None = None


class ObjectiveOut(Schema):
    id: int
    plan: int
    area: AreaCode
    title: str
    description: str
    owner: str
    reviewer: str

    @staticmethod
    def build(objective: Objective) -> dict[str, Any]:
        return {
            "id": objective.pk,
            "plan": objective.plan_id,
            "area": objective.area,
            "title": objective.title,
            "description": objective.description,
            "owner": objective.owner.get_username(),
            "reviewer": objective.reviewer.get_username(),
        }


class ObjectiveList(Schema):
    items: list[ObjectiveOut]
    count: int


# Key results --------------------------------------------------------------------------------

NUMBER = "Decimal string with at most 4 places"


class KeyResultIn(Schema):
    title: str = Field(max_length=200)
    kpi_code: str = Field("", description="A KPI code; empty for a manual metric")
    filters: dict[str, str] = Field({}, description="segment, offer, technology, municipality")
    unit: str = Field("", max_length=20, description="A manual metric's unit")
    mode: KeyResultMode = KeyResultMode.TARGET
    direction: DirectionChoice | None = Field(None, description="Default: the KPI's own")
    baseline: str | None = Field(None, description=f"{NUMBER}; default: the diagnosis")
    target_3: str | None = Field(None, description=NUMBER)
    target_6: str | None = Field(None, description=NUMBER)
    target_12: str | None = Field(None, description=NUMBER)
    bound: str | None = Field(None, description=f"{NUMBER}; for stay_below and stay_above")


class KeyResultPatch(Schema):
    title: str | None = Field(None, max_length=200)
    kpi_code: str | None = None
    filters: dict[str, str] | None = None
    unit: str | None = Field(None, max_length=20)
    mode: KeyResultMode | None = None
    direction: DirectionChoice | None = None
    baseline: str | None = Field(None, description=NUMBER)
    target_3: str | None = Field(None, description=NUMBER)
    target_6: str | None = Field(None, description=NUMBER)
    target_12: str | None = Field(None, description=NUMBER)
    bound: str | None = Field(None, description=NUMBER)


class KeyResultOut(Schema):
    id: int
    objective: int
    objective_title: str
    title: str
    kpi_code: str
    filters: dict[str, str]
    unit: str
    mode: KeyResultMode
    direction: DirectionChoice
    baseline: str | None
    target_3: str | None
    target_6: str | None
    target_12: str | None
    bound: str | None
    actual: str | None = Field(description="The KPI of the measured month, or the last check-in")
    expected: str | None = Field(description="Where the targets say it should be on as_of")
    status: str = Field(description="on_track, at_risk, off_track, achieved or no_data")
    status_label: str
    as_of: date | None = Field(description="The day actual and expected refer to")
    month: str | None = Field(description="The measured month (YYYY-MM); null for a manual one")

    @staticmethod
    def build(m: selectors.Measure) -> dict[str, Any]:
        """Return a key result with its measure."""
        kr = m.key_result
        return {
            "id": kr.pk,
            "objective": kr.objective_id,
            "objective_title": kr.objective.title,
            "title": kr.title,
            "kpi_code": kr.kpi_code,
            "filters": kr.filters,
            "unit": kr.unit,
            "mode": kr.mode,
            "direction": kr.direction,
            "baseline": number(kr.baseline),
            "target_3": number(kr.target_3),
            "target_6": number(kr.target_6),
            "target_12": number(kr.target_12),
            "bound": number(kr.bound),
            "actual": number(m.actual),
            "expected": number(m.expected),
            "status": str(m.status),
            "status_label": m.status_label,
            "as_of": m.as_of,
            "month": str(m.month) if m.month else None,
        }


class KeyResultList(Schema):
    items: list[KeyResultOut]
    count: int


class CheckInIn(Schema):
    on: date = Field(description="The day the value was measured")
    value: str = Field(description=NUMBER)
    note: str = ""


class CheckInOut(Schema):
    id: int
    key_result: int
    on: date
    value: str
    note: str
    by: str | None

    @staticmethod
    def build(row: CheckIn) -> dict[str, Any]:
        return {
            "id": row.pk,
            "key_result": row.key_result_id,
            "on": row.on,
            "value": number(row.value),
            "note": row.note,
            "by": _username(row.by),
        }


class HistoryPoint(Schema):
    month: str
    actual: str
    expected: str


class KeyResultDetail(KeyResultOut):
    history: list[HistoryPoint] = Field(description="Each complete month from the plan's start")
    check_ins: list[CheckInOut]


# Actions ------------------------------------------------------------------------------------


class ActionIn(Schema):
    title: str = Field(max_length=200)
    description: str = ""
    owner: str = Field(description="Username; every action has an owner")
    starts_on: date | None = Field(None, description="Default: the plan's start")
    due_on: date
    plan_b_of: Id | None = Field(None, description="The action this one backs up (plan B)")


class PlanActionIn(ActionIn):
    objective: Id


class ActionPatch(Schema):
    title: str | None = Field(None, max_length=200)
    description: str | None = None
    owner: str | None = None
    starts_on: date | None = None
    due_on: date | None = None


class ActionStatusIn(Schema):
    status: ActionStatus
    on: date | None = Field(None, description="The day it was done; default today")


class ActionOut(Schema):
    id: int
    objective: int
    title: str
    description: str
    owner: str
    starts_on: date
    due_on: date
    status: ActionStatus
    done_on: date | None
    plan_b_of: int | None
    activated_on: date | None
    standby: bool = Field(description="A plan B no review has switched to yet")
    overdue: bool

    @staticmethod
    def build(action: Action, today: date) -> dict[str, Any]:
        open_ = action.status in (ActionStatus.TODO, ActionStatus.DOING)
        return {
            "id": action.pk,
            "objective": action.objective_id,
            "title": action.title,
            "description": action.description,
            "owner": action.owner.get_username(),
            "starts_on": action.starts_on,
            "due_on": action.due_on,
            "status": action.status,
            "done_on": action.done_on,
            "plan_b_of": action.plan_b_of_id,
            "activated_on": action.activated_on,
            "standby": action.is_standby,
            "overdue": open_ and not action.is_standby and action.due_on < today,
        }


class ActionList(Schema):
    items: list[ActionOut]
    count: int


# Milestones ---------------------------------------------------------------------------------


class MilestoneIn(Schema):
    kind: MilestoneKind
    title: str = Field(max_length=200)
    planned_on: date
    owner: str | None = Field(None, description="Username")


class MilestonePatch(Schema):
    replanned_on: date | None = Field(None, description="null: back to the planned date")
    actual_on: date | None = Field(None, description="The day it happened; null: not yet")
    owner: str | None = Field(None, description="Username; null: nobody")


class MilestoneOut(Schema):
    id: int
    plan: int
    kind: MilestoneKind
    title: str
    owner: str | None
    planned_on: date
    replanned_on: date | None
    actual_on: date | None
    due_on: date = Field(description="The re-planned date, or the planned one")
    drift_days: int = Field(description="Days the milestone is (or was) later than planned")

    @staticmethod
    def build(m: Milestone) -> dict[str, Any]:
        return {
            "id": m.pk,
            "plan": m.plan_id,
            "kind": m.kind,
            "title": m.title,
            "owner": _username(m.owner),
            "planned_on": m.planned_on,
            "replanned_on": m.replanned_on,
            "actual_on": m.actual_on,
            "due_on": m.due_on,
            "drift_days": ((m.actual_on or m.due_on) - m.planned_on).days,
        }


class MilestoneList(Schema):
    items: list[MilestoneOut]
    count: int


# Reviews ------------------------------------------------------------------------------------


class EntryIn(Schema):
    key_result: Id
    status: str = Field("", description="on_track, at_risk, off_track, achieved; default: live")
    note: str = ""


class DecisionIn(Schema):
    text: str
    activates: Id | None = Field(None, description="A plan-B action this decision switches to")


class ReviewIn(Schema):
    held_on: date
    attendees: list[str] = Field(description="Usernames of the people who took part")
    summary: str = ""
    entries: list[EntryIn] = []
    decisions: list[DecisionIn] = []


class EntryOut(Schema):
    key_result: int
    title: str
    actual: str | None
    expected: str | None
    status: str
    note: str


class DecisionOut(Schema):
    id: int
    text: str
    activates: int | None


class ReviewOut(Schema):
    id: int
    plan: int
    held_on: date
    attendees: list[str]
    summary: str
    recorded_by: str | None
    created_at: datetime
    entries: list[EntryOut]
    decisions: list[DecisionOut]

    @staticmethod
    def build(review: Review) -> dict[str, Any]:
        return {
            "id": review.pk,
            "plan": review.plan_id,
            "held_on": review.held_on,
            "attendees": sorted(a.get_username() for a in review.attendees.all()),
            "summary": review.summary,
            "recorded_by": _username(review.recorded_by),
            "created_at": review.created_at,
            "entries": [
                {
                    "key_result": e.key_result_id,
                    "title": e.key_result.title,
                    "actual": number(e.actual),
                    "expected": number(e.expected),
                    "status": e.status,
                    "note": e.note,
                }
                for e in review.entries.all()
            ],
            "decisions": [
                {"id": d.pk, "text": d.text, "activates": d.activates_id}
                for d in review.decisions.all()
            ],
        }


class ReviewList(Schema):
    items: list[ReviewOut]
    count: int


# Business case ------------------------------------------------------------------------------


class CaseOfferIn(Schema):
    offer: str = Field(description="Offer code (draft or active)")
    gross_adds: list[Adds] = Field(
        min_length=1,
        max_length=model.MAX_HORIZON,
        description="Adds in months 1, 2...; the last value repeats (one value: every month)",
    )
    churn: str = Field(description="Monthly churn as a fraction, e.g. '0.015'")


MONEY = "Decimal string in the installation's currency"


class BusinessCaseIn(Schema):
    horizon: int = Field(24, ge=1, le=model.MAX_HORIZON, description="Months")
    acquisition_cost: str = Field("0.00", description=f"{MONEY}, per new subscriber")
    variable_cost: str = Field("0.00", description=f"{MONEY}, per subscriber per month")
    launch_cost: str = Field("0.00", description=f"{MONEY}, once in month 0")
    fixed_cost: str = Field("0.00", description=f"{MONEY}, per month")
    discount_rate: str = Field("0.10", description="Annual, a fraction, for the NPV")
    offers: list[CaseOfferIn] = Field(max_length=50)


class CasePhaseOut(Schema):
    from_month: int
    monthly_price: str = Field(description="Net of tax")


class CaseOfferOut(Schema):
    offer: str
    gross_adds: list[int]
    churn: str
    phases: list[CasePhaseOut]


class MonthOut(Schema):
    month: int
    subscribers: str
    gross_adds: int
    revenue: str
    costs: str
    net: str
    cumulative: str


class ProjectionOut(Schema):
    rows: list[MonthOut] = Field(description="Month 0 (the launch) to the horizon")
    break_even_month: int | None
    npv: str
    arpu: str
    ltv: str | None
    cac_payback_months: str | None
    total_revenue: str
    total_costs: str


class SensitivityOut(Schema):
    label: str
    npv: str
    break_even_month: int | None
    cumulative: str = Field(description="Cumulative cash at the horizon")


class BusinessCaseOut(Schema):
    plan: int
    currency: str
    horizon: int
    acquisition_cost: str
    variable_cost: str
    launch_cost: str
    fixed_cost: str
    discount_rate: str
    offers: list[CaseOfferOut]
    projection: ProjectionOut
    sensitivity: list[SensitivityOut]

    @staticmethod
    def build(case: BusinessCase, assumptions: model.Assumptions, currency: str) -> dict[str, Any]:
        """Return the assumptions, the projection and the sensitivity table."""
        p = model.project(assumptions)
        return {
            "plan": case.plan_id,
            "currency": currency,
            "horizon": case.horizon,
            "acquisition_cost": format_amount(case.acquisition_cost_minor),
            "variable_cost": format_amount(case.variable_cost_minor),
            "launch_cost": format_amount(case.launch_cost_minor),
            "fixed_cost": format_amount(case.fixed_cost_minor),
            "discount_rate": number(case.discount_rate),
            "offers": [
                {
                    "offer": o.label,
                    "gross_adds": list(o.gross_adds),
                    "churn": number(o.churn),
                    "phases": [
                        {
                            "from_month": ph.from_month,
                            "monthly_price": format_amount(ph.monthly_price_minor),
                        }
                        for ph in o.phases
                    ],
                }
                for o in assumptions.offers
            ],
            "projection": {
                "rows": [
                    {
                        "month": r.month,
                        "subscribers": str(r.subscribers),
                        "gross_adds": r.gross_adds,
                        "revenue": format_amount(r.revenue_minor),
                        "costs": format_amount(r.costs_minor),
                        "net": format_amount(r.net_minor),
                        "cumulative": format_amount(r.cumulative_minor),
                    }
                    for r in p.rows
                ],
                "break_even_month": p.break_even_month,
                "npv": format_amount(p.npv_minor),
                "arpu": format_amount(p.arpu_minor),
                "ltv": format_amount(p.ltv_minor) if p.ltv_minor is not None else None,
                "cac_payback_months": (
                    str(p.cac_payback_months) if p.cac_payback_months is not None else None
                ),
                "total_revenue": format_amount(p.total_revenue_minor),
                "total_costs": format_amount(p.total_costs_minor),
            },
            "sensitivity": [
                {
                    "label": s.label,
                    "npv": format_amount(s.npv_minor),
                    "break_even_month": s.break_even_month,
                    "cumulative": format_amount(s.cumulative_minor),
                }
                for s in model.sensitivity(assumptions)
            ],
        }


# Report -------------------------------------------------------------------------------------


class ReportKeyResult(KeyResultOut):
    previous_status: str | None = Field(description="Its status at the last review")


class ReviewRef(Schema):
    id: int
    held_on: date


class CheckInRow(CheckInOut):
    key_result_title: str


class ReportOut(Schema):
    plan: int
    name: str
    as_of: date
    last_review: ReviewRef | None
    counts: dict[str, int] = Field(description="How many key results have each status")
    key_results: list[ReportKeyResult]
    overdue: list[ActionOut]
    done_since: list[ActionOut] = Field(description="Done since the last review")
    activated_since: list[ActionOut] = Field(description="Plan Bs switched to since then")
    slipped: list[MilestoneOut]
    reached_since: list[MilestoneOut]
    check_ins_since: list[CheckInRow]

    @staticmethod
    def build(r: selectors.Report) -> dict[str, Any]:
        """Return the progress report of a plan."""
        return {
            "plan": r.plan.pk,
            "name": r.plan.name,
            "as_of": r.today,
            "last_review": (
                {"id": r.last_review.pk, "held_on": r.last_review.held_on}
                if r.last_review
                else None
            ),
            "counts": r.counts,
            "key_results": [
                {
                    **KeyResultOut.build(m),
                    "previous_status": r.previous_status.get(m.key_result.pk),
                }
                for m in r.measures
            ],
            "overdue": [ActionOut.build(a, r.today) for a in r.overdue],
            "done_since": [ActionOut.build(a, r.today) for a in r.done_since],
            "activated_since": [ActionOut.build(a, r.today) for a in r.activated_since],
            "slipped": [MilestoneOut.build(m) for m in r.slipped],
            "reached_since": [MilestoneOut.build(m) for m in r.reached_since],
            "check_ins_since": [
                {**CheckInOut.build(c), "key_result_title": c.key_result.title}
                for c in r.check_ins_since
            ],
        }
