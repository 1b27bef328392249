"""`rota plan list` and `rota plan status` on the hand-built ISP (today: 20 November 2026)."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from rota.audit.actors import Actor
from rota.planning import services
from rota.planning.models import Plan
from rota.planning.services import KeyResultInput
from rota.planning.tests.conftest import new_objective, new_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(isp: Any, team: dict[str, User], actor: Actor) -> Plan:
    """Plan 2027 from 1 September 2026 with a KPI target, a bound and a manual metric."""
    plan = new_plan(team, actor, name="Plan 2027")
    objective = new_objective(plan, team, actor, title="Grow the base")
    services.key_result_add(
        objective,
        KeyResultInput(
            title="New subscribers",
            kpi_code="gross_adds",
            target_3=D(3),
            target_6=D(5),
            target_12=D(9),
        ),
        actor=actor,
    )
    services.key_result_add(
        objective,
        KeyResultInput(
            title="Business churn",
            kpi_code="churn_rate",
            filters={"segment": "business"},
            mode="stay_below",
            bound=D(1),
        ),
        actor=actor,
    )
    visits = services.key_result_add(
        objective,
        KeyResultInput(
            title="Installer visits",
            unit="visits",
            baseline=D(10),
            target_3=D(20),
            target_6=D(30),
            target_12=D(50),
        ),
        actor=actor,
    )
    services.check_in(visits, on=date(2026, 11, 10), value=D(15), actor=actor)
    services.action_add(
        objective, title="Leaflets", owner=team["owner"], due_on=date(2026, 12, 1), actor=actor
    )
    return plan


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("plan", *args, stdout=out)
    return out.getvalue()


def cells(out: str) -> list[list[str]]:
    """Return the body rows of a rich table as lists of stripped cells."""
    return [[c.strip() for c in line.split("│")[1:-1]] for line in out.splitlines() if "│" in line]


def test_status_prints_each_key_result_with_its_status(plan: Plan) -> None:
    out = run("status", "Plan 2027")
    assert "Plan 2027: key results (from 2026-09-01)" in out
    # October: 2 adds against 1 + 2 x 60 / 91 = 2.32 expected on 31 October (at risk); no
    # business churn; visits checked in on 10 November: 15 against 17.69.
    assert cells(out) == [
        [
            "Grow the base",
            "New subscribers",
            "gross_adds",
            "1",
            "2.32",
            "2",
            "At risk",
            "2026-10",
        ],
        [
            "Grow the base",
            "Business churn",
            "churn_rate (segment business)",
            "0 %",
            "at most 1 %",
            "0 %",
            "On track",
            "2026-10",
        ],
        [
            "Grow the base",
            "Installer visits",
            "manual: visits",
            "10 visits",
            "17.69 visits",
            "15 visits",
            "At risk",
            "2026-11-10",
        ],
    ]


def test_status_as_json_by_id(plan: Plan) -> None:
    body = json.loads(run("status", str(plan.pk), "--format", "json"))
    assert (body["plan"], body["starts_on"]) == ("Plan 2027", "2026-09-01")
    assert [
        (k["title"], k["baseline"], k["bound"], k["expected"], k["actual"], k["status"], k["month"])
        for k in body["key_results"]
    ] == [
        ("New subscribers", "1.0000", None, "2.3187", "2.0000", "at_risk", "2026-10"),
        ("Business churn", "0.0000", "1.0000", None, "0.0000", "on_track", "2026-10"),
        ("Installer visits", "10.0000", None, "17.6923", "15.0000", "at_risk", None),
    ]
    assert body["key_results"][1]["filters"] == {"segment": "business"}
    assert body["key_results"][2]["as_of"] == "2026-11-10"


def test_list(plan: Plan) -> None:
    assert cells(run("list")) == [
        [str(plan.pk), "Plan 2027", "yearly", "2026-09-01", "planner", "1", "3", "1"],
    ]
    assert json.loads(run("list", "--format", "json")) == [
        {
            "id": plan.pk,
            "name": "Plan 2027",
            "kind": "yearly",
            "starts_on": "2026-09-01",
            "owner": "planner",
            "objectives": 1,
            "key_results": 3,
            "open_actions": 1,
        }
    ]


def test_an_unknown_plan_is_named() -> None:
    with pytest.raises(CommandError, match=r"^There is no plan 'Plan 2030'\.$"):
        run("status", "Plan 2030")
    assert run("list") == "No plans yet.\n"
