"""The demo ISP's plans: next year's launch of the six packages, and this year's plan.

"Plan <next year>" is the offer launch of the launch plan (seed 002), in English: the two
target segments and their needs, the six packages, findings and a SWOT read from the
diagnosis, objectives by area whose key results run on the KPIs (new subscribers, ticket
handling time, link failure rate, churn) and two manual metrics checked in by hand,
actions with owners and due dates (one with a plan B), the test start, pilot and full
launch, the business case, and a readiness review held today that switches the beta
test to its plan B. It starts on 1 January of next year, so its key results measure the
months before it: they show where the ISP stands, not movement.

"Plan <this year>" is the yearly plan that has been running since 1 January (or since
the year before, when this year is less than three months and a week old): the same
steps in smaller form, its quarterly reviews held on the 7th of April, July and October
(those already past), the second of them (or the only one) switching to the plan B of
whichever key result, churn or ticket handling, was then the worse. Its key results are
measured on the live KPIs, so their status moves with the history.

Baselines are what the planning services take from the diagnosis (the KPI of its last
month that had ended when the plan was made) and targets are percentages of them, so
they never contradict the data; link failures, which swing with every fibre cut, get a
bound 10% under the diagnosis average instead. The launch plan's finance key results come
from its business case. Everything is written through the planning services, in one
transaction, by the demo's actor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from time import perf_counter

from django.contrib.auth.models import Group, User
from django.db import transaction

from rota.accounts import roles
from rota.accounts.services import staff_user_record
from rota.audit.actors import Actor
from rota.catalog.models import AddOn, Offer, Segment
from rota.catalog.services import offer_create
from rota.core.periods import Month, add_months
from rota.demo.catalog import OFFERS
from rota.installation.selectors import installation_today
from rota.kpis.definitions import BY_CODE
from rota.kpis.filters import Filters
from rota.planning import selectors
from rota.planning import services as plans
from rota.planning.models import (
    Action,
    ActionStatus,
    Area,
    KeyResult,
    KeyResultMode,
    Kind,
    MilestoneKind,
    Objective,
    Plan,
)
from rota.planning.services import CaseOfferInput, DecisionInput, EntryInput, KeyResultInput
from rota.planning.status import Status
from rota.subscriptions.models import CancelReason


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]


# The ISP's managers: owner, sales, network, support, marketing and finance leads.
OWNER = Person("andrzej.nowak", "Andrzej", "Nowak", (roles.ADMINISTRATOR, roles.PLANNER))
SALES = Person("katarzyna.wisniewska", "Katarzyna", "Wiśniewska", (roles.SALES,))
NETWORK = Person("piotr.mazur", "Piotr", "Mazur", (roles.SUPPORT,))
SUPPORT = Person("ewa.zielinska", "Ewa", "Zielińska", (roles.SUPPORT,))
MARKETING = Person("joanna.kaczmarek", "Joanna", "Kaczmarek", (roles.SALES, roles.PLANNER))
FINANCE = Person("marek.dudek", "Marek", "Dudek", (roles.FINANCE,))
STAFF = (OWNER, SALES, NETWORK, SUPPORT, MARKETING, FINANCE)

HOUSEHOLD_NEEDS = (
    "Stable, fast internet for the whole home: multimedia, 4K streaming and gaming, and "
    "flexible packages at a lower cost. Ease of use and speed come first."
)
BUSINESS_NEEDS = (
    "A reliable link with symmetric (or very high) speeds, dedicated technical support, "
    "extra services (telephony, VPN, firewall), SLA guarantees and options to integrate "
    "with the company's IT infrastructure. Security and support come first."
)

# The launch plan's financial analysis: adds per month (ramping up over the first three
# months, then steady) and monthly churn per package, costs in grosz.
CASE_OFFERS: dict[str, tuple[tuple[int, ...], str]] = {
    "speedster": ((8, 14, 20), "0.0150"),
    "domowy-komfort": ((10, 18, 25), "0.0150"),
    "gameon": ((4, 7, 10), "0.0180"),
    "wszedzie-ty": ((3, 6, 8), "0.0250"),
    "4business": ((2, 4, 6), "0.0080"),
    "4business-ultra": ((1, 2, 3), "0.0060"),
}
LAUNCH_OFFERS: tuple[str, ...] = tuple(CASE_OFFERS)  # the six packages
ACQUISITION_COST = 35000  # installation, router and campaign per new subscriber
VARIABLE_COST = 1200  # bandwidth and support per subscriber per month
LAUNCH_COST = 6000000  # campaign, sales materials, training, integration work
FIXED_COST = 400000  # a sales person and the packages' share of the backbone, per month
DISCOUNT_RATE = Decimal("0.10")

# How far each key result should move in twelve months (3 and 6 months: a quarter, a half).
MOVES = {
    "gross_adds": Decimal("0.20"),
    "business_adds": Decimal("0.30"),
    "household_adds": Decimal("0.15"),
    "avg_ticket_handling_hours": Decimal("-0.15"),
    "churn_rate": Decimal("-0.10"),
}
# Link failures swing with every fibre cut: a bound, 10% under the diagnosis average.
SHARE = Decimal("0.90")
STATUS_RANK = {
    Status.OFF_TRACK: 0,
    Status.AT_RISK: 1,
    Status.NO_DATA: 2,
    Status.ON_TRACK: 3,
    Status.ACHIEVED: 4,
}


@dataclass(frozen=True)
class PlanningSummary:
    """What the demo planning wrote."""

    plans: tuple[str, ...]
    objectives: int
    key_results: int
    actions: int
    milestones: int
    reviews: int
    seconds: float

    def line(self) -> str:
        return (
            f"Demo planning: {' and '.join(self.plans)} with {self.objectives} objectives, "
            f"{self.key_results} key results, {self.actions} actions, {self.milestones} "
            f"milestones and {self.reviews} reviews in {self.seconds:.1f} s."
        )


def launch_start(today: date) -> date:
    """Return the launch plan's start: the first day of next year."""
    return date(today.year + 1, 1, 1)


