"""The demo ISP's billing: every month billed by the real run, most invoices paid, some late."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import F, Sum

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.billing.models import Allocation, BillingRun, Invoice, Payment
from rota.billing.payments import customer_credit, invoice_status, with_balance
from rota.core.money import format_amount
from rota.core.periods import add_months
from rota.customers.models import Customer
from rota.demo.billing import (
    BillingSummary,
    InvoiceRow,
    Payer,
    PaymentChunk,
    _customers_with_invoices,
    demo_billing_load,
    payments_generate,
)
from rota.demo.history import demo_history_load
from rota.subscriptions.models import CancelReason, Subscription

ACTOR = Actor.system("demo")
# A small demo whose today falls before its month's due date: seed 1 holds paid, open,
# partially paid and overdue invoices, and two subscriptions cancelled for non-payment.
TODAY = date(2026, 11, 10)
SEED = 1
MONTHS = 6
FIRST_MONTH = date(2026, 5, 1)


# The pure generator -------------------------------------------------------------------------


def synthetic(customers: int, today: date = date(2026, 11, 21)) -> list[tuple[Payer, list[Any]]]:
    """Customers billed monthly from November 2024 (some signed later), one in five a firm.

    One in 97 lost its subscription for non-payment on 20 September 2025.
    """
    result = []
    number = 0
    for cid in range(1, customers + 1):
        since = date(2024, 10, 1) + timedelta(days=(cid * 37) % 600)
        arrears = (date(2025, 9, 20),) if cid % 97 == 0 else ()
        if arrears:
            since = date(2024, 3, 1)
        payer = Payer(cid, f"Customer {cid}", cid % 5 == 0, since, arrears)
        invoices = []
        month = max(date(2024, 11, 1), since.replace(day=1))
        last = arrears[0] if arrears else today  # cancelled for non-payment: billed no more
        while month <= last:
            number += 1
            gross = 4000 + (cid * 131 + month.month * 17) % 9000
            if cid % 50 == 0 and month.month == 3:
                gross = -1500  # a credit outweighed the charges: nothing to pay
            invoices.append(
                InvoiceRow(number, f"FV/{month.year}/{number:06d}", cid, gross, month,
                           month + timedelta(days=14))
            )  # fmt: skip
            month = add_months(month, 1)
        result.append((payer, invoices))
    return result


def generated(customers: int, seed: int, today: date = date(2026, 11, 21)) -> list[PaymentChunk]:
    return list(payments_generate(synthetic(customers, today), seed=seed, today=today))


def test_the_same_seed_gives_the_same_payments() -> None:
    first = generated(300, seed=5)
    again = generated(300, seed=5)
    assert [c.rows for c in first] == [c.rows for c in again]
    assert [c.rows for c in generated(300, seed=6)] != [c.rows for c in first]


def test_payments_settle_invoices_oldest_first_and_leave_the_rest_as_credit() -> None:
    today = date(2026, 11, 21)
    data = synthetic(2000, today)
    chunks = list(payments_generate(data, seed=3, today=today, chunk_size=500))
    assert len(chunks) == 4
    invoices = {i.id: i for _, rows in data for i in rows}
    payers = {p.id: p for p, _ in data}
    payments = {row[0]: row for c in chunks for row in c.rows["payments"]}
    allocations = [row for c in chunks for row in c.rows["allocations"]]
    assert sorted(payments) == list(range(1, len(payments) + 1))
    paid: Counter[int] = Counter()
    used: Counter[int] = Counter()
    for payment_id, invoice_id, amount in allocations:
        invoice, payment = invoices[invoice_id], payments[payment_id]
        assert amount > 0
        assert invoice.customer_id == payment[1]
        assert invoice.gross_minor > 0
        paid[invoice_id] += amount
        used[payment_id] += amount
    assert all(paid[i] <= invoices[i].gross_minor for i in paid)
    for pid, customer, amount, day, method, reference, at, reason in payments.values():
        payer = payers[customer]
        assert amount > 0 and used[pid] <= amount
        assert payer.since <= day <= today
        assert at.date() == day and at.tzinfo is UTC and time(7) <= at.time() < time(16)
        assert reference.startswith("FV/") and reason == ""
        if payer.business:
            assert method == Payment.Method.TRANSFER
        if method == Payment.Method.DIRECT_DEBIT:
            assert invoices[int(reference[-6:])].due_date <= day
    total = sum(p[2] for p in payments.values())
    credit = sum(c.credit_minor for c in chunks)
    assert total == sum(c.paid_minor for c in chunks)
    assert total == sum(a[2] for a in allocations) + credit
    assert credit > 0  # someone overpaid

    # Oldest first: nothing is ever allocated to an invoice later than one left with a balance.
    for _, rows in data:
        payable = [i for i in rows if i.gross_minor > 0]
        first_open = next(
            (k for k, i in enumerate(payable) if paid[i.id] < i.gross_minor), len(payable)
        )
        assert all(paid[i.id] == 0 for i in payable[first_open + 1 :])

    # The profiles: about one invoice in ten paid late, some paid in two parts, credit used.
    late = sum(
        1
        for payment_id, invoice_id, _ in allocations
        if payments[payment_id][3] > invoices[invoice_id].due_date
    )
    assert 0.05 < late / len(allocations) < 0.2
    parts = Counter(p[5] for p in payments.values())
    assert sum(1 for n in parts.values() if n >= 2) > 20
    events = Counter(e[2] for c in chunks for e in c.rows["events"])
    assert events["payment.record"] == len(payments)
    assert events["payment.credit_applied"] > 0
    methods = Counter(p[4] for p in payments.values())
    assert set(methods) == {"transfer", "direct_debit", "card", "cash"}
    assert methods["transfer"] > methods["direct_debit"] > methods["cash"]


def test_recent_invoices_go_unpaid_and_old_ones_are_paid() -> None:
    today = date(2026, 11, 21)
    data = synthetic(2000, today)
    chunks = list(payments_generate(data, seed=3, today=today))
    paid: Counter[int] = Counter()
    for c in chunks:
        for _, invoice_id, amount in c.rows["allocations"]:
            paid[invoice_id] += amount
    unpaid_by_age: Counter[str] = Counter()
    for payer, rows in data:
        for i in rows:
            if i.gross_minor <= 0 or paid[i.id] >= i.gross_minor:
                continue
            if i.due_date >= today - timedelta(days=90):
                unpaid_by_age["recent"] += 1
            else:
                # Only the arrears before a cancellation for non-payment stay unpaid.
                assert payer.arrears_until
                unpaid_by_age["arrears"] += 1
    assert unpaid_by_age["recent"] > 2000 * 0.02
    assert unpaid_by_age["arrears"] > 0


# The load -----------------------------------------------------------------------------------


@pytest.fixture
def billed(demo_catalog: None) -> BillingSummary:
    history = demo_history_load(customers=40, months=MONTHS, seed=SEED, today=TODAY, actor=ACTOR)
    assert history is not None
    summary = demo_billing_load(seed=SEED, today=TODAY, actor=ACTOR)
    assert summary is not None
    return summary


def test_every_month_of_the_window_is_billed_on_its_first_day(billed: BillingSummary) -> None:
    months = [add_months(FIRST_MONTH, i) for i in range(MONTHS + 1)]
    assert billed.months == len(months) == 7
    runs = list(BillingRun.objects.order_by("period"))
    assert [(r.period, r.issue_date) for r in runs] == [(f"{m:%Y-%m}", m) for m in months]
    for run in runs:
        assert run.started_at == datetime.combine(run.issue_date, time(6), UTC)
        assert run.finished_at is not None and run.finished_at >= run.started_at
        event = AuditEvent.objects.get(action="billing.run", object_id=str(run.pk))
        assert event.at == run.finished_at
    assert billed.invoices == Invoice.objects.count() == sum(r.invoices for r in runs)
    for invoice in Invoice.objects.all():
        assert invoice.kind == Invoice.Kind.REGULAR
        assert invoice.issue_date == date.fromisoformat(f"{invoice.period}-01")
        assert invoice.due_date == invoice.issue_date + timedelta(days=14)
    # Every customer with service in today's month has its invoice.
    serving = Subscription.objects.filter(start_date__lte=TODAY).exclude(end_date__lt=TODAY)
    customers = set(serving.values_list("customer_id", flat=True))
    assert customers <= set(
        Invoice.objects.filter(period="2026-11").values_list("customer_id", flat=True)
    )


def test_payments_add_up_to_allocations_and_credit(billed: BillingSummary) -> None:
    assert billed.payments == Payment.objects.count() > billed.invoices * 0.8
    assert billed.allocations == Allocation.objects.count()
    total = Payment.objects.aggregate(s=Sum("amount_minor"))["s"]
    allocated = Allocation.objects.aggregate(s=Sum("amount_minor"))["s"]
    credits = [customer_credit(pk) for pk in Customer.objects.values_list("pk", flat=True)]
    assert all(c >= 0 for c in credits)
    assert total == billed.paid_minor == allocated + sum(credits)
    assert sum(credits) == billed.credit_minor
    for a in Allocation.objects.select_related("payment", "invoice"):
        assert a.payment.customer_id == a.invoice.customer_id
        assert a.payment.received_on <= TODAY
        if a.payment.received_on < a.invoice.issue_date:
            # Credit left by an overpayment, applied by the run that issued the invoice.
            event = AuditEvent.objects.get(action="payment.record", object_id=str(a.payment_id))
            assert event.changes["credit"] != "0.00"
            applied = AuditEvent.objects.get(
                action="payment.credit_applied",
                object_id=str(a.invoice.customer_id),
                at__date=a.invoice.issue_date,
            )
            assert [a.invoice.number, format_amount(a.amount_minor)] in applied.changes[
                "allocations"
            ]
    for p in Payment.objects.select_related("customer"):
        assert p.customer.created_at.date() <= p.received_on
        assert p.reversed_at is None and p.reversal_reason == ""
        assert Invoice.objects.filter(number=p.reference, customer=p.customer).exists()


def test_invoices_are_paid_on_time_late_partly_or_not_yet(billed: BillingSummary) -> None:
    invoices = list(with_balance(Invoice.objects.all()))
    statuses = Counter(invoice_status(i, TODAY) for i in invoices)
    assert {"paid", "open", "partially_paid", "overdue"} <= set(statuses)
    assert statuses["paid"] > 0.8 * len(invoices)
    assert all(i.balance_minor >= 0 for i in invoices)  # type: ignore[attr-defined]
    # Long overdue only where a subscription was cancelled for non-payment: the arrears list.
    defaulters = set(
        Subscription.objects.filter(cancel_reason=CancelReason.NON_PAYMENT).values_list(
            "customer_id", flat=True
        )
    )
    assert defaulters
    long_overdue = {
        i.customer_id
        for i in invoices
        if i.balance_minor > 0 and i.due_date < TODAY - timedelta(days=90)  # type: ignore[attr-defined]
    }
    assert long_overdue and long_overdue <= defaulters
    # Some invoices were paid after their due date.
    assert Allocation.objects.filter(payment__received_on__gt=F("invoice__due_date")).exists()


def test_each_payment_has_its_audit_event(billed: BillingSummary) -> None:
    events = {e.object_id: e for e in AuditEvent.objects.filter(action="payment.record")}
    payments = list(Payment.objects.select_related("customer").prefetch_related("allocations"))
    assert len(events) == len(payments)
    for p in payments:
        event = events[str(p.pk)]
        assert event.object_type == "billing.payment"
        assert event.object_repr == str(p)
        assert event.actor_label == "system:demo"
        assert event.at == p.created_at
        assert event.changes["customer"] == p.customer_id
        assert event.changes["amount"] == format_amount(p.amount_minor)
        assert event.changes["received_on"] == p.received_on.isoformat()
        own = sum(int(a.replace(".", "")) for _, a in event.changes["allocations"])
        assert own + int(event.changes["credit"].replace(".", "")) == p.amount_minor


def test_database_holds_exactly_the_generated_payments(billed: BillingSummary) -> None:
    first = Payment.objects.order_by("pk").values_list("pk", flat=True).first()
    chunks = list(
        payments_generate(
            _customers_with_invoices(5000), seed=SEED, today=TODAY, first_payment_id=first or 1
        )
    )
    rows: dict[str, list[Any]] = defaultdict(list)
    for c in chunks:
        for name, table in c.rows.items():
            rows[name].extend(table)
    stored = list(
        Payment.objects.order_by("pk").values_list(
            "pk", "customer_id", "amount_minor", "received_on", "method", "reference",
            "created_at", "reversal_reason",
        )
    )  # fmt: skip
    assert stored == rows["payments"]
    assert sorted(
        Allocation.objects.values_list("payment_id", "invoice_id", "amount_minor")
    ) == sorted(rows["allocations"])


def test_a_second_load_bills_nothing(billed: BillingSummary) -> None:
    counts = (BillingRun.objects.count(), Invoice.objects.count(), Payment.objects.count())
    assert demo_billing_load(seed=SEED, today=TODAY, actor=ACTOR) is None
    assert (BillingRun.objects.count(), Invoice.objects.count(), Payment.objects.count()) == counts


def test_new_payments_get_fresh_keys_after_the_demo(billed: BillingSummary) -> None:
    top = Payment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    customer = Customer.objects.order_by("pk").first()
    assert customer is not None
    payment = Payment.objects.create(
        customer=customer, amount_minor=100, received_on=TODAY, created_at=datetime.now(UTC)
    )
    assert payment.pk > top


def test_nothing_to_bill_without_subscriptions(demo_catalog: None) -> None:
    summary = demo_billing_load(seed=SEED, today=TODAY, actor=ACTOR)
    assert summary is not None
    assert (summary.months, summary.invoices, summary.payments) == (0, 0, 0)
    assert not BillingRun.objects.exists()


def test_progress_is_reported_per_month(demo_catalog: None) -> None:
    demo_history_load(customers=10, months=2, seed=SEED, today=TODAY, actor=ACTOR)
    done: list[tuple[int, int]] = []
    demo_billing_load(
        seed=SEED, today=TODAY, actor=ACTOR, progress=lambda d, t: done.append((d, t))
    )
    assert done == [(1, 3), (2, 3), (3, 3)]


# The command --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_command_bills_the_history_once() -> None:
    out = io.StringIO()
    args = ["--customers", "30", "--months", "3", "--seed", "2", "--today", "2026-11-21"]
    call_command("demo", *args, stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4  # catalog, history, billing, planning
    assert lines[2].startswith(
        f"Demo billing: 4 months billed, {Invoice.objects.count()} invoices, "
    )
    assert f" {Payment.objects.count()} payments in " in lines[2]
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    assert len(out.getvalue().splitlines()) == 3  # the history is there: nothing more is billed
    assert BillingRun.objects.count() == 4


@pytest.mark.django_db
def test_demo_command_without_billing() -> None:
    out = io.StringIO()
    call_command("demo", "--customers", "20", "--months", "2", "--no-billing", stdout=out)
    assert len(out.getvalue().splitlines()) == 3
    assert Customer.objects.count() == 20
    assert not Invoice.objects.exists() and not Payment.objects.exists()
