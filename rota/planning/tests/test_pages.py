"""Planning pages: timeline, key result, business case, my work and the progress report.

The plan runs on the hand-built ISP of rota/kpis/tests/conftest.py (time frozen on
20 November 2026, so October is the month KPIs are measured on). It starts on
1 September 2026; its diagnosis ends in August, when the ISP had 1 gross add.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.catalog.models import Offer
from rota.planning import selectors, services
from rota.planning.models import (
    Action,
    BusinessCase,
    CheckIn,
    KeyResult,
    Milestone,
    Objective,
    Plan,
)
from rota.planning.report import report_filename, report_markdown
from rota.planning.services import EntryInput, KeyResultInput
from rota.planning.tests.conftest import state

D = Decimal
NBSP = "\xa0"
pytestmark = pytest.mark.django_db


@dataclass
class Scenario:
    plan: Plan
    adds: KeyResult
    churn: KeyResult
    nps: KeyResult
    door: Action
    leaflets: Action
    prices: Action
    test_start: Milestone
    pilot: Milestone


@pytest.fixture
def scenario(plan: Plan, objective: Objective, team: dict[str, User], actor: Actor) -> Scenario:
    """Three key results, three actions (one overdue, one plan B, one done), two milestones
    and a review on 20 October that saw the gross adds at risk."""
    adds = services.key_result_add(
        objective,
        KeyResultInput(
            title="New subscribers",
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
            title="Churn below 20%", kpi_code="churn_rate", mode="stay_below", bound=D(20)
        ),
        actor=actor,
    )
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
    owner = Actor.for_user(team["owner"])
    services.check_in(nps, on=date(2026, 10, 15), value=D(55), note="survey", actor=owner)
    door = services.action_add(
        objective,
        title="Door-to-door in Radom",
        owner=team["lead"],
        due_on=date(2026, 11, 1),
        actor=actor,
    )
    leaflets = services.action_add(
        objective,
        title="Leaflets in Radom",
        owner=team["lead"],
        due_on=date(2026, 12, 15),
        plan_b_of=door,
        actor=actor,
    )
    prices = services.action_add(
        objective,
        title="Price list for SMEs",
        owner=team["lead"],
        due_on=date(2026, 10, 31),
        actor=actor,
    )
    test_start = services.milestone_add(
        plan, kind="test_start", title="Test start", planned_on=date(2026, 10, 1), actor=actor
    )
    test_start = services.milestone_update(test_start, actual_on=date(2026, 10, 5), actor=actor)
    pilot = services.milestone_add(
        plan,
        kind="pilot",
        title="Pilot in Radom",
        planned_on=date(2026, 11, 15),
        owner=team["lead"],
        actor=actor,
    )
    pilot = services.milestone_update(
        pilot, replanned_on=date(2026, 12, 1), owner=team["lead"], actor=actor
    )
    services.review_record(
        plan,
        held_on=date(2026, 10, 20),
        attendees=[team["owner"], team["boss"]],
        entries=[EntryInput(adds, status="at_risk", note="One add a month is not enough")],
        actor=actor,
    )
    prices = services.action_status(prices, status="done", on=date(2026, 10, 25), actor=actor)
    services.check_in(nps, on=date(2026, 11, 10), value=D(58), actor=owner)
    return Scenario(plan, adds, churn, nps, door, leaflets, prices, test_start, pilot)


@pytest.fixture
def visitor(db: None) -> User:
    """A staff member with no role: signs in, sees no planning."""
    return User.objects.create_user(username="visitor", password="visitor-pass-123", is_staff=True)


def _content(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def _chart(page: str, section: str) -> dict[str, Any]:
    """Return the Chart.js data of the chart inside the section with this id."""
    part = page[page.index(f'id="{section}"') :]
    found = re.search(r'data-value="([^"]*)"', part)
    assert found is not None
    return dict(json.loads(html.unescape(found.group(1))))


# The progress report --------------------------------------------------------------------------

REPORT = """\
# Plan 2026/27: progress report of 2026-11-20

Since the review of 2026-10-20. Plan owner: planner.

Key results: 3 on track.

