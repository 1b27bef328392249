"""The planning tests' plan on the hand-built ISP of rota/kpis/tests/conftest.py.

Time stands on 20 November 2026 (its autouse `_november`), so October is the month key
results are measured on. The plan starts on 1 September 2026: its diagnosis runs from
September 2025 to August 2026. A module wanting another plan or objective overrides the
fixture with `new_plan` or `new_objective` and what differs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db.models import Model

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.kpis.tests.conftest import _november, isp  # noqa: F401
from rota.planning import services
from rota.planning.models import Action, Objective, Plan


@pytest.fixture
def team(admin_user: User, planner_user: User, support_user: User) -> dict[str, User]:
    return {"owner": planner_user, "lead": support_user, "boss": admin_user}


def new_plan(
    team: dict[str, User],
    actor: Actor,
    *,
    name: str = "Plan 2026/27",
    starts_on: date = date(2026, 9, 1),
    **details: Any,
) -> Plan:
    """Create the plan, owned by the team's owner; `details` go to `services.plan_create`."""
    return services.plan_create(
        name=name, starts_on=starts_on, owner=team["owner"], actor=actor, **details
    )


def new_objective(
    plan: Plan, team: dict[str, User], actor: Actor, *, title: str = "Sell more in Radom"
) -> Objective:
    """Add a sales objective owned by the team's owner and reviewed by its boss."""
    return services.objective_add(
        plan, area="sales", title=title, owner=team["owner"], reviewer=team["boss"], actor=actor
    )


@pytest.fixture
def plan(isp: Any, team: dict[str, User], actor: Actor) -> Plan:  # noqa: F811
    return new_plan(team, actor)


@pytest.fixture
def objective(plan: Plan, team: dict[str, User], actor: Actor) -> Objective:
    return new_objective(plan, team, actor)


def state() -> tuple[object, ...]:
    """Count the rows of every planning model and the audit trail, then list each action's
    status: what a refused change must leave as it was."""
    models: list[type[Model]] = [*apps.get_app_config("planning").get_models(), AuditEvent]
    return (
        *(model._default_manager.count() for model in models),
        *Action.objects.order_by("id").values_list("status", flat=True),
    )
