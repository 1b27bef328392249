"""Planning services on the hand-built ISP: exact diagnosis, measures, reviews and refusals.

The ISP of rota/kpis/tests/conftest.py has known KPIs for August to October 2026; time is
frozen on 20 November 2026, so October is the month key results are measured on. The
plan starts on 1 September 2026: its diagnosis is September 2025 to August 2026.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.catalog.models import Offer
from rota.core.errors import Conflict, InvalidInput
from rota.planning import selectors, services
from rota.planning.models import (
    CheckIn,
    DiagnosisMonth,
    Objective,
    Plan,
)
from rota.planning.services import DecisionInput, EntryInput, KeyResultInput
from rota.planning.status import Status
from rota.planning.tests.conftest import new_plan, state

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(isp: Any, team: dict[str, User], actor: Actor) -> Plan:
    return new_plan(
        team,
        actor,
        starts_on=date(2026, 9, 14),
        summary="Grow in Radom, keep customers longer.",
        segments={"household": "Speed and 4K streaming"},
    )


def _refused(call: Callable[[], object], errors: list[tuple[str, str]]) -> None:
    before = state()
    with pytest.raises(InvalidInput) as exc:
        call()
    assert [(e.field, e.message) for e in exc.value.errors] == errors
    assert state() == before


def test_a_plan_freezes_twelve_months_of_kpis_and_the_customers_lost(plan: Plan) -> None:
    assert plan.starts_on == date(2026, 9, 1)
    months = list(DiagnosisMonth.objects.filter(plan=plan).values_list("month", flat=True))
    assert months[0] == "2025-09" and months[-1] == "2026-08" and len(months) == 12
    august = DiagnosisMonth.objects.get(plan=plan, month="2026-08")
    assert august.values["active_subscribers"] == 7
    assert august.values["gross_adds"] == 1
    assert august.values["churn_rate"] == "25.0000"
    assert august.values["mrr"] == "537.07"
    assert august.churn_reasons == {"competitor": 1, "moving": 1}
    # S4 (GameOn, moved away) and S12 (Speedster, left for a competitor), both in Warsaw.
    assert plan.lost_customers == {
        "reason": {"competitor": 1, "moving": 1},
        "segment": {"household": 2},
        "offer": {"gameon": 1, "speedster": 1},
        "area": {"urban": 2},
        "municipality": {"1465011": 2},
    }
    assert list(plan.segments.values_list("segment", "needs")) == [
        ("household", "Speed and 4K streaming")
    ]
    event = AuditEvent.objects.get(action="plan.create")
    assert event.changes["name"] == "Plan 2026/27"


def test_key_results_are_measured_on_the_last_complete_month(
    plan: Plan, objective: Objective, actor: Actor
) -> None:
    adds = services.key_result_add(
        objective,
        KeyResultInput(
            title="Gross adds", kpi_code="gross_adds", target_3=D(2), target_6=D(3), target_12=D(4)
        ),
        actor=actor,
    )
    assert (adds.baseline, adds.direction) == (D(1), "up")  # August, from the diagnosis
    churn = services.key_result_add(
        objective,
        KeyResultInput(
            title="Churn down",
            kpi_code="churn_rate",
            target_3=D(20),
            target_6=D(15),
            target_12=D(10),
        ),
        actor=actor,
    )
    assert (churn.baseline, churn.direction) == (D("25.0000"), "down")
    handling = services.key_result_add(
        objective,
        KeyResultInput(
            title="Tickets handled within 100 h",
            kpi_code="avg_ticket_handling_hours",
            mode="stay_below",
            bound=D(100),
        ),
        actor=actor,
    )
    business = services.key_result_add(
        objective,
        KeyResultInput(
            title="Business link failures",
            kpi_code="link_failure_rate",
            filters={"segment": "business"},
            target_3=D(40),
            target_6=D(30),
            target_12=D(20),
        ),
        actor=actor,
    )
    assert business.baseline == D("50.0000")  # August, business slice, computed live
    measures = {m.key_result.pk: m for m in selectors.plan_measures(plan, date(2026, 11, 20))}
    # October: 2 gross adds. 60 of the 91 days from 1 Sep (1) to 1 Dec (2) have passed
    # on 31 Oct: e = 1 + 60 / 91 = 1.6593; r = 1 / 0.6593 > 0.9.
    m = measures[adds.pk]
    assert (m.actual, m.expected, m.status) == (D(2), D("1.6593"), Status.ON_TRACK)
    assert (str(m.month), m.as_of) == ("2026-10", date(2026, 10, 31))
    # Churn 14.2857 against e = 25 - 5 x 60 / 91 = 21.7033: well ahead.
    m = measures[churn.pk]
    assert (m.actual, m.expected, m.status) == (D("14.2857"), D("21.7033"), Status.ON_TRACK)
    # 144 hours of handling against a bound of 100.
    m = measures[handling.pk]
    assert (m.actual, m.expected, m.status) == (D("144.0000"), None, Status.OFF_TRACK)
    # Business: 100 per 100 in October, e = 50 - 10 x 60 / 91 = 43.4066; r < 0.
    m = measures[business.pk]
    assert (m.actual, m.expected, m.status) == (D("100.0000"), D("43.4066"), Status.OFF_TRACK)


def test_a_manual_metric_is_measured_by_its_latest_check_in(
    plan: Plan, objective: Objective, team: dict[str, User], actor: Actor
) -> None:
    nps = services.key_result_add(
        objective,
        KeyResultInput(
            title="Net promoter score",
            unit="points",
            baseline=D(50),
            target_3=D(60),
            target_6=D(70),
            target_12=D(90),
        ),
        actor=actor,
    )
    (measure,) = selectors.plan_measures(plan, date(2026, 11, 20))
    assert (measure.actual, measure.status) == (None, Status.NO_DATA)
    owner = Actor.for_user(team["owner"])
    services.check_in(nps, on=date(2026, 10, 1), value=D(51), actor=owner)
    services.check_in(nps, on=date(2026, 10, 15), value=D(55), actor=owner, note="survey")
    # 44 days after 1 Sep: e = 50 + 10 x 44 / 91 = 54.8352; r = 5 / 4.8352 > 0.9.
    (measure,) = selectors.plan_measures(plan, date(2026, 11, 20))
    assert (measure.actual, measure.expected, measure.status, measure.as_of) == (
        D(55),
        D("54.8352"),
        Status.ON_TRACK,
        date(2026, 10, 15),
    )
    assert CheckIn.objects.get(on=date(2026, 10, 15)).by == team["owner"]
    assert [(str(m), a) for m, a, _ in selectors.kr_history(nps, date(2026, 11, 20))] == [
        ("2026-10", D(55))
    ]


def test_a_review_records_each_key_result_and_switches_to_plan_b(
    plan: Plan, objective: Objective, team: dict[str, User], actor: Actor
) -> None:
    adds = services.key_result_add(
        objective,
        KeyResultInput(
            title="Gross adds", kpi_code="gross_adds", target_3=D(5), target_6=D(8), target_12=D(12)
        ),
        actor=actor,
    )
    leaflets = services.action_add(
        objective,
        title="Leaflets in Radom",
        owner=team["lead"],
        due_on=date(2026, 10, 31),
        actor=actor,
    )
    referral = services.action_add(
        objective,
        title="Referral bonus",
        owner=team["owner"],
        due_on=date(2026, 12, 31),
        plan_b_of=leaflets,
        actor=actor,
    )
    assert referral.is_standby and referral.starts_on == date(2026, 9, 1)
    with pytest.raises(Conflict):
        services.action_status(referral, status="doing", actor=actor)
    review = services.review_record(
        plan,
        held_on=date(2026, 11, 10),
        attendees=[team["owner"], team["boss"]],
        actor=actor,
        summary="Leaflets brought nobody.",
        entries=[EntryInput(adds, note="Two adds in October", status="at_risk")],
        decisions=[DecisionInput("Switch to the referral bonus", activates=referral)],
    )
    (entry,) = review.entries.all()
    # Measured on 10 November: October's 2 adds; e on 31 Oct = 1 + 4 x 60 / 91 = 3.6374.
    assert (entry.actual, entry.expected, entry.status, entry.note) == (
        D("2.0000"),
        D("3.6374"),
        "at_risk",
        "Two adds in October",
    )
    referral.refresh_from_db()
    leaflets.refresh_from_db()
    assert (referral.status, referral.activated_on) == ("doing", date(2026, 11, 10))
    assert (leaflets.status, leaflets.done_on) == ("dropped", None)
    work = selectors.my_work(team["owner"], date(2026, 11, 20))
    assert [a.title for a in work.actions] == ["Referral bonus"]
    assert work.overdue == []
    report = selectors.report(plan, date(2026, 11, 20))
    assert report.last_review == review
    assert report.previous_status == {adds.pk: "at_risk"}
    assert [a.title for a in report.activated_since] == []  # switched on the review's day
    # A decision cannot switch to the same plan B twice.
    _refused(
        lambda: services.review_record(
            plan,
            held_on=date(2026, 11, 20),
            attendees=[team["owner"]],
            actor=actor,
            decisions=[DecisionInput("Again", activates=referral)],
        ),
        [("decisions[0].activates", "'Referral bonus' is already active")],
    )


def test_milestones_keep_their_order_and_show_the_drift(
    plan: Plan, team: dict[str, User], actor: Actor
) -> None:
    test = services.milestone_add(
        plan, kind="test_start", title="Tests in Radom", planned_on=date(2026, 10, 1), actor=actor
    )
    services.milestone_add(
        plan, kind="pilot", title="Pilot", planned_on=date(2026, 11, 1), actor=actor
    )
    _refused(
        lambda: services.milestone_add(
            plan,
            kind="full_launch",
            title="Launch",
            planned_on=date(2026, 10, 15),
            actor=actor,
        ),
        [("planned_on", "must not be before the pilot (2026-11-01)")],
    )
    _refused(
        lambda: services.milestone_update(test, replanned_on=date(2026, 11, 5), actor=actor),
        [("replanned_on", "must not be after the pilot (2026-11-01)")],
    )
    services.milestone_update(
        test, replanned_on=date(2026, 10, 20), actual_on=date(2026, 10, 22), actor=actor
    )
    line = selectors.timeline(plan, date(2026, 11, 20))
    bars = {bar.label: bar for bar in line.bars}
    assert (bars["Tests in Radom"].drift_days, bars["Tests in Radom"].status) == (21, "reached")
    assert (bars["Pilot"].drift_days, bars["Pilot"].status) == (19, "late")
    assert line.start == date(2026, 9, 1) and line.end == date(2027, 10, 1)


def test_bad_input_names_the_field_and_saves_nothing(
    plan: Plan, objective: Objective, team: dict[str, User], actor: Actor
) -> None:
    _refused(
        lambda: services.objective_add(
            plan,
            area="sales",
            title="Reviewing myself",
            owner=team["owner"],
            reviewer=team["owner"],
            actor=actor,
        ),
        [("reviewer", "must be someone other than the objective's owner")],
    )
    _refused(
        lambda: services.key_result_add(
            objective,
            KeyResultInput(title="Happiness", kpi_code="happiness", target_3=D(1)),
            actor=actor,
        ),
        [("kpi_code", "there is no KPI 'happiness'")],
    )
    _refused(
        lambda: services.key_result_add(
            objective,
            KeyResultInput(title="NPS", target_3=D(1), target_6=D(2), target_12=D(3)),
            actor=actor,
        ),
        [("baseline", "is required: a manual metric has no diagnosis to take it from")],
    )
    _refused(
        lambda: services.key_result_add(
            objective,
            KeyResultInput(title="Adds", kpi_code="gross_adds", filters={"segment": "martians"}),
            actor=actor,
        ),
        [("filters.segment", "must be one of household, business")],
    )
    _refused(
        lambda: services.action_add(
            objective, title="Nobody's job", owner=None, due_on=date(2026, 12, 1), actor=actor
        ),
        [("owner", "is required: every item has an owner")],
    )
    _refused(
        lambda: services.action_add(
            objective,
            title="Backwards",
            owner=team["lead"],
            starts_on=date(2026, 12, 1),
            due_on=date(2026, 11, 1),
            actor=actor,
        ),
        [("due_on", "must not be before the start (2026-12-01)")],
    )
    _refused(
        lambda: services.plan_create(
            name="Plan 2026/27", starts_on=date(2027, 1, 1), owner=team["owner"], actor=actor
        ),
        [("name", "a plan named 'Plan 2026/27' exists already")],
    )
    offer = Offer.objects.get(code="speedster")
    _refused(
        lambda: services.business_case_set(
            plan,
            offers=[services.CaseOfferInput(offer, (10,), D("-0.01"))],
            launch_cost_minor=-1,
            actor=actor,
        ),
        [
            ("launch_cost", "must not be negative"),
            ("offers[0].churn", "must be a fraction from 0 to below 1"),
        ],
    )


def test_a_business_case_seeds_the_launch_key_results(
    plan: Plan, objective: Objective, actor: Actor
) -> None:
    offer = Offer.objects.get(code="speedster")
    case = services.business_case_set(
        plan,
        offers=[services.CaseOfferInput(offer, (10, 20, 30), D("0.02"))],
        horizon=12,
        acquisition_cost_minor=30000,
        variable_cost_minor=1500,
        launch_cost_minor=5_000_000,
        fixed_cost_minor=200_000,
        actor=actor,
    )
    assert list(plan.offers.values_list("code", flat=True)) == ["speedster"]
    assumptions = services.assumptions_of(case)
    assert [o.label for o in assumptions.offers] == ["speedster"]
    made = services.key_results_from_case(objective, actor=actor)
    assert [(kr.kpi_code, kr.mode, kr.filters) for kr in made] == [
        ("gross_adds", "target", {}),
        ("churn_rate", "stay_below", {}),
        ("arpu", "stay_above", {"offer": "speedster"}),
    ]
    # Baseline 1 (August) plus the launch's adds in months 3, 6 and 12 (30 from month 3 on).
    assert (made[0].baseline, made[0].target_3, made[0].target_6, made[0].target_12) == (
        D(1),
        D(31),
        D(31),
        D(31),
    )
    assert made[1].bound == D("2.0000")
