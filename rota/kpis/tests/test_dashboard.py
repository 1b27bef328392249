"""The dashboard on the back office's home page: cards, links, charts, filters."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from django.contrib.auth.models import User
from django.test import Client

from rota.kpis.tests.conftest import Isp


def _cards(html: str) -> dict[str, tuple[str, str, str]]:
    """Return {code: (value, change, link)} from the rendered cards."""
    out = {}
    pattern = re.compile(
        r'<a href="([^"]*)" title="[^"]*" data-kpi="([a-z_0-9]+)".*?data-value>([^<]*)</span>'
        r".*?data-change[^>]*>([^<]*)</span>",
        re.S,
    )
    for link, code, value, change in pattern.findall(html):
        out[code] = (" ".join(value.split()), " ".join(change.split()), link)
    return out


def test_home_page_is_the_dashboard(
    isp: Isp, login: Callable[[User], Client], planner_user: User
) -> None:
    response = login(planner_user).get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "KPIs for 2026-10" in html
    cards = _cards(html)
    assert len(cards) == 21
    assert cards["active_subscribers"][:2] == ("8", "+1")
    assert cards["mrr"][:2] == ("580.83", "+108.81")
    assert cards["availability"][:2] == ("99.68 %", "-0.24 %")
    assert cards["churned_involuntary"][2] == (
        "/admin/subscriptions/cancellation/?cancel_reason=non_payment"
        "&amp;end_date__gte=2026-10-01&amp;end_date__lte=2026-10-31"
    )
    assert cards["revenue_invoiced"][2] == (
        "/admin/billing/invoice/?issue_date__gte=2026-10-01&amp;issue_date__lte=2026-10-31"
    )
    charts = re.findall(r'data-value="([^"]*)"', html)
    assert len(charts) == 6
    subscribers = json.loads(charts[0].replace("&quot;", '"'))
    assert subscribers["labels"][0] == "2025-10" and subscribers["labels"][-1] == "2026-10"
    active = next(d for d in subscribers["datasets"] if d["label"] == "Active subscribers")
    assert active["data"][-3:] == [7.0, 7.0, 8.0]


def test_month_and_filters(isp: Isp, login: Callable[[User], Client], admin_user: User) -> None:
    client = login(admin_user)
    html = client.get("/admin/?month=2026-09&segment=business").content.decode()
    assert "KPIs for 2026-09 (segment business)" in html
    cards = _cards(html)
    assert cards["mrr"][:2] == ("220.00", "0.00")
    assert cards["tickets_opened"][:2] == ("2", "+2")


def test_bad_filters_fall_back_with_an_error(
    isp: Isp, login: Callable[[User], Client], admin_user: User
) -> None:
    html = login(admin_user).get("/admin/?month=2026-10&municipality=0000000").content.decode()
    assert "no subscription is in municipality" in html
    assert "KPIs for 2026-10" in html
    html = login(admin_user).get("/admin/?month=13-2026").content.decode()
    assert "must be a month in the form YYYY-MM" in html


def test_every_role_sees_the_dashboard(
    isp: Isp,
    login: Callable[[User], Client],
    sales_user: User,
    finance_user: User,
    support_user: User,
    auditor_user: User,
) -> None:
    for user in (sales_user, finance_user, support_user, auditor_user):
        assert 'id="kpi-cards"' in login(user).get("/admin/").content.decode()
