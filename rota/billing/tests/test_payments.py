"""Payments settle the oldest open invoices first; the rest stays as customer credit."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.billing.models import Allocation, Invoice, Payment
from rota.billing.payments import customer_credit, invoice_status, payment_record, with_balance
from rota.core.errors import InvalidInput
from rota.customers.models import Customer

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 20)


def statuses(day: date) -> list[tuple[str, int, str]]:
    return [
        (i.number, i.balance_minor, invoice_status(i, day))  # type: ignore[attr-defined]
        for i in with_balance(Invoice.objects.order_by("number"))
    ]


def test_oldest_first_partial_and_credit(billed: Customer, actor: Actor) -> None:
    # Gross: January 70.82, February 129.15, March 129.15; March is due 11 April.
    assert statuses(TODAY) == [
        ("FV/2026/000001", 7082, "overdue"),
        ("FV/2026/000002", 12915, "overdue"),
        ("FV/2026/000003", 12915, "overdue"),
    ]
    result = payment_record(
        customer=billed,
        amount_minor=10000,
        received_on=date(2026, 4, 2),
        reference="FV/2026/000001",
        actor=actor,
        today=TODAY,
    )
    assert (result.allocations, result.credit_minor) == (
        [("FV/2026/000001", 7082), ("FV/2026/000002", 2918)],
        0,
    )
    assert statuses(date(2026, 3, 1)) == [
        ("FV/2026/000001", 0, "paid"),
        ("FV/2026/000002", 9997, "partially_paid"),
        ("FV/2026/000003", 12915, "open"),
    ]
    more = payment_record(
        customer=billed, amount_minor=30000, received_on=TODAY, actor=actor, today=TODAY
    )
    assert (more.allocations, more.credit_minor) == (
        [("FV/2026/000002", 9997), ("FV/2026/000003", 12915)],
        7088,
    )
    assert customer_credit(billed.pk) == 7088
    event = AuditEvent.objects.filter(action="payment.record").order_by("id").last()
    assert event is not None and event.changes["credit"] == "70.88"


@pytest.mark.parametrize(
    ("amount", "received", "method", "field"),
    [
        (0, date(2026, 4, 1), "transfer", "amount"),
        (-500, date(2026, 4, 1), "transfer", "amount"),
        (100, date(2026, 5, 1), "transfer", "received_on"),
        (100, date(2026, 4, 1), "barter", "method"),
    ],
)
def test_bad_payments_change_nothing(
    billed: Customer, actor: Actor, amount: int, received: date, method: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        payment_record(
            customer=billed,
            amount_minor=amount,
            received_on=received,
            method=method,
            actor=actor,
            today=TODAY,
        )
    assert [e.field for e in exc.value.errors] == [field]
    assert (Payment.objects.count(), Allocation.objects.count()) == (0, 0)


def test_payments_api_and_back_office(
    billed: Customer,
    make_token: Callable[..., str],
    finance_user: User,
    sales_user: User,
    login: Callable[[User], Client],
) -> None:
    finance = Client(
        headers={"Authorization": f"Bearer {make_token('billing:read', 'billing:write')}"}
    )
    body = {"customer": billed.pk, "amount": "70.82", "received_on": "2026-04-01"}
    created = finance.post("/api/v1/payments", json.dumps(body), content_type="application/json")
    assert created.status_code == 201
    assert created.json()["allocations"] == [{"invoice": "FV/2026/000001", "amount": "70.82"}]
    invoice = Invoice.objects.get(number="FV/2026/000001")
    got = finance.get(f"/api/v1/invoices/{invoice.pk}").json()
    assert (got["paid"], got["balance"], got["status"]) == ("70.82", "0.00", "paid")
    bad = finance.post(
        "/api/v1/payments",
        json.dumps({**body, "amount": "-1"}),
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "amount")

    page = login(finance_user).post(
        "/admin/billing/payment/add/",
        {
            "customer": str(billed.pk),
            "amount": "129.15",
            "received_on": "2026-04-02",
            "method": "transfer",
            "reference": "przelew 2",
        },
    )
    assert page.status_code == 302
    assert Allocation.objects.filter(invoice__number="FV/2026/000002").get().amount_minor == 12915
    refused = login(sales_user).post(
        "/admin/billing/payment/add/",
        {"customer": str(billed.pk), "amount": "1", "received_on": "2026-04-02"},
    )
    assert refused.status_code == 403
    assert Payment.objects.count() == 2


def test_bank_statement_reports_every_bad_row_and_imports_nothing(
    billed: Customer, tmp_path: object
) -> None:
    import io as _io
    from pathlib import Path

    from django.core.management import CommandError, call_command

    statement = Path(str(tmp_path)) / "wyciag.csv"
    statement.write_text(
        "date,amount,reference\n"
        '2026-04-01,"70,82",Zapłata za FV/2026/000001\n'
        "2026-04-31,10.00,FV/2026/000002\n"
        "2026-04-02,-5,FV/2026/000002\n"
        "2026-04-02,12.00,no invoice number here\n"
        "2026-04-03,129.15,fv/2026/000002 luty\n",
        encoding="utf-8",
    )
    err = _io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_payments", str(statement), stdout=_io.StringIO(), stderr=err)
    assert str(exc.value) == "3 bad row(s); nothing imported. Fix them or use --skip-bad."
    assert err.getvalue().splitlines() == [
        "line 3: date must be YYYY-MM-DD",
        "line 4: amount must not be negative",
        "line 5: no customer: give a customer id or an invoice number in the reference",
    ]
    assert Payment.objects.count() == 0

    out = _io.StringIO()
    call_command("import_payments", str(statement), "--skip-bad", stdout=out, stderr=_io.StringIO())
    assert out.getvalue().strip() == (
        "Imported 2 payment(s), 199.97 in total; 0.00 left as customer credit; 3 row(s) skipped."
    )
    assert sorted(Allocation.objects.values_list("invoice__number", "amount_minor")) == [
        ("FV/2026/000001", 7082),
        ("FV/2026/000002", 12915),
    ]


def test_importing_the_same_statement_twice_records_nothing_twice(
    billed: Customer, tmp_path: object
) -> None:
    import io as _io
    from pathlib import Path

    from django.core.management import CommandError, call_command

    statement = Path(str(tmp_path)) / "wyciag.csv"
    statement.write_text(
        "date,amount,reference\n2026-04-01,70.82,FV/2026/000001\n2099-01-01,10.00,FV/2026/000002\n",
        encoding="utf-8",
    )
    call_command(
        "import_payments", str(statement), "--skip-bad", stdout=_io.StringIO(),
        stderr=_io.StringIO(),
    )  # fmt: skip
    err = _io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_payments", str(statement), stdout=_io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "line 2: already recorded (same customer, date, amount and reference)",
        "line 3: date must be between 2000-01-01 and today",
    ]
    assert Payment.objects.count() == 1


def test_a_cancelled_invoice_takes_no_payment(billed: Customer, actor: Actor) -> None:
    from rota.billing.services import credit_note_issue

    first = Invoice.objects.get(number="FV/2026/000001")
    credit_note_issue(invoice=first, reason="Duplicate", actor=actor, issue_date=TODAY)
    result = payment_record(
        customer=billed, amount_minor=5000, received_on=TODAY, actor=actor, today=TODAY
    )
    assert result.allocations == [("FV/2026/000002", 5000)]


def test_back_office_payment_dates_are_checked(
    billed: Customer, finance_user: User, login: Callable[[User], Client]
) -> None:
    page = login(finance_user).post(
        "/admin/billing/payment/add/",
        {"customer": str(billed.pk), "amount": "10", "received_on": "2099-01-01",
         "method": "transfer", "reference": ""},
    )  # fmt: skip
    assert page.status_code == 200
    assert "must be between 2000-01-01 and today" in page.content.decode()
    assert Payment.objects.count() == 0