def running_start(today: date) -> date:
    """Return the running plan's start: 1 January, of last year if this one is too young."""
    start = date(today.year, 1, 1)
    if first_review(start) > today:
        start = date(today.year - 1, 1, 1)
    return start


def first_review(start: date) -> date:
    return add_months(start, 3) + timedelta(days=6)


@transaction.atomic
def demo_plan_load(*, today: date, actor: Actor) -> PlanningSummary | None:
    """Create the demo's running plan and next year's launch plan; skip those that exist.

    Return what was written, or None when both plans were there already.
    """
    started = perf_counter()
    day = min(today, installation_today())  # reviews and check-ins are never in the future
    running = f"Plan {running_start(day).year}"
    launch = f"Plan {launch_start(day).year}"
    todo = [name for name in (running, launch) if not Plan.objects.filter(name=name).exists()]
    if not todo:
        return None
    staff = {p.username: _staff(p, actor) for p in STAFF}
    made = []
    if running in todo:
        made.append(_running_plan(running, running_start(day), day, staff, actor))
    if launch in todo:
        made.append(_launch_plan(launch, launch_start(day), day, staff, actor))
    objectives = Objective.objects.filter(plan__in=made)
    return PlanningSummary(
        plans=tuple(p.name for p in made),
        objectives=objectives.count(),
        key_results=KeyResult.objects.filter(objective__in=objectives).count(),
        actions=Action.objects.filter(objective__in=objectives).count(),
        milestones=sum(p.milestones.count() for p in made),
        reviews=sum(p.reviews.count() for p in made),
        seconds=perf_counter() - started,
    )


