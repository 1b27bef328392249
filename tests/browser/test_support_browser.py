"""Support staff in a real browser: open a ticket from the customer page, reply, resolve."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from rota.accounts.roles import SUPPORT
from rota.audit.actors import Actor
from rota.catalog.models import OfferVersion
from rota.customers.services import CustomerData, customer_create
from rota.demo.services import demo_catalog_load
from rota.installation.models import Installation
from rota.subscriptions.services import ServiceAddress, subscription_sell
from rota.support.models import Ticket
from rota.support.services import sla_policies_load_defaults

PASSWORD = "browser-test-pass-5"

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


def test_support_opens_replies_and_resolves_a_ticket(page: Page, live_server: Any) -> None:
    Installation.objects.get_or_create(pk=1)
    actor = Actor.system("test")
    demo_catalog_load(actor=actor)
    sla_policies_load_defaults(actor=actor)
    customer = customer_create(
        data=CustomerData(
            kind="company",
            company_name="Biuro Rachunkowe Lis",
            tax_id="5260001246",
            street="ul. Rynek",
            building="4",
            postal_code="26-600",
            city="Radom",
        ),
        actor=actor,
    )
    subscription = subscription_sell(
        customer=customer,
        version=OfferVersion.objects.get(offer__code="4business-ultra", status="active"),
        term_months=24,
        start_date=date(2026, 1, 15),
        address=ServiceAddress(
            street="ul. Rynek", building="4", postal_code="26-600", city="Radom"
        ),
        actor=actor,
    )
    user = User.objects.create_user(username="ola", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT))
    base = live_server.url
    log_in(page, base, "ola")

    page.goto(f"{base}/admin/customers/customer/{customer.pk}/change/")
    expect(page.locator("#customer-tickets")).to_contain_text("No tickets.")
    page.get_by_role("link", name="Open a ticket").click()
    page.locator("#id_subscription").select_option(value=str(subscription.pk))
    page.locator("#id_category").select_option(label="No connection")
    page.locator("#id_priority").select_option(label="Urgent")
    page.locator("#id_channel").select_option(label="Phone")
    page.locator("#id_subject").fill("Office offline since 8:00")
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/support/ticket/\d+/change/$"))
    ticket = Ticket.objects.get()
    expect(page.get_by_text(f"Ticket {ticket.number} opened")).to_be_visible()
    expect(page.locator("body")).to_contain_text("4Business Ultra: urgent; first reply due")

    page.get_by_role("link", name="reply Reply", exact=True).click()
    page.locator("#id_body").fill("A technician is on the way to your office.")
    page.get_by_role("button", name="Reply to the customer").click()
    expect(page.get_by_text(f"Reply sent on {ticket.number}.")).to_be_visible()
    expect(page.locator("#ticket-messages")).to_contain_text(
        "A technician is on the way to your office."
    )

    page.get_by_role("link", name="swap_horiz Change status", exact=True).click()
    page.locator("#id_to").select_option(label="Resolved")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_text(f"{ticket.number} is now resolved.")).to_be_visible()

    page.goto(f"{base}/admin/customers/customer/{customer.pk}/change/")
    row = page.locator(f'[data-ticket="{ticket.number}"]')
    expect(row).to_contain_text("Resolved")
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert ticket.first_response_at is not None and ticket.resolved_at is not None
    assert ticket.opened_at <= ticket.first_response_at <= ticket.resolved_at
