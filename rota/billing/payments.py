"""Payments: record money received and settle the customer's open invoices, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from rota.audit.actors import Actor
from rota.audit.services import audit_record
from rota.billing.models import Allocation, Invoice, Payment
from rota.core.errors import FieldError, InvalidInput
from rota.core.money import format_amount
from rota.core.periods import EARLIEST
from rota.customers.models import Customer


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
    """Record a payment and allocate it to the customer's open invoices, oldest first."""
    today = today or timezone.localdate()
    errors = payment_errors(amount_minor, received_on, method, reference, today)
    if errors:
        raise InvalidInput(detail="The payment cannot be recorded.", errors=errors)
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    payment = Payment.objects.create(
        customer=customer,
        amount_minor=amount_minor,
        received_on=received_on,
        method=method,
        reference=reference.strip(),
        created_at=timezone.now(),
    )
    left = amount_minor
    allocations: list[tuple[str, int]] = []
    open_invoices = (
        with_balance(Invoice.objects.filter(customer=customer))
        .filter(balance_minor__gt=0, cancelled=False)  # type: ignore[misc]
        .order_by("issue_date", "number")
    )
    for invoice in open_invoices:
        if left == 0:
            break
        share = min(left, invoice.balance_minor)  # type: ignore[attr-defined]
        Allocation.objects.create(payment=payment, invoice=invoice, amount_minor=share)
        allocations.append((invoice.number, share))
        left -= share
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


def customer_credit(customer_id: int) -> int:
    """Return what the customer paid that no invoice has used yet."""
    paid = Payment.objects.filter(customer_id=customer_id).aggregate(s=Sum("amount_minor"))["s"]
    used = Allocation.objects.filter(payment__customer_id=customer_id).aggregate(
        s=Sum("amount_minor")
    )["s"]
    return (paid or 0) - (used or 0)
