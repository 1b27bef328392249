"""The plan pages of the back office: the list, a new plan, the seven steps and their forms.

Built on the hand-built ISP of rota/kpis/tests/conftest.py (time frozen on 20 November
2026, so October is the month key results are measured on). The plan starts in September
2026: its diagnosis is September 2025 to August 2026, and in August the ISP had 7 active
subscribers, 1 gross add, a churn rate of 25 % and an MRR of 537.07.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rota.audit.actors import Actor
from rota.planning import services
from rota.planning.models import (
    Action,
    KeyResult,
    Milestone,
    Objective,
    Plan,
    Review,
)
from rota.planning.services import KeyResultInput
from rota.planning.tests.conftest import new_plan, state

D = Decimal
pytestmark = pytest.mark.django_db


def text_of(html: str, element_id: str) -> str:
    """Return the text of the element with this id, tags removed and spaces collapsed."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>', html)
    assert match, f"no element #{element_id}"
    tag, depth, end = match.group(1), 1, match.end()
    for found in re.finditer(rf"<(/?){tag}\b[^>]*>", html[end:]):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            inner = html[end : end + found.start()]
            break
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inner)).split())


def page_text(response: Any) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def team(team: dict[str, User]) -> dict[str, User]:
    team["lead"].first_name, team["lead"].last_name = "Ewa", "Lis"
    team["lead"].save()
    return team


@pytest.fixture
def planner(login: Callable[[User], Client], planner_user: User) -> Client:
    return login(planner_user)


@pytest.fixture
def plan(isp: Any, team: dict[str, User], actor: Actor) -> Plan:
    return new_plan(team, actor, segments={"household": "Speed and 4K streaming"})


def url(plan: Plan, name: str = "") -> str:
    base = f"/admin/planning/plan/{plan.pk}/"
    return f"{base}{name}/" if name else f"{base}change/"


def add_key_results(objective: Objective, actor: Actor) -> tuple[KeyResult, KeyResult]:
    adds = services.key_result_add(
        objective,
        KeyResultInput(
            title="More new subscribers",
            kpi_code="gross_adds",
            target_3=D(2),
            target_6=D(3),
            target_12=D(4),
        ),
        actor=actor,
    )
    churn = services.key_result_add(
        objective,
        KeyResultInput(
            title="Churn under 15 %", kpi_code="churn_rate", mode="stay_below", bound=D(15)
        ),
        actor=actor,
    )
    return adds, churn


# The list and a new plan ---------------------------------------------------------------------


def test_the_list_counts_objectives_key_results_and_open_actions(
    planner: Client, plan: Plan, objective: Objective, team: dict[str, User], actor: Actor
) -> None:
    add_key_results(objective, actor)
    flyers = services.action_add(
        objective, title="Flyers", owner=team["lead"], due_on=date(2026, 10, 31), actor=actor
    )
    services.action_add(
        objective, title="Door to door", owner=team["lead"], due_on=date(2026, 12, 1), actor=actor
    )
    services.action_status(flyers, status="done", on=date(2026, 10, 30), actor=actor)

    response = planner.get("/admin/planning/plan/")

    assert response.status_code == 200
    rows = [
        (p.name, p.owner.username, p.objective_count, p.key_result_count, p.open_action_count)
        for p in response.context["cl"].result_list
    ]
    assert rows == [("Plan 2026/27", "planner", 1, 2, 1)]
    assert 'href="/admin/planning/plan/add/"' in response.content.decode()


