"""Billing reads: invoices by status, and the customers in arrears."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from rota.billing.models import Invoice, Payment
from rota.billing.payments import with_balance
from rota.core.errors import InvalidInput

INVOICE_STATUSES = ("open", "partially_paid", "paid", "overdue", "credit", "cancelled")


def customer_invoices(customer_id: int, limit: int = 24) -> QuerySet[Invoice]:
    """Return a customer's latest invoices, newest first."""
    return Invoice.objects.filter(customer_id=customer_id).order_by("-issue_date", "-id")[:limit]


def invoices_with_status(queryset: QuerySet[Invoice], status: str, day: date) -> QuerySet[Invoice]:
    """Keep the invoices whose status on `day` is `status`, in SQL (see `invoice_status`)."""
    if status not in INVOICE_STATUSES:
        raise InvalidInput.single("status", f"must be one of {', '.join(INVOICE_STATUSES)}")
    invoices = with_balance(queryset)
    if status == "cancelled":
        return invoices.filter(cancelled=True)  # type: ignore[misc]
    live = invoices.filter(cancelled=False)  # type: ignore[misc]
    settled = Q(balance_minor__lte=0)
    conditions = {
        "paid": settled & Q(gross_minor__gt=0),
        "credit": settled & Q(gross_minor__lte=0),
        "overdue": Q(balance_minor__gt=0, due_date__lt=day),
        "partially_paid": Q(balance_minor__gt=0, due_date__gte=day, paid_minor__gt=0),
        "open": Q(balance_minor__gt=0, due_date__gte=day, paid_minor=0),
    }
    return live.filter(conditions[status])


@dataclass(frozen=True)
class Arrears:
    """A customer with overdue invoices: how much, since when, and their last payment."""

    customer_id: int
    name: str
    segment: str
    invoices: int
    overdue_minor: int
    oldest_due: date
    days_overdue: int
    last_payment: date | None


def arrears_list(day: date, *, segment: str | None = None, min_days: int = 0) -> list[Arrears]:
    """Return the customers with invoices overdue on `day`, longest overdue first.

    `min_days` keeps those whose oldest overdue invoice is at least that many days late.
    One query over the overdue invoices; the sums per customer are made from its rows.
    """
    if min_days < 0:
        raise InvalidInput.single("min_days", "must be at least 0")
    last_payment = (
        Payment.objects.filter(customer=OuterRef("customer"), reversed_at__isnull=True)
        .order_by("-received_on")
        .values("received_on")[:1]
    )
    invoices = Invoice.objects.filter(kind=Invoice.Kind.REGULAR)
    if segment:
        invoices = invoices.filter(customer__segment=segment)
    rows = (
        invoices_with_status(invoices, "overdue", day)
        .annotate(last_payment=Subquery(last_payment))
        .values_list(
            "customer_id",
            "customer__kind",
            "customer__company_name",
            "customer__first_name",
            "customer__last_name",
            "customer__segment",
            "balance_minor",
            "due_date",
            "last_payment",
        )
        .order_by()
    )
    found: dict[int, list[Any]] = {}
    for cid, kind, company, first, last, seg, balance, due, paid_on in rows:
        entry = found.get(cid)
        if entry is None:
            name = company if kind == "company" else f"{first} {last}".strip()
            found[cid] = [name, seg, 1, balance, due, paid_on]
        else:
            entry[2] += 1
            entry[3] += balance
            entry[4] = min(entry[4], due)
    cutoff = day - timedelta(days=min_days)
    result = [
        Arrears(cid, name, seg, count, owed, oldest, (day - oldest).days, paid_on)
        for cid, (name, seg, count, owed, oldest, paid_on) in found.items()
        if oldest <= cutoff
    ]
    result.sort(key=lambda a: (a.oldest_due, -a.overdue_minor, a.customer_id))
    return result
