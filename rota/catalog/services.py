"""Catalog writes: create and edit drafts, publish, supersede, retire; add-ons.

A published version never changes. Changing an active offer publishes a new version and
marks the previous one superseded, so what existing customers signed stays on record.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from rota.audit.actors import Actor
from rota.audit.services import audit_record, diff
from rota.billing.pricing import Phase, schedule_errors
from rota.catalog.models import (
    AddOn,
    EarlyTerminationRule,
    Feature,
    Offer,
    OfferVersion,
    PricePhase,
    Segment,
    Technology,
    VersionStatus,
)
from rota.core.errors import Conflict, FieldError, InvalidInput
from rota.core.money import format_amount
from rota.integrations.webhooks import event_record

MAX_TERM_MONTHS = 120
MAX_MBPS = 100_000
MAX_DATA_CAP_GB = 1_000_000
MAX_FROM_MONTH = 600
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


# The version fields that are stored exactly as VersionData holds them.
SCALAR_FIELDS = (
    "name",
    "technology",
    "download_mbps",
    "upload_mbps",
    "symmetric",
    "data_cap_gb",
    "tagline",
    "description",
    "prices_include_tax",
    "tax_rate",
    "early_termination_rule",
)


@dataclass(frozen=True)
class Term:
    """A contract term and its price schedule."""

    months: int
    phases: tuple[Phase, ...]


@dataclass(frozen=True)
class VersionData:
    """Everything a version of an offer says, as plain values."""

    name: str
    technology: str
    download_mbps: int
    upload_mbps: int
    symmetric: bool = False
    data_cap_gb: int | None = None
    tagline: str = ""
    description: str = ""
    features: tuple[str, ...] = ()
    prices_include_tax: bool = True
    tax_rate: Decimal = Decimal("0.23")
    early_termination_rule: str = EarlyTerminationRule.NONE
    early_termination_amount_minor: int = 0
    addons: tuple[str, ...] = ()
    terms: tuple[Term, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, version: OfferVersion) -> VersionData:
        """Read a stored version back into plain values."""
        terms: dict[int, list[Phase]] = {}
        for phase in version.phases.order_by("term_months", "from_month"):
            terms.setdefault(phase.term_months, []).append(
                Phase(phase.from_month, phase.monthly_price_minor)
            )
        return cls(
            **{name: getattr(version, name) for name in SCALAR_FIELDS},
            features=tuple(version.features),
            early_termination_amount_minor=version.early_termination_amount_minor,
            addons=tuple(version.addons.order_by("code").values_list("code", flat=True)),
            terms=tuple(Term(m, tuple(p)) for m, p in sorted(terms.items())),
        )

    def canonical(self) -> VersionData:
        """Return the same data with terms and add-ons in a fixed order, for comparing."""
        return replace(
            self,
            terms=tuple(sorted(self.terms, key=lambda t: t.months)),
            addons=tuple(sorted(self.addons)),
        )

    def audit_view(self) -> dict[str, Any]:
        """Return the values as the audit trail shows them."""
        values = asdict(self)
        values["tax_rate"] = format(self.tax_rate.normalize(), "f")
        values["terms"] = [
            {
                "months": t.months,
                "phases": [[p.from_month, format_amount(p.monthly_price_minor)] for p in t.phases],
            }
            for t in self.canonical().terms
        ]
        values["early_termination_amount_minor"] = format_amount(
            self.early_termination_amount_minor
        )
        values["features"] = list(self.features)
        values["addons"] = sorted(self.addons)
        return values


def version_errors(data: VersionData, *, segment: str) -> list[FieldError]:
    """Return every rule the version data breaks, each naming its field."""
    errors: list[FieldError] = []

    def add(name: str, message: str) -> None:
        errors.append(FieldError(name, message))

    if not data.name.strip():
        add("name", "must not be empty")
    elif len(data.name) > 120:
        add("name", "must be at most 120 characters")
    if len(data.tagline) > 200:
        add("tagline", "must be at most 200 characters")
    if data.technology not in Technology.values:
        add("technology", f"must be one of {', '.join(Technology.values)}")
    for name in ("download_mbps", "upload_mbps"):
        if not 0 < getattr(data, name) <= MAX_MBPS:
            add(name, f"must be a number of Mb/s between 1 and {MAX_MBPS}")
    if data.symmetric and data.download_mbps != data.upload_mbps:
        add("upload_mbps", "must equal download_mbps for a symmetric offer")
    if data.data_cap_gb is not None and not 0 < data.data_cap_gb <= MAX_DATA_CAP_GB:
        add("data_cap_gb", f"must be 1 to {MAX_DATA_CAP_GB} GB, or empty for unlimited")
    unknown_features = [f for f in data.features if f not in Feature.values]
    if unknown_features:
        add("features", f"unknown feature(s): {', '.join(unknown_features)}")
    if not (Decimal(0) <= data.tax_rate < Decimal(1)):
        add("tax_rate", "must be at least 0 and below 1 (0.23 means 23%)")
    elif data.tax_rate.normalize().as_tuple().exponent < -4:  # type: ignore[operator]
        add("tax_rate", "must have at most 4 decimal places")
    if data.early_termination_rule not in EarlyTerminationRule.values:
        add("early_termination_rule", f"must be one of {', '.join(EarlyTerminationRule.values)}")
    elif data.early_termination_rule == EarlyTerminationRule.NONE:
        if data.early_termination_amount_minor != 0:
            add("early_termination_amount", "must be 0 when there is no early-termination fee")
    elif data.early_termination_amount_minor <= 0:
        add("early_termination_amount", "must be positive for this early-termination rule")
    errors.extend(_addon_errors(data.addons, segment))
    seen: set[int] = set()
    for i, term in enumerate(data.terms):
        where = f"contract_terms[{i}]"
        if not 0 <= term.months <= MAX_TERM_MONTHS:
            add(f"{where}.months", f"must be between 0 and {MAX_TERM_MONTHS}")
        if term.months in seen:
            add(f"{where}.months", f"the {term.months}-month term is given twice")
        seen.add(term.months)
        for message in schedule_errors(term.phases):
            add(f"{where}.phases", message)
        if any(p.from_month > MAX_FROM_MONTH for p in term.phases):
            add(f"{where}.phases", f"from_month must be at most {MAX_FROM_MONTH}")
    return errors


def _addon_errors(codes: tuple[str, ...], segment: str) -> list[FieldError]:
    if len(set(codes)) != len(codes):
        return [FieldError("addons", "an add-on is listed twice")]
    found = {a.code: a for a in AddOn.objects.filter(code__in=codes)}
    errors = []
    unknown = [c for c in codes if c not in found]
    if unknown:
        errors.append(FieldError("addons", f"unknown add-on code(s): {', '.join(unknown)}"))
    for code in codes:
        addon = found.get(code)
        if addon is None:
            continue
        if not addon.is_active:
            errors.append(FieldError("addons", f"add-on {code} is no longer sold"))
        elif segment not in addon.segments:
            errors.append(FieldError("addons", f"add-on {code} is not sold to {segment} offers"))
    return errors


def _check(data: VersionData, *, segment: str) -> None:
    errors = version_errors(data, segment=segment)
    if errors:
        raise InvalidInput(detail="The offer has invalid fields.", errors=errors)


def _write_version(version: OfferVersion, data: VersionData) -> None:
    """Store data on a draft version, replacing its phases and add-ons."""
    for name in (*SCALAR_FIELDS, "early_termination_amount_minor"):
        setattr(version, name, getattr(data, name))
    version.name = data.name.strip()
    version.features = list(data.features)
    version.save()
    version.phases.all().delete()
    PricePhase.objects.bulk_create(
        PricePhase(
            version=version,
            term_months=term.months,
            from_month=phase.from_month,
            monthly_price_minor=phase.monthly_price_minor,
        )
        for term in data.terms
        for phase in term.phases
    )
    version.addons.set(AddOn.objects.filter(code__in=data.addons))


def _code_errors(code: str, model: type[Offer] | type[AddOn], what: str) -> list[FieldError]:
    if not CODE_PATTERN.match(code):
        return [FieldError("code", "must be 1-40 letters, digits, '-' or '_' (e.g. 4business-pro)")]
    if model.objects.filter(code=code).exists():
        return [FieldError("code", f"an {what} with code {code!r} already exists")]
    return []


def offer_code_errors(code: str) -> list[FieldError]:
    """Return what is wrong with a new offer's code."""
    return _code_errors(code, Offer, "offer")


