"""The demo ISP's billing: its past months billed, most invoices paid, some late, a few not.

`demo_billing_load` bills every month of the demo history with the real billing run, one
run per month, each issued on the month's first day (invoices for the month ahead, due
after the installation's payment terms), from the month of the earliest `bill_from` up to
today's month. It then writes the payments the customers made.

The payments come from `payments_generate`, which is pure: from plain invoice tuples and
a few facts per customer it yields rows (tuples in the column order of `COLUMNS`) and never
touches the database, so the same seed and invoices give the same payments. Each customer
gets a payer profile from their own seeded stream: most pay a few days before the due
date, about one in ten is often late, about one in fifty stopped paying two or three months
ago, and a customer whose subscription was cancelled for non-payment left the invoices of
its last months unpaid (settling them with the next payment if they kept another line).
Businesses pay by bank transfer; households by transfer, direct debit (on the due date),
card or cash. A payment is for what the customer owes up to the invoice it names (its
number is the reference); now and then that is paid in two parts, or rounded up, which
leaves customer credit. Every payment is allocated as `payment_record` would, to the
customer's open invoices oldest first, and credit left over settles the next invoice when
its run issues it, as the run does. Each payment and each use of credit gets its audit
event.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from time import perf_counter as time_counter
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.db.models import Max, Min

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.billing.models import Allocation, BillingRun, Invoice, Payment
from rota.billing.services import billing_run
from rota.catalog.models import Segment
from rota.core.bulk import BulkTable, next_id, reset_sequences
from rota.core.money import format_amount
from rota.core.periods import Month
from rota.customers.models import Customer, CustomerKind
from rota.subscriptions.models import CancelReason, Subscription

Row = tuple[Any, ...]

# Payer profiles, by share of customers.
PROFILES: dict[str, int] = {"prompt": 88, "late": 10, "stopped": 2}
HOUSEHOLD_METHODS: dict[str, int] = {
    Payment.Method.TRANSFER: 50,
    Payment.Method.DIRECT_DEBIT: 20,
    Payment.Method.CARD: 20,
    Payment.Method.CASH: 10,
}
EARLY_DAYS = (0, 8)  # a prompt payer pays this many days before the due date
SLIP = 0.04  # ...but now and then late by SLIP_DAYS
SLIP_DAYS = (1, 10)
LATE = 0.65  # a late payer is late on this share of invoices...
LATE_DAYS = (5, 45)  # ...by this many days
STOPPED_MONTHS = (2, 3)  # the last invoices a customer who stopped paying left unpaid
ARREARS_DAYS = 90  # before a non-payment cancellation's last day, invoices went unpaid
PARTIAL = 0.03  # an invoice paid in two parts...
PARTIAL_SHARE = (30, 70)  # ...the first this percentage, rounded down to 10.00
PARTIAL_REST_DAYS = (7, 30)  # ...the rest this many days later
OVERPAY = 0.015  # an invoice paid rounded up to the next 50.00, the rest stays as credit
OVERPAY_STEP = 5000
RUN_HOUR = time(6)  # the runs start at 06:00 UTC on the issue date, before office hours
OFFICE_HOUR = time(7)
OFFICE_SECONDS = 9 * 3600  # payments are booked between 07:00 and 16:00 UTC

PAYMENT_TYPE = "billing.payment"
CUSTOMER_TYPE = "customers.customer"

COLUMNS: dict[str, tuple[str, ...]] = {
    "payments": (
        "id", "customer_id", "amount_minor", "received_on", "method", "reference",
        "created_at", "reversal_reason",
    ),  # reversed_at is left NULL
    "allocations": ("payment_id", "invoice_id", "amount_minor"),
    "events": (
        "at", "actor_label", "action", "object_type", "object_id", "object_repr", "changes",
        "note",
    ),
}  # fmt: skip
MODELS: dict[str, type[models.Model]] = {
    "payments": Payment,
    "allocations": Allocation,
    "events": AuditEvent,
}


class InvoiceRow(NamedTuple):
    """What the payments need to know about an issued invoice."""

    id: int
    number: str
    customer_id: int
    gross_minor: int
    issue_date: date
    due_date: date


@dataclass(frozen=True)
class Payer:
    """A customer as the payments see them: who, since when, and any non-payment ends."""

    id: int
    name: str
    business: bool
    since: date
    arrears_until: tuple[date, ...] = ()  # last days of subscriptions cancelled for non-payment


@dataclass
class PaymentChunk:
    """The rows of a run of customers, table by table."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in COLUMNS})
    paid_minor: int = 0
    credit_minor: int = 0


