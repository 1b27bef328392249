"""The KPI API and command line: exact bodies and outputs, and errors naming the field."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from rota.kpis.definitions import CODES
from rota.kpis.tests.conftest import Isp
from rota.kpis.tests.test_scenario import AUG, EXPECTED, OCT, SEP

PROBLEM = "application/problem+json"


def _json_values(name: str, month: Any) -> dict[str, int | str]:
    return {
        code: value if isinstance(value, int) else str(value)
        for code, value in zip(CODES, EXPECTED[name][month], strict=True)
    }


@pytest.fixture
def client(make_token: Callable[..., str]) -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token('kpis:read')}"})


def test_month_values(isp: Isp, client: Client) -> None:
    response = client.get("/api/v1/kpis", {"month": "2026-10", "segment": "business"})
    assert response.status_code == 200
    assert response.json() == {
        "month": "2026-10",
        "filters": {"segment": "business"},
        "values": _json_values("business", OCT),
    }
    response = client.get("/api/v1/kpis?month=2026-08")
    assert response.json() == {
        "month": "2026-08",
        "filters": {},
        "values": _json_values("all", AUG),
    }


def test_series(isp: Isp, client: Client) -> None:
    response = client.get("/api/v1/kpis/mrr/series?from=2026-07&to=2026-10&offer=speedster")
    assert response.status_code == 200
    assert response.json() == {
        "code": "mrr",
        "name": "MRR",
        "unit": "money",
        "filters": {"offer": "speedster"},
        "points": [
            # July: S1 and S12 on speedster (65.04 each).
            {"month": "2026-07", "value": "130.08"},
            {"month": "2026-08", "value": "65.04"},
            {"month": "2026-09", "value": "146.33"},
            {"month": "2026-10", "value": "211.37"},
        ],
    }
    churn = client.get("/api/v1/kpis/churn_rate/series?from=2026-08&to=2026-10").json()
    assert [p["value"] for p in churn["points"]] == ["25.0000", "14.2857", "14.2857"]


def test_definitions(isp: Isp, client: Client) -> None:
    body = client.get("/api/v1/kpis/definitions").json()
    assert [d["code"] for d in body] == list(CODES)
    assert body[0] == {
        "code": "active_subscribers",
        "name": "Active subscribers",
        "unit": "count",
        "better": "up",
        "family": "subscribers",
        "formula": "Subscriptions in service on the last day of the month that go on after it",
    }


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/api/v1/kpis?month=2026-13", 422, "month"),
        ("/api/v1/kpis?month=october", 422, "month"),
        ("/api/v1/kpis", 422, "month"),
        ("/api/v1/kpis?month=2026-10&segment=retail", 422, "segment"),
        ("/api/v1/kpis?month=2026-10&offer=nope", 422, "offer"),
        ("/api/v1/kpis?month=2026-10&technology=dsl", 422, "technology"),
        ("/api/v1/kpis?month=2026-10&municipality=0000000", 422, "municipality"),
        ("/api/v1/kpis/mrr/series?from=2026-10&to=2026-01", 422, "to"),
        ("/api/v1/kpis/mrr/series?from=2000-01&to=2026-01", 422, "to"),
        ("/api/v1/kpis/mrr/series?from=x&to=2026-01", 422, "from"),
        ("/api/v1/kpis/nope/series?from=2026-01&to=2026-02", 404, None),
    ],
)
def test_bad_input_is_a_problem(
    isp: Isp, client: Client, url: str, status: int, field: str | None
) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    if field:
        assert field in [e["field"] for e in body["errors"]]


def test_scope_and_roles(
    isp: Isp, make_token: Callable[..., str], login: Callable[[User], Client], auditor_user: User
) -> None:
    other = Client(headers={"Authorization": f"Bearer {make_token('billing:read')}"})
    assert other.get("/api/v1/kpis?month=2026-10").status_code == 403
    assert Client().get("/api/v1/kpis?month=2026-10").status_code == 401
    assert login(auditor_user).get("/api/v1/kpis?month=2026-10").status_code == 200


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("kpi", *args, stdout=out)
    return out.getvalue()


def test_cli_json_and_csv(isp: Isp) -> None:
    import json

    body = json.loads(_run("--month", "2026-09", "--segment", "household", "--format", "json"))
    assert body == {
        "month": "2026-09",
        "filters": {"segment": "household"},
        "values": _json_values("household", SEP),
    }
    lines = _run("--month", "2026-10", "--format", "csv").splitlines()
    assert lines[0] == "code,name,unit,value,previous"
    assert lines[1] == "active_subscribers,Active subscribers,count,8,7"
    assert lines[9] == "mrr,MRR,money,580.83,472.02"
    assert lines[20] == "availability,Availability,%,99.6812,99.9190"
    assert len(lines) == 1 + len(CODES)


def test_cli_table(isp: Isp) -> None:
    out = _run("--month", "2026-10", "--municipality", "1465011")
    assert "KPIs 2026-10 (municipality 1465011)" in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") == 6}
    assert [c.strip() for c in rows["MRR"].split("│")[2:6]] == [
        "202.56",
        "money",
        "100.00",
        "+102.56",
    ]
    assert [c.strip() for c in rows["Availability"].split("│")[2:6]] == [
        "99.46",
        "%",
        "99.99",
        "-0.53",
    ]


def test_cli_errors_name_the_field(isp: Isp) -> None:
    with pytest.raises(CommandError, match=r"^month: must be a month"):
        _run("--month", "2026-13")
    with pytest.raises(CommandError, match=r"^offer: there is no offer .nope."):
        _run("--month", "2026-10", "--offer", "nope")
