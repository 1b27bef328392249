"""Payments: record money received and settle the customer's open invoices, oldest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from rota.audit.actors import Actor
from rota.audit.services import audit_record
from rota.billing.models import Allocation, Invoice, Payment
from rota.core.errors import Conflict, FieldError, InvalidInput
from rota.core.money import format_amount
from rota.core.periods import EARLIEST
from rota.customers.models import Customer
from rota.installation.selectors import installation_today
from rota.integrations.webhooks import event_record


def with_balance(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate invoices with what was paid (`paid_minor`) and what is left (`balance_minor`)."""
    corrected = Invoice.objects.filter(corrects=OuterRef("pk"))
    return queryset.annotate(
        paid_minor=Coalesce(Sum("allocations__amount_minor"), Value(0)),
        cancelled=Exists(corrected),
    ).annotate(balance_minor=F("gross_minor") - F("paid_minor"))


def invoice_status(invoice: Invoice, day: date) -> str:
    """Return open, partially_paid, paid, overdue, credit or cancelled (by a credit note)."""
    if getattr(invoice, "cancelled", False):
        return "cancelled"
    balance = getattr(invoice, "balance_minor", invoice.gross_minor)
    paid = getattr(invoice, "paid_minor", 0)
    if balance <= 0:
        return "paid" if invoice.gross_minor > 0 else "credit"
    if invoice.due_date < day:
        return "overdue"
    return "partially_paid" if paid > 0 else "open"


def payment_errors(
    amount_minor: int, received_on: date, method: str, reference: str, today: date
) -> list[FieldError]:
    """Return what is wrong with a payment before it is recorded."""
    errors = []
    if amount_minor <= 0:
        errors.append(FieldError("amount", "must be more than 0"))
    if not EARLIEST <= received_on <= today:
        errors.append(FieldError("received_on", f"must be between {EARLIEST} and today"))
    if method not in Payment.Method.values:
        errors.append(FieldError("method", f"must be one of {', '.join(Payment.Method.values)}"))
    if len(reference) > 140:
        errors.append(FieldError("reference", "must be at most 140 characters"))
    return errors


@dataclass(frozen=True)
class PaymentResult:
    """A recorded payment, what it settled and what is left as customer credit."""

    payment: Payment
    allocations: list[tuple[str, int]]
    credit_minor: int


def _unreversed(queryset: QuerySet[Payment]) -> QuerySet[Payment]:
    return queryset.filter(reversed_at__isnull=True)


def _settle(customer_id: int) -> list[tuple[int, str, int]]:
    """Use the customer's unallocated money on their open invoices, both oldest first.

    Return the new allocations as (payment id, invoice number, amount). The caller holds the
    customer's row lock.
    """
    payments = [
        [pk, left]
        for pk, left in _unreversed(Payment.objects.filter(customer_id=customer_id))
        .annotate(used=Coalesce(Sum("allocations__amount_minor"), Value(0)))
        .annotate(left=F("amount_minor") - F("used"))
        .filter(left__gt=0)
        .order_by("received_on", "pk")
        .values_list("pk", "left")
    ]
    if not payments:
        return []
    invoices = (
        with_balance(Invoice.objects.filter(customer_id=customer_id))
        .filter(balance_minor__gt=0, cancelled=False)  # type: ignore[misc]
        .order_by("issue_date", "number")
    )
    made: list[tuple[int, str, int]] = []
    for invoice in invoices:
        owed = invoice.balance_minor  # type: ignore[attr-defined]
        while owed and payments:
            payment = payments[0]
            share = min(owed, payment[1])
            allocation, created = Allocation.objects.get_or_create(
                payment_id=payment[0], invoice=invoice, defaults={"amount_minor": share}
            )
            if not created:
                Allocation.objects.filter(pk=allocation.pk).update(
                    amount_minor=F("amount_minor") + share
                )
            made.append((payment[0], invoice.number, share))
            owed -= share
            payment[1] -= share
            if not payment[1]:
                payments.pop(0)
        if not payments:
            break
    return made


def _lock(customer_id: int) -> None:
    """Serialize settlement per customer: payments, reversals and runs wait for each other."""
    Customer.objects.select_for_update().filter(pk=customer_id).first()


