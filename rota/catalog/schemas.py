"""API shapes of the catalog. Money travels as decimal strings, never floats."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ninja import Schema
from pydantic import Field

from rota.billing.pricing import Phase
from rota.catalog.models import AddOn, EarlyTerminationRule, OfferVersion, Segment, Technology
from rota.catalog.selectors import terms_of
from rota.catalog.services import Term, VersionData
from rota.core.errors import FieldError, InvalidInput
from rota.core.money import format_amount, parse_amount


class PhaseSchema(Schema):
    from_month: int = Field(ge=0, description="Contract month the price starts in; 0 = first")
    monthly_price: str = Field(description="Decimal string, e.g. '94.99'", examples=["94.99"])


class TermSchema(Schema):
    months: int = Field(ge=0, description="Contract term in months; 0 = no commitment")
    phases: list[PhaseSchema]


class EarlyTerminationSchema(Schema):
    rule: EarlyTerminationRule = EarlyTerminationRule.NONE
    amount: str = Field(default="0.00", description="Fixed fee, or fee per remaining started month")


class OfferOut(Schema):
    code: str
    name: str
    segment: Segment
    technology: Technology
    download_mbps: int
    upload_mbps: int
    symmetric: bool
    data_cap_gb: int | None
    tagline: str
    description: str
    features: list[str]
    prices_include_tax: bool
    tax_rate: str
    currency: str
    contract_terms: list[TermSchema]
    addons: list[str]
    early_termination: EarlyTerminationSchema
    status: str
    version: int
    draft_version: int | None = Field(
        description="Number of the unpublished draft being prepared, if any"
    )
    published_at: datetime | None
    ended_at: datetime | None

    @staticmethod
    def build(version: OfferVersion, currency: str, drafts: dict[int, int]) -> dict[str, Any]:
        """Return the representation of a version (phases and add-ons prefetched)."""
        return {
            "code": version.offer.code,
            "name": version.name,
            "segment": version.offer.segment,
            "technology": version.technology,
            "download_mbps": version.download_mbps,
            "upload_mbps": version.upload_mbps,
            "symmetric": version.symmetric,
            "data_cap_gb": version.data_cap_gb,
            "tagline": version.tagline,
            "description": version.description,
            "features": version.features,
            "prices_include_tax": version.prices_include_tax,
            "tax_rate": _rate(version.tax_rate),
            "currency": currency,
            "contract_terms": [
                {
                    "months": months,
                    "phases": [
                        {
                            "from_month": p.from_month,
                            "monthly_price": format_amount(p.monthly_price_minor),
                        }
                        for p in phases
                    ],
                }
                for months, phases in terms_of(version).items()
            ],
            "addons": [a.code for a in version.addons.all()],
            "early_termination": {
                "rule": version.early_termination_rule,
                "amount": format_amount(version.early_termination_amount_minor),
            },
            "status": version.status,
            "version": version.number,
            "draft_version": drafts.get(version.offer_id),
            "published_at": version.published_at,
            "ended_at": version.ended_at,
        }


def _rate(rate: Decimal) -> str:
    text = format(rate.normalize(), "f")
    return text if "." in text else f"{text}.0"


class OfferList(Schema):
    items: list[OfferOut]
    count: int


class _VersionFields(Schema):
    def changes(self) -> dict[str, Any]:
        """Return the given fields as VersionData keyword arguments, parsing money."""
        given = self.model_dump(exclude_unset=True)
        changes: dict[str, Any] = {}
        errors: list[FieldError] = []
        for key, value in given.items():
            if key == "contract_terms":
                changes["terms"] = _terms(value, errors)
            elif key == "early_termination":
                # Fields left out keep their defaults (no fee), as in a new offer.
                changes["early_termination_rule"] = value.get("rule", EarlyTerminationRule.NONE)
                changes["early_termination_amount_minor"] = _money(
                    value.get("amount", "0.00"), "early_termination.amount", errors
                )
            elif key == "tax_rate":
                changes["tax_rate"] = _tax_rate(value, errors)
            elif key in ("features", "addons"):
                changes[key] = tuple(value)
            elif key in ("tagline", "description") and value is None:
                changes[key] = ""
            else:
                changes[key] = value
        if errors:
            raise InvalidInput(detail="The offer has invalid fields.", errors=errors)
        return changes


def _money(value: str, where: str, errors: list[FieldError]) -> int:
    try:
        return parse_amount(value, field=where)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        return 0


def _tax_rate(value: str, errors: list[FieldError]) -> Decimal:
    try:
        rate = Decimal(value.strip())
        if not rate.is_finite():
            raise InvalidOperation
    except (InvalidOperation, AttributeError):
        errors.append(FieldError("tax_rate", "must be a decimal string such as 0.23"))
        return Decimal(0)
    return rate


def _terms(value: list[dict[str, Any]], errors: list[FieldError]) -> tuple[Term, ...]:
    return tuple(
        Term(
            months=term["months"],
            phases=tuple(
                Phase(
                    phase["from_month"],
                    _money(
                        phase["monthly_price"],
                        f"contract_terms[{i}].phases[{j}].monthly_price",
                        errors,
                    ),
                )
                for j, phase in enumerate(term["phases"])
            ),
        )
        for i, term in enumerate(value)
    )


class OfferIn(_VersionFields):
    code: str = Field(max_length=40, examples=["4business"])
    segment: Segment
    name: str = Field(max_length=120)
    technology: Technology
    download_mbps: int
    upload_mbps: int
    symmetric: bool = False
    data_cap_gb: int | None = None
    tagline: str = ""
    description: str = ""
    features: list[str] = []
    prices_include_tax: bool = True
    tax_rate: str | None = Field(None, description="Default: the installation's rate")
    contract_terms: list[TermSchema] = []
    addons: list[str] = []
    early_termination: EarlyTerminationSchema = EarlyTerminationSchema()

    def to_data(self, default_tax_rate: Decimal) -> VersionData:
        """Return the version data for a new offer."""
        changes = self.changes()
        changes.pop("code", None)
        changes.pop("segment", None)
        changes.setdefault("tax_rate", default_tax_rate)
        if changes["tax_rate"] is None:
            changes["tax_rate"] = default_tax_rate
        return VersionData(**changes)


class OfferPatch(_VersionFields):
    name: str | None = Field(None, max_length=120)
    technology: Technology | None = None
    download_mbps: int | None = None
    upload_mbps: int | None = None
    symmetric: bool | None = None
    data_cap_gb: int | None = None
    tagline: str | None = None
    description: str | None = None
    features: list[str] | None = None
    prices_include_tax: bool | None = None
    tax_rate: str | None = None
    contract_terms: list[TermSchema] | None = None
    addons: list[str] | None = None
    early_termination: EarlyTerminationSchema | None = None

    def patch(self) -> dict[str, Any]:
        """Return the changes, refusing explicit nulls for required fields."""
        changes = self.changes()
        nullable = {"data_cap_gb", "tagline", "description"}
        nulls = [k for k, v in changes.items() if v is None and k not in nullable]
        if nulls:
            raise InvalidInput(
                detail="The offer has invalid fields.",
                errors=[FieldError(k, "must not be null") for k in nulls],
            )
        return changes


class AddOnOut(Schema):
    code: str
    name: str
    description: str
    monthly_price: str
    currency: str
    segments: list[Segment]
    is_active: bool

    @staticmethod
    def build(addon: AddOn, currency: str) -> dict[str, Any]:
        """Return the representation of an add-on."""
        return {
            "code": addon.code,
            "name": addon.name,
            "description": addon.description,
            "monthly_price": format_amount(addon.monthly_price_minor),
            "currency": currency,
            "segments": addon.segments,
            "is_active": addon.is_active,
        }


class AddOnList(Schema):
    items: list[AddOnOut]
    count: int


class _AddOnFields(Schema):
    def values(self) -> dict[str, Any]:
        """Return the given fields as service values, parsing money and segments."""
        # A new add-on takes the declared defaults; a patch only what was sent.
        given = self.model_dump(exclude_unset=isinstance(self, AddOnPatch))
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        for key, value in given.items():
            if value is None:
                errors.append(FieldError(key, "must not be null"))
            elif key == "monthly_price":
                values["monthly_price_minor"] = _money(value, "monthly_price", errors)
            elif key == "segments":
                values["for_household"] = Segment.HOUSEHOLD in value
                values["for_business"] = Segment.BUSINESS in value
            elif key != "code":
                values[key] = value
        if errors:
            raise InvalidInput(detail="The add-on has invalid fields.", errors=errors)
        return values


class AddOnIn(_AddOnFields):
    code: str = Field(max_length=40)
    name: str = Field(max_length=120)
    description: str = ""
    monthly_price: str
    segments: list[Segment] = [Segment.HOUSEHOLD, Segment.BUSINESS]


class AddOnPatch(_AddOnFields):
    name: str | None = Field(None, max_length=120)
    description: str | None = None
    monthly_price: str | None = None
    segments: list[Segment] | None = None
    is_active: bool | None = None
