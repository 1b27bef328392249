"""Load the demo ISP through the same services a user would use."""

from __future__ import annotations

from django.db import transaction

from rota.audit.actors import Actor
from rota.catalog.models import AddOn, Offer
from rota.catalog.services import addon_create, offer_create, offer_publish
from rota.demo.catalog import ADDONS, OFFERS


@transaction.atomic
def demo_catalog_load(*, actor: Actor) -> tuple[int, int]:
    """Create and publish the demo catalog; skip what exists. Return (add-ons, offers) created."""
    addons = 0
    for spec in ADDONS:
        if AddOn.objects.filter(code=spec["code"]).exists():
            continue
        segments = str(spec["segments"])
        addon_create(
            code=str(spec["code"]),
            values={
                "name": spec["name"],
                "description": spec["description"],
                "monthly_price_minor": spec["price"],
                "for_household": "h" in segments,
                "for_business": "b" in segments,
            },
            actor=actor,
        )
        addons += 1
    offers = 0
    for code, segment, data in OFFERS:
        if Offer.objects.filter(code=code).exists():
            continue
        draft = offer_create(code=code, segment=segment, data=data, actor=actor)
        offer_publish(version=draft, actor=actor)
        offers += 1
    return addons, offers