@dataclass
class BillingSummary:
    """What the demo billing wrote, and how long it took."""

    months: int = 0
    invoices: int = 0
    payments: int = 0
    allocations: int = 0
    paid_minor: int = 0
    credit_minor: int = 0
    seconds: float = 0.0

    def add(self, chunk: PaymentChunk) -> None:
        """Count a chunk's rows in."""
        self.payments += len(chunk.rows["payments"])
        self.allocations += len(chunk.rows["allocations"])
        self.paid_minor += chunk.paid_minor
        self.credit_minor += chunk.credit_minor

    def line(self) -> str:
        """Return the summary line the demo command prints."""
        return (
            f"Demo billing: {self.months} months billed, {self.invoices} invoices, "
            f"{self.payments} payments in {self.seconds:.1f} s."
        )


def run_at(issue_date: date) -> datetime:
    """Return when the demo's run for an issue date started."""
    return datetime.combine(issue_date, RUN_HOUR, UTC)


def _weighted(weights: Mapping[str, int]) -> tuple[list[str], list[int]]:
    total = 0
    cumulative = []
    for weight in weights.values():
        total += weight
        cumulative.append(total)
    return list(weights), cumulative


_PROFILES = _weighted(PROFILES)
_METHODS = _weighted(HOUSEHOLD_METHODS)


class _Planned(NamedTuple):
    """A payment the customer means to make: on a day, for their invoices up to one."""

    day: date
    order: int
    kind: str  # "full": all owed up to the invoice; "part": a part of it; "over": rounded up
    invoice: int  # the invoice's position in the customer's invoices
    method: str
    reference: str
    part_minor: int = 0


