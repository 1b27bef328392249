"""Finance in a real browser: preview a month's billing, run it, open the invoice."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from playwright.sync_api import Page, expect

from rota.accounts.roles import FINANCE
from rota.audit.actors import Actor
from rota.catalog.models import OfferVersion
from rota.customers.services import CustomerData, customer_create
from rota.demo.services import demo_catalog_load
from rota.installation.models import Installation
from rota.subscriptions import services as subs

PASSWORD = "browser-test-pass-3"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def sold() -> None:
    Installation.objects.get_or_create(pk=1)
    actor = Actor.system("test")
    demo_catalog_load(actor=actor)
    firma = customer_create(
        data=CustomerData(
            kind="company",
            company_name="Piekarnia Nowak sp. z o.o.",
            tax_id="5260001246",
            street="ul. Rynek",
            building="1",
            postal_code="26-600",
            city="Radom",
        ),
        actor=actor,
    )
    subs.subscription_sell(
        customer=firma,
        version=OfferVersion.objects.get(offer__code="4business", status="active"),
        term_months=24,
        start_date=date(2026, 1, 15),
        address=subs.ServiceAddress("ul. Rynek", "1", "26-600", "Radom"),
        actor=actor,
    )


def test_finance_previews_runs_and_opens_the_invoice(
    page: Page, live_server: Any, sold: None, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    base = live_server.url
    user = User.objects.create_user(username="fiona", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=FINANCE))
    page.goto(f"{base}/admin/")
    page.locator("#id_username").fill("fiona")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.locator("#nav-sidebar a", has=page.get_by_text("Billing runs", exact=True)).click()
    page.get_by_role("link", name="Run billing").click()
    page.locator("#id_period").fill("2026-01")
    page.locator("#id_issue_date").fill("2026-02-01")
    page.get_by_role("button", name="Go").click()
    preview = page.locator("#billing-preview")
    expect(preview).to_contain_text("Preview of 2026-01 (nothing written)")
    expect(preview).to_contain_text("70,82")

    page.locator("label[for=id_dry_run]").click()
    page.get_by_role("button", name="Go").click()
    expect(page).to_have_url(re.compile(r"/admin/billing/billingrun/jobs/\d+/$"))
    status = page.locator("#job-status")
    expect(status).to_contain_text("waiting for the background worker")
    # The worker picks the queued run up; the page follows it without a reload.
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    expect(status).to_contain_text("Finished", timeout=10_000)
    expect(page.locator("#job-summary")).to_contain_text("FV/2026/000001")

    page.locator("#nav-sidebar a", has=page.get_by_text("Invoices", exact=True)).click()
    page.get_by_role("link", name="FV/2026/000001").click()
    expect(page.locator("body")).to_contain_text("4Business 2026-01-15–2026-01-31")
    expect(page.locator("body")).to_contain_text("70,82")