@transaction.atomic
def offer_create(*, code: str, segment: str, data: VersionData, actor: Actor) -> OfferVersion:
    """Create an offer with its first version as a draft."""
    code = code.strip()
    errors = offer_code_errors(code)
    if segment not in Segment.values:
        errors.append(FieldError("segment", f"must be one of {', '.join(Segment.values)}"))
    else:
        errors.extend(version_errors(data, segment=segment))
    if errors:
        raise InvalidInput(detail="The offer cannot be created.", errors=errors)
    try:
        with transaction.atomic():
            offer = Offer.objects.create(code=code, segment=segment)
    except IntegrityError as exc:
        raise InvalidInput.single("code", f"an offer with code {code!r} already exists") from exc
    version = OfferVersion(offer=offer, number=1, status=VersionStatus.DRAFT)
    _write_version(version, data)
    event_record(type="offer.version_created", obj=version, ordered_by=offer)
    audit_record(
        actor=actor,
        action="offer.create",
        obj=version,
        changes={"code": code, "segment": segment, **data.audit_view()},
    )
    return version


def _locked(version: OfferVersion) -> OfferVersion:
    return OfferVersion.objects.select_for_update().select_related("offer").get(pk=version.pk)


@transaction.atomic
def offer_draft_update(*, version: OfferVersion, data: VersionData, actor: Actor) -> OfferVersion:
    """Change a draft version in place."""
    version = _locked(version)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(detail=f"{version} is {version.status}; only drafts can be edited in place.")
    _check(data, segment=version.offer.segment)
    before = VersionData.of(version).audit_view()
    _write_version(version, data)
    audit_record(
        actor=actor, action="offer.update", obj=version, changes=diff(before, data.audit_view())
    )
    return version


