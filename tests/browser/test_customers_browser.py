"""A salesperson in a real browser: add a customer, sell, suspend and cancel a subscription."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from rota.accounts.roles import SALES
from rota.audit.actors import Actor
from rota.demo.services import demo_catalog_load
from rota.installation.models import Installation
from rota.subscriptions.models import Subscription

PASSWORD = "browser-test-pass-2"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def catalog() -> None:
    Installation.objects.get_or_create(pk=1)
    demo_catalog_load(actor=Actor.system("test"))


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/admin/")


def sidebar(page: Page, title: str) -> None:
    page.locator("#nav-sidebar a", has=page.get_by_text(title, exact=True)).click()


def test_sales_adds_a_customer_sells_and_cancels(
    page: Page, live_server: Any, catalog: None
) -> None:
    base = live_server.url
    user = User.objects.create_user(username="sam", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=SALES))
    log_in(page, base, "sam")

    sidebar(page, "Customers")
    page.get_by_title("Add customer").click()
    page.locator("#id_kind").select_option(label="Person")
    page.locator("#id_first_name").fill("Anna")
    page.locator("#id_last_name").fill("Kowalska")
    page.locator("#id_phone").fill("501 234 567")
    page.locator("#id_tax_id").fill("44051401458")
    page.locator("#id_street").fill("ul. Lipowa")
    page.locator("#id_building").fill("12")
    page.locator("#id_postal_code").fill("26-600")
    page.locator("#id_city").fill("Radom")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page).to_have_url(re.compile(r"/admin/customers/customer/\d+/change/$"))
    expect(page.locator("#id_phone")).to_have_value("+48501234567")

    page.get_by_role("link", name="Sell a subscription").click()
    expect(page.locator("#id_street")).to_have_value("ul. Lipowa")
    page.locator("#id_version").select_option(label="GameON (gameon, household; terms 0 months)")
    page.locator("#id_start_date").fill("2026-03-01")
    page.locator("#id_municipality_code").fill("1463011")
    page.get_by_label("Static IP address (static-ip)").check()
    page.get_by_role("button", name="Sell").click()
    expect(page).to_have_url(re.compile(r"/admin/customers/customer/\d+/change/$"))
    subscription = Subscription.objects.get()
    card = page.locator(f'[data-subscription="{subscription.number}"]')
    expect(card).to_contain_text("gameon")
    expect(card).to_contain_text("70,00 zł")
    expect(page.locator("#customer-timeline")).to_contain_text(
        f"{subscription.number} sold: gameon v1, 0 months, from 2026-03-01"
    )

    card.get_by_role("link", name=subscription.number).click()
    page.get_by_role("link", name="cancel Cancel", exact=True).click()
    page.locator("#id_requested_on").fill("2026-04-02")
    page.locator("#id_last_day").fill("2026-04-30")
    page.locator("#id_reason").select_option(label="Competitor")
    page.locator("#id_note").fill("Offered a cheaper fibre plan next door")
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text(f"{subscription} cancelled; early-termination fee")).to_be_visible()

    sidebar(page, "Cancellations")
    expect(page.locator("#result_list")).to_contain_text("Competitor")
    expect(page.locator("#result_list")).to_contain_text("Anna Kowalska")
    subscription.refresh_from_db()
    assert (subscription.end_date, subscription.cancel_reason) == (date(2026, 4, 30), "competitor")
    assert list(subscription.addons.values_list("addon__code", "end_date")) == [
        ("static-ip", date(2026, 4, 30))
    ]
