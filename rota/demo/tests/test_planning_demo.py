"""The demo's plans: next year's launch of the six packages and the year's running plan."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from rota.audit.actors import Actor
from rota.catalog.models import OfferVersion
from rota.core.periods import Month
from rota.demo.history import demo_history_load
from rota.demo.planning import PlanningSummary, demo_plan_load
from rota.demo.support import demo_support_load
from rota.kpis.filters import Filters
from rota.kpis.services import kpi_months
from rota.planning import business_case, selectors
from rota.planning.models import Action, KeyResult, Plan
from rota.planning.services import assumptions_of
from rota.planning.status import Status

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("demo")
TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _november() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def history(demo_catalog: None) -> None:
    demo_history_load(customers=80, months=24, seed=3, today=TODAY, actor=ACTOR)
    demo_support_load(seed=3, months=24, today=TODAY)


def _counts(plan: Plan) -> tuple[int, int, int, int, int]:
    key_results = selectors.plan_key_results(plan)
    return (
        plan.objectives.count(),
        len(key_results),
        Action.objects.filter(objective__plan=plan).count(),
        plan.milestones.count(),
        plan.reviews.count(),
    )


def _switched(plan: Plan) -> list[tuple[str, str, str, str | None]]:
    """Return (review day, plan B, its status, the status of the action it backs)."""
    out: list[tuple[str, str, str, str | None]] = []
    for review in plan.reviews.order_by("held_on"):
        for decision in review.decisions.exclude(activates=None):
            plan_b = decision.activates
            assert plan_b is not None and plan_b.plan_b_of is not None
            out.append((str(review.held_on), plan_b.title, plan_b.status, plan_b.plan_b_of.status))
    return out


def test_the_demo_carries_next_years_launch_and_this_years_plan(history: None) -> None:
    summary = demo_plan_load(today=TODAY, actor=ACTOR)
    assert isinstance(summary, PlanningSummary)
    assert summary.plans == ("Plan 2026", "Plan 2027")
    assert (summary.objectives, summary.key_results, summary.actions) == (10, 14, 22)
    assert (summary.milestones, summary.reviews) == (6, 4)

    launch = Plan.objects.get(name="Plan 2027")
    assert (launch.kind, launch.starts_on, launch.owner.username) == (
        "offer_launch",
        date(2027, 1, 1),
        "andrzej.nowak",
    )
    assert _counts(launch) == (6, 9, 15, 4, 1)
    assert sorted(o.code for o in launch.offers.all()) == [
        "4business", "4business-ultra", "domowy-komfort", "gameon", "speedster", "wszedzie-ty",
    ]  # fmt: skip
    assert sorted(launch.segments.values_list("segment", flat=True)) == ["business", "household"]
    assert launch.diagnosis.count() == 12
    assert sorted(launch.milestones.values_list("kind", "planned_on")) == [
        ("custom", date(2027, 1, 15)),
        ("full_launch", date(2027, 4, 1)),
        ("pilot", date(2027, 3, 1)),
        ("test_start", date(2027, 1, 15)),
    ]
    assert launch.swot.count() == 8 and launch.findings.count() == 5
    assert set(launch.swot.exclude(kpi_code="").values_list("kpi_code", flat=True)) == {
        "gross_adds", "avg_ticket_handling_hours", "link_failure_rate", "churn_rate",
    }  # fmt: skip
    assert _switched(launch) == [
        (
            "2026-11-20",
            "Beta test with staff households and ten 4Business customers",
            "doing",
            "dropped",
        )
    ]

    running = Plan.objects.get(name="Plan 2026")
    assert (running.kind, running.starts_on) == ("yearly", date(2026, 1, 1))
    assert _counts(running) == (4, 5, 7, 2, 3)
    assert list(running.reviews.order_by("held_on").values_list("held_on", flat=True)) == [
        date(2026, 4, 7),
        date(2026, 7, 7),
        date(2026, 10, 7),
    ]
    [(held_on, plan_b, status, backed)] = _switched(running)
    assert held_on == "2026-07-07" and (status, backed) == ("doing", "dropped")
    assert plan_b in {
        "Loyalty price for households after 24 months",
        "Outsource night and weekend first-line support",
    }


def test_key_results_are_measured_on_the_kpis_and_check_ins(history: None) -> None:
    demo_plan_load(today=TODAY, actor=ACTOR)
    for plan in Plan.objects.all():
        measures = selectors.plan_measures(plan, TODAY)
        assert all(m.status != Status.NO_DATA for m in measures), plan
        kpis = {m.key_result.kpi_code for m in measures}
        assert {
            "gross_adds",
            "avg_ticket_handling_hours",
            "link_failure_rate",
            "churn_rate",
        } <= kpis
        manual = [m for m in measures if m.key_result.is_manual]
        assert manual and all(m.key_result.check_ins.exists() for m in manual)
    launch = Plan.objects.get(name="Plan 2027")
    # Made in November, the plan takes its baselines from October (December had not come).
    october = Month(2026, 10)
    households = kpi_months(october, october, Filters(segment="household"))[october]
    kr = KeyResult.objects.get(objective__plan=launch, filters={"segment": "household"})
    assert kr.baseline == households.values["gross_adds"] > 0
    # Before the plan starts, every key result on a target line stands at its baseline.
    for m in selectors.plan_measures(launch, TODAY):
        if m.key_result.kpi_code and m.key_result.mode == "target":
            assert m.expected == m.key_result.baseline
            assert m.month is not None and str(m.month) == "2026-10"


def test_the_launch_business_case_holds_the_seeds_packages(history: None) -> None:
    demo_plan_load(today=TODAY, actor=ACTOR)
    case = Plan.objects.get(name="Plan 2027").business_case
    projection = business_case.project(assumptions_of(case))
    assert (case.horizon, case.acquisition_cost_minor, case.launch_cost_minor) == (
        24,
        35000,
        6000000,
    )
    assert projection.break_even_month == 19
    assert projection.npv_minor == 18550856
    assert projection.arpu_minor == 6643


def test_staff_who_own_the_plans_cannot_log_in_until_given_a_password(history: None) -> None:
    demo_plan_load(today=TODAY, actor=ACTOR)
    staff = User.objects.filter(username__contains=".").order_by("username")
    assert [(u.username, sorted(g.name for g in u.groups.all())) for u in staff] == [
        ("andrzej.nowak", ["administrator", "planner"]),
        ("ewa.zielinska", ["support"]),
        ("joanna.kaczmarek", ["planner", "sales"]),
        ("katarzyna.wisniewska", ["sales"]),
        ("marek.dudek", ["finance"]),
        ("piotr.mazur", ["support"]),
    ]
    assert all(u.is_staff and u.is_active and not u.has_usable_password() for u in staff)


def test_a_second_load_creates_nothing(history: None) -> None:
    demo_plan_load(today=TODAY, actor=ACTOR)
    before = (Plan.objects.count(), Action.objects.count(), User.objects.count())
    assert demo_plan_load(today=TODAY, actor=ACTOR) is None
    assert (Plan.objects.count(), Action.objects.count(), User.objects.count()) == before


def test_a_database_with_only_the_catalog_gets_the_plans_on_zero_kpis(demo_catalog: None) -> None:
    summary = demo_plan_load(today=TODAY, actor=ACTOR)
    assert summary is not None and summary.plans == ("Plan 2026", "Plan 2027")
    for plan in Plan.objects.all():
        for m in selectors.plan_measures(plan, TODAY):
            assert m.status != Status.NO_DATA
            if not m.key_result.is_manual:
                assert m.actual == 0


def test_packages_missing_from_the_catalog_are_created_as_drafts(db: None) -> None:
    demo_plan_load(today=TODAY, actor=ACTOR)
    assert sorted(OfferVersion.objects.values_list("offer__code", "status")) == [
        ("4business", "draft"),
        ("4business-ultra", "draft"),
        ("domowy-komfort", "draft"),
        ("gameon", "draft"),
        ("speedster", "draft"),
        ("wszedzie-ty", "draft"),
    ]
    assert Plan.objects.get(name="Plan 2027").offers.count() == 6


def test_the_running_plan_of_a_young_year_is_last_years() -> None:
    with time_machine.travel(datetime(2027, 2, 10, 9, 0, tzinfo=UTC), tick=False):
        summary = demo_plan_load(today=date(2027, 2, 10), actor=ACTOR)
    assert summary is not None and summary.plans == ("Plan 2026", "Plan 2028")
    assert Plan.objects.get(name="Plan 2026").reviews.count() == 3


def test_the_demo_command_loads_the_plans_once(demo_catalog: None) -> None:
    out = io.StringIO()
    args = ["--customers", "20", "--months", "3", "--no-billing", "--today", "2026-11-20"]
    call_command("demo", *args, stdout=out)
    assert (
        out.getvalue()
        .splitlines()[-1]
        .startswith(
            "Demo planning: Plan 2026 and Plan 2027 with 10 objectives, 14 key results, "
            "22 actions, 6 milestones and 4 reviews in "
        )
    )
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    assert out.getvalue().splitlines()[-1] == (
        "Demo planning: the plans exist already; none created."
    )