class _Payments:
    """One customer's payments: planned from their profile, then allocated in time order."""

    def __init__(
        self, payer: Payer, invoices: Sequence[InvoiceRow], *, seed: int, today: date
    ) -> None:
        self.payer = payer
        self.invoices = invoices
        self.today = today
        # A stream per customer: one customer's invoices never shift another's draws.
        self.rng = random.Random(f"{seed}:{payer.id}")  # noqa: S311 - demo data, not secrets

    def _between(self, bounds: tuple[int, int]) -> int:
        low, high = bounds
        return low + int(self.rng.random() * (high - low + 1))

    def _pick(self, table: tuple[list[str], list[int]]) -> str:
        keys, cumulative = table
        draw = self.rng.random() * cumulative[-1]
        return next(k for k, c in zip(keys, cumulative, strict=True) if draw < c)

    def plan(self) -> list[_Planned]:
        """Return the payments the customer made up to today, in the order received."""
        rng, payer = self.rng, self.payer
        profile = self._pick(_PROFILES)
        method = Payment.Method.TRANSFER if payer.business else self._pick(_METHODS)
        stop_from = None
        if profile == "stopped":
            month = Month.of(self.today)
            for _ in range(self._between(STOPPED_MONTHS) - 1):
                month = month.previous()
            stop_from = month.start  # this month's invoice and every later one go unpaid
        arrears = [(last - timedelta(days=ARREARS_DAYS), last) for last in payer.arrears_until]
        planned: list[_Planned] = []
        for position, invoice in enumerate(self.invoices):
            if invoice.gross_minor <= 0:
                continue
            if stop_from is not None and invoice.issue_date >= stop_from:
                continue
            if any(begin <= invoice.issue_date <= end for begin, end in arrears):
                continue  # left unpaid; a later payment, if any, settles it first
            due = invoice.due_date
            late = False
            if method == Payment.Method.DIRECT_DEBIT:
                day = due
            elif profile == "late" and rng.random() < LATE:
                late = True
                day = due + timedelta(days=self._between(LATE_DAYS))
            elif rng.random() < SLIP:
                late = True
                day = due + timedelta(days=self._between(SLIP_DAYS))
            else:
                day = due - timedelta(days=self._between(EARLY_DAYS))
            # One who signed after the invoice's date pays once they have it.
            first_day = max(invoice.issue_date, payer.since)
            if day < first_day:
                day = first_day + timedelta(days=self._between((0, 3)))
            # A direct debit is collected on the next banking day, never before the due date.
            on_time = not late and method != Payment.Method.DIRECT_DEBIT
            day = _banking_day(day, method, back=on_time, not_before=first_day)
            reference = invoice.number
            draw = rng.random()
            if draw < PARTIAL and method != Payment.Method.DIRECT_DEBIT:
                part = invoice.gross_minor * self._between(PARTIAL_SHARE) // 100 // 1000 * 1000
                if part > 0:
                    rest_on = day + timedelta(days=self._between(PARTIAL_REST_DAYS))
                    planned.append(
                        _Planned(day, len(planned), "part", position, method, reference, part)
                    )
                    planned.append(
                        _Planned(rest_on, len(planned), "full", position, method, reference)
                    )
                    continue
            kind = "over" if PARTIAL <= draw < PARTIAL + OVERPAY else "full"
            planned.append(_Planned(day, len(planned), kind, position, method, reference))
        made = [p for p in planned if p.day <= self.today]
        made.sort()
        return made

    def write(self, chunk: PaymentChunk, next_payment: int, actor_label: str) -> int:
        """Add the payments, their allocations and events to the chunk; return the next id.

        A payment is for what the customer owes up to the invoice it names (their credit
        already deducted), a part of it, or that rounded up; nothing owed, no payment.
        """
        payer, invoices = self.payer, self.invoices
        rows = chunk.rows
        open_invoices: list[list[Any]] = []  # [position, id, number, balance], oldest first
        unspent: list[list[int]] = []  # [payment id, amount left], oldest first
        allocated: dict[tuple[int, int], int] = {}

        def settle() -> list[tuple[int, str, int]]:
            made = []
            while open_invoices and unspent:
                invoice, payment = open_invoices[0], unspent[0]
                share = min(invoice[3], payment[1])
                key = (payment[0], invoice[1])
                allocated[key] = allocated.get(key, 0) + share
                made.append((payment[0], invoice[2], share))
                invoice[3] -= share
                payment[1] -= share
                if not invoice[3]:
                    open_invoices.pop(0)
                if not payment[1]:
                    unspent.pop(0)
            return made

        planned = self.plan()
        pending = 0
        for position in range(len(invoices) + 1):
            issued = invoices[position].issue_date if position < len(invoices) else None
            # Payments received before this invoice was issued (all the rest, at the end).
            while pending < len(planned) and (issued is None or planned[pending].day < issued):
                payment = planned[pending]
                pending += 1
                owed = sum(i[3] for i in open_invoices if i[0] <= payment.invoice)
                if owed <= 0:
                    continue
                amount = owed
                if payment.kind == "part":
                    amount = min(owed, payment.part_minor)
                elif payment.kind == "over":
                    amount = (owed // OVERPAY_STEP + 1) * OVERPAY_STEP
                pid = next_payment
                next_payment += 1
                day = payment.day
                at = datetime.combine(day, OFFICE_HOUR, UTC) + timedelta(
                    seconds=int(self.rng.random() * OFFICE_SECONDS)
                )
                rows["payments"].append(
                    (pid, payer.id, amount, day, payment.method, payment.reference, at, "")
                )
                unspent.append([pid, amount])
                own = [(number, share) for p, number, share in settle() if p == pid]
                left = amount - sum(share for _, share in own)
                rows["events"].append(
                    (
                        at, actor_label, "payment.record", PAYMENT_TYPE, str(pid),
                        f"Payment {pid} from {payer.name} on {day}"[:200],
                        {
                            "customer": payer.id,
                            "amount": format_amount(amount),
                            "received_on": day.isoformat(),
                            "allocations": [[n, format_amount(a)] for n, a in own],
                            "credit": format_amount(left),
                        },
                        "",
                    )
                )  # fmt: skip
                chunk.paid_minor += amount
            if issued is None:
                break
            invoice = invoices[position]
            if invoice.gross_minor <= 0:
                continue
            open_invoices.append([position, invoice.id, invoice.number, invoice.gross_minor])
            if unspent:
                # The run that issued the invoice applied the customer's credit to it.
                made = settle()
                if made:
                    rows["events"].append(
                        (
                            run_at(issued) + timedelta(seconds=60), actor_label,
                            "payment.credit_applied", CUSTOMER_TYPE, str(payer.id),
                            payer.name[:200],
                            {"allocations": [[n, format_amount(a)] for _, n, a in made]},
                            "",
                        )
                    )  # fmt: skip
        rows["allocations"].extend(
            (payment, invoice, amount) for (payment, invoice), amount in allocated.items()
        )
        chunk.credit_minor += sum(left for _, left in unspent)
        return next_payment


def _banking_day(day: date, method: str, *, back: bool, not_before: date) -> date:
    """Move a payment off the weekend, to Friday if on time, else Monday (cards pay any day)."""
    weekday = day.weekday()
    if weekday < 5 or method == Payment.Method.CARD:
        return day
    friday = day - timedelta(days=weekday - 4)
    if back and friday >= not_before:
        return friday
    return day + timedelta(days=7 - weekday)


def payments_generate(
    customers: Iterable[tuple[Payer, Sequence[InvoiceRow]]],
    *,
    seed: int,
    today: date,
    first_payment_id: int = 1,
    actor_label: str = "system:demo",
    chunk_size: int = 5000,
) -> Iterator[PaymentChunk]:
    """Yield the payments of each customer on their invoices (oldest first), up to today.

    Pure and deterministic: the same arguments give the same rows. Payments are numbered
    from `first_payment_id` in the order the customers come, then by the day received.
    """
    chunk = PaymentChunk()
    count = 0
    next_payment = first_payment_id
    for payer, invoices in customers:
        payments = _Payments(payer, invoices, seed=seed, today=today)
        next_payment = payments.write(chunk, next_payment, actor_label)
        count += 1
        if count >= chunk_size:
            yield chunk
            chunk, count = PaymentChunk(), 0
    if count:
        yield chunk


# Reading and writing ---------------------------------------------------------------------


def _display_name(kind: str, first: str, last: str, company: str) -> str:
    if kind == CustomerKind.COMPANY:
        return company
    return f"{first} {last}".strip()


def _customers_with_invoices(batch_size: int) -> Iterator[tuple[Payer, list[InvoiceRow]]]:
    """Yield each customer with regular invoices and those invoices, oldest first.

    A block of customer ids at a time: three queries per block, plain tuples throughout.
    """
    top = Customer.objects.aggregate(top=Max("pk"))["top"] or 0
    for low in range(1, top + 1, batch_size):
        block = {"customer_id__gte": low, "customer_id__lt": low + batch_size}
        invoices: dict[int, list[InvoiceRow]] = {}
        for row in (
            Invoice.objects.filter(kind=Invoice.Kind.REGULAR, **block)
            .order_by("customer_id", "issue_date", "number")
            .values_list("pk", "number", "customer_id", "gross_minor", "issue_date", "due_date")
        ):
            invoices.setdefault(row[2], []).append(InvoiceRow(*row))
        if not invoices:
            continue
        arrears: dict[int, list[date]] = {}
        for customer_id, last_day in (
            Subscription.objects.filter(
                cancel_reason=CancelReason.NON_PAYMENT, end_date__isnull=False, **block
            )
            .order_by("customer_id", "end_date")
            .values_list("customer_id", "end_date")
        ):
            if last_day is not None:
                arrears.setdefault(customer_id, []).append(last_day)
        for pk, kind, segment, first, last, company, created in (
            Customer.objects.filter(pk__in=list(invoices))
            .order_by("pk")
            .values_list(
                "pk", "kind", "segment", "first_name", "last_name", "company_name", "created_at"
            )
        ):
            payer = Payer(
                id=pk,
                name=_display_name(kind, first, last, company),
                business=segment == Segment.BUSINESS,
                since=created.astimezone(UTC).date(),
                arrears_until=tuple(arrears.get(pk, ())),
            )
            yield payer, invoices[pk]


def _months(first: date, today: date) -> list[Month]:
    months = []
    month = Month.of(first)
    while month.start <= today:
        months.append(month)
        month = month.next()
    return months


def _date_runs(months: Sequence[Month]) -> None:
    """Give the runs just made the times they would have had: 06:00 UTC on the issue date.

    The run stamps itself and its audit event with the clock; the demo's runs happened on
    their issue dates, each taking as long as it really took.
    """
    periods = [str(m) for m in months]
    runs = BillingRun.objects.filter(period__in=periods).values_list(
        "pk", "issue_date", "started_at", "finished_at"
    )
    for pk, issue_date, started, finished in list(runs):
        new_start = run_at(issue_date)
        new_finish = new_start + ((finished or started) - started)
        BillingRun.objects.filter(pk=pk).update(started_at=new_start, finished_at=new_finish)
        AuditEvent.objects.filter(
            action="billing.run", object_type="billing.billingrun", object_id=str(pk)
        ).update(at=new_finish)


@transaction.atomic
def demo_billing_load(
    *,
    seed: int,
    today: date,
    actor: Actor,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 5000,
) -> BillingSummary | None:
    """Bill every month of the demo history, then write its payments; once only.

    Return what was written, or None when the database already had invoices or runs.
    `progress(done, total)` is called after each month is billed.
    """
    if Invoice.objects.exists() or BillingRun.objects.exists():
        return None
    started = time_counter()
    summary = BillingSummary()
    first = Subscription.objects.aggregate(first=Min("bill_from"))["first"]
    months = _months(first, today) if first is not None else []
    for done, month in enumerate(months, start=1):
        run = billing_run(period=str(month), issue_date=month.start, today=today, actor=actor)
        summary.months += 1
        summary.invoices += run.invoices
        if progress is not None:
            progress(done, len(months))
    _date_runs(months)
    tables = {name: BulkTable(MODELS[name], COLUMNS[name]) for name in COLUMNS}
    chunks = payments_generate(
        _customers_with_invoices(batch_size),
        seed=seed,
        today=today,
        first_payment_id=next_id(Payment),
        actor_label=actor.label,
        chunk_size=batch_size,
    )
    with connection.cursor() as cursor:
        for chunk in chunks:
            for name, table in tables.items():
                table.insert(cursor, chunk.rows[name])
            summary.add(chunk)
        reset_sequences(cursor, [Payment])
    summary.seconds = time_counter() - started
    return summary
