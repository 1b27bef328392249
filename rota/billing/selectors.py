"""Billing reads: invoices by status, and the customers in arrears."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from rota.billing.models import Allocation, Invoice, Payment
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
    One grouped query: per customer, the overdue invoices, their balance and the oldest
    due date, with the customer's last payment.
    """
    if min_days < 0:
        raise InvalidInput.single("min_days", "must be at least 0")
    paid = (
        Allocation.objects.filter(invoice=OuterRef("pk"))
        .values("invoice")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    last_payment = (
        Payment.objects.filter(customer=OuterRef("customer"), reversed_at__isnull=True)
        .order_by("-received_on")
        .values("received_on")[:1]
    )
    invoices = (
        Invoice.objects.filter(kind=Invoice.Kind.REGULAR, due_date__lt=day)
        .exclude(Exists(Invoice.objects.filter(corrects=OuterRef("pk"))))
        .annotate(balance=F("gross_minor") - Coalesce(Subquery(paid), Value(0)))
        .filter(balance__gt=0)
    )
    if segment:
        invoices = invoices.filter(customer__segment=segment)
    rows = (
        invoices.values("customer_id")
        .annotate(
            count=Count("pk"),
            owed=Sum("balance"),
            oldest=Min("due_date"),
            last_payment=Subquery(last_payment),
        )
        .filter(oldest__lte=day - timedelta(days=min_days))
        .values_list(
            "customer_id",
            "customer__kind",
            "customer__company_name",
            "customer__first_name",
            "customer__last_name",
            "customer__segment",
            "count",
            "owed",
            "oldest",
            "last_payment",
        )
    )
    result = [
        Arrears(
            customer_id=cid,
            name=company if kind == "company" else f"{first} {last}".strip(),
            segment=seg,
            invoices=count,
            overdue_minor=owed,
            oldest_due=oldest,
            days_overdue=(day - oldest).days,
            last_payment=paid_on,
        )
        for cid, kind, company, first, last, seg, count, owed, oldest, paid_on in rows
    ]
    result.sort(key=lambda a: (a.oldest_due, -a.overdue_minor, a.customer_id))
    return result