def test_a_new_plan_is_created_with_its_segments_offers_and_frozen_diagnosis(
    planner: Client,
    isp: Any,
    team: dict[str, User],
) -> None:
    form = planner.get("/admin/planning/plan/add/")
    assert form.status_code == 200
    assert [o.code for o in form.context["form"].fields["offers"].queryset] == [
        "4business",
        "4business-ultra",
        "domowy-komfort",
        "gameon",
        "speedster",
        "wszedzie-ty",
    ]

    response = planner.post(
        "/admin/planning/plan/add/",
        {
            "name": "Plan 2026/27",
            "kind": "offer_launch",
            "starts_on": "2026-09",
            "owner": team["owner"].pk,
            "summary": "Grow in Radom.",
            "offers": ["gameon"],
            "needs_household": "Speed and 4K streaming",
            "needs_business": "",
        },
    )

    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/planning/plan/{plan.pk}/change/"
    assert (plan.kind, plan.starts_on, plan.owner, plan.summary) == (
        "offer_launch",
        date(2026, 9, 1),
        team["owner"],
        "Grow in Radom.",
    )
    assert [o.code for o in plan.offers.all()] == ["gameon"]
    assert list(plan.segments.values_list("segment", "needs")) == [
        ("household", "Speed and 4K streaming")
    ]
    assert plan.diagnosis.count() == 12
    page = planner.get(response["Location"])
    assert "Plan 2026/27 created; its diagnosis is frozen." in page.content.decode()


