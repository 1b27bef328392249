"""Customer reads: one customer, search."""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import Q, QuerySet

from rota.core.errors import NotFound
from rota.customers.models import Customer


def customer_get(pk: int) -> Customer:
    """Return one customer or raise NotFound."""
    found = Customer.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(detail=f"There is no customer {pk}.")
    return found


def search_customers(query: str) -> QuerySet[Customer]:
    """Find customers by name, email, phone, tax id or address."""
    queryset = Customer.objects.order_by("id")
    text = query.strip()
    if not text:
        return queryset
    digits = "".join(ch for ch in text if ch.isdigit())
    condition = (
        Q(last_name__icontains=text)
        | Q(first_name__icontains=text)
        | Q(company_name__icontains=text)
        | Q(email__icontains=text)
        | Q(street__icontains=text)
        | Q(city__icontains=text)
        | Q(postal_code__icontains=text)
    )
    if len(digits) >= 4:
        condition |= Q(phone__contains=digits) | Q(tax_id__contains=digits)
    parts = text.split()
    if len(parts) == 2:
        condition |= Q(first_name__iexact=parts[0], last_name__iexact=parts[1])
    return queryset.filter(condition)


def with_tag(queryset: QuerySet[Customer], tag: str) -> QuerySet[Customer]:
    """Keep the customers that carry `tag` (tags are stored lower case)."""
    tag = tag.strip().lower()
    if connection.features.supports_json_field_contains:
        return queryset.filter(tags__contains=[tag])
    # SQLite stores the list as JSON text, non-ASCII escaped: match the encoded element.
    return queryset.filter(tags__icontains=json.dumps(tag))