## Key results

| Objective | Key result | Actual | Expected | Status |
| --- | --- | --- | --- | --- |
| Sell more in Radom | New subscribers | 2 (2026-10) | 1.66 | At risk → On track |
| Sell more in Radom | Churn below 20% | 14.29 % (2026-10) | at most 20 % | On track |
| Sell more in Radom | Net promoter score | 58 points (2026-11-10) | 57.69 points | On track |

## Overdue actions

- Door-to-door in Radom (Sell more in Radom): owner support, due 2026-11-01, 19 days late

## Actions done since the last review

- Price list for SMEs: done 2026-10-25 by support

## Switched to plan B

None.

## Milestones slipped

- Test start: planned 2026-10-01, reached 2026-10-05, 4 days late
- Pilot in Radom: planned 2026-11-15, now 2026-12-01, 16 days late

## Milestones reached since the last review

None.

## Check-ins since the last review

- 2026-11-10, Net promoter score: 58 points by planner
"""


def test_the_markdown_report_of_a_plan(scenario: Scenario) -> None:
    # Gross adds: 2 in October against e = 1 + 60 / 91 = 1.6593 (on track; the review
    # said at risk). Churn 14.2857 % stays below 20 %. NPS 58 on 10 November against
    # e = 50 + 10 x 70 / 91 = 57.6923.
    found = selectors.report(scenario.plan)

    assert report_markdown(found) == REPORT
    assert report_filename(found) == "plan-202627-report-2026-11-20.md"


def test_the_markdown_report_before_any_review(
    plan: Plan, objective: Objective, team: dict[str, User], actor: Actor
) -> None:
    services.key_result_add(
        objective,
        KeyResultInput(
            title="Visits",
            unit="visits",
            baseline=D(10),
            target_3=D(20),
            target_6=D(30),
            target_12=D(60),
        ),
        actor=actor,
    )
    services.action_add(
        objective, title="Open a shop", owner=team["lead"], due_on=date(2026, 12, 1), actor=actor
    )

    assert report_markdown(selectors.report(plan)) == (
        "# Plan 2026/27: progress report of 2026-11-20\n"
        "\n"
        "Since the start of the plan on 2026-09-01 (no review yet). Plan owner: planner.\n"
        "\n"
        "Key results: 1 no data yet.\n"
        "\n"
        "## Key results\n"
        "\n"
        "| Objective | Key result | Actual | Expected | Status |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| Sell more in Radom | Visits | — | — | No data yet |\n"
        + "".join(
            f"\n## {title}\n\nNone.\n"
            for title in (
                "Overdue actions",
                "Actions done since the last review",
                "Switched to plan B",
                "Milestones slipped",
                "Milestones reached since the last review",
                "Check-ins since the last review",
            )
        )
    )


def test_the_report_page_and_its_download(
    scenario: Scenario, login: Callable[[User], Client], team: dict[str, User]
) -> None:
    client = login(team["lead"])  # support: reads plans, changes nothing
    page = _content(client.get(reverse("planning:report", args=[scenario.plan.pk])))

    assert '<button type="button" class="pl-button" onclick="window.print()">Print</button>' in page
    assert "@media print" in page
    assert (
        '<h1 class="font-semibold text-xl">Plan 2026/27: progress report of 2026-11-20</h1>' in page
    )
    assert '<p id="report-since">Since the review of 2026-10-20. Plan owner: planner.</p>' in page
    assert '<p id="report-counts">Key results: 3 on track.</p>' in page
    rows = re.findall(
        r'<tr data-kr="\d+">\s*<td>([^<]*)</td>\s*<td><a [^>]*>([^<]*)</a></td>\s*'
        r'<td class="num">([^<]*)<span class="pl-muted">\(([^)]*)\)</span></td>\s*'
        r'<td class="num">([^<]*)</td>\s*<td><span class="pl-status pl-(\w+)">([^<]*)</span>'
        r'(?: <span class="pl-(up|down)")?[^\n]*</td>\s*<td>([^<]*)</td>',
        page,
    )
    assert rows == [
        ("Sell more in Radom", "New subscribers", "2 ", "2026-10", "1.66", "on_track", "On track", "up", "At risk → On track"),
        ("Sell more in Radom", "Churn below 20%", "14.29 % ", "2026-10", "at most 20 %", "on_track", "On track", "", "On track"),
        ("Sell more in Radom", "Net promoter score", "58 points ", "2026-11-10", "57.69 points", "on_track", "On track", "", "On track"),
    ]  # fmt: skip
    assert (
        '<li class="pl-late">Door-to-door in Radom (Sell more in Radom): '
        '<span class="pl-when">owner support, due 2026-11-01, 19 days late</span></li>'
    ) in page
    assert "<li>Price list for SMEs: done 2026-10-25 by support</li>" in page
    assert "<li>Test start: planned 2026-10-01, reached 2026-10-05, 4 days late</li>" in page
    assert "<li>Pilot in Radom: planned 2026-11-15, now 2026-12-01, 16 days late</li>" in page
    assert "<li>2026-11-10, Net promoter score: 58 points by planner</li>" in page

    download = client.get(reverse("planning:report_markdown", args=[scenario.plan.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/markdown; charset=utf-8"
    assert download["Content-Disposition"] == (
        'attachment; filename="plan-202627-report-2026-11-20.md"'
    )
    assert download.content.decode() == REPORT


# The timeline ---------------------------------------------------------------------------------


def test_the_timeline_shows_bars_milestones_today_and_drift(
    scenario: Scenario, login: Callable[[User], Client], team: dict[str, User]
) -> None:
    page = _content(login(team["lead"]).get(reverse("planning:timeline", args=[scenario.plan.pk])))

    # From 1 Sep 2026 to the end of the twelfth month, 1 Oct 2027: 395 days.
    assert (
        '<p id="timeline-summary">2026-09-01 to 2027-10-01: 5 rows; today is 2026-11-20.</p>'
    ) in page
    months = re.findall(r'<div class="tl-month" [^>]* title="(\d{4}-\d\d)">([^<]*)</div>', page)
    assert months[0] == ("2026-09", "Sep 26") and months[-1] == ("2027-09", "Sep 27")
    assert len(months) == 13
    rows = re.findall(
        r'<div class="([^"]*)" data-row="(\w+)">\s*(?:◆ )?([^\n]*)\n\s*<div class="pl-muted">([^<]*)</div>'
        r".*?<div class=\"([^\"]*)\" data-drift=\"(-?\d+)\">([^<]*)</div>",
        page,
        re.S,
    )
    assert rows == [
        ("tl-done", "action", "Price list for SMEs", "support · done · 2026-09-01 → 2026-10-31, done 2026-10-25", "", "-6", "−6 d"),
        ("tl-todo tl-late", "action", "Door-to-door in Radom", "support · todo · 2026-09-01 → 2026-11-01", "tl-drift-late", "19", "+19 d"),
        ("tl-standby tl-standby-label", "action", "Leaflets in Radom", "support · plan B on standby · 2026-09-01 → 2026-12-15", "", "0", "—"),
        ("tl-reached", "milestone", "Test start", "no owner · reached · reached 2026-10-05, planned 2026-10-01", "tl-drift-late", "4", "+4 d"),
        ("tl-planned", "milestone", "Pilot in Radom", "support · planned · due 2026-12-01, planned 2026-11-15", "tl-drift-late", "16", "+16 d"),
    ]  # fmt: skip
    # Door-to-door: 1 Sep to 1 Nov inclusive = 62 of 395 days; today is day 80 (20.25%).
    assert '<div class="tl-bar" style="left: 0.00%; width: 15.70%"' in page
    assert page.count('<div class="tl-today" style="left: 20.25%"') == 5
    # Test start reached on day 34 (8.61%), planned on day 30 (7.59%).
    assert (
        '<div class="tl-diamond tl-planned" style="left: 7.59%" title="planned 2026-10-01">' in page
    )
    assert '<div class="tl-diamond" style="left: 8.61%" title="2026-10-05">' in page


# The key result page --------------------------------------------------------------------------


def test_a_kpi_key_result_page(
    scenario: Scenario, login: Callable[[User], Client], team: dict[str, User]
) -> None:
    page = _content(
        login(team["boss"]).get(reverse("planning:key_result", args=[scenario.adds.pk]))
    )

    assert "Measured by the KPI <strong>Gross adds</strong> (gross_adds)" in page
    assert re.findall(r'<td class="num">([^<]*)</td>', page[page.index('id="kr-targets"') :])[
        :4
    ] == ["1", "2", "3", "4"]
    assert '<div class="pl-figure" data-actual>2</div>' in page
    assert '<div class="pl-figure" data-expected>1.66</div>' in page
    assert '<span class="pl-status pl-on_track" data-status="on_track">On track</span>' in page
    # Actual against expected: 31 Aug (day 0), 30 Sep (1 + 29/91), 31 Oct (1 + 60/91).
    chart = _chart(page, "kr-chart")
    assert chart["labels"] == ["2026-08", "2026-09", "2026-10"]
    assert [d["label"] for d in chart["datasets"]] == ["Actual", "Expected"]
    assert chart["datasets"][0]["data"] == [1.0, 1.0, 2.0]
    assert chart["datasets"][1]["data"] == [1.0, 1.3187, 1.6593]
    assert 'id="check-in"' not in page  # measured by the KPI, never checked in
    assert "None: the KPI measures this key result every month." in page


def test_a_manual_key_result_is_checked_in_from_its_page(
    scenario: Scenario, login: Callable[[User], Client], team: dict[str, User]
) -> None:
    url = reverse("planning:key_result", args=[scenario.nps.pk])
    client = login(team["owner"])
    page = _content(client.get(url))
    assert '<div class="pl-figure" data-actual>58 points</div>' in page
    assert '<div class="pl-figure" data-expected>57.69 points</div>' in page
    rows = re.findall(
        r'<tr><td>([\d-]+)</td><td class="num">([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>',
        page,
    )
    assert rows == [
        ("2026-11-10", "58 points", "", "planner"),
        ("2026-10-15", "55 points", "survey", "planner"),
    ]
    chart = _chart(page, "kr-chart")
    assert chart["labels"] == ["2026-10", "2026-11"]
    assert chart["datasets"][0]["data"] == [55.0, 58.0]

    response = client.post(url, {"on": "2026-11-18", "value": "61.5", "note": "after the pilot"})

    assert response.status_code == 302 and response["Location"] == url
    latest = CheckIn.objects.filter(key_result=scenario.nps).order_by("-on").first()
    assert latest is not None
    assert (latest.on, latest.value, latest.note, latest.by) == (
        date(2026, 11, 18),
        D("61.5"),
        "after the pilot",
        team["owner"],
    )
    assert '<div class="pl-figure" data-actual>61.50 points</div>' in _content(client.get(url))


def test_a_refused_check_in_names_the_field_and_saves_nothing(
    scenario: Scenario, login: Callable[[User], Client], team: dict[str, User]
) -> None:
    client = login(team["owner"])
    before = state()

    future = client.post(
        reverse("planning:key_result", args=[scenario.nps.pk]), {"on": "2026-11-21", "value": "60"}
    )
    empty = client.post(
        reverse("planning:key_result", args=[scenario.nps.pk]), {"on": "2026-11-01"}
    )
    on_a_kpi = client.post(
        reverse("planning:key_result", args=[scenario.adds.pk]), {"on": "2026-11-01", "value": "3"}
    )

    assert future.status_code == 200
    assert future.context["form"].errors == {"on": ["must not be in the future"]}
    assert empty.context["form"].errors == {"value": ["This field is required."]}
    assert on_a_kpi.context["form"].errors == {
        "__all__": ["key_result: is measured by the KPI gross_adds; check in manual metrics"]
    }
    assert state() == before


# The business case ----------------------------------------------------------------------------

CASE_FORM = {
    "form": "case",
    "horizon": "2",
    "acquisition_cost": "50.00",
    "variable_cost": "5.00",
    "launch_cost": "1000.00",
    "fixed_cost": "100.00",
    "discount_rate": "12",
    "offers-TOTAL_FORMS": "2",
    "offers-INITIAL_FORMS": "0",
    "offers-MIN_NUM_FORMS": "0",
    "offers-MAX_NUM_FORMS": "1000",
    "offers-0-offer": "",
    "offers-0-gross_adds": "10, 20",
    "offers-0-churn": "10",
    "offers-1-offer": "",
    "offers-1-gross_adds": "",
    "offers-1-churn": "",
}


def _money(text: str) -> str:
    return text.replace(" ", NBSP) + f"{NBSP}zł"


def test_the_business_case_page_projects_a_small_case(
    plan: Plan, objective: Objective, login: Callable[[User], Client], team: dict[str, User]
) -> None:
    url = reverse("planning:business_case", args=[plan.pk])
    client = login(team["owner"])
    four_business = Offer.objects.get(code="4business")
    assert 'id="case-none"' in _content(client.get(url))

    response = client.post(url, {**CASE_FORM, "offers-0-offer": str(four_business.pk)})

    assert response.status_code == 302 and response["Location"] == url
    case = BusinessCase.objects.get(plan=plan)
    assert (case.horizon, case.acquisition_cost_minor, case.variable_cost_minor) == (2, 5000, 500)
    assert (case.launch_cost_minor, case.fixed_cost_minor, case.discount_rate) == (
        100000,
        10000,
        D("0.1200"),
    )
    row = case.offers.get()
    assert (row.offer, row.gross_adds, row.churn) == (four_business, [10, 20], D("0.1000"))

    # 4business costs 105.00 net in its first three months. Month 1: 10 subscribers pay
    # 1,050.00; costs 10 x 50 + 10 x 5 + 100 = 650. Month 2: 9 + 20 = 29 pay 3,045.00;
    # costs 20 x 50 + 29 x 5 + 100 = 1,245. NPV at 12% a year (1.12^(1/12) a month):
    # -1,000 + 400 / 1.0094888 + 1,800 / 1.0190676 = 1,162.56. ARPU 4,095 / 39 = 105.00;
    # LTV (105 - 5) / 0.10 = 1,000.00; CAC payback 50 / 100 = 0.5 months.
    page = _content(client.get(url))
    figures = dict(re.findall(r'data-figure="(\w+)">([^<]*)</div>', page))
    assert figures == {
        "break_even": "month 2",
        "npv": _money("1 162,56"),
        "arpu": _money("105,00"),
        "ltv": _money("1 000,00"),
        "payback": "0.5 months",
        "totals": f"{_money('4 095,00')} / {_money('2 895,00')}",
    }
    assert "NPV at 12 % a year" in page
    months = re.findall(
        r'<tr><td class="num">(\d+)</td>' + r'<td class="num[^"]*">([^<]*)</td>' * 6, page
    )
    assert months == [
        ("0", "0", "0.00", _money("0,00"), _money("1 000,00"), _money("-1 000,00"), _money("-1 000,00")),
        ("1", "10", "10.00", _money("1 050,00"), _money("650,00"), _money("400,00"), _money("-600,00")),
        ("2", "20", "29.00", _money("3 045,00"), _money("1 245,00"), _money("1 800,00"), _money("1 200,00")),
    ]  # fmt: skip
    sensitivity = re.findall(
        r'<tr><td>([^<]*)</td><td class="num">([^<]*)</td><td class="num">(\w+)</td>'
        r'<td class="num">([^<]*)</td></tr>',
        page,
    )
    assert sensitivity == [
        ("base", _money("1 162,56"), "2", _money("1 200,00")),
        ("take-up −20%", _money("690,61"), "2", _money("720,00")),
        ("take-up +20%", _money("1 634,51"), "2", _money("1 680,00")),
        ("churn −20%", _money("1 182,19"), "2", _money("1 220,00")),
        ("churn +20%", _money("1 142,93"), "2", _money("1 180,00")),
        ("price −20%", _money("356,93"), "2", _money("381,00")),
        ("price +20%", _money("1 968,19"), "2", _money("2 019,00")),
    ]
    chart = _chart(page, "case-chart")
    assert chart["labels"] == ["0", "1", "2"]
    assert chart["datasets"][0]["data"] == [-1000.0, -600.0, 1200.0]
    assert chart["datasets"][1]["data"] == [0.0, 10.0, 29.0]
    # The form shows the stored case back in major units and percentages.
    assert 'name="launch_cost" value="1000.00"' in page
    assert 'name="discount_rate" value="12"' in page
    assert 'name="offers-0-gross_adds" value="10, 20"' in page
    assert 'name="offers-0-churn" value="10"' in page

    made = client.post(url, {"form": "key_results", "objective": str(objective.pk)})

    assert made.status_code == 302
    # Gross adds: August's 1 plus the launch's adds (20 from month 2 on); churn below the
    # case's 10%; ARPU of 4business above 105.00 (August's 120.00: 105 + 15 static IP).
    assert list(
        KeyResult.objects.filter(objective=objective)
        .order_by("id")
        .values_list("title", "kpi_code", "filters", "mode", "baseline", "target_3", "bound")
    ) == [
        ("New subscribers per month (with the launch)", "gross_adds", {}, "target", D(1), D(21), None),
        ("Monthly churn within the business case", "churn_rate", {}, "stay_below", D(25), None, D(10)),
        ("ARPU of 4business", "arpu", {"offer": "4business"}, "stay_above", D(120), None, D(105)),
    ]  # fmt: skip
    assert "3 key results added: New subscribers per month (with the launch), " in _content(
        client.get(url)
    )


def test_a_refused_business_case_names_the_fields_and_saves_nothing(
    plan: Plan, login: Callable[[User], Client], team: dict[str, User]
) -> None:
    url = reverse("planning:business_case", args=[plan.pk])
    client = login(team["owner"])
    speedster = str(Offer.objects.get(code="speedster").pk)
    before = state()

    bad_form = client.post(
        url,
        {
            **CASE_FORM,
            "horizon": "200",
            "fixed_cost": "-1",
            "offers-0-offer": speedster,
            "offers-0-gross_adds": "10, many",
            "offers-1-offer": speedster,
            "offers-1-churn": "",
        },
    )
    assert bad_form.status_code == 200
    assert bad_form.context["form"].errors == {
        "fixed_cost": ["Ensure this value is greater than or equal to 0."]
    }
    assert [f.errors for f in bad_form.context["formset"].forms] == [
        {"gross_adds": ["Give whole numbers separated by commas, e.g. 40, 60, 80."]},
        {
            "gross_adds": ["Give the adds of at least one month."],
            "churn": ["Give the monthly churn, e.g. 1.5."],
        },
    ]
    refused = client.post(
        url,
        {
            **CASE_FORM,
            "horizon": "200",
            "offers-0-offer": "",
            "offers-1-offer": speedster,
            "offers-1-gross_adds": "5",
            "offers-1-churn": "100",
        },
    )
    assert refused.context["form"].errors == {
        "horizon": ["must be a whole number of months, 1 to 120"]
    }
    assert [f.errors for f in refused.context["formset"].forms] == [
        {},
        {"churn": ["must be a fraction from 0 to below 1"]},
    ]
    nothing = client.post(url, CASE_FORM)
    assert nothing.context["form"].errors == {"__all__": ["offers: must hold at least one offer"]}
    no_case = client.post(url, {"form": "key_results", "objective": "0"})
    assert no_case.context["kr_form"].errors == {
        "objective": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert state() == before


# My work --------------------------------------------------------------------------------------


def test_my_work_lists_what_a_person_owes(
    scenario: Scenario, login: Callable[[User], Client], team: dict[str, User]
) -> None:
    lead = _content(login(team["lead"]).get(reverse("planning:my_work")))

    assert (
        '<p id="work-summary">support on 2026-11-20: 1 open action (1 overdue), 0 objectives, '
        "0 reviews owed, 1 milestone.</p>"
    ) in lead
    assert re.findall(r'<tr class="([^"]*)" data-action="\d+">\s*<td>([^<]*)</td>', lead) == [
        ("pl-late", "Door-to-door in Radom")
    ]
    assert '<td class="pl-when">2026-11-01, 19 days late</td>' in lead
    assert "<td>planned 2026-11-15, now 2026-12-01, 16 days late</td>" in lead
    assert 'id="person-picker"' not in lead  # only planners look at someone else's work

    # The reviewer of the objective: the last review was 31 days ago.
    boss = _content(login(team["boss"]).get(reverse("planning:my_work")))
    reviews = boss[boss.index('id="work-reviews"') :]
    assert re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", reviews) == [
        ("Sell more in Radom", "planner")
    ]

    planner = login(team["owner"])
    own = _content(planner.get(reverse("planning:my_work")))
    objectives = own[own.index('id="work-objectives"') :]
    assert re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", objectives)[0] == (
        "Sell more in Radom",
        "Sales",
    )
    theirs = _content(planner.get(reverse("planning:my_work") + "?user=support"))
    assert '<p id="work-summary">support on 2026-11-20: 1 open action (1 overdue)' in theirs
    assert '<option value="support" selected>support</option>' in theirs


def test_an_owner_moves_their_own_action_from_my_work(
    scenario: Scenario, login: Callable[[User], Client], team: dict[str, User]
) -> None:
    url = reverse("planning:my_work")
    client = login(team["lead"])  # support has no planning.change_plan

    moved = client.post(url, {"action": str(scenario.door.pk), "status": "doing"})

    assert moved.status_code == 302
    scenario.door.refresh_from_db()
    assert scenario.door.status == "doing"
    event = AuditEvent.objects.filter(action="action.status").latest("id")
    assert (event.actor_label, event.changes["status"]) == ("support", ["todo", "doing"])

    before = state()
    refused = client.post(url, {"action": str(scenario.leaflets.pk), "status": "done"})
    assert refused.status_code == 200
    assert (
        '<p class="pl-error" id="status-error">Leaflets in Radom: status a plan B starts only '
        "when a review activates it</p>"
    ) in refused.content.decode()
    unknown = client.post(url, {"action": str(scenario.door.pk), "status": "lost"})
    assert (
        '<p class="pl-error" id="status-error">Door-to-door in Radom: status Select a valid '
        "choice. lost is not one of the available choices.</p>"
    ) in unknown.content.decode()
    assert client.post(url, {"action": "0", "status": "done"}).status_code == 404
    assert state() == before


def test_who_may_see_and_change_what(
    scenario: Scenario,
    login: Callable[[User], Client],
    team: dict[str, User],
    sales_user: User,
    visitor: User,
) -> None:
    plan_id, nps = scenario.plan.pk, scenario.nps.pk
    pages = [
        reverse("planning:timeline", args=[plan_id]),
        reverse("planning:key_result", args=[nps]),
        reverse("planning:business_case", args=[plan_id]),
        reverse("planning:my_work"),
        reverse("planning:report", args=[plan_id]),
        reverse("planning:report_markdown", args=[plan_id]),
    ]
    before = state()
    nobody = Client()
    assert [nobody.get(url).status_code for url in pages] == [302] * 6
    assert nobody.get(pages[0])["Location"].startswith("/admin/login/")
    assert [login(visitor).get(url).status_code for url in pages] == [403] * 6
    sales = login(sales_user)
    assert [sales.get(url).status_code for url in pages] == [200] * 6
    assert 'id="check-in"' not in sales.get(pages[1]).content.decode()
    assert 'id="case-form"' not in sales.get(pages[2]).content.decode()
    assert sales.post(pages[1], {"on": "2026-11-18", "value": "70"}).status_code == 403
    assert sales.post(pages[2], {**CASE_FORM, "offers-0-offer": "1"}).status_code == 403
    assert (
        sales.post(pages[3], {"action": str(scenario.door.pk), "status": "done"}).status_code == 403
    )
    assert sales.get(pages[3] + "?user=support").status_code == 403
    assert state() == before
    missing = login(team["owner"])
    assert missing.get(reverse("planning:timeline", args=[plan_id + 1000])).status_code == 404
    assert missing.get(reverse("planning:key_result", args=[nps + 1000])).status_code == 404
