"""Billing from the API and the back office: runs, previews, invoices, roles."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from rota.audit.actors import Actor
from rota.billing.models import BillingRun, Invoice
from rota.catalog.models import OfferVersion
from rota.customers.models import Customer
from rota.subscriptions import services as subs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today() -> Any:
    with time_machine.travel("2026-02-03 09:00:00+00:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def sold(firma: Customer, actor: Actor) -> Customer:
    subs.subscription_sell(
        customer=firma,
        version=OfferVersion.objects.get(offer__code="4business", status="active"),
        term_months=24,
        start_date=date(2026, 1, 15),
        address=subs.ServiceAddress("ul. Rynek", "1", "26-600", "Radom"),
        actor=actor,
    )
    return firma


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).replace(
        "\xa0", " "
    )


def test_api_runs_a_month_and_reads_the_invoice(
    sold: Customer, make_token: Callable[..., str]
) -> None:
    finance = Client(
        headers={"Authorization": f"Bearer {make_token('billing:read', 'billing:write')}"}
    )
    body = {"period": "2026-01", "issue_date": "2026-02-01", "dry_run": True}
    preview = finance.post(
        "/api/v1/billing/runs", json.dumps(body), content_type="application/json"
    )
    assert preview.json() == {
        "period": "2026-01",
        "issue_date": "2026-02-01",
        "dry_run": True,
        "invoices": 1,
        "lines": 1,
        "net": "57.58",
        "tax": "13.24",
        "gross": "70.82",
        "currency": "PLN",
        "first_number": "FV/2026/000001",
        "last_number": "FV/2026/000001",
    }
    assert Invoice.objects.count() == 0
    done = finance.post(
        "/api/v1/billing/runs",
        json.dumps({**body, "dry_run": False}),
        content_type="application/json",
    )
    assert (done.status_code, done.json()["invoices"]) == (200, 1)
    invoice = Invoice.objects.get()
    got = finance.get(f"/api/v1/invoices/{invoice.pk}").json()
    assert (got["number"], got["gross"], got["due_date"]) == (
        "FV/2026/000001",
        "70.82",
        "2026-02-15",
    )
    assert got["lines"] == [
        {
            "id": invoice.lines.get().pk,
            "kind": "service",
            "description": "4Business 2026-01-15–2026-01-31",
            "subscription": invoice.lines.get().subscription_id,
            "service_start": "2026-01-15",
            "service_end": "2026-01-31",
            "days": 17,
            "monthly_price": "105.00",
            "net": "57.58",
            "tax": "13.24",
            "gross": "70.82",
            "tax_rate": "0.23",
            "credits_line": None,
        }
    ]
    listed = finance.get(f"/api/v1/invoices?customer={sold.pk}&period=2026-01").json()
    assert listed["count"] == 1
    future = finance.post(
        "/api/v1/billing/runs", json.dumps({"period": "2026-05"}), content_type="application/json"
    )
    assert (future.status_code, future.json()["errors"]) == (
        422,
        [{"field": "period", "message": "must not be later than next month"}],
    )


def test_read_only_token_cannot_run_billing(sold: Customer, make_token: Callable[..., str]) -> None:
    reader = Client(headers={"Authorization": f"Bearer {make_token('billing:read')}"})
    response = reader.post(
        "/api/v1/billing/runs", json.dumps({"period": "2026-01"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert (Invoice.objects.count(), BillingRun.objects.count()) == (0, 0)


def test_finance_previews_then_runs_from_the_back_office(
    sold: Customer,
    finance_user: User,
    login: Callable[[User], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login(finance_user)
    preview = client.post(
        "/admin/billing/billingrun/run/",
        {"period": "2026-01", "issue_date": "2026-02-01", "dry_run": "on"},
    )
    page = text(preview)
    assert "Preview of 2026-01 (nothing written)" in page
    assert "Gross 70,82 zł" in page
    assert Invoice.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/admin/billing/billingrun/run/", {"period": "2026-01", "issue_date": "2026-02-01"}
        )
    assert done.status_code == 302
    assert Invoice.objects.get().number == "FV/2026/000001"
    invoice_page = text(client.get(f"/admin/billing/invoice/{Invoice.objects.get().pk}/change/"))
    assert "4Business 2026-01-15–2026-01-31" in invoice_page and "70,82 zł" in invoice_page
    customer_page = text(client.get(f"/admin/customers/customer/{sold.pk}/change/"))
    assert "FV/2026/000001 2026-01 2026-02-01 2026-02-15 70,82 zł" in customer_page
    bad = client.post("/admin/billing/billingrun/run/", {"period": "2026-13"})
    assert "must be a month in the form YYYY-MM, such as 2026-04" in text(bad)
    assert BillingRun.objects.count() == 1


def test_sales_reads_invoices_but_cannot_run_billing(
    sold: Customer, sales_user: User, login: Callable[[User], Client]
) -> None:
    client = login(sales_user)
    assert client.get("/admin/billing/invoice/").status_code == 200
    assert client.get("/admin/billing/billingrun/run/").status_code == 403
    assert client.post("/admin/billing/billingrun/run/", {"period": "2026-01"}).status_code == 403
    assert Invoice.objects.count() == 0


def test_credit_note_from_the_api_and_the_back_office(
    sold: Customer,
    make_token: Callable[..., str],
    finance_user: User,
    login: Callable[[User], Client],
    actor: Actor,
) -> None:
    from rota.billing.services import billing_run

    billing_run(period="2026-01", actor=actor, issue_date=date(2026, 2, 1))
    invoice = Invoice.objects.get()
    finance = Client(
        headers={"Authorization": f"Bearer {make_token('billing:read', 'billing:write')}"}
    )
    url = f"/api/v1/invoices/{invoice.pk}/credit-note"
    form = login(finance_user).get(f"/admin/billing/invoice/{invoice.pk}/credit-note/")
    assert "Credit note for FV/2026/000001" in text(form)
    missing = finance.post(url, json.dumps({"reason": " "}), content_type="application/json")
    assert (missing.status_code, missing.json()["errors"]) == (
        422,
        [{"field": "reason", "message": "say why the invoice is cancelled"}],
    )
    created = finance.post(
        url, json.dumps({"reason": "Duplicate customer"}), content_type="application/json"
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["kind"], body["corrects"], body["gross"], body["status"]) == (
        "credit_note",
        "FV/2026/000001",
        "-70.82",
        "credit",
    )
    again = finance.post(url, json.dumps({"reason": "x"}), content_type="application/json")
    assert again.status_code == 409
    # The invoice is cancelled now: no second credit note from the back office either.
    page = login(finance_user).get(f"/admin/billing/invoice/{invoice.pk}/credit-note/")
    assert page.status_code == 403
    got = finance.get(f"/api/v1/invoices/{invoice.pk}").json()
    assert got["status"] == "cancelled"
