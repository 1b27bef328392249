"""Planning endpoints: plans, objectives, key results (measured live), actions, milestones,
reviews, business cases and the progress report.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status
from pydantic import Field

from rota.accounts.api_auth import actor_of, scoped
from rota.catalog.models import Offer
from rota.core.errors import FieldError, InvalidInput, NotFound
from rota.core.problems import ERRORS, PageQuery, page
from rota.installation.selectors import installation_get, installation_today
from rota.planning import selectors, services
from rota.planning.models import (
    Action,
    ActionStatus,
    BusinessCase,
    KeyResult,
    Milestone,
    Objective,
    Plan,
    Review,
)
from rota.planning.report import report_filename, report_markdown
from rota.planning.schemas import (
    ActionIn,
    ActionList,
    ActionOut,
    ActionPatch,
    ActionStatusIn,
    BusinessCaseIn,
    BusinessCaseOut,
    CheckInIn,
    CheckInOut,
    FindingIn,
    FindingOut,
    KeyResultDetail,
    KeyResultIn,
    KeyResultList,
    KeyResultOut,
    KeyResultPatch,
    MilestoneIn,
    MilestoneList,
    MilestoneOut,
    MilestonePatch,
    ObjectiveIn,
    ObjectiveList,
    ObjectiveOut,
    ObjectivePatch,
    PlanActionIn,
    PlanDetail,
    PlanIn,
    PlanList,
    PlanPatch,
    PlanRow,
    ReportOut,
    ReviewIn,
    ReviewList,
    ReviewOut,
    SegmentIn,
    SegmentOut,
    SwotIn,
    SwotOut,
    number,
    parse_money,
    parse_number,
    refuse,
)

router = Router(tags=["planning"])
READ = scoped("planning:read")
WRITE = scoped("planning:write")


# Lookups: unknown people and objects in a body are bad input naming the field -------------


def _user(username: str | None, field: str, errors: list[FieldError]) -> User | None:
    if username is None:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        errors.append(FieldError(field, f"there is no staff user {username!r}"))
    return user


def _given_user(
    given: dict[str, Any], field: str, current: User | None, errors: list[FieldError]
) -> User | None:
    """Return the user a patch names in `field` (null clears it), else the current one."""
    return _user(given[field], field, errors) if field in given else current


def _given_text(given: dict[str, Any], field: str, current: str) -> str:
    """Return the text a patch gives in `field` (null clears it), else the current one."""
    return (given[field] or "") if field in given else current


def _objective(pk: int) -> Objective:
    found = Objective.objects.select_related("plan", "owner", "reviewer").filter(pk=pk).first()
    if found is None:
        raise NotFound(detail=f"There is no objective {pk}.")
    return found


def _key_result(pk: int) -> KeyResult:
    found = KeyResult.objects.select_related("objective", "objective__plan").filter(pk=pk).first()
    if found is None:
        raise NotFound(detail=f"There is no key result {pk}.")
    return found


def _action(pk: int) -> Action:
    found = Action.objects.select_related("objective", "objective__plan", "owner").filter(pk=pk)
    action = found.first()
    if action is None:
        raise NotFound(detail=f"There is no action {pk}.")
    return action


def _milestone(pk: int) -> Milestone:
    found = Milestone.objects.select_related("plan", "owner").filter(pk=pk).first()
    if found is None:
        raise NotFound(detail=f"There is no milestone {pk}.")
    return found


def _reviews() -> Any:
    return Review.objects.select_related("recorded_by").prefetch_related(
        "attendees", "entries__key_result", "decisions"
    )


def _not_null(given: dict[str, Any], names: tuple[str, ...]) -> None:
    refuse(
        "The request has invalid fields.",
        [
            FieldError(name, "must not be null")
            for name in names
            if name in given and given[name] is None
        ],
    )


# Plans --------------------------------------------------------------------------------------


@router.get("/plans", response={200: PlanList, **ERRORS}, auth=READ)
def list_plans(request: HttpRequest, filters: Query[PageQuery]) -> dict[str, Any]:
    """List plans, latest start first, with how many objectives, key results and open actions."""
    plans = selectors.plans_with_counts().prefetch_related("offers").order_by("-starts_on", "name")
    rows = plans[page(filters.limit, filters.offset)]
    return {"items": [PlanRow.build(p) for p in rows], "count": plans.count()}


@router.post("/plans", response={201: PlanDetail, **ERRORS}, auth=WRITE)
def create_plan(request: HttpRequest, payload: PlanIn) -> Status[dict[str, Any]]:
    """Create a plan; Rota freezes every KPI of the twelve months before its start."""
    errors: list[FieldError] = []
    owner = _user(payload.owner, "owner", errors)
    offers = []
    for i, code in enumerate(payload.offers):
        offer = Offer.objects.filter(code=code).first()
        if offer is None:
            errors.append(FieldError(f"offers[{i}]", f"there is no offer {code!r}"))
        else:
            offers.append(offer)
    refuse("The plan cannot be created.", errors)
    plan = services.plan_create(
        name=payload.name,
        kind=payload.kind,
        starts_on=payload.starts_on,
        owner=owner,
        summary=payload.summary,
        offers=offers,
        segments=payload.segments,
        actor=actor_of(request),
    )
    return Status(201, PlanDetail.build(selectors.plan_detail(plan.pk)))


@router.get("/plans/{plan_id}", response={200: PlanDetail, **ERRORS}, auth=READ)
def get_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    """Get a plan with its frozen diagnosis, lost customers, segments, findings and SWOT."""
    return PlanDetail.build(selectors.plan_detail(selectors.plan_get(plan_id).pk))


@router.patch("/plans/{plan_id}", response={200: PlanDetail, **ERRORS}, auth=WRITE)
def update_plan(request: HttpRequest, plan_id: int, payload: PlanPatch) -> dict[str, Any]:
    """Rename a plan, change its summary or its owner; the diagnosis stays as it was."""
    plan = selectors.plan_get(plan_id)
    given = payload.model_dump(exclude_unset=True)
    _not_null(given, ("name", "owner"))
    errors: list[FieldError] = []
    owner = _given_user(given, "owner", plan.owner, errors)
    refuse("The plan cannot be changed.", errors)
    services.plan_update(
        plan,
        name=given.get("name", plan.name),
        summary=_given_text(given, "summary", plan.summary),
        owner=owner,
        actor=actor_of(request),
    )
    return PlanDetail.build(selectors.plan_detail(plan.pk))


@router.post("/plans/{plan_id}/findings", response={201: FindingOut, **ERRORS}, auth=WRITE)
def add_finding(request: HttpRequest, plan_id: int, payload: FindingIn) -> Status[dict[str, Any]]:
    """Add a finding to the plan's diagnosis, optionally citing a KPI."""
    finding = services.finding_add(
        selectors.plan_get(plan_id),
        text=payload.text,
        kpi_code=payload.kpi_code,
        actor=actor_of(request),
    )
    return Status(201, FindingOut.build(finding))


