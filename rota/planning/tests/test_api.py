"""Planning API on the hand-built ISP: exact measures, bodies, refusals that change nothing, scopes.

Time stands on 20 November 2026 (see rota/kpis/tests/conftest.py): October is the measured
month. The plan starts on 1 September 2026, so its diagnosis runs from September 2025 to
August 2026 and a KPI's baseline is its August value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from rota.api import api
from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.planning import services
from rota.planning.models import (
    Action,
    CheckIn,
    KeyResult,
    Objective,
    Plan,
    Review,
)
from rota.planning.tests.conftest import new_objective, new_plan, state

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def client(make_token: Callable[..., str]) -> Client:
    secret = make_token("planning:read", "planning:write", name="planning")
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def team(team: dict[str, User], sales_user: User) -> dict[str, User]:
    """The plan's team and a salesperson, who may own actions and review objectives."""
    return {**team, "sales": sales_user}


@pytest.fixture
def plan(isp: Any, team: dict[str, User], actor: Actor) -> Plan:
    return new_plan(team, actor, name="Plan 2027")


@pytest.fixture
def objective(plan: Plan, team: dict[str, User], actor: Actor) -> Objective:
    return new_objective(plan, team, actor, title="Grow the base")


def send(client: Client, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def fields(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    return [(e["field"], e["message"]) for e in response.json()["errors"]]


# Plans --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("isp")
def test_create_a_plan_with_its_frozen_diagnosis(client: Client, team: Any) -> None:
    body = {
        "name": "Plan 2027",
        "starts_on": "2026-09-15",
        "owner": "planner",
        "summary": "More business lines in Radom.",
        "offers": ["4business"],
        "segments": {"business": "Symmetric speed, an SLA"},
    }
    response = send(client, "post", f"{API}/plans", body)
    assert response.status_code == 201, response.content
    got = response.json()
    plan = Plan.objects.get()
    assert {k: v for k, v in got.items() if k not in ("diagnosis", "created_at")} == {
        "id": plan.pk,
        "name": "Plan 2027",
        "kind": "yearly",
        "starts_on": "2026-09-01",
        "owner": "planner",
        "summary": "More business lines in Radom.",
        "offers": ["4business"],
        "segments": [{"segment": "business", "needs": "Symmetric speed, an SLA"}],
        "findings": [],
        "swot": [],
        # S4 (moving, 25 Aug) and S12 (competitor, 31 Aug) left in the diagnosis months.
        "lost_customers": {
            "reason": {"competitor": 1, "moving": 1},
            "segment": {"household": 2},
            "offer": {"gameon": 1, "speedster": 1},
            "area": {"urban": 2},
            "municipality": {"1465011": 2},
        },
    }
    months = [d["month"] for d in got["diagnosis"]]
    assert months == [f"2025-{m:02d}" for m in range(9, 13)] + [
        f"2026-{m:02d}" for m in range(1, 9)
    ]
    august = got["diagnosis"][-1]
    assert (august["values"]["gross_adds"], august["values"]["churn_rate"]) == (1, "25.0000")
    assert august["churn_reasons"] == {"competitor": 1, "moving": 1}
    assert client.get(f"{API}/plans/{plan.pk}").json() == got
    assert AuditEvent.objects.filter(action="plan.create").count() == 1

    listed = client.get(f"{API}/plans").json()
    assert listed["count"] == 1
    assert {k: listed["items"][0][k] for k in ("name", "objectives", "key_results")} == {
        "name": "Plan 2027",
        "objectives": 0,
        "key_results": 0,
    }


def test_a_refused_plan_names_each_field_and_saves_nothing(
    client: Client, plan: Plan, team: Any
) -> None:
    before = state()
    body: dict[str, Any] = {
        "name": "Plan 2028",
        "starts_on": "2027-01-01",
        "owner": "nobody",
        "offers": ["x"],
    }
    assert fields(send(client, "post", f"{API}/plans", body)) == [
        ("owner", "there is no staff user 'nobody'"),
        ("offers[0]", "there is no offer 'x'"),
    ]
    body = {
        "name": "Plan 2027",
        "starts_on": "2027-01-01",
        "owner": "planner",
        "segments": {"martians": "Oxygen"},
    }
    assert fields(send(client, "post", f"{API}/plans", body)) == [
        ("name", "a plan named 'Plan 2027' exists already"),
        ("segments.martians", "must be one of household, business"),
    ]
    assert fields(send(client, "post", f"{API}/plans", {"name": "X", "owner": "planner"})) == [
        ("starts_on", "Field required")
    ]
    assert fields(send(client, "patch", f"{API}/plans/{plan.pk}", {"owner": None})) == [
        ("owner", "must not be null")
    ]
    assert state() == before
    assert client.get(f"{API}/plans/999").status_code == 404


def test_findings_swot_segments_and_a_patch(client: Client, plan: Plan, team: Any) -> None:
    url = f"{API}/plans/{plan.pk}"
    finding = send(
        client, "post", f"{url}/findings", {"text": "Churn doubled", "kpi_code": "churn_rate"}
    )
    assert finding.status_code == 201
    assert finding.json() == {
        "id": finding.json()["id"],
        "text": "Churn doubled",
        "kpi_code": "churn_rate",
    }
    swot = send(client, "post", f"{url}/swot", {"kind": "W", "text": "Slow support"})
    assert swot.status_code == 201
    segment = send(client, "put", f"{url}/segments/household", {"needs": "4K streaming"})
    assert segment.json() == {"segment": "household", "needs": "4K streaming"}
    patched = send(client, "patch", url, {"name": "Plan 2026/27", "owner": "administrator"})
    assert patched.status_code == 200, patched.content
    got = patched.json()
    assert (got["name"], got["owner"], got["summary"]) == ("Plan 2026/27", "administrator", "")
    assert [s["kind"] for s in got["swot"]] == ["W"]
    assert [f["text"] for f in got["findings"]] == ["Churn doubled"]
    assert got["segments"] == [{"segment": "household", "needs": "4K streaming"}]

    before = state()
    assert fields(send(client, "post", f"{url}/findings", {"text": "x", "kpi_code": "nps"})) == [
        ("kpi_code", "there is no KPI 'nps'")
    ]
    assert fields(send(client, "put", f"{url}/segments/pets", {"needs": "Bones"})) == [
        ("segment", "must be one of household, business")
    ]
    assert state() == before


# Objectives and key results -----------------------------------------------------------------


def test_objectives_refuse_a_reviewer_who_owns_it(client: Client, plan: Plan, team: Any) -> None:
    url = f"{API}/plans/{plan.pk}/objectives"
    before = state()
    body = {"area": "sales", "title": "Grow", "owner": "planner", "reviewer": "planner"}
    assert fields(send(client, "post", url, body)) == [
        ("reviewer", "must be someone other than the objective's owner")
    ]
    body = {"area": "sales", "title": "Grow", "owner": "ghost", "reviewer": "nobody"}
    assert fields(send(client, "post", url, body)) == [
        ("owner", "there is no staff user 'ghost'"),
        ("reviewer", "there is no staff user 'nobody'"),
    ]
    body = {"area": "space", "title": "Grow", "owner": "planner", "reviewer": "sales"}
    assert fields(send(client, "post", url, body)) == [
        ("area", "must be one of sales, marketing, finance, network, support, product")
    ]
    assert state() == before
    body = {"area": "sales", "title": "Grow", "owner": "planner", "reviewer": "administrator"}
    created = send(client, "post", url, body)
    assert created.status_code == 201
    objective = Objective.objects.get()
    assert created.json() == {
        "id": objective.pk,
        "plan": plan.pk,
        "area": "sales",
        "title": "Grow",
        "description": "",
        "owner": "planner",
        "reviewer": "administrator",
    }
    patched = send(client, "patch", f"{API}/objectives/{objective.pk}", {"reviewer": "sales"})
    assert patched.json()["reviewer"] == "sales"
    assert client.get(url).json() == {"items": [patched.json()], "count": 1}


def test_key_results_are_measured_on_october(client: Client, objective: Objective) -> None:
    url = f"{API}/objectives/{objective.pk}/key-results"
    # Gross adds: baseline from the diagnosis (August: 1). On 31 October, 60 of the 91 days
    # to 1 December: expected 1 + (3 - 1) x 60 / 91 = 2.3187; actual 2, r = 0.758: at risk.
    adds = send(
        client,
        "post",
        url,
        {
            "title": "New subscribers",
            "kpi_code": "gross_adds",
            "target_3": "3",
            "target_6": "5",
            "target_12": "9",
        },
    )
    assert adds.status_code == 201, adds.content
    kr = KeyResult.objects.get()
    assert adds.json() == {
        "id": kr.pk,
        "objective": objective.pk,
        "objective_title": "Grow the base",
        "title": "New subscribers",
        "kpi_code": "gross_adds",
        "filters": {},
        "unit": "",
        "mode": "target",
        "direction": "up",
        "baseline": "1.0000",
        "target_3": "3.0000",
        "target_6": "5.0000",
        "target_12": "9.0000",
        "bound": None,
        "actual": "2.0000",
        "expected": "2.3187",
        "status": "at_risk",
        "status_label": "At risk",
        "as_of": "2026-10-31",
        "month": "2026-10",
    }
    # Churn rate, lower is better: baseline 25 (August), expected 25 - 5 x 60 / 91 =
    # 21.7033; October's 14.2857 is ahead of it: on track.
    send(
        client,
        "post",
        url,
        {
            "title": "Churn",
            "kpi_code": "churn_rate",
            "target_3": "20",
            "target_6": "15",
            "target_12": "10",
        },
    )
    # Business churn stays below 1%: October's is 0.
    send(
        client,
        "post",
        url,
        {
            "title": "Business churn",
            "kpi_code": "churn_rate",
            "filters": {"segment": "business"},
            "mode": "stay_below",
            "bound": "1",
        },
    )
    # A manual metric checked in on 10 November: expected 10 + 10 x 70 / 91 = 17.6923.
    visits = send(
        client,
        "post",
        url,
        {
            "title": "Installer visits",
            "unit": "visits",
            "baseline": "10",
            "target_3": "20",
            "target_6": "30",
            "target_12": "50",
        },
    ).json()
    assert (visits["status"], visits["actual"], visits["as_of"]) == ("no_data", None, None)
    check_in = send(
        client,
        "post",
        f"{API}/key-results/{visits['id']}/check-ins",
        {"on": "2026-11-10", "value": "15", "note": "Radom team"},
    )
    assert check_in.status_code == 201
    assert check_in.json() == {
        "id": CheckIn.objects.get().pk,
        "key_result": visits["id"],
        "on": "2026-11-10",
        "value": "15.0000",
        "note": "Radom team",
        "by": None,
    }
    listed = client.get(f"{API}/plans/{objective.plan_id}/key-results").json()
    assert listed["count"] == 4
    assert [
        (k["title"], k["baseline"], k["actual"], k["expected"], k["status"], k["as_of"])
        for k in listed["items"]
    ] == [
        ("New subscribers", "1.0000", "2.0000", "2.3187", "at_risk", "2026-10-31"),
        ("Churn", "25.0000", "14.2857", "21.7033", "on_track", "2026-10-31"),
        ("Business churn", "0.0000", "0.0000", None, "on_track", "2026-10-31"),
        ("Installer visits", "10.0000", "15.0000", "17.6923", "at_risk", "2026-11-10"),
    ]

    detail = client.get(f"{API}/key-results/{kr.pk}").json()
    # August is before t0 (expected = baseline); 30 September is 29 days in.
    assert detail["history"] == [
        {"month": "2026-08", "actual": "1.0000", "expected": "1.0000"},
        {"month": "2026-09", "actual": "1.0000", "expected": "1.6374"},
        {"month": "2026-10", "actual": "2.0000", "expected": "2.3187"},
    ]
    assert detail["check_ins"] == []
    assert client.get(f"{API}/key-results/{visits['id']}").json()["check_ins"] == [check_in.json()]

    # Raising the 3-month target to 5: expected 1 + 4 x 60 / 91 = 3.6374, r = 0.38.
    patched = send(client, "patch", f"{API}/key-results/{kr.pk}", {"target_3": "5"})
    assert patched.status_code == 200, patched.content
    assert (patched.json()["expected"], patched.json()["status"]) == ("3.6374", "off_track")
    assert patched.json()["baseline"] == "1.0000"


def test_bad_key_results_and_check_ins_name_the_field(client: Client, objective: Objective) -> None:
    url = f"{API}/objectives/{objective.pk}/key-results"
    kpi = send(
        client,
        "post",
        url,
        {"title": "Adds", "kpi_code": "gross_adds", "mode": "stay_above", "bound": "1"},
    ).json()
    before = state()
    assert fields(send(client, "post", url, {"title": "NPS", "kpi_code": "nps", "bound": "1"})) == [
        ("kpi_code", "there is no KPI 'nps'")
    ]
    manual = {"title": "Visits", "target_3": "1", "target_6": "2", "target_12": "3"}
    assert fields(send(client, "post", url, manual)) == [
        ("baseline", "is required: a manual metric has no diagnosis to take it from")
    ]
    body: dict[str, Any] = {
        "title": "Adds",
        "kpi_code": "gross_adds",
        "target_3": "1,5",
        "target_6": "NaN",
    }
    assert fields(send(client, "post", url, body)) == [
        ("target_3", "must be a decimal string with at most 4 places, e.g. '14.2857'"),
        ("target_6", "must be a decimal string with at most 4 places, e.g. '14.2857'"),
    ]
    body = {"title": "Adds", "kpi_code": "gross_adds", "target_3": "2", "target_6": "3"}
    assert fields(send(client, "post", url, body)) == [
        ("target_12", "is required for a key result with targets")
    ]
    body = {
        "title": "Adds",
        "kpi_code": "arpu",
        "filters": {"offer": "x"},
        "mode": "stay_above",
        "bound": "1",
    }
    assert fields(send(client, "post", url, body)) == [("filters.offer", "there is no offer 'x'")]
    check_in = {"on": "2026-11-10", "value": "3"}
    assert fields(send(client, "post", f"{API}/key-results/{kpi['id']}/check-ins", check_in)) == [
        ("key_result", "is measured by the KPI gross_adds; check in manual metrics")
    ]
    assert fields(send(client, "patch", f"{API}/key-results/{kpi['id']}", {"mode": "target"})) == [
        ("target_3", "is required for a key result with targets"),
        ("target_6", "is required for a key result with targets"),
        ("target_12", "is required for a key result with targets"),
    ]
    assert state() == before
    assert client.get(f"{API}/key-results/999").status_code == 404


# Actions, milestones, reviews ---------------------------------------------------------------


def test_actions_plan_b_and_a_review_that_switches(
    client: Client, objective: Objective, team: Any
) -> None:
    plan_url = f"{API}/plans/{objective.plan_id}"
    body: dict[str, Any] = {
        "title": "Door-to-door in Radom",
        "owner": "sales",
        "due_on": "2026-10-31",
    }
    first = send(client, "post", f"{API}/objectives/{objective.pk}/actions", body)
    assert first.status_code == 201, first.content
    action = Action.objects.get()
    assert first.json() == {
        "id": action.pk,
        "objective": objective.pk,
        "title": "Door-to-door in Radom",
        "description": "",
        "owner": "sales",
        "starts_on": "2026-09-01",
        "due_on": "2026-10-31",
        "status": "todo",
        "done_on": None,
        "plan_b_of": None,
        "activated_on": None,
        "standby": False,
        "overdue": True,
    }
    plan_b = send(
        client,
        "post",
        f"{plan_url}/actions",
        {
            "objective": objective.pk,
            "title": "Leaflets with the bills",
            "owner": "planner",
            "due_on": "2026-12-31",
            "plan_b_of": action.pk,
        },
    ).json()
    assert (plan_b["standby"], plan_b["overdue"], plan_b["plan_b_of"]) == (True, False, action.pk)

    overdue = client.get(f"{plan_url}/actions?overdue=true").json()
    assert [a["title"] for a in overdue["items"]] == ["Door-to-door in Radom"]
    mine = client.get(f"{plan_url}/actions?owner=planner").json()
    assert [a["title"] for a in mine["items"]] == ["Leaflets with the bills"]
    assert fields(client.get(f"{plan_url}/actions?owner=ghost")) == [
        ("owner", "there is no staff user 'ghost'")
    ]

    before = state()
    refused = send(client, "post", f"{API}/actions/{plan_b['id']}/status", {"status": "doing"})
    assert refused.status_code == 409
    assert refused.json()["errors"] == [
        {"field": "status", "message": "a plan B starts only when a review activates it"}
    ]
    body = {"title": "No owner", "due_on": "2026-10-01"}
    assert fields(send(client, "post", f"{API}/objectives/{objective.pk}/actions", body)) == [
        ("owner", "Field required")
    ]
    body = {
        "title": "Backwards",
        "owner": "sales",
        "starts_on": "2026-12-01",
        "due_on": "2026-11-01",
    }
    assert fields(send(client, "post", f"{API}/objectives/{objective.pk}/actions", body)) == [
        ("due_on", "must not be before the start (2026-12-01)")
    ]
    body = {"objective": 999, "title": "Elsewhere", "owner": "sales", "due_on": "2026-11-01"}
    assert fields(send(client, "post", f"{plan_url}/actions", body)) == [
        ("objective", "the plan has no objective 999")
    ]
    review = {
        "held_on": "2026-11-05",
        "attendees": ["planner", "nobody"],
        "entries": [{"key_result": 999, "note": "?"}],
        "decisions": [{"text": "Switch", "activates": action.pk}],
    }
    assert fields(send(client, "post", f"{plan_url}/reviews", review)) == [
        ("attendees[1]", "there is no staff user 'nobody'"),
        ("entries[0].key_result", "there is no key result 999"),
    ]
    review["attendees"], review["entries"] = ["planner"], []
    assert fields(send(client, "post", f"{plan_url}/reviews", review)) == [
        ("decisions[0].activates", "'Door-to-door in Radom' is not a plan B")
    ]
    assert state() == before

    kr = services.key_result_add(
        objective,
        services.KeyResultInput(
            title="New subscribers",
            kpi_code="gross_adds",
            target_3=D(3),
            target_6=D(5),
            target_12=D(9),
        ),
        actor=Actor.system("test"),
    )
    review = {
        "held_on": "2026-11-05",
        "attendees": ["planner", "administrator"],
        "summary": "Door-to-door does not sell.",
        "entries": [{"key_result": kr.pk, "note": "Two adds in October"}],
        "decisions": [{"text": "Switch to leaflets", "activates": plan_b["id"]}],
    }
    recorded = send(client, "post", f"{plan_url}/reviews", review)
    assert recorded.status_code == 201, recorded.content
    saved = Review.objects.get()
    assert recorded.json() == {
        "id": saved.pk,
        "plan": objective.plan_id,
        "held_on": "2026-11-05",
        "attendees": ["administrator", "planner"],
        "summary": "Door-to-door does not sell.",
        "recorded_by": None,
        "created_at": recorded.json()["created_at"],
        "entries": [
            {
                "key_result": kr.pk,
                "title": "New subscribers",
                "actual": "2.0000",
                "expected": "2.3187",
                "status": "at_risk",
                "note": "Two adds in October",
            }
        ],
        "decisions": [
            {
                "id": saved.decisions.get().pk,
                "text": "Switch to leaflets",
                "activates": plan_b["id"],
            }
        ],
    }
    assert client.get(f"{API}/reviews/{saved.pk}").json() == recorded.json()
    assert client.get(f"{plan_url}/reviews").json() == {"items": [recorded.json()], "count": 1}
    statuses = {
        a["title"]: (a["status"], a["activated_on"])
        for a in client.get(f"{plan_url}/actions").json()["items"]
    }
    assert statuses == {
        "Door-to-door in Radom": ("dropped", None),
        "Leaflets with the bills": ("doing", "2026-11-05"),
    }
    done = send(
        client,
        "post",
        f"{API}/actions/{plan_b['id']}/status",
        {"status": "done", "on": "2026-11-19"},
    )
    assert (done.json()["status"], done.json()["done_on"]) == ("done", "2026-11-19")
    patched = send(client, "patch", f"{API}/actions/{plan_b['id']}", {"owner": "sales"})
    assert patched.json()["owner"] == "sales"


def test_milestones_keep_their_order_and_show_the_drift(client: Client, plan: Plan) -> None:
    url = f"{API}/plans/{plan.pk}/milestones"
    test_start = send(
        client, "post", url, {"kind": "test_start", "title": "Beta", "planned_on": "2026-10-01"}
    )
    assert test_start.status_code == 201, test_start.content
    before = state()
    body = {"kind": "pilot", "title": "Pilot", "planned_on": "2026-09-15", "owner": "planner"}
    assert fields(send(client, "post", url, body)) == [
        ("planned_on", "must not be before the test start (2026-10-01)")
    ]
    assert state() == before
    body["planned_on"] = "2026-11-02"
    pilot = send(client, "post", url, body).json()
    moved = send(client, "patch", f"{API}/milestones/{pilot['id']}", {"replanned_on": "2026-11-16"})
    assert moved.status_code == 200, moved.content
    assert moved.json() == {
        "id": pilot["id"],
        "plan": plan.pk,
        "kind": "pilot",
        "title": "Pilot",
        "owner": "planner",
        "planned_on": "2026-11-02",
        "replanned_on": "2026-11-16",
        "actual_on": None,
        "due_on": "2026-11-16",
        "drift_days": 14,
    }
    assert fields(
        send(client, "patch", f"{API}/milestones/{pilot['id']}", {"actual_on": "2026-12-01"})
    ) == [("actual_on", "must not be in the future")]
    reached = send(client, "patch", f"{API}/milestones/{pilot['id']}", {"actual_on": "2026-11-18"})
    assert (reached.json()["replanned_on"], reached.json()["drift_days"]) == ("2026-11-16", 16)
    listed = client.get(url).json()
    assert [(m["title"], m["drift_days"]) for m in listed["items"]] == [("Beta", 0), ("Pilot", 16)]


# Business case ------------------------------------------------------------------------------

CASE = {
    "horizon": 2,
    "acquisition_cost": "100.00",
    "variable_cost": "10.00",
    "launch_cost": "500.00",
    "fixed_cost": "50.00",
    "discount_rate": "0",
    "offers": [{"offer": "4business", "gross_adds": [10], "churn": "0.1"}],
}


def test_business_case_projection_by_hand(client: Client, plan: Plan) -> None:
    url = f"{API}/plans/{plan.pk}/business-case"
    assert client.get(url).status_code == 404
    response = send(client, "put", url, CASE)
    assert response.status_code == 200, response.content
    # 4business: 105.00 net from contract month 0 (94.99 from month 3). Month 1: 10 adds pay
    # 1,050.00; costs 10 x 100 + 10 x 10 + 50 = 1,150.00. Month 2: 9 + 10 subscribers pay
    # 1,995.00; costs 1,000 + 190 + 50 = 1,240.00. No discount: NPV = the cumulative cash.
    # ARPU 3,045 / 29 = 105.00; LTV (105 - 10) / 0.1 = 950.00; payback 100 / 95 = 1.1.
    assert response.json() == {
        "plan": plan.pk,
        "currency": "PLN",
        "horizon": 2,
        "acquisition_cost": "100.00",
        "variable_cost": "10.00",
        "launch_cost": "500.00",
        "fixed_cost": "50.00",
        "discount_rate": "0.0000",
        "offers": [
            {
                "offer": "4business",
                "gross_adds": [10],
                "churn": "0.1000",
                "phases": [
                    {"from_month": 0, "monthly_price": "105.00"},
                    {"from_month": 3, "monthly_price": "94.99"},
                ],
            }
        ],
        "projection": {
            "rows": [
                {
                    "month": 0,
                    "subscribers": "0.00",
                    "gross_adds": 0,
                    "revenue": "0.00",
                    "costs": "500.00",
                    "net": "-500.00",
                    "cumulative": "-500.00",
                },
                {
                    "month": 1,
                    "subscribers": "10.00",
                    "gross_adds": 10,
                    "revenue": "1050.00",
                    "costs": "1150.00",
                    "net": "-100.00",
                    "cumulative": "-600.00",
                },
                {
                    "month": 2,
                    "subscribers": "19.00",
                    "gross_adds": 10,
                    "revenue": "1995.00",
                    "costs": "1240.00",
                    "net": "755.00",
                    "cumulative": "155.00",
                },
            ],
            "break_even_month": 2,
            "npv": "155.00",
            "arpu": "105.00",
            "ltv": "950.00",
            "cac_payback_months": "1.1",
            "total_revenue": "3045.00",
            "total_costs": "2890.00",
        },
        # Take-up -20%: 8 adds, month 2 has 15.2 subscribers: -500 - 90 + 594 = 4.00.
        # Price -20% (84.00): -500 - 310 + 356 = -454.00, never breaks even.
        "sensitivity": [
            {"label": "base", "npv": "155.00", "break_even_month": 2, "cumulative": "155.00"},
            {"label": "take-up −20%", "npv": "4.00", "break_even_month": 2, "cumulative": "4.00"},
            {
                "label": "take-up +20%",
                "npv": "306.00",
                "break_even_month": 2,
                "cumulative": "306.00",
            },
            {"label": "churn −20%", "npv": "174.00", "break_even_month": 2, "cumulative": "174.00"},
            {"label": "churn +20%", "npv": "136.00", "break_even_month": 2, "cumulative": "136.00"},
            {
                "label": "price −20%",
                "npv": "-454.00",
                "break_even_month": None,
                "cumulative": "-454.00",
            },
            {"label": "price +20%", "npv": "764.00", "break_even_month": 2, "cumulative": "764.00"},
        ],
    }
    assert client.get(url).json() == response.json()


def test_a_bad_business_case_names_each_field_and_keeps_the_old_one(
    client: Client, plan: Plan
) -> None:
    url = f"{API}/plans/{plan.pk}/business-case"
    send(client, "put", url, CASE)
    stored = client.get(url).json()
    before = state()
    bad = {
        **CASE,
        "acquisition_cost": "-5.00",
        "fixed_cost": "1.234",
        "offers": [
            {"offer": "4business", "gross_adds": [10], "churn": "-0.1"},
            {"offer": "nope", "gross_adds": [1], "churn": "0.01"},
        ],
    }
    assert fields(send(client, "put", url, bad)) == [
        ("acquisition_cost", "must not be negative"),
        ("fixed_cost", "must have at most 2 decimal places"),
        ("offers[1].offer", "there is no offer 'nope'"),
    ]
    bad = {**CASE, "offers": [{"offer": "4business", "gross_adds": [10], "churn": "1.5"}]}
    assert fields(send(client, "put", url, bad)) == [
        ("offers[0].churn", "must be a fraction from 0 to below 1")
    ]
    bad = {**CASE, "offers": [{"offer": "4business", "gross_adds": [-1], "churn": "0.1"}]}
    assert fields(send(client, "put", url, bad)) == [
        ("offers[0].gross_adds[0]", "Input should be greater than or equal to 0")
    ]
    assert state() == before
    assert client.get(url).json() == stored


def test_key_results_from_the_business_case(client: Client, objective: Objective) -> None:
    url = f"{API}/objectives/{objective.pk}/key-results/from-business-case"
    refused = client.post(url)
    assert refused.status_code == 409
    assert refused.json()["errors"] == [{"field": "plan", "message": "set the business case first"}]
    send(client, "put", f"{API}/plans/{objective.plan_id}/business-case", CASE)
    made = client.post(url)
    assert made.status_code == 201, made.content
    # Baseline 1 (August) + 10 projected adds; churn below 10%; ARPU above 105.00.
    assert [
        (k["kpi_code"], k["mode"], k["baseline"], k["target_12"], k["bound"], k["filters"])
        for k in made.json()["items"]
    ] == [
        ("gross_adds", "target", "1.0000", "11.0000", None, {}),
        ("churn_rate", "stay_below", "25.0000", None, "10.0000", {}),
        ("arpu", "stay_above", "120.0000", None, "105.0000", {"offer": "4business"}),
    ]
    # October: 2 adds (expected 1 + 10 x 60 / 91 = 7.5934), churn 14.2857% (above 10),
    # ARPU of 4business (109.99 + 105.00) / 2 = 107.50. Baselines are August's.
    assert [(k["actual"], k["status"]) for k in made.json()["items"]] == [
        ("2.0000", "off_track"),
        ("14.2857", "off_track"),
        ("107.5000", "on_track"),
    ]


# Report -------------------------------------------------------------------------------------


def test_the_report_as_json_and_markdown(
    client: Client, objective: Objective, actor: Actor
) -> None:
    services.key_result_add(
        objective,
        services.KeyResultInput(
            title="New subscribers",
            kpi_code="gross_adds",
            target_3=D(3),
            target_6=D(5),
            target_12=D(9),
        ),
        actor=actor,
    )
    services.action_add(
        objective,
        title="Door-to-door in Radom",
        owner=objective.owner,
        due_on=date(2026, 10, 31),
        actor=actor,
    )
    url = f"{API}/plans/{objective.plan_id}/report"
    got = client.get(url).json()
    assert (got["name"], got["as_of"], got["last_review"], got["counts"]) == (
        "Plan 2027",
        "2026-11-20",
        None,
        {"at_risk": 1},
    )
    assert [(k["title"], k["status"], k["previous_status"]) for k in got["key_results"]] == [
        ("New subscribers", "at_risk", None)
    ]
    assert [(a["title"], a["overdue"]) for a in got["overdue"]] == [("Door-to-door in Radom", True)]
    assert got["slipped"] == got["done_since"] == got["check_ins_since"] == []

    markdown = client.get(f"{url}.md")
    assert markdown.status_code == 200
    assert markdown["Content-Type"] == "text/markdown; charset=utf-8"
    assert markdown["Content-Disposition"] == (
        'attachment; filename="plan-2027-report-2026-11-20.md"'
    )
    text = markdown.content.decode()
    assert text.startswith("# Plan 2027: progress report of 2026-11-20\n")
    assert "| Grow the base | New subscribers | 2 (2026-10) | 2.32 | At risk |" in text


# Scopes and roles ---------------------------------------------------------------------------


def test_scopes_and_roles(
    plan: Plan, make_token: Callable[..., str], login: Callable[[User], Client], team: Any
) -> None:
    body = {"text": "Churn doubled"}
    url = f"{API}/plans/{plan.pk}/findings"
    reader = Client(headers={"Authorization": f"Bearer {make_token('planning:read', name='r')}"})
    kpis = Client(headers={"Authorization": f"Bearer {make_token('kpis:read', name='k')}"})
    before = state()
    anonymous = send(Client(), "post", url, body)
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Bearer"
    assert Client().get(f"{API}/plans").status_code == 401
    assert reader.get(f"{API}/plans/{plan.pk}").status_code == 200
    refused = send(reader, "post", url, body)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This token lacks the scope 'planning:write'."
    assert kpis.get(f"{API}/plans").status_code == 403
    sales = login(team["sales"])
    assert sales.get(f"{API}/plans/{plan.pk}/key-results").status_code == 200
    assert send(sales, "post", url, body).status_code == 403
    assert state() == before
    planner = login(team["owner"])
    assert send(planner, "post", url, body).status_code == 201


def test_the_openapi_document_keeps_other_apps_choices() -> None:
    components = api.get_openapi_schema(path_prefix="/api/v1")["components"]["schemas"]
    assert components["Area"]["enum"] == ["urban", "rural"]
    assert components["ObjectiveOut"]["properties"]["area"]["enum"] == [
        "sales",
        "marketing",
        "finance",
        "network",
        "support",
        "product",
    ]
    assert components["PlanDetail"]["properties"]["kind"]["enum"] == ["yearly", "offer_launch"]
    assert components["PhaseOut"]["required"] == ["from_month", "monthly_price"]
    assert "description" not in components["PhaseOut"]["properties"]["monthly_price"]
