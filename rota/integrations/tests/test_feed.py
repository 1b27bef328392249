"""The website's feed and the embeddable offers page: public, active offers only, cacheable."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rota.audit.actors import Actor
from rota.catalog import services
from rota.catalog.models import AddOn, Offer

pytestmark = pytest.mark.usefixtures("demo_catalog")
FEED = "/api/v1/public/offers"
LOADED = "2026-03-02T08:30:00Z"

FEED_4BUSINESS = {
    "code": "4business",
    "name": "4Business",
    "segment": "business",
    "technology": "ftth",
    "download_mbps": 1000,
    "upload_mbps": 300,
    "symmetric": False,
    "data_cap_gb": None,
    "tagline": "Dla biura, które nie może czekać, bo czas to pieniądz",
    "description": "Solidna i niezawodna usługa internetowa zaprojektowana z myślą o małych "
    "i średnich firmach. Zapewnia szybkie i stabilne połączenie, idealne do codziennej "
    "pracy biurowej, wideokonferencji, korzystania z systemów chmurowych oraz obsługi "
    "klientów online. Opcjonalnie z możliwością dodania stałego IP i VPN.",
    "features": ["dedicated_support"],
    "currency": "PLN",
    "prices_include_tax": False,
    "tax_rate": "0.23",
    "contract_terms": [
        {
            "months": months,
            "label": f"{months} months",
            "summary": "105,00\xa0zł for 3 months, then 94,99\xa0zł",
            "phases": [
                {"from_month": 0, "to_month": 3, "monthly_price": "105.00"},
                {"from_month": 3, "to_month": None, "monthly_price": "94.99"},
            ],
        }
        for months in (12, 24)
    ],
    "addons": [
        {
            "code": "static-ip",
            "name": "Static IP address",
            "description": "A fixed public IPv4 address.",
            "monthly_price": "15.00",
        },
        {
            "code": "vpn",
            "name": "Business VPN",
            "description": "Site-to-site or remote-access VPN for the company network.",
            "monthly_price": "25.00",
        },
    ],
    "version": 1,
    "updated_at": LOADED,
}


def test_the_feed_lists_active_offers_without_auth() -> None:
    response = Client().get(FEED)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    body = response.json()
    assert body["count"] == 6
    assert [o["code"] for o in body["items"]] == [
        "4business",
        "4business-ultra",
        "domowy-komfort",
        "gameon",
        "speedster",
        "wszedzie-ty",
    ]
    assert body["items"][0] == FEED_4BUSINESS
    assert body["items"][3]["contract_terms"] == [
        {
            "months": 0,
            "label": "no commitment",
            "summary": "70,00\xa0zł",
            "phases": [{"from_month": 0, "to_month": None, "monthly_price": "70.00"}],
        }
    ]


def test_the_feed_filters_by_segment_and_refuses_unknown_ones() -> None:
    business = Client().get(f"{FEED}?segment=business").json()
    assert [o["code"] for o in business["items"]] == ["4business", "4business-ultra"]
    response = Client().get(f"{FEED}?segment=pets")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "segment"


def test_drafts_and_retired_offers_stay_off_the_feed(actor: Actor) -> None:
    services.offer_create(
        code="fiber-500",
        segment="household",
        data=services.VersionData(
            name="Fiber 500", technology="ftth", download_mbps=500, upload_mbps=100
        ),
        actor=actor,
    )
    services.offer_retire(offer=Offer.objects.get(code="speedster"), actor=actor)
    services.offer_new_draft(offer=Offer.objects.get(code="gameon"), actor=actor)
    codes = [o["code"] for o in Client().get(FEED).json()["items"]]
    assert codes == ["4business", "4business-ultra", "domowy-komfort", "gameon", "wszedzie-ty"]


def test_etag_lets_a_website_poll_cheaply(actor: Actor) -> None:
    first = Client().get(FEED)
    etag = first["ETag"]
    again = Client().get(FEED, headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    assert again["ETag"] == etag
    # An add-on's price is part of the feed although it makes no new offer version.
    services.addon_update(
        addon=AddOn.objects.get(code="vpn"), changes={"monthly_price_minor": 2700}, actor=actor
    )
    changed = Client().get(FEED, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["items"][0]["addons"][1]["monthly_price"] == "27.00"


def text(html: str) -> str:
    return " ".join(html.replace("\xa0", " ").split())


def test_the_offers_page_is_public_frameable_and_says_prices_in_words() -> None:
    response = Client().get("/offers/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert response["Cache-Control"] == "public, max-age=300"
    page = text(response.content.decode())
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<script" not in page
    assert page.count('<article class="offer"') == 6
    assert (
        '<span class="term">24-month contract</span><span class="price">105,00 zł for 3 months, '
        "then 94,99 zł</span> a month" in page
    )
    assert "Add-ons: Static IP address (15,00 zł), Business VPN (25,00 zł)" in page
    assert "Prices are net, plus VAT." in page and "Prices include VAT." in page
    assert '<a href="?" aria-current="page">All</a>' in page


@pytest.mark.parametrize(
    ("query", "codes", "current"),
    [
        (
            "?segment=household",
            ["domowy-komfort", "gameon", "speedster", "wszedzie-ty"],
            "Household",
        ),
        ("?segment=business", ["4business", "4business-ultra"], "Business"),
        (
            "?segment=pets",
            [
                "4business",
                "4business-ultra",
                "domowy-komfort",
                "gameon",
                "speedster",
                "wszedzie-ty",
            ],
            "All",
        ),
    ],
)
def test_the_offers_page_filters_by_segment(query: str, codes: list[str], current: str) -> None:
    page = Client().get(f"/offers/{query}").content.decode()
    shown = [part.split('"', 1)[0] for part in page.split('data-offer="')[1:]]
    assert shown == codes
    assert f'aria-current="page">{current}</a>' in page


def test_the_offers_page_only_answers_reads() -> None:
    assert Client().post("/offers/").status_code == 405


def test_the_other_back_office_pages_still_refuse_frames(admin_user: Any, login: Any) -> None:
    assert login(admin_user).get("/admin/")["X-Frame-Options"] == "DENY"