@router.post("/plans/{plan_id}/swot", response={201: SwotOut, **ERRORS}, auth=WRITE)
def add_swot(request: HttpRequest, plan_id: int, payload: SwotIn) -> Status[dict[str, Any]]:
    """Add a strength, weakness, opportunity or threat (S, W, O, T)."""
    item = services.swot_add(
        selectors.plan_get(plan_id),
        kind=payload.kind,
        text=payload.text,
        kpi_code=payload.kpi_code,
        actor=actor_of(request),
    )
    return Status(201, SwotOut.build(item))


@router.put("/plans/{plan_id}/segments/{segment}", response={200: SegmentOut, **ERRORS}, auth=WRITE)
def set_segment(
    request: HttpRequest, plan_id: int, segment: str, payload: SegmentIn
) -> dict[str, Any]:
    """Target a segment (household, business) with what its customers need."""
    row = services.segment_set(
        selectors.plan_get(plan_id), segment=segment, needs=payload.needs, actor=actor_of(request)
    )
    return SegmentOut.build(row)


# Objectives ---------------------------------------------------------------------------------


@router.get("/plans/{plan_id}/objectives", response={200: ObjectiveList, **ERRORS}, auth=READ)
def list_objectives(
    request: HttpRequest, plan_id: int, filters: Query[PageQuery]
) -> dict[str, Any]:
    """List the plan's objectives by area."""
    plan = selectors.plan_get(plan_id)
    objectives = Objective.objects.filter(plan=plan).select_related("owner", "reviewer")
    rows = objectives[page(filters.limit, filters.offset)]
    return {"items": [ObjectiveOut.build(o) for o in rows], "count": objectives.count()}


