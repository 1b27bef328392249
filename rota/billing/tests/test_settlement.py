"""Reversals, credit that settles later invoices, statuses in SQL, arrears, printable invoice."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.billing.documents import tax_summary
from rota.billing.models import Allocation, Invoice, Payment
from rota.billing.payments import (
    customer_credit,
    invoice_status,
    payment_record,
    payment_reverse,
    with_balance,
)
from rota.billing.selectors import INVOICE_STATUSES, Arrears, arrears_list, invoices_with_status
from rota.billing.services import billing_run, credit_note_issue
from rota.billing.tests.conftest import TODAY
from rota.core.errors import Conflict, InvalidInput
from rota.customers.models import Customer
from rota.installation.models import Installation
from rota.installation.selectors import installation_today

pytestmark = pytest.mark.django_db


def balances() -> list[tuple[str, int, str]]:
    return [
        (i.number, i.balance_minor, invoice_status(i, TODAY))  # type: ignore[attr-defined]
        for i in with_balance(Invoice.objects.order_by("number"))
    ]


def pay(customer: Customer, actor: Actor, amount: int, on: date = date(2026, 4, 2)) -> Payment:
    return payment_record(
        customer=customer, amount_minor=amount, received_on=on, actor=actor, today=TODAY
    ).payment


def test_a_reversal_reopens_what_the_payment_settled(billed: Customer, actor: Actor) -> None:
    payment = pay(billed, actor, 7082 + 12915)
    assert balances()[:2] == [("FV/2026/000001", 0, "paid"), ("FV/2026/000002", 0, "paid")]

    payment_reverse(payment=payment, reason="Zwrot przelewu przez bank", actor=actor)

    payment.refresh_from_db()
    assert (payment.is_reversed, payment.reversal_reason) == (True, "Zwrot przelewu przez bank")
    assert balances() == [
        ("FV/2026/000001", 7082, "overdue"),
        ("FV/2026/000002", 12915, "overdue"),
        ("FV/2026/000003", 12915, "overdue"),
    ]
    assert (Allocation.objects.count(), customer_credit(billed.pk)) == (0, 0)
    event = AuditEvent.objects.get(action="payment.reverse")
    assert event.changes == {
        "amount": "199.97",
        "reopened": [["FV/2026/000001", "70.82"], ["FV/2026/000002", "129.15"]],
    }
    assert event.note == "Zwrot przelewu przez bank"


def test_refused_reversals_change_nothing(billed: Customer, actor: Actor) -> None:
    payment = pay(billed, actor, 7082)
    with pytest.raises(InvalidInput) as exc:
        payment_reverse(payment=payment, reason="  ", actor=actor)
    assert [e.field for e in exc.value.errors] == ["reason"]
    payment_reverse(payment=payment, reason="Wrong customer", actor=actor)
    with pytest.raises(Conflict):
        payment_reverse(payment=payment, reason="Again", actor=actor)
    payment.refresh_from_db()
    assert payment.reversal_reason == "Wrong customer"
    assert AuditEvent.objects.filter(action="payment.reverse").count() == 1


def test_credit_settles_the_next_runs_invoice(billed: Customer, actor: Actor) -> None:
    result = payment_record(
        customer=billed, amount_minor=40000, received_on=date(2026, 4, 2), actor=actor, today=TODAY
    )
    assert result.credit_minor == 40000 - 7082 - 12915 - 12915 == 7088
    assert customer_credit(billed.pk) == 7088

    billing_run(period="2026-04", issue_date=date(2026, 4, 28), actor=actor, today=TODAY)

    april = with_balance(Invoice.objects.filter(period="2026-04")).get()
    balance = april.balance_minor  # type: ignore[attr-defined]
    assert (april.gross_minor, balance) == (12258, 12258 - 7088)
    assert invoice_status(april, TODAY) == "partially_paid"
    assert customer_credit(billed.pk) == 0
    event = AuditEvent.objects.get(action="payment.credit_applied")
    assert event.changes == {"allocations": [[april.number, "70.88"]]}


def test_a_dry_run_applies_no_credit(billed: Customer, actor: Actor) -> None:
    pay(billed, actor, 40000)
    billing_run(
        period="2026-04", issue_date=date(2026, 4, 28), dry_run=True, actor=actor, today=TODAY
    )
    assert customer_credit(billed.pk) == 7088
    assert not AuditEvent.objects.filter(action="payment.credit_applied").exists()


def test_money_paid_on_a_cancelled_invoice_moves_to_the_next_one(
    billed: Customer, actor: Actor
) -> None:
    pay(billed, actor, 7082)
    january = Invoice.objects.get(number="FV/2026/000001")

    credit_note_issue(invoice=january, reason="Wrong address", actor=actor, issue_date=TODAY)

    assert balances() == [
        ("FV/2026/000001", 7082, "cancelled"),
        ("FV/2026/000002", 12915 - 7082, "overdue"),
        ("FV/2026/000003", 12915, "overdue"),
        ("FV/2026/000004", -7082, "credit"),
    ]
    assert list(Allocation.objects.values_list("invoice__number", "amount_minor")) == [
        ("FV/2026/000002", 7082)
    ]
    event = AuditEvent.objects.get(action="invoice.credit_note")
    assert event.changes["credit_applied"] == [["FV/2026/000002", "70.82"]]


@pytest.mark.parametrize(
    "day", [date(2026, 2, 1), date(2026, 3, 1), date(2026, 3, 20), date(2026, 4, 20)]
)
def test_status_in_sql_matches_the_status_rule(billed: Customer, actor: Actor, day: date) -> None:
    pay(billed, actor, 10000, on=date(2026, 2, 5))
    credit_note_issue(
        invoice=Invoice.objects.get(number="FV/2026/000003"),
        reason="Price error",
        actor=actor,
        issue_date=TODAY,
    )
    everything = list(with_balance(Invoice.objects.all()))
    seen = set()
    for status in INVOICE_STATUSES:
        expected = {i.number for i in everything if invoice_status(i, day) == status}
        got = set(
            invoices_with_status(Invoice.objects.all(), status, day).values_list(
                "number", flat=True
            )
        )
        assert got == expected, status
        seen |= got
    assert seen == {i.number for i in everything}


def test_arrears_list(billed: Customer, actor: Actor) -> None:
    pay(billed, actor, 10000)
    # January paid; February has 99.97 left (due 14 March), March 129.15 (due 11 April).
    assert arrears_list(TODAY) == [
        Arrears(
            customer_id=billed.pk,
            name="Piekarnia Nowak sp. z o.o.",
            segment="business",
            invoices=2,
            overdue_minor=9997 + 12915,
            oldest_due=date(2026, 3, 14),
            days_overdue=37,
            last_payment=date(2026, 4, 2),
        )
    ]
    assert arrears_list(TODAY, min_days=37)[0].customer_id == billed.pk
    assert arrears_list(TODAY, min_days=38) == []
    assert arrears_list(TODAY, segment="household") == []
    with pytest.raises(InvalidInput):
        arrears_list(TODAY, min_days=-1)


@time_machine.travel(datetime(2026, 4, 20, 10, tzinfo=UTC), tick=False)
def test_payments_and_arrears_api(
    billed: Customer, make_token: Callable[..., str], actor: Actor
) -> None:
    finance = Client(
        headers={"Authorization": f"Bearer {make_token('billing:read', 'billing:write')}"}
    )
    reader = Client(headers={"Authorization": f"Bearer {make_token('billing:read', name='crm')}"})
    payment = pay(billed, actor, 10000)

    arrears = reader.get("/api/v1/billing/arrears").json()
    assert arrears == {
        "items": [
            {
                "customer": billed.pk,
                "name": "Piekarnia Nowak sp. z o.o.",
                "segment": "business",
                "invoices": 2,
                "overdue": "229.12",
                "currency": "PLN",
                "oldest_due_date": "2026-03-14",
                "days_overdue": 37,
                "last_payment": "2026-04-02",
            }
        ],
        "count": 1,
    }
    bad = reader.get("/api/v1/billing/arrears?segment=pets")
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "segment")
    overdue = reader.get(f"/api/v1/invoices?customer={billed.pk}&status=overdue").json()
    assert [i["number"] for i in overdue["items"]] == ["FV/2026/000002", "FV/2026/000003"]
    wrong = reader.get("/api/v1/invoices?status=late")
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "status")

    listed = reader.get(f"/api/v1/payments?customer={billed.pk}").json()
    assert listed["count"] == 1
    assert listed["items"][0]["allocations"] == [
        {"invoice": "FV/2026/000001", "amount": "70.82"},
        {"invoice": "FV/2026/000002", "amount": "29.18"},
    ]
    url = f"/api/v1/payments/{payment.pk}/reversal"
    denied = reader.post(url, json.dumps({"reason": "x"}), content_type="application/json")
    assert denied.status_code == 403
    reversed_ = finance.post(
        url, json.dumps({"reason": "Bounced"}), content_type="application/json"
    )
    assert reversed_.status_code == 200
    body = reversed_.json()
    assert (body["allocations"], body["reversal_reason"], body["reversed_at"]) == (
        [],
        "Bounced",
        "2026-04-20T10:00:00Z",
    )
    again = finance.post(url, json.dumps({"reason": "Again"}), content_type="application/json")
    assert again.status_code == 409
    missing = finance.get("/api/v1/payments/999999")
    assert missing.status_code == 404
    assert reader.get("/api/v1/payments?reversed=true").json()["count"] == 1


@time_machine.travel(datetime(2026, 4, 20, 10, tzinfo=UTC), tick=False)
def test_back_office_reversal_arrears_and_filters(
    billed: Customer,
    actor: Actor,
    finance_user: User,
    sales_user: User,
    login: Callable[[User], Client],
) -> None:
    payment = pay(billed, actor, 10000)
    url = f"/admin/billing/payment/{payment.pk}/reverse/"
    assert login(sales_user).post(url, {"reason": "x"}).status_code == 403
    finance = login(finance_user)
    empty = finance.post(url, {"reason": ""})
    assert empty.status_code == 200
    assert Payment.objects.get().reversed_at is None
    arrears = finance.get("/admin/billing/payment/arrears/").content.decode()
    assert "Piekarnia Nowak sp. z o.o." in arrears
    assert "1 customer with invoices overdue on 2026-04-20" in arrears
    done = finance.post(url, {"reason": "Direct debit returned"})
    assert done.status_code == 302
    assert Payment.objects.get().reversal_reason == "Direct debit returned"
    page = finance.get("/admin/billing/invoice/?status=overdue").content.decode()
    assert page.count("FV/2026/00000") >= 3
    paid = finance.get("/admin/billing/invoice/?status=paid").content.decode()
    assert "FV/2026/000001" not in paid


def test_printable_invoice(
    billed: Customer, finance_user: User, login: Callable[[User], Client]
) -> None:
    Installation.objects.filter(pk=1).update(
        company_name="Światłonet sp. z o.o.",
        seller_address="ul. Długa 5\n26-600 Radom",
        seller_tax_id="7960000000",
        bank_account="PL61 1090 1014 0000 0712 1981 2874",
    )
    invoice = Invoice.objects.get(number="FV/2026/000002")
    lines = list(invoice.lines.all())
    assert tax_summary(lines) == [
        (Decimal("0.2300"), invoice.net_minor, invoice.tax_minor, invoice.gross_minor)
    ]
    assert (invoice.net_minor, invoice.tax_minor, invoice.gross_minor) == (10500, 2415, 12915)
    page = login(finance_user).get(f"/admin/billing/invoice/{invoice.pk}/print/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "Invoice FV/2026/000002",
        "Światłonet sp. z o.o.",
        "ul. Długa 5",
        "Tax id: 7960000000",
        "Piekarnia Nowak sp. z o.o.",
        "23%",
        "105,00",
        "24,15",
        "129,15",
        "with the title FV/2026/000002",
    ):
        assert text in html, text


def test_today_is_the_installations_date() -> None:
    with time_machine.travel(datetime(2026, 4, 30, 22, 30, tzinfo=UTC), tick=False):
        assert installation_today() == date(2026, 5, 1)  # Europe/Warsaw, the default
        Installation.objects.filter(pk=1).update(time_zone="America/Sao_Paulo")
        assert installation_today() == date(2026, 4, 30)
