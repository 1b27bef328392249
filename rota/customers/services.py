"""Customer writes: create and change people and companies, with validated identities."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from rota.audit.actors import Actor
from rota.audit.services import audit_record, diff
from rota.catalog.models import Segment
from rota.core.errors import FieldError, InvalidInput
from rota.customers.models import Customer, CustomerKind
from rota.customers.validation import (
    normalize_email,
    normalize_phone,
    normalize_regon,
    normalize_tax_id,
)
from rota.installation.models import Country
from rota.installation.selectors import installation_get, installation_today
from rota.integrations.webhooks import event_record


@dataclass(frozen=True)
class CustomerData:
    """Everything a customer record says, as plain values."""

    kind: str
    street: str
    building: str
    postal_code: str
    city: str
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    segment: str = ""
    email: str = ""
    phone: str = ""
    tax_id: str = ""
    regon: str = ""
    apartment: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""
    marketing_consent: bool = False
    country: str = field(default="")

    @classmethod
    def of(cls, customer: Customer) -> CustomerData:
        """Read a stored customer back into plain values."""
        values = {name: getattr(customer, name) for name in cls.__dataclass_fields__}
        values["tags"] = tuple(customer.tags)
        return cls(**values)


def _clean(data: CustomerData) -> tuple[CustomerData, list[FieldError]]:
    """Return normalised data and every rule it breaks."""
    errors: list[FieldError] = []
    country = data.country or installation_get().country
    if data.kind not in CustomerKind.values:
        errors.append(FieldError("kind", "must be person or company"))
        return data, errors
    segment = data.segment or (
        Segment.BUSINESS if data.kind == CustomerKind.COMPANY else Segment.HOUSEHOLD
    )
    if segment not in Segment.values:
        errors.append(FieldError("segment", f"must be one of {', '.join(Segment.values)}"))
    if data.kind == CustomerKind.PERSON:
        if not data.last_name.strip():
            errors.append(FieldError("last_name", "is required for a person"))
        if not data.first_name.strip():
            errors.append(FieldError("first_name", "is required for a person"))
    elif not data.company_name.strip():
        errors.append(FieldError("company_name", "is required for a company"))
    for name in ("street", "building", "postal_code", "city"):
        if not str(getattr(data, name)).strip():
            errors.append(FieldError(name, "is required"))
    values: dict[str, Any] = {}
    checks = {
        "email": lambda: normalize_email(data.email),
        "phone": lambda: normalize_phone(data.phone, country=country),
        "tax_id": lambda: normalize_tax_id(data.tax_id, country=country, kind=data.kind),
        "regon": lambda: normalize_regon(data.regon) if country == Country.POLAND else "",
    }
    for name, check in checks.items():
        try:
            values[name] = check()
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if data.kind == CustomerKind.COMPANY and country != Country.OTHER and not data.tax_id:
        errors.append(FieldError("tax_id", "is required for a company"))
    tags = tuple(sorted({t.strip().lower() for t in data.tags if t.strip()}))
    cleaned = replace(
        data,
        segment=segment,
        country=country,
        tags=tags,
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        company_name=data.company_name.strip(),
        **{k: v for k, v in values.items()},
    )
    return cleaned, errors


def customer_errors(data: CustomerData) -> list[FieldError]:
    """Return every rule the data breaks (for forms that show errors before saving)."""
    return _clean(data)[1]


@transaction.atomic
def customer_create(*, data: CustomerData, actor: Actor, today: date | None = None) -> Customer:
    """Create a customer."""
    data, errors = _clean(data)
    if errors:
        raise InvalidInput(detail="The customer has invalid fields.", errors=errors)
    today = today or installation_today()
    values = asdict(data)
    values["tags"] = list(data.tags)
    customer = Customer.objects.create(
        **values,
        marketing_consent_changed_on=today if data.marketing_consent else None,
        created_at=timezone.now(),
    )
    event_record(type="customer.created", obj=customer)
    audit_record(actor=actor, action="customer.create", obj=customer, changes=values)
    return customer


@transaction.atomic
def customer_update(
    *, customer: Customer, changes: dict[str, Any], actor: Actor, today: date | None = None
) -> Customer:
    """Change a customer's details; a consent change records the day it changed."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before = CustomerData.of(customer)
    if "kind" in changes and changes["kind"] != customer.kind:
        raise InvalidInput.single("kind", "cannot change; create a new customer instead")
    data, errors = _clean(replace(before, **changes))
    if errors:
        raise InvalidInput(detail="The customer has invalid fields.", errors=errors)
    today = today or installation_today()
    if data.marketing_consent != before.marketing_consent:
        customer.marketing_consent_changed_on = today
    after = asdict(data)
    after["tags"] = list(data.tags)
    for name, value in after.items():
        setattr(customer, name, value)
    customer.save()
    before_values = asdict(before)
    before_values["tags"] = list(before.tags)
    changed = diff(before_values, after)
    if changed:
        event_record(type="customer.updated", obj=customer)
        audit_record(actor=actor, action="customer.update", obj=customer, changes=changed)
    return customer