@router.post("/plans/{plan_id}/objectives", response={201: ObjectiveOut, **ERRORS}, auth=WRITE)
def add_objective(
    request: HttpRequest, plan_id: int, payload: ObjectiveIn
) -> Status[dict[str, Any]]:
    """Add an objective of one area, with an owner and a reviewer who is someone else."""
    plan = selectors.plan_get(plan_id)
    errors: list[FieldError] = []
    owner = _user(payload.owner, "owner", errors)
    reviewer = _user(payload.reviewer, "reviewer", errors)
    refuse("The objective cannot be added.", errors)
    objective = services.objective_add(
        plan,
        area=payload.area,
        title=payload.title,
        description=payload.description,
        owner=owner,
        reviewer=reviewer,
        actor=actor_of(request),
    )
    return Status(201, ObjectiveOut.build(objective))


@router.patch("/objectives/{objective_id}", response={200: ObjectiveOut, **ERRORS}, auth=WRITE)
def update_objective(
    request: HttpRequest, objective_id: int, payload: ObjectivePatch
) -> dict[str, Any]:
    """Change an objective's area, title, description, owner or reviewer."""
    objective = _objective(objective_id)
    given = payload.model_dump(exclude_unset=True)
    _not_null(given, ("area", "title", "owner", "reviewer"))
    errors: list[FieldError] = []
    owner = _given_user(given, "owner", objective.owner, errors)
    reviewer = _given_user(given, "reviewer", objective.reviewer, errors)
    refuse("The objective cannot be changed.", errors)
    updated = services.objective_update(
        objective,
        area=given.get("area", objective.area),
        title=given.get("title", objective.title),
        description=_given_text(given, "description", objective.description),
        owner=owner,
        reviewer=reviewer,
        actor=actor_of(request),
    )
    return ObjectiveOut.build(updated)


# Key results --------------------------------------------------------------------------------


def _measured(kr: KeyResult) -> selectors.Measure:
    return selectors.measure_all([kr], kr.objective.plan.starts_on)[0]


NUMBERS = ("baseline", "target_3", "target_6", "target_12", "bound")


def _key_result_input(values: dict[str, Any]) -> services.KeyResultInput:
    """Return the service's input from request values, parsing the decimal strings."""
    errors: list[FieldError] = []
    parsed = {name: parse_number(values.get(name), name, errors) for name in NUMBERS}
    refuse("The key result cannot be saved.", errors)
    return services.KeyResultInput(
        title=values["title"],
        kpi_code=values.get("kpi_code") or "",
        filters=values.get("filters") or {},
        unit=values.get("unit") or "",
        mode=values.get("mode") or "target",
        direction=values.get("direction") or "",
        **parsed,
    )


