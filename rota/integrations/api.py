"""The website's public offer feed: no auth, active offers only, cacheable."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from rota.catalog.models import Segment
from rota.core.problems import ERRORS
from rota.installation.selectors import installation_get, money_formatter
from rota.integrations.schemas import FeedList, FeedOffer
from rota.integrations.selectors import feed_versions

router = Router(tags=["public"])

# Long enough to spare the server, short enough that a new price shows within minutes.
CACHE_CONTROL = "public, max-age=300"


@router.get("/public/offers", response={200: FeedList, 422: ERRORS[422]}, auth=None)
def public_offers(
    request: HttpRequest, response: HttpResponse, segment: Segment | None = None
) -> dict[str, Any]:
    """List the offers on sale with their prices over time and add-ons, for a website.

    No authentication. Send the `ETag` back as `If-None-Match` to get 304 while nothing
    changed.
    """
    response["Cache-Control"] = CACHE_CONTROL
    currency = installation_get().currency
    money = money_formatter()
    items = [FeedOffer.build(v, currency, money) for v in feed_versions(segment=segment)]
    return {"items": items, "count": len(items)}
