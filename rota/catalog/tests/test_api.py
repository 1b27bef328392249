"""Catalog API: exact bodies, problem+json refusals, scopes, ETags."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from rota.audit.models import AuditEvent
from rota.catalog.models import AddOn, Offer, OfferVersion, PricePhase

pytestmark = pytest.mark.django_db

FOUR_BUSINESS = {
    "code": "4business",
    "name": "4Business",
    "segment": "business",
    "technology": "ftth",
    "download_mbps": 1000,
    "upload_mbps": 300,
    "symmetric": False,
    "data_cap_gb": None,
    "tagline": "Dla biura, które nie może czekać, bo czas to pieniądz",
    "features": ["dedicated_support"],
    "prices_include_tax": False,
    "tax_rate": "0.23",
    "currency": "PLN",
    "contract_terms": [
        {
            "months": 12,
            "phases": [
                {"from_month": 0, "monthly_price": "105.00"},
                {"from_month": 3, "monthly_price": "94.99"},
            ],
        },
        {
            "months": 24,
            "phases": [
                {"from_month": 0, "monthly_price": "105.00"},
                {"from_month": 3, "monthly_price": "94.99"},
            ],
        },
    ],
    "addons": ["static-ip", "vpn"],
    "early_termination": {"rule": "none", "amount": "0.00"},
    "status": "active",
    "version": 1,
    "draft_version": None,
    "ended_at": None,
}

NEW_OFFER = {
    "code": "fiber-500",
    "segment": "household",
    "name": "Fiber 500",
    "technology": "gpon",
    "download_mbps": 500,
    "upload_mbps": 100,
    "tagline": "Fast and calm",
    "contract_terms": [
        {
            "months": 24,
            "phases": [
                {"from_month": 0, "monthly_price": "79.99"},
                {"from_month": 6, "monthly_price": "89.99"},
            ],
        }
    ],
    "addons": ["static-ip"],
}


def post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def patch(client: Client, url: str, body: Any) -> Any:
    return client.patch(url, json.dumps(body), content_type="application/json")


def state() -> tuple[int, int, int, int]:
    return (
        Offer.objects.count(),
        OfferVersion.objects.count(),
        PricePhase.objects.count(),
        AuditEvent.objects.count(),
    )


def without_volatile(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("published_at", "description")}


def test_get_offer_by_code(api: Client, demo_catalog: None) -> None:
    response = api.get("/api/v1/offers/4business")
    assert response.status_code == 200
    assert without_volatile(response.json()) == FOUR_BUSINESS


def test_list_offers_with_filters_and_pagination(api: Client, demo_catalog: None) -> None:
    body = api.get("/api/v1/offers").json()
    assert body["count"] == 6
    assert [o["code"] for o in body["items"]] == [
        "4business",
        "4business-ultra",
        "domowy-komfort",
        "gameon",
        "speedster",
        "wszedzie-ty",
    ]
    business = api.get("/api/v1/offers?segment=business&limit=1&offset=1").json()
    assert (business["count"], [o["code"] for o in business["items"]]) == (
        2,
        ["4business-ultra"],
    )
    mobile = api.get("/api/v1/offers?technology=5g").json()
    assert [o["name"] for o in mobile["items"]] == ["Wszędzie Ty"]


def test_create_patch_publish_retire_flow(api: Client, demo_catalog: None) -> None:
    created = post(api, "/api/v1/offers", NEW_OFFER)
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["version"], body["tax_rate"], body["currency"]) == (
        "draft",
        1,
        "0.23",
        "PLN",
    )
    assert body["contract_terms"] == NEW_OFFER["contract_terms"]

    edited = patch(api, "/api/v1/offers/fiber-500", {"download_mbps": 600})
    assert (edited.status_code, edited.json()["version"], edited.json()["download_mbps"]) == (
        200,
        1,
        600,
    )

    published = post(api, "/api/v1/offers/fiber-500/publish")
    assert (published.status_code, published.json()["status"]) == (200, "active")

    repriced = patch(
        api,
        "/api/v1/offers/fiber-500",
        {"contract_terms": [{"months": 24, "phases": [{"from_month": 0, "monthly_price": "75"}]}]},
    )
    assert repriced.status_code == 200
    assert (repriced.json()["version"], repriced.json()["status"]) == (2, "active")
    assert repriced.json()["contract_terms"] == [
        {"months": 24, "phases": [{"from_month": 0, "monthly_price": "75.00"}]}
    ]

    versions = api.get("/api/v1/offers/fiber-500/versions").json()
    assert [(v["version"], v["status"]) for v in versions["items"]] == [
        (2, "active"),
        (1, "superseded"),
    ]
    v1 = api.get("/api/v1/offers/fiber-500/versions/1").json()
    assert v1["contract_terms"][0]["phases"][1] == {"from_month": 6, "monthly_price": "89.99"}

    retired = post(api, "/api/v1/offers/fiber-500/retire")
    assert (retired.status_code, retired.json()["status"]) == (200, "retired")

    before = state()
    refused = patch(api, "/api/v1/offers/fiber-500", {"name": "Fiber 700"})
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json() == {
        "type": "https://rota.example/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "Offer fiber-500 is retired and cannot be changed.",
        "instance": "/api/v1/offers/fiber-500",
    }
    assert state() == before


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {
                "contract_terms": [
                    {"months": 12, "phases": [{"from_month": 0, "monthly_price": "-5"}]}
                ]
            },
            [
                {
                    "field": "contract_terms[0].phases[0].monthly_price",
                    "message": "must not be negative",
                }
            ],
        ),
        (
            {
                "contract_terms": [
                    {"months": 12, "phases": [{"from_month": 0, "monthly_price": "abc"}]}
                ]
            },
            [
                {
                    "field": "contract_terms[0].phases[0].monthly_price",
                    "message": "must be a decimal number such as 94.99",
                }
            ],
        ),
        (
            {
                "contract_terms": [
                    {"months": 12, "phases": [{"from_month": 2, "monthly_price": "50"}]}
                ]
            },
            [
                {
                    "field": "contract_terms[0].phases",
                    "message": "the first phase must start at month 0",
                }
            ],
        ),
        (
            {"contract_terms": [{"months": 12, "phases": []}]},
            [{"field": "contract_terms[0].phases", "message": "needs at least one price phase"}],
        ),
        (
            {"addons": ["teleport"]},
            [{"field": "addons", "message": "unknown add-on code(s): teleport"}],
        ),
        (
            {"code": "4business"},
            [{"field": "code", "message": "an offer with code '4business' already exists"}],
        ),
    ],
)
def test_bad_input_gives_422_naming_the_field_and_saves_nothing(
    api: Client, demo_catalog: None, change: dict[str, Any], errors: list[dict[str, str]]
) -> None:
    before = state()
    response = post(api, "/api/v1/offers", {**NEW_OFFER, **change})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["title"], body["status"], body["errors"]) == ("Invalid input", 422, errors)
    assert state() == before


def test_schema_errors_are_problem_json(api: Client, demo_catalog: None) -> None:
    response = post(api, "/api/v1/offers", {**NEW_OFFER, "download_mbps": "fast"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "download_mbps",
            "message": "Input should be a valid integer, unable to parse string as an integer",
        }
    ]
    missing = post(api, "/api/v1/offers", {"code": "x"})
    assert {e["field"] for e in missing.json()["errors"]} == {
        "segment",
        "name",
        "technology",
        "download_mbps",
        "upload_mbps",
    }


def test_publishing_an_incomplete_offer_is_refused(api: Client, demo_catalog: None) -> None:
    post(api, "/api/v1/offers", {**NEW_OFFER, "contract_terms": []})
    before = state()
    response = post(api, "/api/v1/offers/fiber-500/publish")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "contract_terms", "message": "add at least one contract term with its prices"}
    ]
    assert state() == before


def test_not_found_is_404_problem(api: Client, demo_catalog: None) -> None:
    response = api.get("/api/v1/offers/nope")
    assert response.status_code == 404
    assert response.json()["detail"] == "There is no offer with code 'nope'."


def test_missing_or_wrong_token_is_401(demo_catalog: None) -> None:
    assert Client().get("/api/v1/offers").status_code == 401
    response = Client(headers={"Authorization": "Bearer rota_wrong"}).get("/api/v1/offers")
    assert response.status_code == 401
    assert response.json()["type"] == "https://rota.example/problems/unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


def test_missing_scope_is_403_and_changes_nothing(
    make_token: Callable[..., str], demo_catalog: None
) -> None:
    reader = Client(headers={"Authorization": f"Bearer {make_token('catalog:read')}"})
    assert reader.get("/api/v1/offers/gameon").status_code == 200
    before = state()
    response = patch(reader, "/api/v1/offers/gameon", {"name": "GameOFF"})
    assert response.status_code == 403
    assert response.json()["detail"] == "This token lacks the scope 'catalog:write'."
    assert state() == before
    assert OfferVersion.objects.get(offer__code="gameon").name == "GameON"


def test_revoked_token_stops_working(make_token: Callable[..., str], demo_catalog: None) -> None:
    from rota.accounts.models import ApiToken
    from rota.accounts.services import token_revoke
    from rota.audit.actors import Actor

    client = Client(headers={"Authorization": f"Bearer {make_token('catalog:read')}"})
    assert client.get("/api/v1/offers").status_code == 200
    token_revoke(token=ApiToken.objects.get(), actor=Actor.system("test"))
    assert client.get("/api/v1/offers").status_code == 401


def test_session_users_need_the_role_and_csrf(
    sales_user: User, admin_user: User, demo_catalog: None
) -> None:
    sales = Client(enforce_csrf_checks=True)
    sales.force_login(sales_user)
    assert sales.get("/api/v1/offers/gameon").status_code == 200
    assert patch(sales, "/api/v1/offers/gameon", {"name": "X"}).status_code == 403

    admin = Client(enforce_csrf_checks=True)
    admin.force_login(admin_user)
    assert patch(admin, "/api/v1/offers/gameon", {"name": "X"}).status_code == 403
    admin.get("/admin/")
    token = admin.cookies["csrftoken"].value
    response = admin.patch(
        "/api/v1/offers/gameon",
        json.dumps({"tagline": "Zero lagów"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert (response.status_code, response.json()["version"]) == (200, 2)
    assert AuditEvent.objects.filter(action="offer.update").get().actor_label == "administrator"


def test_etag_lets_a_website_poll_cheaply(api: Client, demo_catalog: None) -> None:
    first = api.get("/api/v1/offers?status=active")
    etag = first["ETag"]
    again = api.get("/api/v1/offers?status=active", headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    patch(api, "/api/v1/offers/gameon", {"tagline": "Nowe hasło"})
    changed = api.get("/api/v1/offers?status=active", headers={"If-None-Match": etag})
    assert changed.status_code == 200


def test_addons_api(api: Client, demo_catalog: None) -> None:
    listed = api.get("/api/v1/addons").json()
    assert listed["count"] == 7
    assert listed["items"][0] == {
        "code": "firewall",
        "name": "Managed firewall",
        "description": "Firewall managed by the ISP's network team.",
        "monthly_price": "35.00",
        "currency": "PLN",
        "segments": ["business"],
        "is_active": True,
    }
    created = post(
        api,
        "/api/v1/addons",
        {"code": "tv", "name": "IPTV", "monthly_price": "29.90", "segments": ["household"]},
    )
    assert created.status_code == 201
    assert created.json()["monthly_price"] == "29.90"
    changed = patch(api, "/api/v1/addons/tv", {"monthly_price": "31", "is_active": False})
    assert (changed.json()["monthly_price"], changed.json()["is_active"]) == ("31.00", False)
    refused = patch(api, "/api/v1/addons/tv", {"monthly_price": "-1", "name": None})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "name", "message": "must not be null"},
        {"field": "monthly_price", "message": "must not be negative"},
    ]
    assert AddOn.objects.get(code="tv").monthly_price_minor == 3100


def test_openapi_describes_the_catalog(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/offers", "/api/v1/offers/{code}", "/api/v1/offers/{code}/publish"} <= set(
        spec["paths"]
    )


def test_a_draft_in_progress_does_not_hide_the_version_on_sale(
    api: Client, admin_user: User, demo_catalog: None
) -> None:
    from rota.audit.actors import Actor
    from rota.catalog.services import offer_new_draft

    offer_new_draft(offer=Offer.objects.get(code="speedster"), actor=Actor.for_user(admin_user))
    active = api.get("/api/v1/offers?status=active").json()
    assert "speedster" in [o["code"] for o in active["items"]]
    current = api.get("/api/v1/offers/speedster").json()
    assert (current["version"], current["status"], current["draft_version"]) == (1, "active", 2)
    drafts = api.get("/api/v1/offers?status=draft").json()
    assert [(o["code"], o["version"]) for o in drafts["items"]] == [("speedster", 2)]
    published = post(api, "/api/v1/offers/speedster/publish").json()
    assert (published["version"], published["status"], published["draft_version"]) == (
        2,
        "active",
        None,
    )


def test_out_of_range_numbers_are_422_not_500(api: Client, demo_catalog: None) -> None:
    before = state()
    huge = patch(api, "/api/v1/offers/gameon", {"download_mbps": 99999999999999999999})
    assert huge.status_code == 422
    assert huge.json()["errors"] == [
        {"field": "download_mbps", "message": "must be a number of Mb/s between 1 and 100000"}
    ]
    month = patch(
        api,
        "/api/v1/offers/gameon",
        {"contract_terms": [{"months": 0, "phases": [
            {"from_month": 0, "monthly_price": "70"}, {"from_month": 40000, "monthly_price": "1"}
        ]}]},
    )  # fmt: skip
    assert month.json()["errors"] == [
        {"field": "contract_terms[0].phases", "message": "from_month must be at most 600"}
    ]
    assert state() == before


def test_writes_without_credentials_are_401_not_csrf_403(demo_catalog: None) -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/offers", "{}", content_type="application/json"
    )
    assert response.status_code == 401


def test_unknown_api_paths_are_problem_json(api: Client) -> None:
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "There is no API endpoint at /api/v1/nothing-here."


def test_new_addon_is_sold_to_both_segments_by_default(api: Client) -> None:
    created = post(api, "/api/v1/addons", {"code": "tv", "name": "IPTV", "monthly_price": "9"})
    assert (created.status_code, created.json()["segments"]) == (201, ["household", "business"])


def test_non_ascii_codes_are_refused(api: Client, demo_catalog: None) -> None:
    response = post(api, "/api/v1/offers", {**NEW_OFFER, "code": "światłowód-1"})
    assert response.json()["errors"][0]["field"] == "code"
