"""A planner in a real browser walks a plan from creation to a review that switches to plan B.

Run with `make test-browser` (`pytest -m browser`): Debian chromium driven by Playwright
against pytest-django's live server, as in tests/browser/.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from rota.accounts.roles import PLANNER, SUPPORT
from rota.core.periods import Month
from rota.installation.models import Installation
from rota.installation.selectors import installation_today
from rota.planning.models import Action, KeyResult, Plan, Review

PASSWORD = "browser-test-pass-7"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/admin/")


def staff(username: str, first: str, last: str, role: str) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=first, last_name=last, is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def test_a_planner_walks_a_plan_to_a_review_that_switches_to_plan_b(
    page: Page,
    live_server: Any,
) -> None:
    Installation.objects.get_or_create(pk=1)
    staff("ola", "Ola", "Nowak", PLANNER)
    staff("jan", "Jan", "Wójcik", SUPPORT)
    today = installation_today()
    start = Month.of(today)
    base = live_server.url
    log_in(page, base, "ola")

    # A new plan from the sidebar's Plans list.
    page.get_by_role("link", name="flag Plans").click()
    page.locator("a[href='/admin/planning/plan/add/']").first.click()
    page.locator("#id_name").fill("Plan Radom")
    page.locator("#id_starts_on").fill(str(start))
    page.locator("#id_owner").select_option(label="Ola Nowak (ola)")
    page.locator("#id_needs_household").fill("Speed and 4K streaming")
    page.get_by_role("button", name="Create the plan").click()
    expect(page).to_have_url(re.compile(r"/admin/planning/plan/\d+/change/$"))
    expect(page.get_by_text("Plan Radom created; its diagnosis is frozen.")).to_be_visible()
    plan = Plan.objects.get()
    expect(page.locator("#segments")).to_have_text(re.compile(r"Household:\s+Speed and 4K"))

    # Step 2: an objective and its key result.
    page.locator("#step-2").get_by_role("link", name="Add objective").click()
    page.locator("#id_area").select_option(label="Sales")
    page.locator("#id_title").fill("Sell more in Radom")
    page.locator("#id_owner").select_option(label="Ola Nowak (ola)")
    page.locator("#id_reviewer").select_option(label="Jan Wójcik (jan)")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Objective “Sell more in Radom” added.")).to_be_visible()

    page.locator("#step-2").get_by_role("link", name="Add key result").click()
    page.locator("#id_title").fill("More new subscribers")
    page.locator("#id_kpi_code").select_option(value="gross_adds")
    page.locator("#id_target_3").fill("5")
    page.locator("#id_target_6").fill("10")
    page.locator("#id_target_12").fill("20")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Key result “More new subscribers” added.")).to_be_visible()
    kr = KeyResult.objects.get()
    expect(page.locator(f'#step-6 [data-measure="{kr.pk}"]')).to_contain_text(
        "More new subscribers"
    )

    # Step 3: an action and its plan B.
    due = (today + timedelta(days=40)).isoformat()
    page.locator("[data-actions-of]").get_by_role("link", name="Add action").click()
    page.locator("#id_title").fill("Flyers")
    page.locator("#id_owner").select_option(label="Jan Wójcik (jan)")
    page.locator("#id_due_on").fill(due)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Action “Flyers” added.")).to_be_visible()

    page.locator('[data-action="Flyers"]').get_by_role("link", name="Add plan B").click()
    expect(page.locator("#id_plan_b_of")).to_have_value(str(Action.objects.get(title="Flyers").pk))
    page.locator("#id_title").fill("Radio spots")
    page.locator("#id_owner").select_option(label="Jan Wójcik (jan)")
    page.locator("#id_due_on").fill(due)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Plan B “Radio spots” added.")).to_be_visible()
    expect(page.locator('[data-action="Radio spots"]')).to_have_attribute("data-status", "standby")

    # Step 5: a milestone.
    page.locator("#step-5").get_by_role("link", name="Add milestone").click()
    page.locator("#id_kind").select_option(label="Pilot")
    page.locator("#id_title").fill("Pilot in Radom")
    page.locator("#id_planned_on").fill(due)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Milestone “Pilot in Radom” added.")).to_be_visible()
    expect(page.locator('[data-milestone="Pilot in Radom"]')).to_contain_text("on time")

    # Step 7: a review that switches to the plan B.
    page.locator("#step-7").get_by_role("link", name="Record review").click()
    page.get_by_label("Ola Nowak (ola)").check()
    page.get_by_label("Jan Wójcik (jan)").check()
    page.locator(f"#id_kr_{kr.pk}_note").fill("No sales from the flyers yet")
    page.locator("#id_decision_0_text").fill("Switch to radio spots")
    page.locator("#id_decision_0_activates").select_option(label="Radio spots (plan B of Flyers)")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_text(f"Review of {today:%Y-%m-%d} recorded.")).to_be_visible()

    expect(page.locator('[data-action="Radio spots"]')).to_have_attribute("data-status", "doing")
    expect(page.locator('[data-action="Radio spots"]')).to_contain_text(
        f"Doing (plan B since {today:%Y-%m-%d})"
    )
    expect(page.locator('[data-action="Flyers"]')).to_have_attribute("data-status", "dropped")
    expect(page.locator('[data-action="Flyers"]')).to_contain_text("Dropped")
    expect(page.locator("#step-7")).to_contain_text(
        "Switch to radio spots — switched to the plan B “Radio spots”"
    )
    review = Review.objects.get(plan=plan)
    assert sorted(a.username for a in review.attendees.all()) == ["jan", "ola"]
    assert list(review.entries.values_list("note", flat=True)) == ["No sales from the flyers yet"]
    statuses = dict(Action.objects.values_list("title", "status"))
    assert statuses == {"Flyers": "dropped", "Radio spots": "doing"}
