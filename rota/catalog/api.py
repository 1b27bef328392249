"""Catalog endpoints: offers by code with their versions, publish, retire; add-ons."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from rota.accounts.api_auth import actor_of, scoped
from rota.catalog import selectors, services
from rota.catalog.models import Segment, Technology, VersionStatus
from rota.catalog.schemas import (
    AddOnIn,
    AddOnList,
    AddOnOut,
    AddOnPatch,
    OfferIn,
    OfferList,
    OfferOut,
    OfferPatch,
)
from rota.core.problems import ERRORS, PageQuery, page
from rota.installation.selectors import installation_get

router = Router(tags=["catalog"])
READ = scoped("catalog:read")
WRITE = scoped("catalog:write")


class OfferFilter(PageQuery):
    status: VersionStatus | None = None
    segment: Segment | None = None
    technology: Technology | None = None


def _offers(versions: list[Any]) -> list[dict[str, Any]]:
    currency = installation_get().currency
    drafts = selectors.draft_numbers([v.offer_id for v in versions])
    return [OfferOut.build(v, currency, drafts) for v in versions]


def _offer(version: Any) -> dict[str, Any]:
    return _offers([version])[0]


@router.get("/offers", response={200: OfferList, **ERRORS}, auth=READ)
def list_offers(request: HttpRequest, filters: Query[OfferFilter]) -> dict[str, Any]:
    """List offers (each at its newest version), filtered by status, segment, technology."""
    versions = selectors.offer_current_versions(
        status=filters.status, segment=filters.segment, technology=filters.technology
    )
    rows = versions[page(filters.limit, filters.offset)]
    return {"items": _offers(list(rows)), "count": versions.count()}


@router.post("/offers", response={201: OfferOut, **ERRORS}, auth=WRITE)
def create_offer(request: HttpRequest, payload: OfferIn) -> Status[dict[str, Any]]:
    """Create an offer as a draft (version 1)."""
    data = payload.to_data(installation_get().default_tax_rate)
    version = services.offer_create(
        code=payload.code, segment=payload.segment, data=data, actor=actor_of(request)
    )
    return Status(201, _offer(selectors.offer_version_get(version.offer.code, version.number)))


@router.get("/offers/{code}", response={200: OfferOut, **ERRORS}, auth=READ)
def get_offer(request: HttpRequest, code: str) -> dict[str, Any]:
    """Get an offer at its newest version."""
    return _offer(selectors.offer_version_get(code))


@router.patch("/offers/{code}", response={200: OfferOut, **ERRORS}, auth=WRITE)
def update_offer(request: HttpRequest, code: str, payload: OfferPatch) -> dict[str, Any]:
    """Change an offer: a draft is edited in place; an active offer gets a new version."""
    offer = selectors.offer_get(code)
    version = services.offer_update(offer=offer, changes=payload.patch(), actor=actor_of(request))
    return _offer(selectors.offer_version_get(code, version.number))


@router.get("/offers/{code}/versions", response={200: OfferList, **ERRORS}, auth=READ)
def list_offer_versions(request: HttpRequest, code: str) -> dict[str, Any]:
    """List every version of an offer, newest first."""
    versions = list(selectors.offer_versions(code))
    return {"items": _offers(versions), "count": len(versions)}


@router.get("/offers/{code}/versions/{number}", response={200: OfferOut, **ERRORS}, auth=READ)
def get_offer_version(request: HttpRequest, code: str, number: int) -> dict[str, Any]:
    """Get one version of an offer."""
    return _offer(selectors.offer_version_get(code, number))


@router.post("/offers/{code}/publish", response={200: OfferOut, **ERRORS}, auth=WRITE)
def publish_offer(request: HttpRequest, code: str) -> dict[str, Any]:
    """Publish the offer's draft; the version sold until now is superseded."""
    draft = selectors.offer_version_get(code, newest=True)
    version = services.offer_publish(version=draft, actor=actor_of(request))
    return _offer(selectors.offer_version_get(code, version.number))


@router.post("/offers/{code}/retire", response={200: OfferOut, **ERRORS}, auth=WRITE)
def retire_offer(request: HttpRequest, code: str) -> dict[str, Any]:
    """Stop selling the offer; existing customers keep their version."""
    version = services.offer_retire(offer=selectors.offer_get(code), actor=actor_of(request))
    return _offer(selectors.offer_version_get(code, version.number))


class AddOnFilter(PageQuery):
    is_active: bool | None = None


@router.get("/addons", response={200: AddOnList, **ERRORS}, auth=READ)
def list_addons(request: HttpRequest, filters: Query[AddOnFilter]) -> dict[str, Any]:
    """List add-ons by code."""
    addons = selectors.addon_list(active=filters.is_active)
    rows = addons[page(filters.limit, filters.offset)]
    currency = installation_get().currency
    return {"items": [AddOnOut.build(a, currency) for a in rows], "count": addons.count()}


@router.post("/addons", response={201: AddOnOut, **ERRORS}, auth=WRITE)
def create_addon(request: HttpRequest, payload: AddOnIn) -> Status[dict[str, Any]]:
    """Create an add-on."""
    addon = services.addon_create(
        code=payload.code, values=payload.values(), actor=actor_of(request)
    )
    return Status(201, AddOnOut.build(addon, installation_get().currency))


@router.get("/addons/{code}", response={200: AddOnOut, **ERRORS}, auth=READ)
def get_addon(request: HttpRequest, code: str) -> dict[str, Any]:
    """Get an add-on."""
    return AddOnOut.build(selectors.addon_get(code), installation_get().currency)


@router.patch("/addons/{code}", response={200: AddOnOut, **ERRORS}, auth=WRITE)
def update_addon(request: HttpRequest, code: str, payload: AddOnPatch) -> dict[str, Any]:
    """Change an add-on's name, price, segments or whether it is sold."""
    addon = services.addon_update(
        addon=selectors.addon_get(code), changes=payload.values(), actor=actor_of(request)
    )
    return AddOnOut.build(addon, installation_get().currency)