@router.get("/plans/{plan_id}/key-results", response={200: KeyResultList, **ERRORS}, auth=READ)
def list_key_results(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    """List the plan's key results, each measured: actual, expected, status and as-of day."""
    measures = selectors.plan_measures(selectors.plan_get(plan_id))
    return {"items": [KeyResultOut.build(m) for m in measures], "count": len(measures)}


@router.post(
    "/objectives/{objective_id}/key-results", response={201: KeyResultOut, **ERRORS}, auth=WRITE
)
def add_key_result(
    request: HttpRequest, objective_id: int, payload: KeyResultIn
) -> Status[dict[str, Any]]:
    """Add a key result on a KPI (baseline from the diagnosis unless given) or a manual one."""
    objective = _objective(objective_id)
    data = _key_result_input(payload.model_dump())
    kr = services.key_result_add(objective, data, actor=actor_of(request))
    return Status(201, KeyResultOut.build(_measured(_key_result(kr.pk))))


@router.get("/key-results/{kr_id}", response={200: KeyResultDetail, **ERRORS}, auth=READ)
def get_key_result(request: HttpRequest, kr_id: int) -> dict[str, Any]:
    """Get a key result with its measure, its monthly history and its check-ins."""
    kr = _key_result(kr_id)
    history = selectors.kr_history(kr)
    return {
        **KeyResultOut.build(_measured(kr)),
        "history": [
            {"month": str(month), "actual": number(actual), "expected": number(expected)}
            for month, actual, expected in history
        ],
        "check_ins": [
            CheckInOut.build(c) for c in kr.check_ins.select_related("by").order_by("-on", "-id")
        ],
    }


@router.patch("/key-results/{kr_id}", response={200: KeyResultOut, **ERRORS}, auth=WRITE)
def update_key_result(request: HttpRequest, kr_id: int, payload: KeyResultPatch) -> dict[str, Any]:
    """Change a key result's definition or targets; fields left out keep their value."""
    kr = _key_result(kr_id)
    given = payload.model_dump(exclude_unset=True)
    _not_null(given, ("title", "mode"))
    values: dict[str, Any] = {
        name: getattr(kr, name)
        for name in ("title", "kpi_code", "filters", "unit", "mode", "direction")
    }
    values.update({name: number(getattr(kr, name)) for name in NUMBERS})
    values.update(given)
    services.key_result_update(kr, _key_result_input(values), actor=actor_of(request))
    return KeyResultOut.build(_measured(_key_result(kr_id)))


@router.post("/key-results/{kr_id}/check-ins", response={201: CheckInOut, **ERRORS}, auth=WRITE)
def add_check_in(request: HttpRequest, kr_id: int, payload: CheckInIn) -> Status[dict[str, Any]]:
    """Record a manual key result's value measured on a day."""
    kr = _key_result(kr_id)
    errors: list[FieldError] = []
    value = parse_number(payload.value, "value", errors)
    refuse("The check-in cannot be recorded.", errors)
    row = services.check_in(
        kr, on=payload.on, value=value, note=payload.note, actor=actor_of(request)
    )
    return Status(201, CheckInOut.build(row))


@router.post(
    "/objectives/{objective_id}/key-results/from-business-case",
    response={201: KeyResultList, **ERRORS},
    auth=WRITE,
)
def key_results_from_case(request: HttpRequest, objective_id: int) -> Status[dict[str, Any]]:
    """Make the objective's key results from the plan's business case: new subscribers,
    churn and ARPU.
    """
    objective = _objective(objective_id)
    made = services.key_results_from_case(objective, actor=actor_of(request))
    krs = [_key_result(kr.pk) for kr in made]
    measures = selectors.measure_all(krs, objective.plan.starts_on)
    return Status(201, {"items": [KeyResultOut.build(m) for m in measures], "count": len(made)})


# Actions ------------------------------------------------------------------------------------


class ActionFilter(PageQuery):
    status: ActionStatus | None = None
    owner: str | None = Field(None, description="Username")
    overdue: bool | None = Field(None, description="Open, not on standby, and past its due day")
    objective: int | None = Field(None, ge=1, le=2**63 - 1)


def _new_action(objective: Objective, payload: ActionIn, request: HttpRequest) -> Action:
    errors: list[FieldError] = []
    owner = _user(payload.owner, "owner", errors)
    plan_b_of = None
    if payload.plan_b_of is not None:
        plan_b_of = Action.objects.select_related("objective").filter(pk=payload.plan_b_of).first()
        if plan_b_of is None:
            errors.append(FieldError("plan_b_of", f"there is no action {payload.plan_b_of}"))
    refuse("The action cannot be added.", errors)
    return services.action_add(
        objective,
        title=payload.title,
        description=payload.description,
        owner=owner,
        starts_on=payload.starts_on,
        due_on=payload.due_on,
        plan_b_of=plan_b_of,
        actor=actor_of(request),
    )


@router.get("/plans/{plan_id}/actions", response={200: ActionList, **ERRORS}, auth=READ)
def list_actions(
    request: HttpRequest, plan_id: int, filters: Query[ActionFilter]
) -> dict[str, Any]:
    """List the plan's actions by due day; filter by status, owner, objective or overdue."""
    plan = selectors.plan_get(plan_id)
    today = installation_today()
    actions = Action.objects.filter(objective__plan=plan).select_related("owner")
    if filters.status is not None:
        actions = actions.filter(status=filters.status)
    if filters.owner is not None:
        errors: list[FieldError] = []
        owner = _user(filters.owner, "owner", errors)
        refuse("The filters are not valid.", errors)
        actions = actions.filter(owner=owner)
    if filters.objective is not None:
        actions = actions.filter(objective_id=filters.objective)
    if filters.overdue is not None:
        late = selectors.open_actions().filter(due_on__lt=today).values("pk")
        actions = actions.filter(pk__in=late) if filters.overdue else actions.exclude(pk__in=late)
    actions = actions.order_by("due_on", "id")
    rows = actions[page(filters.limit, filters.offset)]
    return {"items": [ActionOut.build(a, today) for a in rows], "count": actions.count()}


@router.post("/plans/{plan_id}/actions", response={201: ActionOut, **ERRORS}, auth=WRITE)
def add_plan_action(
    request: HttpRequest, plan_id: int, payload: PlanActionIn
) -> Status[dict[str, Any]]:
    """Add an action to one of the plan's objectives (`objective`)."""
    plan = selectors.plan_get(plan_id)
    objective = (
        Objective.objects.select_related("plan").filter(pk=payload.objective, plan=plan).first()
    )
    if objective is None:
        raise InvalidInput.single("objective", f"the plan has no objective {payload.objective}")
    action = _new_action(objective, payload, request)
    return Status(201, ActionOut.build(action, installation_today()))


@router.post("/objectives/{objective_id}/actions", response={201: ActionOut, **ERRORS}, auth=WRITE)
def add_action(
    request: HttpRequest, objective_id: int, payload: ActionIn
) -> Status[dict[str, Any]]:
    """Add an action to an objective; one with `plan_b_of` waits until a review activates it."""
    action = _new_action(_objective(objective_id), payload, request)
    return Status(201, ActionOut.build(action, installation_today()))


@router.patch("/actions/{action_id}", response={200: ActionOut, **ERRORS}, auth=WRITE)
def update_action(request: HttpRequest, action_id: int, payload: ActionPatch) -> dict[str, Any]:
    """Change an action's title, description, owner or dates."""
    action = _action(action_id)
    given = payload.model_dump(exclude_unset=True)
    _not_null(given, ("title", "owner", "starts_on", "due_on"))
    errors: list[FieldError] = []
    owner = _given_user(given, "owner", action.owner, errors)
    refuse("The action cannot be changed.", errors)
    services.action_update(
        action,
        title=given.get("title", action.title),
        description=_given_text(given, "description", action.description),
        owner=owner,
        starts_on=given.get("starts_on", action.starts_on),
        due_on=given.get("due_on", action.due_on),
        actor=actor_of(request),
    )
    return ActionOut.build(_action(action_id), installation_today())


@router.post("/actions/{action_id}/status", response={200: ActionOut, **ERRORS}, auth=WRITE)
def set_action_status(
    request: HttpRequest, action_id: int, payload: ActionStatusIn
) -> dict[str, Any]:
    """Move an action to todo, doing, done (on `on`, default today) or dropped."""
    services.action_status(
        _action(action_id), status=payload.status, on=payload.on, actor=actor_of(request)
    )
    return ActionOut.build(_action(action_id), installation_today())


# Milestones ---------------------------------------------------------------------------------


@router.get("/plans/{plan_id}/milestones", response={200: MilestoneList, **ERRORS}, auth=READ)
def list_milestones(
    request: HttpRequest, plan_id: int, filters: Query[PageQuery]
) -> dict[str, Any]:
    """List the plan's milestones by planned day, with their drift."""
    plan = selectors.plan_get(plan_id)
    milestones = plan.milestones.select_related("owner").order_by("planned_on", "id")
    rows = milestones[page(filters.limit, filters.offset)]
    return {"items": [MilestoneOut.build(m) for m in rows], "count": milestones.count()}


@router.post("/plans/{plan_id}/milestones", response={201: MilestoneOut, **ERRORS}, auth=WRITE)
def add_milestone(
    request: HttpRequest, plan_id: int, payload: MilestoneIn
) -> Status[dict[str, Any]]:
    """Add a milestone; test start, pilot and full launch come once each, in that order."""
    plan = selectors.plan_get(plan_id)
    errors: list[FieldError] = []
    owner = _user(payload.owner, "owner", errors)
    refuse("The milestone cannot be added.", errors)
    milestone = services.milestone_add(
        plan,
        kind=payload.kind,
        title=payload.title,
        planned_on=payload.planned_on,
        owner=owner,
        actor=actor_of(request),
    )
    return Status(201, MilestoneOut.build(milestone))


@router.patch("/milestones/{milestone_id}", response={200: MilestoneOut, **ERRORS}, auth=WRITE)
def update_milestone(
    request: HttpRequest, milestone_id: int, payload: MilestonePatch
) -> dict[str, Any]:
    """Re-plan a milestone (the planned day stays, to show the drift) or record when it happened."""
    milestone = _milestone(milestone_id)
    given = payload.model_dump(exclude_unset=True)
    errors: list[FieldError] = []
    owner = _given_user(given, "owner", milestone.owner, errors)
    refuse("The milestone cannot be changed.", errors)
    services.milestone_update(
        milestone,
        replanned_on=given.get("replanned_on", milestone.replanned_on),
        actual_on=given.get("actual_on", milestone.actual_on),
        owner=owner,
        actor=actor_of(request),
    )
    return MilestoneOut.build(_milestone(milestone_id))


# Reviews ------------------------------------------------------------------------------------


@router.get("/plans/{plan_id}/reviews", response={200: ReviewList, **ERRORS}, auth=READ)
def list_reviews(request: HttpRequest, plan_id: int, filters: Query[PageQuery]) -> dict[str, Any]:
    """List the plan's reviews, latest first."""
    plan = selectors.plan_get(plan_id)
    reviews = _reviews().filter(plan=plan).order_by("-held_on", "-id")
    rows = reviews[page(filters.limit, filters.offset)]
    return {"items": [ReviewOut.build(r) for r in rows], "count": reviews.count()}


@router.post("/plans/{plan_id}/reviews", response={201: ReviewOut, **ERRORS}, auth=WRITE)
def record_review(request: HttpRequest, plan_id: int, payload: ReviewIn) -> Status[dict[str, Any]]:
    """Record a review: each key result's status (live unless given) and note, and decisions;
    a decision that activates a plan-B action drops the action it backs.
    """
    plan = selectors.plan_get(plan_id)
    errors: list[FieldError] = []
    attendees = [_user(name, f"attendees[{i}]", errors) for i, name in enumerate(payload.attendees)]
    entries = []
    for i, entry in enumerate(payload.entries):
        kr = KeyResult.objects.filter(pk=entry.key_result).first()
        if kr is None:
            errors.append(
                FieldError(f"entries[{i}].key_result", f"there is no key result {entry.key_result}")
            )
            continue
        entries.append(services.EntryInput(key_result=kr, status=entry.status, note=entry.note))
    decisions = []
    for i, decision in enumerate(payload.decisions):
        activates = None
        if decision.activates is not None:
            activates = (
                Action.objects.select_related("objective").filter(pk=decision.activates).first()
            )
            if activates is None:
                errors.append(
                    FieldError(
                        f"decisions[{i}].activates", f"there is no action {decision.activates}"
                    )
                )
        decisions.append(services.DecisionInput(text=decision.text, activates=activates))
    refuse("The review cannot be recorded.", errors)
    review = services.review_record(
        plan,
        held_on=payload.held_on,
        attendees=[a for a in attendees if a is not None],
        summary=payload.summary,
        entries=entries,
        decisions=decisions,
        actor=actor_of(request),
    )
    return Status(201, ReviewOut.build(_reviews().get(pk=review.pk)))


@router.get("/reviews/{review_id}", response={200: ReviewOut, **ERRORS}, auth=READ)
def get_review(request: HttpRequest, review_id: int) -> dict[str, Any]:
    """Get a review with its entries and decisions."""
    review = _reviews().filter(pk=review_id).first()
    if review is None:
        raise NotFound(detail=f"There is no review {review_id}.")
    return ReviewOut.build(review)


# Business case ------------------------------------------------------------------------------


def _case_out(plan: Plan) -> dict[str, Any]:
    case = BusinessCase.objects.filter(plan=plan).first()
    if case is None:
        raise NotFound(detail=f"{plan.name} has no business case yet.")
    return BusinessCaseOut.build(case, services.assumptions_of(case), installation_get().currency)


@router.get("/plans/{plan_id}/business-case", response={200: BusinessCaseOut, **ERRORS}, auth=READ)
def get_business_case(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    """Get the business case: its assumptions, the monthly projection and the sensitivity table."""
    return _case_out(selectors.plan_get(plan_id))


@router.put("/plans/{plan_id}/business-case", response={200: BusinessCaseOut, **ERRORS}, auth=WRITE)
def set_business_case(
    request: HttpRequest, plan_id: int, payload: BusinessCaseIn
) -> dict[str, Any]:
    """Set (or replace) the business case; costs are money in the installation's currency."""
    plan = selectors.plan_get(plan_id)
    errors: list[FieldError] = []
    costs = {
        f"{name}_minor": parse_money(getattr(payload, name), name, errors)
        for name in ("acquisition_cost", "variable_cost", "launch_cost", "fixed_cost")
    }
    discount_rate = parse_number(payload.discount_rate, "discount_rate", errors)
    offers = []
    for i, row in enumerate(payload.offers):
        offer = Offer.objects.filter(code=row.offer).first()
        if offer is None:
            errors.append(FieldError(f"offers[{i}].offer", f"there is no offer {row.offer!r}"))
        churn = parse_number(row.churn, f"offers[{i}].churn", errors)
        if offer is not None and churn is not None:
            offers.append(
                services.CaseOfferInput(offer=offer, gross_adds=tuple(row.gross_adds), churn=churn)
            )
    refuse("The business case cannot be saved.", errors)
    services.business_case_set(
        plan,
        offers=offers,
        horizon=payload.horizon,
        discount_rate=discount_rate if discount_rate is not None else Decimal("0.10"),
        actor=actor_of(request),
        **costs,
    )
    return _case_out(plan)


# Report -------------------------------------------------------------------------------------


@router.get("/plans/{plan_id}/report", response={200: ReportOut, **ERRORS}, auth=READ)
def get_report(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    """The progress report: each key result's status (and at the last review), overdue
    actions, slipped milestones, and what was done since the last review.
    """
    return ReportOut.build(selectors.report(selectors.plan_get(plan_id)))


MARKDOWN_DOC = {
    "responses": {
        200: {
            "description": "The progress report as Markdown, to send to the team",
            "content": {"text/markdown": {"schema": {"type": "string"}}},
        }
    }
}


@router.get("/plans/{plan_id}/report.md", response=ERRORS, auth=READ, openapi_extra=MARKDOWN_DOC)
def get_report_markdown(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The progress report as a Markdown file, the same words the back office prints."""
    found = selectors.report(selectors.plan_get(plan_id))
    response = HttpResponse(report_markdown(found), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(found)}"'
    return response