@transaction.atomic
def offer_new_draft(*, offer: Offer, actor: Actor) -> OfferVersion:
    """Start the next version of an active offer as a draft copy of the active one."""
    current = _current(offer)
    if current.status == VersionStatus.DRAFT:
        raise Conflict(detail=f"Offer {offer.code} already has a draft (version {current.number}).")
    if current.status != VersionStatus.ACTIVE:
        raise Conflict(detail=f"Offer {offer.code} is retired and cannot be changed.")
    data = VersionData.of(current)
    draft = OfferVersion(offer=offer, number=current.number + 1, status=VersionStatus.DRAFT)
    _write_version(draft, data)
    event_record(type="offer.version_created", obj=draft, ordered_by=offer)
    audit_record(
        actor=actor, action="offer.new_version", obj=draft, changes={"from_version": current.number}
    )
    return draft


def _current(offer: Offer) -> OfferVersion:
    """Return the offer's newest version, locked for the rest of the transaction."""
    return (
        OfferVersion.objects.select_for_update()
        .select_related("offer")
        .filter(offer=offer)
        .order_by("-number")
        .first()
    ) or _no_version(offer)


def _no_version(offer: Offer) -> OfferVersion:
    raise Conflict(detail=f"Offer {offer.code} has no version.")


def _publish_errors(data: VersionData) -> list[FieldError]:
    if not data.terms:
        return [FieldError("contract_terms", "add at least one contract term with its prices")]
    return []


@transaction.atomic
def offer_publish(*, version: OfferVersion, actor: Actor) -> OfferVersion:
    """Publish a draft: it becomes the version that is sold; the previous one is superseded."""
    version = _locked(version)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(detail=f"{version} is {version.status}; only a draft can be published.")
    data = VersionData.of(version)
    errors = version_errors(data, segment=version.offer.segment) + _publish_errors(data)
    if errors:
        raise InvalidInput(detail="The offer is incomplete and cannot be published.", errors=errors)
    now = timezone.now()
    previous = (
        OfferVersion.objects.select_for_update()
        .filter(offer=version.offer, status=VersionStatus.ACTIVE)
        .first()
    )
    if previous is not None:
        OfferVersion.objects.filter(pk=previous.pk, status=VersionStatus.ACTIVE).update(
            status=VersionStatus.SUPERSEDED, ended_at=now
        )
    updated = OfferVersion.objects.filter(pk=version.pk, status=VersionStatus.DRAFT).update(
        status=VersionStatus.ACTIVE, published_at=now
    )
    if updated != 1:
        raise Conflict(detail=f"{version} was published by someone else.")
    version.refresh_from_db()
    event_record(type="offer.published", obj=version, ordered_by=version.offer)
    audit_record(
        actor=actor,
        action="offer.publish",
        obj=version,
        changes={
            "status": [VersionStatus.DRAFT, VersionStatus.ACTIVE],
            "supersedes": previous.number if previous else None,
        },
    )
    return version


