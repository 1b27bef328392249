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
from rota.audit.models import AuditEvent
from rota.kpis.tests.conftest import _november, isp  # noqa: F401
from rota.planning import services
from rota.planning.models import (
    Action,
    CheckIn,
    Decision,
    Finding,
    KeyResult,
    Milestone,
    Objective,
    Plan,
    PlanSegment,
    Review,
    ReviewEntry,
    SwotItem,
)
from rota.planning.services import KeyResultInput

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


def state() -> tuple[int, ...]:
    """Count every row a plan form may write (and the audit trail)."""
    return tuple(
        model.objects.count()
        for model in (
            Plan,
            PlanSegment,
            Finding,
            SwotItem,
            Objective,
            KeyResult,
            Action,
            Milestone,
            Review,
            ReviewEntry,
            Decision,
            CheckIn,
            AuditEvent,
        )
    )


@pytest.fixture
def team(admin_user: User, planner_user: User, support_user: User) -> dict[str, User]:
    support_user.first_name, support_user.last_name = "Ewa", "Lis"
    support_user.save()
    return {"owner": planner_user, "lead": support_user, "boss": admin_user}


@pytest.fixture
def planner(login: Callable[[User], Client], planner_user: User) -> Client:
    return login(planner_user)


@pytest.fixture
def plan(isp: Any, team: dict[str, User], actor: Actor) -> Plan:  # noqa: F811
    return services.plan_create(
        name="Plan 2026/27",
        starts_on=date(2026, 9, 1),
        owner=team["owner"],
        actor=actor,
        segments={"household": "Speed and 4K streaming"},
    )


@pytest.fixture
def objective(plan: Plan, team: dict[str, User], actor: Actor) -> Objective:
    return services.objective_add(
        plan,
        area="sales",
        title="Sell more in Radom",
        owner=team["owner"],
        reviewer=team["boss"],
        actor=actor,
    )


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
    team: dict[str, User],  # noqa: F811
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