def _staff(person: Person, actor: Actor) -> User:
    """Return the manager's staff account, creating it (no usable password) if need be."""
    user = User.objects.filter(username=person.username).first()
    if user is not None:
        return user
    user = User.objects.create_user(
        username=person.username,
        email=f"{person.username}@example.pl",
        first_name=person.first_name,
        last_name=person.last_name,
        is_staff=True,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.add(*Group.objects.filter(name__in=person.roles))
    staff_user_record(
        user=user,
        created=True,
        changed=["username", "email", "first_name", "last_name", "is_staff", "groups"],
        actor=actor,
    )
    return user


# Baselines and targets ----------------------------------------------------------------------


def _places(code: str) -> Decimal:
    return Decimal(1) if BY_CODE[code].decimals == 0 else Decimal("0.01")


def on_kpi(plan: Plan, title: str, code: str, move: Decimal, **filters: str) -> KeyResultInput:
    """Return a key result moving the KPI by `move` of its diagnosis baseline in a year."""
    base = plans.diagnosis_baseline(plan, code, Filters(**filters))
    places = _places(code)

    def at(share: Decimal) -> Decimal:
        return (base * (1 + move * share)).quantize(places, rounding=ROUND_HALF_UP)

    return KeyResultInput(
        title=title,
        kpi_code=code,
        filters=filters or None,
        baseline=base,
        target_3=at(Decimal("0.25")),
        target_6=at(Decimal("0.5")),
        target_12=at(Decimal(1)),
    )


def below_mean(plan: Plan, title: str, code: str, share: Decimal) -> KeyResultInput:
    """Return a key result that keeps a noisy KPI below `share` of its diagnosis mean."""
    return KeyResultInput(
        title=title,
        kpi_code=code,
        mode=KeyResultMode.STAY_BELOW,
        bound=(_mean(plan, code) * share).quantize(_places(code), rounding=ROUND_HALF_UP),
    )


def _mean(plan: Plan, code: str) -> Decimal:
    values = [Decimal(d.values[code]) for d in plan.diagnosis.all()]
    mean = sum(values, Decimal(0)) / len(values) if values else Decimal(0)
    return mean.quantize(_places(code), rounding=ROUND_HALF_UP)


def _top_reasons(plan: Plan) -> str:
    reasons = plan.lost_customers.get("reason", {})
    named = [
        f"{CancelReason(code).label.lower()} ({n})"
        for code, n in reasons.items()
        if code in CancelReason.values
    ][:3]
    return ", ".join(named) if named else "none recorded"


def _action(
    objective: Objective,
    title: str,
    owner: User,
    starts_on: date,
    due_on: date,
    day: date,
    actor: Actor,
    *,
    description: str = "",
    plan_b_of: Action | None = None,
    backed: bool = False,
) -> Action:
    """Add an action; one whose due date is past is done on it, one already started is doing.

    A plan B waits for a review; an action that has a plan B (`backed`) is never finished
    here: the review that switches to its plan B drops it, or it is still being done.
    """
    action = plans.action_add(
        objective,
        title=title,
        owner=owner,
        starts_on=starts_on,
        due_on=due_on,
        description=description,
        plan_b_of=plan_b_of,
        actor=actor,
    )
    if plan_b_of is None and not backed and due_on < day:
        action = plans.action_status(action, status=ActionStatus.DONE, on=due_on, actor=actor)
    elif plan_b_of is None and starts_on <= day:
        action = plans.action_status(action, status=ActionStatus.DOING, actor=actor)
    return action


# The launch plan (seed 002) -------------------------------------------------------------------


def _launch_offers(actor: Actor) -> list[Offer]:
    """Return the six packages, creating any the catalog lacks as a draft.

    A draft gets only the add-ons the catalog has: the owner completes it before publishing.
    """
    found = {o.code: o for o in Offer.objects.filter(code__in=LAUNCH_OFFERS)}
    addons = set(AddOn.objects.values_list("code", flat=True))
    for code, segment, data in OFFERS:
        if code in LAUNCH_OFFERS and code not in found:
            data = replace(data, addons=tuple(a for a in data.addons if a in addons))
            found[code] = offer_create(code=code, segment=segment, data=data, actor=actor).offer
    return [found[code] for code in LAUNCH_OFFERS]


def _launch_plan(name: str, start: date, day: date, staff: dict[str, User], actor: Actor) -> Plan:
    owner, sales, network = staff[OWNER.username], staff[SALES.username], staff[NETWORK.username]
    support, marketing = staff[SUPPORT.username], staff[MARKETING.username]
    finance = staff[FINANCE.username]
    offers = _launch_offers(actor)
    plan = plans.plan_create(
        name=name,
        kind=Kind.OFFER_LAUNCH,
        starts_on=start,
        owner=owner,
        actor=actor,
        summary=(
            "Launch the six bundled packages: Speedster, Domowy Komfort, GameON and Wszędzie Ty "
            "for households, 4Business and 4Business Ultra (12 or 24 months) for small and "
            "medium firms. Beta tests, a pilot and a full launch in the first quarter; "
            "success is measured on new subscribers, ticket handling time, link failure "
            "rate and churn."
        ),
        offers=offers,
        segments={Segment.HOUSEHOLD: HOUSEHOLD_NEEDS, Segment.BUSINESS: BUSINESS_NEEDS},
    )
    _launch_diagnosis(plan, day, actor)
    prep = day - timedelta(days=42)
    test_start = start + timedelta(days=14)
    pilot = add_months(start, 2)
    full_launch = add_months(start, 3)

    sell = plans.objective_add(
        plan,
        area=Area.SALES,
        title="Win new subscribers with the six packages",
        description="Sell the packages to both segments; businesses on 12 or 24 months.",
        owner=sales,
        reviewer=owner,
        actor=actor,
    )
    plans.key_result_add(
        sell,
        on_kpi(
            plan, "New household subscribers per month", "gross_adds",
            MOVES["household_adds"], segment=Segment.HOUSEHOLD,
        ),
        actor=actor,
    )  # fmt: skip
    plans.key_result_add(
        sell,
        on_kpi(
            plan, "New business subscribers per month", "gross_adds",
            MOVES["business_adds"], segment=Segment.BUSINESS,
        ),
        actor=actor,
    )  # fmt: skip
    _action(
        sell, "Sales materials and customer presentations for the six packages", sales,
        day - timedelta(days=7), start - timedelta(days=10), day, actor,
        description="A price sheet, a one-page comparison per segment, a deck for firms.",
    )  # fmt: skip
    _action(
        sell, "Offer every 4Business customer an upgrade to 4Business Ultra", sales,
        full_launch, add_months(start, 5), day, actor,
    )  # fmt: skip

    market = plans.objective_add(
        plan,
        area=Area.MARKETING,
        title="Make the packages known to households and firms",
        owner=marketing,
        reviewer=sales,
        actor=actor,
    )
    requests = plans.key_result_add(
        market,
        KeyResultInput(
            title="Offer requests from the website per month",
            unit="requests",
            baseline=Decimal(120),
            target_3=Decimal(150),
            target_6=Decimal(180),
            target_12=Decimal(240),
        ),
        actor=actor,
    )
    plans.check_in(
        requests, on=day - timedelta(days=1), value=Decimal(126), note="Contact form, last 30 "
        "days", actor=actor,
    )  # fmt: skip
    _action(
        market, "Market research and competitor analysis", marketing,
        prep, day - timedelta(days=21), day, actor,
        description="Prices and speeds of the competitors in our towns, for both segments.",
    )  # fmt: skip
    _action(
        market, "Interviews with households and firms", marketing,
        prep + timedelta(days=7), day - timedelta(days=3), day, actor,
        description="Twenty interviews: do firms put security and support first, and "
        "households ease of use and speed?",
    )  # fmt: skip
    _action(
        market, "Split the segments into smaller groups and match a package to each", marketing,
        day - timedelta(days=2), start - timedelta(days=5), day, actor,
    )  # fmt: skip
    _action(
        market, "Launch campaign: ads, leaflets, website and social media", marketing,
        pilot, add_months(start, 4), day, actor,
    )  # fmt: skip

    product = plans.objective_add(
        plan,
        area=Area.PRODUCT,
        title="Launch on schedule, tested by real users and integrated",
        owner=owner,
        reviewer=finance,
        actor=actor,
    )
    beta = plans.key_result_add(
        product,
        KeyResultInput(
            title="Beta testers signed up",
            unit="testers",
            baseline=Decimal(0),
            target_3=Decimal(40),
            target_6=Decimal(40),
            target_12=Decimal(40),
        ),
        actor=actor,
    )
    recruit = _action(
        product, "Recruit 40 beta households through the newsletter", marketing,
        day - timedelta(days=21), start - timedelta(days=7), day, actor, backed=True,
    )  # fmt: skip
    plan_b = _action(
        product, "Beta test with staff households and ten 4Business customers", owner,
        day, test_start + timedelta(days=14), day, actor,
        description="Plan B if the newsletter brings too few testers.",
        plan_b_of=recruit,
    )  # fmt: skip
    _action(
        product, "Integration tests: website, sales tool, CRM and billing", network,
        day, start - timedelta(days=3), day, actor,
        description="Every system handles the new packages and passes on customer data "
        "through the API.",
    )  # fmt: skip
    _action(
        product, "Security review of the new integrations; audit of access", network,
        start, test_start, day, actor,
    )  # fmt: skip
    _action(
        product, "Final readiness check of systems and data migration", owner,
        pilot - timedelta(days=7), pilot, day, actor,
    )  # fmt: skip
    low = plans.check_in(
        beta, on=day - timedelta(days=14), value=Decimal(6), note="First week", actor=actor
    )
    latest = plans.check_in(
        beta, on=day - timedelta(days=7), value=Decimal(11), note="Two weeks", actor=actor
    )

    net = plans.objective_add(
        plan,
        area=Area.NETWORK,
        title="Fewer link failures for the new customers",
        owner=network,
        reviewer=owner,
        actor=actor,
    )
    plans.key_result_add(
        net,
        below_mean(plan, "Link failures below last year's average", "link_failure_rate", SHARE),
        actor=actor,
    )
    _action(
        net, "Monitoring and a backup path for the links of the 4Business Ultra customers",
        network, start, pilot, day, actor,
    )  # fmt: skip

    helpdesk = plans.objective_add(
        plan,
        area=Area.SUPPORT,
        title="Handle the launch's tickets faster",
        owner=support,
        reviewer=network,
        actor=actor,
    )
    plans.key_result_add(
        helpdesk,
        on_kpi(
            plan, "Average ticket handling time", "avg_ticket_handling_hours",
            MOVES["avg_ticket_handling_hours"],
        ),
        actor=actor,
    )  # fmt: skip
    _action(
        helpdesk, "Training for customer service and technical support", support,
        start - timedelta(days=14), test_start, day, actor,
    )  # fmt: skip
    _action(
        helpdesk, "Knowledge-base articles and canned replies for the six packages", support,
        start, pilot, day, actor,
    )  # fmt: skip

    money = plans.objective_add(
        plan,
        area=Area.FINANCE,
        title="Keep the customers we win and pay the launch back",
        owner=finance,
        reviewer=owner,
        actor=actor,
    )
    _action(
        money, "Financial analysis of the launch: costs, risks and break-even", finance,
        prep, day - timedelta(days=14), day, actor,
    )  # fmt: skip

    plans.milestone_add(
        plan, kind=MilestoneKind.CUSTOM, title="Sales and support staff trained",
        planned_on=test_start, owner=support, actor=actor,
    )  # fmt: skip
    plans.milestone_add(
        plan, kind=MilestoneKind.TEST_START, title="Beta tests start",
        planned_on=test_start, owner=owner, actor=actor,
    )  # fmt: skip
    plans.milestone_add(
        plan, kind=MilestoneKind.PILOT, title="Pilot: the packages on sale to the first customers",
        planned_on=pilot, owner=sales, actor=actor,
    )  # fmt: skip
    plans.milestone_add(
        plan, kind=MilestoneKind.FULL_LAUNCH, title="Full launch of the six packages",
        planned_on=full_launch, owner=owner, actor=actor,
    )  # fmt: skip

    by_code = {o.code: o for o in offers}
    plans.business_case_set(
        plan,
        offers=[
            CaseOfferInput(by_code[code], adds, Decimal(churn))
            for code, (adds, churn) in CASE_OFFERS.items()
        ],
        horizon=24,
        acquisition_cost_minor=ACQUISITION_COST,
        variable_cost_minor=VARIABLE_COST,
        launch_cost_minor=LAUNCH_COST,
        fixed_cost_minor=FIXED_COST,
        discount_rate=DISCOUNT_RATE,
        actor=actor,
    )
    plans.key_results_from_case(money, actor=actor)

    plans.review_record(
        plan,
        held_on=day,
        attendees=[owner, sales, marketing, network, support, finance],
        summary=(
            f"Readiness review, {(start - day).days} days before the plan starts. Research, "
            "interviews and the financial analysis are done; the beta test is short of testers."
        ),
        entries=[
            EntryInput(
                beta,
                status=Status.AT_RISK,
                note=f"{latest.value:.0f} testers of 40 after two weeks of newsletters "
                f"({low.value:.0f} after the first).",
            )
        ],
        decisions=[
            DecisionInput(
                f"Switch the beta test to staff households and ten 4Business customers: the "
                f"newsletter brought {latest.value:.0f} testers of 40.",
                activates=plan_b,
            ),
            DecisionInput(f"Keep the test start on {test_start} and the pilot on {pilot}."),
        ],
        actor=actor,
    )
    return plan


def _launch_diagnosis(plan: Plan, day: date, actor: Actor) -> None:
    """Write the findings and the SWOT, citing what the frozen diagnosis says."""
    adds = plans.diagnosis_baseline(plan, "gross_adds", Filters())
    ended = min(Month.of(plan.starts_on), Month.of(day)).previous()
    hours = _mean(plan, "avg_ticket_handling_hours")
    failures = _mean(plan, "link_failure_rate")
    churn = _mean(plan, "churn_rate")
    plans.finding_add(
        plan,
        text=f"New subscribers: {adds} in {ended}, the last month before the plan; "
        f"{_mean(plan, 'gross_adds')} a month on average over the diagnosis.",
        kpi_code="gross_adds",
        actor=actor,
    )
    plans.finding_add(
        plan,
        text=f"Churn averaged {churn}% a month over the diagnosis. Most subscriptions were "
        f"lost to {_top_reasons(plan)}.",
        kpi_code="churn_rate",
        actor=actor,
    )
    plans.finding_add(
        plan,
        text=f"Tickets took {hours} hours on average from opening to resolution.",
        kpi_code="avg_ticket_handling_hours",
        actor=actor,
    )
    plans.finding_add(
        plan,
        text=f"Incidents of 10 minutes or more hit {failures} subscriptions in 100 a month on "
        "average.",
        kpi_code="link_failure_rate",
        actor=actor,
    )
    plans.finding_add(
        plan,
        text="Interviews: firms put security, support and an SLA first; households ease of use, "
        "speed and price.",
        actor=actor,
    )
    swot = [
        ("S", "Our own fibre network: 300 Mb/s to 1 Gb/s for every segment", ""),
        ("S", f"{adds} new subscribers in {ended}", "gross_adds"),
        ("W", f"Tickets take {hours} hours on average to resolve", "avg_ticket_handling_hours"),
        ("W", f"{failures} subscriptions in 100 hit by link failures a month", "link_failure_rate"),
        ("O", "Firms need symmetric links, SLA, VPN and firewall: 4Business Ultra and add-ons", ""),
        ("O", "4K streaming and gaming at home: Speedster and GameON", ""),
        ("T", f"Churn of {churn}% a month, lost mostly to {_top_reasons(plan)}", "churn_rate"),
        ("T", "Mobile operators selling 5G home internet cheaply", ""),
    ]
    for kind, text, code in swot:
        plans.swot_add(plan, kind=kind, text=text, kpi_code=code, actor=actor)


# The running yearly plan ----------------------------------------------------------------------


def _running_plan(name: str, start: date, day: date, staff: dict[str, User], actor: Actor) -> Plan:
    owner, sales, network = staff[OWNER.username], staff[SALES.username], staff[NETWORK.username]
    support, finance = staff[SUPPORT.username], staff[FINANCE.username]
    plan = plans.plan_create(
        name=name,
        kind=Kind.YEARLY,
        starts_on=start,
        owner=owner,
        actor=actor,
        summary="The year's plan: more new subscribers, lower churn, faster support and fewer "
        "link failures.",
    )
    plans.finding_add(
        plan,
        text=f"Churn averaged {_mean(plan, 'churn_rate')}% a month last year; subscriptions "
        f"were lost mostly to {_top_reasons(plan)}.",
        kpi_code="churn_rate",
        actor=actor,
    )
    plans.swot_add(
        plan,
        kind="W",
        text=f"Tickets took {_mean(plan, 'avg_ticket_handling_hours')} hours on average to "
        "resolve last year",
        kpi_code="avg_ticket_handling_hours",
        actor=actor,
    )

    grow = plans.objective_add(
        plan, area=Area.SALES, title="Grow new subscribers", owner=sales, reviewer=owner,
        actor=actor,
    )  # fmt: skip
    plans.key_result_add(
        grow,
        on_kpi(plan, "New subscribers per month", "gross_adds", MOVES["gross_adds"]),
        actor=actor,
    )
    _action(
        grow, "Spring campaign in the towns with new fibre", sales,
        add_months(start, 2), add_months(start, 4), day, actor,
    )  # fmt: skip
    _action(
        grow, "Referral reward: a month free for both customers", sales,
        add_months(start, 5), add_months(start, 12) - timedelta(days=1), day, actor,
    )  # fmt: skip

    helpdesk = plans.objective_add(
        plan, area=Area.SUPPORT, title="Resolve tickets faster", owner=support, reviewer=network,
        actor=actor,
    )  # fmt: skip
    handling = plans.key_result_add(
        helpdesk,
        on_kpi(
            plan, "Average ticket handling time", "avg_ticket_handling_hours",
            MOVES["avg_ticket_handling_hours"],
        ),
        actor=actor,
    )  # fmt: skip
    hire = _action(
        helpdesk, "Hire a third helpdesk agent", support,
        start, add_months(start, 8), day, actor, backed=True,
    )  # fmt: skip
    outsource = _action(
        helpdesk, "Outsource night and weekend first-line support", support,
        add_months(start, 3), add_months(start, 9), day, actor,
        description="Plan B if hiring takes too long.", plan_b_of=hire,
    )  # fmt: skip

    net = plans.objective_add(
        plan, area=Area.NETWORK, title="Fewer link failures", owner=network, reviewer=owner,
        actor=actor,
    )  # fmt: skip
    plans.key_result_add(
        net,
        below_mean(plan, "Link failures below last year's average", "link_failure_rate", SHARE),
        actor=actor,
    )
    _action(
        net, "Replace the oldest splitters and re-route the most cut fibre", network,
        add_months(start, 1), add_months(start, 7), day, actor,
    )  # fmt: skip

    keep = plans.objective_add(
        plan, area=Area.FINANCE, title="Lower churn", owner=finance, reviewer=owner, actor=actor
    )
    churn = plans.key_result_add(
        keep, on_kpi(plan, "Churn rate", "churn_rate", MOVES["churn_rate"]), actor=actor
    )
    nps = plans.key_result_add(
        keep,
        KeyResultInput(
            title="Net Promoter Score (quarterly survey)",
            unit="points",
            baseline=Decimal(21),
            target_3=Decimal(23),
            target_6=Decimal(26),
            target_12=Decimal(30),
        ),
        actor=actor,
    )
    calls = _action(
        keep, "Call the households who complain about price before they leave", finance,
        add_months(start, 1), add_months(start, 10), day, actor, backed=True,
    )  # fmt: skip
    loyalty = _action(
        keep, "Loyalty price for households after 24 months", finance,
        add_months(start, 6), add_months(start, 11), day, actor,
        description="Plan B if the calls do not bring churn down.", plan_b_of=calls,
    )  # fmt: skip
    for months, score in ((3, 22), (6, 23), (9, 27)):
        on = add_months(start, months) - timedelta(days=3)
        if on <= day:
            plans.check_in(nps, on=on, value=Decimal(score), note="Survey", actor=actor)

    campaign = plans.milestone_add(
        plan, kind=MilestoneKind.CUSTOM, title="Spring campaign live",
        planned_on=add_months(start, 2) + timedelta(days=14), owner=sales, actor=actor,
    )  # fmt: skip
    if campaign.planned_on + timedelta(days=5) <= day:
        plans.milestone_update(
            campaign, actual_on=campaign.planned_on + timedelta(days=5), owner=sales, actor=actor
        )
    splitters = plans.milestone_add(
        plan, kind=MilestoneKind.CUSTOM, title="Oldest splitters replaced",
        planned_on=add_months(start, 5), owner=network, actor=actor,
    )  # fmt: skip
    plans.milestone_update(splitters, replanned_on=add_months(start, 7), owner=network, actor=actor)

    _reviews(plan, start, day, [owner, sales, support, network, finance],
             [(churn, loyalty), (handling, outsource)], actor)  # fmt: skip
    return plan


def _reviews(
    plan: Plan,
    start: date,
    day: date,
    attendees: Sequence[User],
    pairs: Sequence[tuple[KeyResult, Action]],
    actor: Actor,
) -> None:
    """Hold the quarterly reviews that are past; one switches the worse key result's plan B."""
    held = [add_months(start, k) + timedelta(days=6) for k in (3, 6, 9)]
    held = [d for d in held if d <= day]
    switch_at = held[1] if len(held) > 1 else (held[0] if held else None)
    for on in held:
        if on != switch_at:
            plans.review_record(
                plan,
                held_on=on,
                attendees=attendees,
                summary=f"Quarterly review of {Month.of(on).previous()}.",
                actor=actor,
            )
            continue
        measured = selectors.measure_all([kr for kr, _ in pairs], start, on)
        worst = min(
            range(len(pairs)),
            key=lambda i: (STATUS_RANK[measured[i].status], i),
        )
        kr, plan_b = pairs[worst]
        m = measured[worst]
        unit = "%" if kr.kpi_code == "churn_rate" else " hours"
        fact = f"{kr.title}: {m.actual}{unit} in {m.month}, {m.expected}{unit} expected"
        plans.review_record(
            plan,
            held_on=on,
            attendees=attendees,
            summary=f"Quarterly review of {Month.of(on).previous()}.",
            entries=[EntryInput(kr, note=f"{fact} ({m.status_label.lower()}).")],
            decisions=[
                DecisionInput(
                    f"{fact}: switch to the plan B, {plan_b.title.lower()}.", activates=plan_b
                )
            ],
            actor=actor,
        )
