"""API shapes of customers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from rota.customers.models import Customer, CustomerKind
from rota.customers.validation import format_tax_id


class CustomerOut(Schema):
    id: int
    kind: CustomerKind
    display_name: str
    first_name: str
    last_name: str
    company_name: str
    segment: str
    email: str
    phone: str
    tax_id: str
    tax_id_display: str
    regon: str
    street: str
    building: str
    apartment: str
    postal_code: str
    city: str
    country: str
    tags: list[str]
    notes: str
    marketing_consent: bool
    marketing_consent_changed_on: date | None
    created_at: datetime

    @staticmethod
    def build(customer: Customer) -> dict[str, Any]:
        """Return the representation of a customer."""
        return {
            **{
                name: getattr(customer, name)
                for name in CustomerOut.model_fields
                if name != "tax_id_display"
            },
            "tax_id_display": format_tax_id(
                customer.tax_id, country=customer.country, kind=customer.kind
            ),
        }


class CustomerList(Schema):
    items: list[CustomerOut]
    count: int


class CustomerIn(Schema):
    kind: CustomerKind
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    company_name: str = Field("", max_length=200)
    segment: str = Field("", description="household or business; default from the kind")
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40, description="Stored in E.164")
    tax_id: str = Field("", max_length=40)
    regon: str = Field("", max_length=20)
    street: str = Field(max_length=200)
    building: str = Field(max_length=20)
    apartment: str = Field("", max_length=20)
    postal_code: str = Field(max_length=12)
    city: str = Field(max_length=100)
    tags: list[str] = []
    notes: str = ""
    marketing_consent: bool = False


class CustomerPatch(Schema):
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    company_name: str | None = Field(None, max_length=200)
    segment: str | None = None
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    tax_id: str | None = Field(None, max_length=40)
    regon: str | None = Field(None, max_length=20)
    street: str | None = Field(None, max_length=200)
    building: str | None = Field(None, max_length=20)
    apartment: str | None = Field(None, max_length=20)
    postal_code: str | None = Field(None, max_length=12)
    city: str | None = Field(None, max_length=100)
    tags: list[str] | None = None
    notes: str | None = None
    marketing_consent: bool | None = None
