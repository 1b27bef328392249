"""TMF620 writes on draft offers, each one transaction through the catalog's services."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from rota.audit.actors import Actor
from rota.catalog import services as catalog
from rota.catalog.models import Offer, OfferVersion, VersionStatus
from rota.catalog.selectors import offer_version_get
from rota.core.errors import Conflict, InvalidInput
from rota.integrations.tmf620 import LIFECYCLE, OfferingInput


def _draft(offer: Offer, what: str) -> OfferVersion:
    """Return the offer's current version if it is a draft that was never published."""
    current = offer_version_get(offer.code)
    if current.status != VersionStatus.DRAFT:
        raise Conflict(
            detail=f"productOffering {offer.code} is {LIFECYCLE[current.status]!r}; only an "
            f"offering 'In design' can be {what}. Change an offer on sale through "
            f"/api/v1/offers/{offer.code}, which publishes a new version."
        )
    return current


def offering_code(name: str) -> str:
    """Return the offer code a new offering's name gives: "Fiber 500" -> "fiber-500"."""
    code = slugify(name)[:40].strip("-")
    if not code:
        raise InvalidInput.single("name", "must contain letters or digits (it gives the id)")
    return code


@transaction.atomic
def offering_create(
    *, request: OfferingInput, default_tax_rate: Decimal, actor: Actor
) -> OfferVersion:
    """Create a draft offer from a productOffering; its id is the code its name gives."""
    code = offering_code(str(request.changes["name"]))
    if Offer.objects.filter(code=code).exists():
        raise Conflict(
            detail=f"productOffering {code} already exists; give the new one another name."
        )
    data = catalog.VersionData(**{"tax_rate": default_tax_rate, **request.changes})
    return catalog.offer_create(code=code, segment=str(request.segment), data=data, actor=actor)


@transaction.atomic
def offering_update(*, offer: Offer, request: OfferingInput, actor: Actor) -> OfferVersion:
    """Change a draft offering and, when asked, publish it; all or nothing."""
    draft = _draft(offer, "changed")
    if request.changes:
        data = replace(catalog.VersionData.of(draft), **request.changes)
        draft = catalog.offer_draft_update(version=draft, data=data, actor=actor)
    if request.publish:
        draft = catalog.offer_publish(version=draft, actor=actor)
    return draft


@transaction.atomic
def offering_delete(*, offer: Offer, actor: Actor) -> None:
    """Delete an offering that is still in design (and with it the offer)."""
    catalog.offer_draft_delete(version=_draft(offer, "deleted"), actor=actor)