@transaction.atomic
def offer_update(*, offer: Offer, changes: dict[str, Any], actor: Actor) -> OfferVersion:
    """Apply changes to an offer: a draft is edited, an active offer gets a new version."""
    current = _current(offer)
    data = replace(VersionData.of(current), **changes)
    if current.status == VersionStatus.DRAFT:
        return offer_draft_update(version=current, data=data, actor=actor)
    if current.status != VersionStatus.ACTIVE:
        raise Conflict(detail=f"Offer {offer.code} is retired and cannot be changed.")
    _check(data, segment=offer.segment)
    _publish_check(data)
    if data.canonical() == VersionData.of(current).canonical():
        return current
    draft = offer_new_draft(offer=offer, actor=actor)
    offer_draft_update(version=draft, data=data, actor=actor)
    return offer_publish(version=draft, actor=actor)


def _publish_check(data: VersionData) -> None:
    errors = _publish_errors(data)
    if errors:
        raise InvalidInput(detail="The offer is incomplete.", errors=errors)


@transaction.atomic
def offer_retire(*, offer: Offer, actor: Actor) -> OfferVersion:
    """Stop selling an offer. Its versions keep billing the customers who have them."""
    current = _current(offer)
    if current.status == VersionStatus.DRAFT:
        raise Conflict(
            detail=f"Offer {offer.code} has an unpublished draft (version {current.number}); "
            "publish or delete it first."
        )
    if current.status != VersionStatus.ACTIVE:
        raise Conflict(detail=f"Offer {offer.code} is already retired.")
    now = timezone.now()
    OfferVersion.objects.filter(pk=current.pk, status=VersionStatus.ACTIVE).update(
        status=VersionStatus.RETIRED, ended_at=now
    )
    current.refresh_from_db()
    event_record(type="offer.retired", obj=current, ordered_by=offer)
    audit_record(
        actor=actor,
        action="offer.retire",
        obj=current,
        changes={"status": [VersionStatus.ACTIVE, VersionStatus.RETIRED]},
    )
    return current


@transaction.atomic
def offer_draft_delete(*, version: OfferVersion, actor: Actor) -> None:
    """Throw away a draft; an offer that was never published disappears with it."""
    version = _locked(version)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(detail=f"{version} is {version.status}; only drafts can be deleted.")
    offer = version.offer
    audit_record(actor=actor, action="offer.delete_draft", obj=version)
    version.phases.all().delete()
    version.addons.clear()
    version.delete()
    if not offer.versions.exists():
        offer.delete()


ADDON_FIELDS = ("name", "description", "monthly_price_minor", "for_household", "for_business")


def _addon_errors_for(values: dict[str, Any]) -> list[FieldError]:
    errors = []
    if not str(values.get("name", "")).strip():
        errors.append(FieldError("name", "must not be empty"))
    if values.get("monthly_price_minor", 0) < 0:
        errors.append(FieldError("monthly_price", "must not be negative"))
    if not (values.get("for_household") or values.get("for_business")):
        errors.append(FieldError("segments", "choose at least one segment"))
    return errors


def _addon_audit(values: dict[str, Any]) -> dict[str, Any]:
    """Show the price as a decimal string, as the rest of the audit trail does."""
    shown = dict(values)
    if "monthly_price_minor" in shown:
        shown["monthly_price"] = format_amount(shown.pop("monthly_price_minor"))
    return shown


@transaction.atomic
def addon_create(*, code: str, values: dict[str, Any], actor: Actor) -> AddOn:
    """Create an add-on."""
    code = code.strip()
    errors = _code_errors(code, AddOn, "add-on") + _addon_errors_for(values)
    if errors:
        raise InvalidInput(detail="The add-on cannot be created.", errors=errors)
    addon = AddOn.objects.create(code=code, **{k: values[k] for k in ADDON_FIELDS if k in values})
    audit_record(actor=actor, action="addon.create", obj=addon, changes=_addon_audit(values))
    return addon


@transaction.atomic
def addon_update(*, addon: AddOn, changes: dict[str, Any], actor: Actor) -> AddOn:
    """Change an add-on's name, price, segments or whether it is still sold."""
    addon = AddOn.objects.select_for_update().get(pk=addon.pk)
    fields = (*ADDON_FIELDS, "is_active")
    before = {k: getattr(addon, k) for k in fields}
    after = {**before, **{k: v for k, v in changes.items() if k in fields}}
    errors = _addon_errors_for(after)
    if errors:
        raise InvalidInput(detail="The add-on has invalid fields.", errors=errors)
    for key, value in after.items():
        setattr(addon, key, value)
    addon.save()
    audit_record(
        actor=actor,
        action="addon.update",
        obj=addon,
        changes=diff(_addon_audit(before), _addon_audit(after)),
    )
    return addon
