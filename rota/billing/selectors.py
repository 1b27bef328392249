"""Billing reads."""

from __future__ import annotations

from django.db.models import QuerySet

from rota.billing.models import Invoice


def customer_invoices(customer_id: int, limit: int = 24) -> QuerySet[Invoice]:
    """Return a customer's latest invoices, newest first."""
    return Invoice.objects.filter(customer_id=customer_id).order_by("-issue_date", "-id")[:limit]