@transaction.atomic
def payment_record(
    *,
    customer: Customer,
    amount_minor: int,
    received_on: date,
    method: str = Payment.Method.TRANSFER,
    reference: str = "",
    actor: Actor,
    today: date | None = None,
) -> PaymentResult:
    """Record a payment and settle the customer's open invoices with it, oldest first."""
    today = today or installation_today()
    errors = payment_errors(amount_minor, received_on, method, reference, today)
    if errors:
        raise InvalidInput(detail="The payment cannot be recorded.", errors=errors)
    _lock(customer.pk)
    payment = Payment.objects.create(
        customer=customer,
        amount_minor=amount_minor,
        received_on=received_on,
        method=method,
        reference=reference.strip(),
        created_at=timezone.now(),
    )
    made = _settle(customer.pk)
    allocations = [(number, amount) for pk, number, amount in made if pk == payment.pk]
    left = amount_minor - sum(amount for _, amount in allocations)
    event_record(type="payment.received", obj=payment)
    audit_record(
        actor=actor,
        action="payment.record",
        obj=payment,
        changes={
            "customer": customer.pk,
            "amount": format_amount(amount_minor),
            "received_on": received_on.isoformat(),
            "allocations": [[n, format_amount(a)] for n, a in allocations],
            "credit": format_amount(left),
        },
    )
    return PaymentResult(payment, allocations, left)


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, actor: Actor) -> Payment:
    """Reverse a payment (a bounced transfer, a wrong entry): the invoices it paid reopen.

    A correction is a reversal followed by the right payment; nothing is ever deleted.
    """
    if not reason.strip():
        raise InvalidInput.single("reason", "say why the payment is reversed")
    if len(reason.strip()) > 200:
        raise InvalidInput.single("reason", "must be at most 200 characters")
    _lock(payment.customer_id)
    released = list(
        Allocation.objects.filter(payment_id=payment.pk)
        .order_by("pk")
        .values_list("invoice__number", "amount_minor")
    )
    changed = Payment.objects.filter(pk=payment.pk, reversed_at__isnull=True).update(
        reversed_at=timezone.now(), reversal_reason=reason.strip()
    )
    if not changed:
        raise Conflict(detail=f"Payment {payment.pk} is already reversed.")
    Allocation.objects.filter(payment_id=payment.pk).delete()
    audit_record(
        actor=actor,
        action="payment.reverse",
        obj=payment,
        changes={
            "amount": format_amount(payment.amount_minor),
            "reopened": [[n, format_amount(a)] for n, a in released],
        },
        note=reason.strip(),
    )
    payment.refresh_from_db()
    return payment


def allocations_release(invoice: Invoice) -> list[tuple[str, int]]:
    """Take the money paid on a cancelled invoice back as credit and settle other invoices.

    Called in the transaction that issues the invoice's credit note; returns what moved as
    (invoice number, amount) for the audit event.
    """
    _lock(invoice.customer_id)
    Allocation.objects.filter(invoice=invoice).delete()
    return [(number, amount) for _, number, amount in _settle(invoice.customer_id)]


def credit_settle(*, customer_ids: Iterable[int] | None = None, actor: Actor) -> int:
    """Apply customers' unused credit to their open invoices; return the allocations made.

    Only customers who have both unallocated money and an unpaid invoice are touched, found
    with two set-based queries, so calling it after a billing run costs little.
    """
    with_credit = _unreversed(Payment.objects.all())
    open_invoices = with_balance(Invoice.objects.all()).filter(
        balance_minor__gt=0,  # type: ignore[misc]
        cancelled=False,
    )
    if customer_ids is not None:
        ids = list(customer_ids)
        with_credit = with_credit.filter(customer_id__in=ids)
        open_invoices = open_invoices.filter(customer_id__in=ids)
    creditors = set(
        with_credit.annotate(used=Coalesce(Sum("allocations__amount_minor"), Value(0)))
        .filter(amount_minor__gt=F("used"))
        .values_list("customer_id", flat=True)
    )
    if not creditors:
        return 0
    debtors = set(
        open_invoices.filter(customer_id__in=creditors).values_list("customer_id", flat=True)
    )
    made = 0
    for customer_id in sorted(debtors):
        with transaction.atomic():
            _lock(customer_id)
            allocations = _settle(customer_id)
            if allocations:
                made += len(allocations)
                audit_record(
                    actor=actor,
                    action="payment.credit_applied",
                    obj=Customer.objects.get(pk=customer_id),
                    changes={"allocations": [[n, format_amount(a)] for _, n, a in allocations]},
                )
    return made


def customer_credit(customer_id: int) -> int:
    """Return what the customer paid that no invoice has used yet (reversed payments aside)."""
    payments = _unreversed(Payment.objects.filter(customer_id=customer_id))
    paid = payments.aggregate(s=Sum("amount_minor"))["s"]
    used = Allocation.objects.filter(
        payment__customer_id=customer_id, payment__reversed_at__isnull=True
    ).aggregate(s=Sum("amount_minor"))["s"]
    return (paid or 0) - (used or 0)