def test_a_refused_plan_names_its_fields_and_saves_nothing(
    planner: Client, plan: Plan, team: dict[str, User]
) -> None:
    before = state()

    response = planner.post(
        "/admin/planning/plan/add/",
        {"name": "Plan 2026/27", "kind": "yearly", "starts_on": "2026-13", "owner": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "starts_on": ["Write the month as YYYY-MM, e.g. 2027-01."]
    }
    response = planner.post(
        "/admin/planning/plan/add/",
        {"name": "Plan 2026/27", "kind": "yearly", "starts_on": "2027-01", "owner": ""},
    )
    assert response.context["form"].errors == {
        "name": ["a plan named 'Plan 2026/27' exists already"],
        "owner": ["is required: every item has an owner"],
    }
    assert "a plan named &#x27;Plan 2026/27&#x27; exists already" in response.content.decode()
    assert state() == before


# The plan page -------------------------------------------------------------------------------


@pytest.fixture
def walked(plan: Plan, objective: Objective, team: dict[str, User], actor: Actor) -> Plan:
    """The plan with something in each of the seven steps."""
    services.finding_add(plan, text="Churn doubles in August.", kpi_code="churn_rate", actor=actor)
    services.swot_add(plan, kind="S", text="Fibre in Radom", actor=actor)
    services.swot_add(plan, kind="T", text="Cable operator's price war", actor=actor)
    add_key_results(objective, actor)
    flyers = services.action_add(
        objective,
        title="Flyers",
        owner=team["lead"],
        starts_on=date(2026, 9, 1),
        due_on=date(2026, 10, 31),
        actor=actor,
    )
    services.action_add(
        objective,
        title="Radio spots",
        owner=team["lead"],
        starts_on=date(2026, 11, 1),
        due_on=date(2026, 12, 15),
        plan_b_of=flyers,
        actor=actor,
    )
    services.milestone_add(
        plan,
        kind="pilot",
        title="Pilot in Radom",
        planned_on=date(2026, 10, 1),
        owner=team["lead"],
        actor=actor,
    )
    services.milestone_add(
        plan, kind="full_launch", title="Launch", planned_on=date(2026, 12, 1), actor=actor
    )
    return plan


def test_the_plan_page_shows_the_seven_steps(planner: Client, walked: Plan) -> None:
    response = planner.get(url(walked))

    assert response.status_code == 200
    html = response.content.decode()
    diagnosis = text_of(html, "diagnosis")
    assert diagnosis.startswith(
        "KPI 2025-09 2025-10 2025-11 2025-12 2026-01 2026-02 2026-03 2026-04 2026-05 2026-06"
        " 2026-07 2026-08 Active subscribers"
    )
    row = re.search(r'data-kpi="active_subscribers">(.*?)</tr>', html, re.S)
    assert row and re.findall(r'text-right">([^<]*)<', row.group(1))[-1] == "7"
    row = re.search(r'data-kpi="churn_rate">(.*?)</tr>', html, re.S)
    assert row and re.findall(r'text-right">([^<]*)<', row.group(1))[-1] == "25"
    row = re.search(r'data-kpi="mrr">(.*?)</tr>', html, re.S)
    assert row and re.findall(r'text-right">([^<]*)<', row.group(1))[-1] == "537.07"
    lost = text_of(html, "lost-customers")
    assert lost == (
        "By reason Competitor: 1 Moving: 1 By segment Household: 2 By offer gameon: 1"
        " speedster: 1 By area Urban: 2 By municipality 1465011: 2"
    )
    assert text_of(html, "findings") == "Churn doubles in August. (KPI churn_rate)"
    assert text_of(html, "swot") == (
        "Strengths Fibre in Radom Weaknesses — Opportunities — Threats Cable operator's price war"
    )
    assert text_of(html, "segments") == "Household: Speed and 4K streaming"

    step2 = text_of(html, "step-2")
    assert "Sales Sell more in Radom · owner planner · reviewer administrator" in step2
    assert (
        "More new subscribers Gross adds Higher is better"
        " 1 → 2 (3 months) → 3 (6 months) → 4 (12 months)"
    ) in step2
    assert "Churn under 15 % Churn rate Lower is better stay at or below 15" in step2

    step3 = text_of(html, "step-3")
    assert "Flyers support 2026-09-01 2026-10-31 overdue To do" in step3
    assert "Radio spots support 2026-11-01 2026-12-15 Plan B on standby Flyers" in step3

    step4 = text_of(html, "step-4")
    assert step4 == (
        "4 · Team Person Answers for Open actions"
        " administrator reviews “Sell more in Radom” 0"
        " planner owns the plan; owns “Sell more in Radom” 0"
        " Ewa Lis answers for the milestone “Pilot in Radom” 1"
    )

    step5 = text_of(html, "step-5")
    assert "Pilot in Radom Pilot support 2026-10-01 — — 50 days late, not reached" in step5
    assert "Launch Full launch — 2026-12-01 — — on time" in step5

    step6 = text_of(html, "step-6")
    # October: 2 gross adds against 1 + 60/91 expected on 31 October; churn 14.2857 %.
    assert "More new subscribers Gross adds 2 1.66 2026-10-31 On track" in step6
    assert "Churn under 15 % Churn rate 14.29 — 2026-10-31 On track" in step6
    assert 'data-status="on_track"' in html
    kr = KeyResult.objects.get(title="More new subscribers")
    assert f'href="/planning/key-results/{kr.pk}/"' in html

    assert text_of(html, "step-7") == "7 · Reviews Record review No reviews yet."
    assert text_of(html, "plan-links") == (
        "Timeline Progress report Report as Markdown Business case"
    )
    for link in ("timeline/", "report/", "report.md", "business-case/"):
        assert f'href="/planning/plans/{walked.pk}/{link}"' in html


def test_the_plan_page_does_not_query_more_for_more_objectives(
    planner: Client, walked: Plan, team: dict[str, User], actor: Actor
) -> None:
    planner.get(url(walked))  # KPI figures are computed once, then kept
    with CaptureQueriesContext(connection) as one:
        assert planner.get(url(walked)).status_code == 200
    for n in range(3):
        objective = services.objective_add(
            walked,
            area="network",
            title=f"Objective {n}",
            owner=team["lead"],
            reviewer=team["owner"],
            actor=actor,
        )
        add_key_results(objective, actor)
        services.action_add(
            objective,
            title=f"Action {n}",
            owner=team["lead"],
            due_on=date(2027, 1, n + 1),
            actor=actor,
        )
    planner.get(url(walked))  # the KPI snapshots catch up with the newer audit events
    with CaptureQueriesContext(connection) as four:
        response = planner.get(url(walked))
    assert response.content.decode().count("data-objective=") == 4
    assert len(four) == len(one)
    assert len(one) <= 40


# The forms of the seven steps ----------------------------------------------------------------


def test_findings_swot_and_segments_are_added_from_their_forms(planner: Client, plan: Plan) -> None:
    response = planner.post(
        url(plan, "finding"), {"text": "Churn doubles in August.", "kpi_code": "churn_rate"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url(plan)}#step-1"
    planner.post(url(plan, "swot"), {"kind": "O", "text": "A new estate in Radom"})
    planner.post(url(plan, "segment"), {"segment": "business", "needs": "Symmetric speed, SLA"})

    assert list(plan.findings.values_list("text", "kpi_code")) == [
        ("Churn doubles in August.", "churn_rate")
    ]
    assert list(plan.swot.values_list("kind", "text", "kpi_code")) == [
        ("O", "A new estate in Radom", "")
    ]
    assert list(plan.segments.values_list("segment", "needs")) == [
        ("business", "Symmetric speed, SLA"),
        ("household", "Speed and 4K streaming"),
    ]
    page = planner.get(url(plan)).content.decode()
    assert text_of(page, "swot") == (
        "Strengths — Weaknesses — Opportunities A new estate in Radom Threats —"
    )


def test_an_objective_and_a_key_result_come_from_their_forms(
    planner: Client, plan: Plan, team: dict[str, User]
) -> None:
    response = planner.post(
        url(plan, "objective"),
        {
            "area": "support",
            "title": "Answer faster",
            "owner": team["lead"].pk,
            "reviewer": team["owner"].pk,
        },
    )
    assert response.status_code == 302
    objective = Objective.objects.get()
    assert (objective.area, objective.owner, objective.reviewer) == (
        "support",
        team["lead"],
        team["owner"],
    )

    form = planner.get(f"{url(plan, 'key-result')}?objective={objective.pk}")
    assert form.context["form"]["objective"].value() == str(objective.pk)
    assert ("gross_adds", "Gross adds (gross_adds)") in form.context["form"].fields[
        "kpi_code"
    ].choices
    response = planner.post(
        url(plan, "key-result"),
        {
            "objective": objective.pk,
            "title": "More household sales",
            "kpi_code": "gross_adds",
            "segment": "household",
            "mode": "target",
            "target_3": "2",
            "target_6": "3",
            "target_12": "4.5",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url(plan)}#step-2"
    kr = KeyResult.objects.get()
    assert (kr.kpi_code, kr.filters, kr.direction, kr.mode) == (
        "gross_adds",
        {"segment": "household"},
        "up",
        "target",
    )
    # The baseline is August's household gross adds, from the diagnosis months.
    assert (kr.baseline, kr.target_3, kr.target_6, kr.target_12) == (D(1), D(2), D(3), D("4.5"))
    planner.post(
        url(plan, "key-result"),
        {
            "objective": objective.pk,
            "title": "Customers satisfied",
            "unit": "points",
            "mode": "stay_above",
            "direction": "up",
            "bound": "8",
        },
    )
    manual = KeyResult.objects.get(title="Customers satisfied")
    assert (manual.kpi_code, manual.unit, manual.bound) == ("", "points", D(8))
    step2 = text_of(planner.get(url(plan)).content.decode(), "step-2")
    assert (
        "More household sales Gross adds (segment household) Higher is better"
        " 1 → 2 (3 months) → 3 (6 months) → 4.50 (12 months)"
    ) in step2
    assert "Customers satisfied manual metric (points) Higher is better stay at or above 8" in (
        step2
    )


def test_actions_plan_b_and_their_status_come_from_their_forms(
    planner: Client, plan: Plan, objective: Objective, team: dict[str, User]
) -> None:
    response = planner.post(
        url(plan, "action"),
        {
            "objective": objective.pk,
            "title": "Flyers",
            "owner": team["lead"].pk,
            "due_on": "2026-12-20",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url(plan)}#step-3"
    flyers = Action.objects.get()
    assert (flyers.starts_on, flyers.due_on, flyers.status) == (
        date(2026, 9, 1),
        date(2026, 12, 20),
        "todo",
    )
    form = planner.get(f"{url(plan, 'action')}?objective={objective.pk}&plan_b_of={flyers.pk}")
    assert form.context["form"]["plan_b_of"].value() == str(flyers.pk)
    planner.post(
        url(plan, "action"),
        {
            "objective": objective.pk,
            "title": "Radio spots",
            "owner": team["lead"].pk,
            "starts_on": "2026-12-01",
            "due_on": "2027-01-31",
            "plan_b_of": flyers.pk,
        },
    )
    radio = Action.objects.get(title="Radio spots")
    assert (radio.plan_b_of, radio.is_standby) == (flyers, True)

    status_url = f"/admin/planning/plan/{plan.pk}/actions/{flyers.pk}/status/"
    response = planner.post(status_url, {"status": "done", "on": "2026-11-18"})
    assert response.status_code == 302
    flyers.refresh_from_db()
    assert (flyers.status, flyers.done_on) == ("done", date(2026, 11, 18))
    page = planner.get(url(plan)).content.decode()
    assert "“Flyers” is now done." in page
    assert 'data-action="Flyers" data-status="done"' in page
    assert 'data-action="Radio spots" data-status="standby"' in page


def test_a_plan_b_on_standby_cannot_be_started_by_hand(
    planner: Client, plan: Plan, objective: Objective, team: dict[str, User], actor: Actor
) -> None:
    flyers = services.action_add(
        objective, title="Flyers", owner=team["lead"], due_on=date(2026, 12, 1), actor=actor
    )
    radio = services.action_add(
        objective,
        title="Radio spots",
        owner=team["lead"],
        due_on=date(2026, 12, 1),
        plan_b_of=flyers,
        actor=actor,
    )
    before = state()

    response = planner.post(
        f"/admin/planning/plan/{plan.pk}/actions/{radio.pk}/status/", {"status": "doing"}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "'Radio spots' is a plan B on standby: a review switches to it first."
    ]
    assert state() == before


def test_milestones_are_added_re_planned_and_reached(
    planner: Client, plan: Plan, team: dict[str, User]
) -> None:
    response = planner.post(
        url(plan, "milestone"),
        {"kind": "pilot", "title": "Pilot in Radom", "planned_on": "2026-10-01"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url(plan)}#step-5"
    pilot = Milestone.objects.get()
    update = f"/admin/planning/plan/{plan.pk}/milestones/{pilot.pk}/"

    planner.post(update, {"replanned_on": "2026-10-20", "owner": team["lead"].pk})
    pilot.refresh_from_db()
    assert (pilot.planned_on, pilot.replanned_on, pilot.actual_on, pilot.owner) == (
        date(2026, 10, 1),
        date(2026, 10, 20),
        None,
        team["lead"],
    )
    form = planner.get(update)
    assert form.context["form"]["replanned_on"].value() == date(2026, 10, 20)
    planner.post(
        update,
        {"replanned_on": "2026-10-20", "actual_on": "2026-10-22", "owner": team["lead"].pk},
    )
    pilot.refresh_from_db()
    assert pilot.actual_on == date(2026, 10, 22)
    step5 = text_of(planner.get(url(plan)).content.decode(), "step-5")
    assert "Pilot in Radom Pilot support 2026-10-01 2026-10-20 2026-10-22 21 days late" in step5


def test_a_review_records_each_key_result_and_switches_to_the_plan_b(
    planner: Client, walked: Plan, team: dict[str, User]
) -> None:
    adds, churn = KeyResult.objects.order_by("id")
    radio = Action.objects.get(title="Radio spots")
    form = planner.get(url(walked, "review"))
    assert form.status_code == 200
    fields = form.context["form"]
    assert fields[f"kr_{adds.pk}_status"].value() == "on_track"
    assert fields[f"kr_{churn.pk}_status"].value() == "on_track"
    assert fields["held_on"].value() == date(2026, 11, 20)
    assert fields.fields["decision_0_activates"].choices == [
        ("", "—"),
        (radio.pk, "Radio spots (plan B of Flyers)"),
    ]

    response = planner.post(
        url(walked, "review"),
        {
            "held_on": "2026-11-19",
            "attendees": [team["owner"].pk, team["lead"].pk],
            "summary": "Flyers did not bring anyone.",
            f"kr_{adds.pk}_status": "at_risk",
            f"kr_{adds.pk}_note": "Only two sales",
            f"kr_{churn.pk}_status": "on_track",
            "decision_0_text": "Switch to radio spots",
            "decision_0_activates": radio.pk,
            "decision_1_text": "",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{url(walked)}#step-7"
    review = Review.objects.get()
    assert (review.held_on, review.summary, review.recorded_by) == (
        date(2026, 11, 19),
        "Flyers did not bring anyone.",
        team["owner"],
    )
    assert sorted(a.username for a in review.attendees.all()) == ["planner", "support"]
    assert list(
        review.entries.order_by("key_result_id").values_list(
            "key_result__title", "actual", "expected", "status", "note"
        )
    ) == [
        ("More new subscribers", D(2), D("1.6593"), "at_risk", "Only two sales"),
        ("Churn under 15 %", D("14.2857"), None, "on_track", ""),
    ]
    assert list(review.decisions.values_list("text", "activates__title")) == [
        ("Switch to radio spots", "Radio spots")
    ]
    page = planner.get(url(walked)).content.decode()
    assert 'data-action="Flyers" data-status="dropped"' in page
    assert 'data-action="Radio spots" data-status="doing"' in page
    assert "Doing (plan B since 2026-11-19)" in page
    step7 = text_of(page, "step-7")
    assert step7 == (
        "7 · Reviews Record review Review of 2026-11-19 · attended by planner, support"
        " Flyers did not bring anyone. Key result Actual Expected Status Note"
        " More new subscribers 2 1.66 At risk Only two sales"
        " Churn under 15 % 14.29 — On track"
        " Switch to radio spots — switched to the plan B “Radio spots”"
    )


# Refusals: the field's message, nothing saved ------------------------------------------------


@pytest.mark.parametrize(
    ("form", "data", "errors"),
    [
        (
            "objective",
            {"area": "sales", "title": "Sell more", "owner": "owner", "reviewer": "owner"},
            {"reviewer": ["must be someone other than the objective's owner"]},
        ),
        (
            "action",
            {"objective": "objective", "title": "Flyers", "due_on": "2026-12-01"},
            {"owner": ["is required: every item has an owner"]},
        ),
        (
            "action",
            {
                "objective": "objective",
                "title": "Flyers",
                "owner": "owner",
                "starts_on": "2026-12-01",
                "due_on": "2026-11-01",
            },
            {"due_on": ["must not be before the start (2026-12-01)"]},
        ),
        (
            "milestone",
            {"kind": "test_start", "title": "Tests", "planned_on": "2026-10-15"},
            {"planned_on": ["must not be after the pilot (2026-10-01)"]},
        ),
        (
            "key-result",
            {"objective": "objective", "title": "Sales", "kpi_code": "sales", "mode": "target"},
            {"kpi_code": ["Select a valid choice. sales is not one of the available choices."]},
        ),
        (
            "key-result",
            {"objective": "objective", "title": "Sales", "kpi_code": "gross_adds"}
            | {"mode": "target", "offer": "fibre-9000", "target_3": "2"},
            {"offer": ["there is no offer 'fibre-9000'"]},
        ),
        (
            "key-result",
            {"objective": "objective", "title": "NPS", "mode": "target", "target_3": "2"},
            {
                "baseline": ["is required: a manual metric has no diagnosis to take it from"],
                "target_6": ["is required for a key result with targets"],
                "target_12": ["is required for a key result with targets"],
            },
        ),
        (
            "swot",
            {"kind": "S", "text": " "},
            {"text": ["This field is required."]},
        ),
        (
            "review",
            {"held_on": "2026-11-21", "attendees": ["owner"], "decision_0_text": "Go on"},
            {"held_on": ["must not be in the future"]},
        ),
    ],
)
def test_a_refused_form_shows_the_fields_message_and_saves_nothing(
    planner: Client,
    walked: Plan,
    objective: Objective,
    team: dict[str, User],
    form: str,
    data: dict[str, Any],
    errors: dict[str, list[str]],
) -> None:
    names = {"owner": team["owner"].pk, "objective": objective.pk}
    posted = {
        k: [names.get(x, x) for x in v] if isinstance(v, list) else names.get(v, v)
        for k, v in data.items()
    }
    if form == "review":
        for kr in KeyResult.objects.all():
            posted[f"kr_{kr.pk}_status"] = "on_track"
    before = state()

    response = planner.post(url(walked, form), posted)

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    html = response.content.decode()
    for messages in errors.values():
        assert unescape(messages[0]) in unescape(html)
    assert state() == before


# Who may do what -----------------------------------------------------------------------------


def test_readers_see_the_plan_but_no_buttons_and_cannot_write(
    login: Callable[[User], Client], sales_user: User, walked: Plan
) -> None:
    reader = login(sales_user)
    flyers = Action.objects.get(title="Flyers")
    pilot = Milestone.objects.get(kind="pilot")
    before = state()

    page = reader.get(url(walked))

    assert page.status_code == 200
    html = page.content.decode()
    assert "More new subscribers" in html
    for write in ("finding/", "objective/", "key-result/", "action/", "review/", "edit/"):
        assert f"/admin/planning/plan/{walked.pk}/{write}" not in html
    assert "Change status" not in html and "Re-plan / mark reached" not in html
    assert reader.get("/admin/planning/plan/").status_code == 200
    assert reader.get("/admin/planning/plan/add/").status_code == 403
    writes = [
        (url(walked, "finding"), {"text": "Nope"}),
        (url(walked, "objective"), {"area": "sales", "title": "Nope"}),
        (url(walked, "review"), {"held_on": "2026-11-19"}),
        (f"/admin/planning/plan/{walked.pk}/actions/{flyers.pk}/status/", {"status": "done"}),
        (f"/admin/planning/plan/{walked.pk}/milestones/{pilot.pk}/", {"actual_on": "2026-10-01"}),
        ("/admin/planning/plan/add/", {"name": "Nope", "starts_on": "2027-01"}),
    ]
    for path, data in writes:
        assert reader.post(path, data).status_code == 403, path
        assert reader.get(path).status_code == 403, path
    assert state() == before


def test_planners_see_every_write_button(planner: Client, walked: Plan) -> None:
    html = planner.get(url(walked)).content.decode()
    for write in ("finding/", "swot/", "objective/", "key-result/", "action/", "review/"):
        assert f"/admin/planning/plan/{walked.pk}/{write}" in html
    assert html.count("Change status") == 1  # the plan B on standby waits for a review
    assert html.count("Re-plan / mark reached") == 2


def test_the_sidebar_lists_plans_for_those_who_may_read_them(
    login: Callable[[User], Client], sales_user: User
) -> None:
    html = login(sales_user).get("/admin/planning/plan/").content.decode()
    assert 'href="/admin/planning/plan/"' in html
    assert 'href="/planning/my-work/"' in html
    user = User.objects.create_user(username="nobody", is_staff=True)
    html = login(user).get("/admin/").content.decode()
    assert 'href="/admin/planning/plan/"' not in html
    assert 'href="/planning/my-work/"' not in html
