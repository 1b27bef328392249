"""Change the installation settings."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_name
from django.db import transaction

from rota.audit.actors import Actor
from rota.audit.services import audit_record, diff
from rota.core.errors import FieldError, InvalidInput
from rota.installation.models import Country, Installation
from rota.installation.selectors import installation_forget

FIELDS = (
    "company_name",
    "seller_address",
    "seller_tax_id",
    "bank_account",
    "country",
    "currency",
    "default_tax_rate",
    "time_zone",
    "invoice_prefix",
    "payment_terms_days",
)


def installation_errors(values: dict[str, Any]) -> list[FieldError]:
    """Return the rules the settings break, each naming its field."""
    errors = []
    if not str(values["company_name"]).strip():
        errors.append(FieldError("company_name", "must not be empty"))
    if values["country"] not in Country.values:
        errors.append(FieldError("country", f"must be one of {', '.join(Country.values)}"))
    currency = str(values["currency"])
    # babel answers an unknown code with the code itself.
    if not (len(currency) == 3 and currency.isupper() and get_currency_name(currency) != currency):
        errors.append(FieldError("currency", "must be an ISO 4217 code such as PLN or BRL"))
    rate = Decimal(values["default_tax_rate"])
    if not Decimal(0) <= rate < Decimal(1):
        errors.append(FieldError("default_tax_rate", "must be at least 0 and below 1"))
    if values["time_zone"] not in zoneinfo.available_timezones():
        errors.append(FieldError("time_zone", "must be an IANA time zone such as Europe/Warsaw"))
    if len(str(values.get("seller_tax_id", ""))) > 32:
        errors.append(FieldError("seller_tax_id", "must be at most 32 characters"))
    if len(str(values.get("bank_account", ""))) > 64:
        errors.append(FieldError("bank_account", "must be at most 64 characters"))
    prefix = str(values["invoice_prefix"])
    if not prefix or not prefix.replace("-", "").isalnum() or len(prefix) > 20:
        errors.append(FieldError("invoice_prefix", "must be 1-20 letters, digits or '-'"))
    if not 0 <= int(values["payment_terms_days"]) <= 365:
        errors.append(FieldError("payment_terms_days", "must be between 0 and 365"))
    return errors


@transaction.atomic
def installation_update(*, changes: dict[str, Any], actor: Actor) -> Installation:
    """Change the settings; refuse all of it if any field is wrong."""
    installation = Installation.objects.select_for_update().get(pk=1)
    before = {name: getattr(installation, name) for name in FIELDS}
    after = {**before, **{k: v for k, v in changes.items() if k in FIELDS}}
    errors = installation_errors(after)
    if errors:
        raise InvalidInput(detail="The settings have invalid fields.", errors=errors)
    for name, value in after.items():
        setattr(installation, name, value)
    installation.save()
    installation_forget()
    audit_record(
        actor=actor, action="installation.update", obj=installation, changes=diff(before, after)
    )
    return installation
