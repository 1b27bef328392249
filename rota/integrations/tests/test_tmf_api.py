"""TMF620 over HTTP: exact bodies of the demo catalog, every body checked against the spec."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.billing.pricing import Phase
from rota.catalog import services
from rota.catalog.models import Offer, OfferVersion, VersionStatus
from rota.integrations.tests.conftest import HREF, LOADED, LOADED_AT, TMF

Valid = Callable[[Any, str], None]
pytestmark = pytest.mark.usefixtures("demo_catalog")


def ref(resource: str, ident: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "href": f"{HREF}{resource}/{ident}",
        "name": name,
        **extra,
        "@referredType": resource[0].upper() + resource[1:],
    }


def value(kind: str, value: Any, unit: str | None = None) -> dict[str, Any]:
    return {
        "isDefault": True,
        "valueType": kind,
        **({"unitOfMeasure": unit} if unit else {}),
        "value": value,
        "@type": "ProductSpecificationCharacteristicValue",
    }


SPEC_4BUSINESS = ref("productSpecification", "4business", "4Business", version="1")
VALUES_4BUSINESS = [
    ("technology", "string", [value("string", "ftth")]),
    ("downloadSpeed", "number", [value("number", 1000, "Mbps")]),
    ("uploadSpeed", "number", [value("number", 300, "Mbps")]),
    ("symmetric", "boolean", [value("boolean", False)]),
    ("dataCap", "number", [value("number", None, "GB")]),
    ("features", "string", [value("string", "dedicated_support")]),
]

OFFERING_4BUSINESS = {
    "id": "4business",
    "href": f"{HREF}productOffering/4business",
    "name": "4Business",
    "description": "Solidna i niezawodna usługa internetowa zaprojektowana z myślą o małych "
    "i średnich firmach. Zapewnia szybkie i stabilne połączenie, idealne do codziennej "
    "pracy biurowej, wideokonferencji, korzystania z systemów chmurowych oraz obsługi "
    "klientów online. Opcjonalnie z możliwością dodania stałego IP i VPN.",
    "isBundle": False,
    "isSellable": True,
    "lastUpdate": LOADED,
    "lifecycleStatus": "Active",
    "version": "1",
    "validFor": {"startDateTime": LOADED},
    "category": [ref("category", "business", "Business")],
    "productSpecification": SPEC_4BUSINESS,
    "prodSpecCharValueUse": [
        {
            "name": name,
            "valueType": kind,
            "productSpecCharacteristicValue": values,
            "productSpecification": SPEC_4BUSINESS,
            "@type": "ProductSpecificationCharacteristicValueUse",
        }
        for name, kind, values in VALUES_4BUSINESS
    ],
    "productOfferingPrice": [
        ref("productOfferingPrice", "4business.12m", "4Business, 12 months"),
        ref("productOfferingPrice", "4business.12m.from3", "4Business, 12 months, from month 4"),
        ref("productOfferingPrice", "4business.24m", "4Business, 24 months"),
        ref("productOfferingPrice", "4business.24m.from3", "4Business, 24 months, from month 4"),
    ],
    "productOfferingTerm": [
        {
            "name": "12 months",
            "duration": {"amount": 12, "units": "month"},
            "@type": "ProductOfferingTerm",
        },
        {
            "name": "24 months",
            "duration": {"amount": 24, "units": "month"},
            "@type": "ProductOfferingTerm",
        },
    ],
    "@type": "ProductOffering",
}

TERM_24 = {
    "name": "24 months",
    "duration": {"amount": 24, "units": "month"},
    "@type": "ProductOfferingTerm",
}
VAT = [{"taxCategory": "VAT", "taxRate": 0.23, "@type": "TaxItem"}]
PRICES_4BUSINESS_24 = [
    {
        "id": "4business.24m",
        "href": f"{HREF}productOfferingPrice/4business.24m",
        "name": "4Business, 24 months",
        "description": "105,00\xa0zł for 3 months, then 94,99\xa0zł a month, plus 23% VAT",
        "isBundle": False,
        "lastUpdate": LOADED,
        "lifecycleStatus": "Active",
        "version": "1",
        "validFor": {"startDateTime": LOADED},
        "priceType": "recurring",
        "recurringChargePeriodType": "month",
        "recurringChargePeriodLength": 1,
        "price": {"unit": "PLN", "value": 105.0},
        "productOfferingTerm": [TERM_24],
        "tax": VAT,
        "popRelationship": [
            {
                "id": "4business.24m.from3",
                "href": f"{HREF}productOfferingPrice/4business.24m.from3",
                "name": "4Business, 24 months, from month 4",
                "relationshipType": "priceAlteration",
            }
        ],
        "@type": "ProductOfferingPrice",
    },
    {
        "id": "4business.24m.from3",
        "href": f"{HREF}productOfferingPrice/4business.24m.from3",
        "name": "4Business, 24 months, from month 4",
        "description": "94,99\xa0zł a month from contract month 4 on, instead of the price "
        "before, plus 23% VAT",
        "isBundle": False,
        "lastUpdate": LOADED,
        "lifecycleStatus": "Active",
        "version": "1",
        "validFor": {"startDateTime": LOADED},
        "priceType": "recurring",
        "recurringChargePeriodType": "month",
        "recurringChargePeriodLength": 1,
        "price": {"unit": "PLN", "value": 94.99},
        "productOfferingTerm": [TERM_24],
        "tax": VAT,
        "pricingLogicAlgorithm": [
            {
                "id": "fromContractMonth3",
                "name": "from contract month 4",
                "description": "Replaces the recurring price from this contract month on "
                "(months counted from 0 in the id)",
                "@type": "PricingLogicAlgorithm",
            }
        ],
        "popRelationship": [
            {
                "id": "4business.24m",
                "href": f"{HREF}productOfferingPrice/4business.24m",
                "name": "4Business, 24 months",
                "relationshipType": "alterationOf",
            }
        ],
        "@type": "ProductOfferingPrice",
    },
]

OFFER_CODES = [
    "4business",
    "4business-ultra",
    "domowy-komfort",
    "gameon",
    "speedster",
    "wszedzie-ty",
]


def get(client: Client, path: str, valid: Valid, definition: str) -> Any:
    response = client.get(f"{TMF}{path}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json;charset=utf-8"
    body = response.json()
    valid(body, definition)
    return body


def refused(response: Any, status: int, valid: Valid) -> dict[str, Any]:
    """Check an error: the status, a TMF Error body that is also problem+json."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    valid(body, "Error")
    assert body["status"] == str(status)
    assert body["message"] == body["detail"]
    return body


def send(client: Client, method: str, path: str, body: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(f"{TMF}{path}", data, content_type="application/json")


def snapshot() -> list[tuple[Any, ...]]:
    """Everything a refused write must leave as it was."""
    versions = OfferVersion.objects.order_by("pk")
    return [
        *versions.values_list("pk", "offer__code", "number", "status", "name", "download_mbps"),
        (AuditEvent.objects.count(),),
    ]


# --- reads --------------------------------------------------------------------------------


def test_product_offering_of_the_demo_catalog(reader: Client, tmf_valid: Valid) -> None:
    assert get(reader, "productOffering/4business", tmf_valid, "ProductOffering") == (
        OFFERING_4BUSINESS
    )


def test_product_offering_list_has_every_offer_with_counts(
    reader: Client, tmf_valid: Valid
) -> None:
    response = reader.get(f"{TMF}productOffering")
    body = response.json()
    tmf_valid(body, "ProductOffering[]")
    assert [o["id"] for o in body] == OFFER_CODES
    assert (response["X-Total-Count"], response["X-Result-Count"]) == ("6", "6")
    assert body[0] == OFFERING_4BUSINESS
    assert {o["lifecycleStatus"] for o in body} == {"Active"}


def test_product_offering_prices_one_per_term_and_later_phase(
    reader: Client, tmf_valid: Valid
) -> None:
    response = reader.get(f"{TMF}productOfferingPrice")
    body = response.json()
    tmf_valid(body, "ProductOfferingPrice[]")
    assert [p["id"] for p in body] == [
        "4business.12m",
        "4business.12m.from3",
        "4business.24m",
        "4business.24m.from3",
        "4business-ultra.12m",
        "4business-ultra.12m.from6",
        "4business-ultra.24m",
        "4business-ultra.24m.from6",
        "domowy-komfort.0m",
        "gameon.0m",
        "speedster.0m",
        "wszedzie-ty.0m",
    ]
    assert response["X-Total-Count"] == "12"
    assert body[2:4] == PRICES_4BUSINESS_24
    assert body[9] == {
        "id": "gameon.0m",
        "href": f"{HREF}productOfferingPrice/gameon.0m",
        "name": "GameON, no commitment",
        "description": "70,00\xa0zł a month, including 23% VAT",
        "isBundle": False,
        "lastUpdate": LOADED,
        "lifecycleStatus": "Active",
        "version": "1",
        "validFor": {"startDateTime": LOADED},
        "priceType": "recurring",
        "recurringChargePeriodType": "month",
        "recurringChargePeriodLength": 1,
        "price": {"unit": "PLN", "value": 70.0},
        "productOfferingTerm": [
            {
                "name": "No commitment",
                "duration": {"amount": 0, "units": "month"},
                "@type": "ProductOfferingTerm",
            }
        ],
        "tax": VAT,
        "popRelationship": [],
        "@type": "ProductOfferingPrice",
    }
    for price in PRICES_4BUSINESS_24:
        assert get(
            reader, f"productOfferingPrice/{price['id']}", tmf_valid, "ProductOfferingPrice"
        ) == (price)


def test_product_specification_holds_speeds_and_technology(
    reader: Client, tmf_valid: Valid
) -> None:
    body = get(reader, "productSpecification/4business-ultra", tmf_valid, "ProductSpecification")

    def characteristic(name: str, description: str, kind: str, values: list[Any]) -> Any:
        many = name == "features"
        return {
            "name": name,
            "description": description,
            "valueType": kind,
            "configurable": False,
            "minCardinality": 0 if many else 1,
            "maxCardinality": len(values) if many else 1,
            "productSpecCharacteristicValue": values,
            "@type": "ProductSpecificationCharacteristic",
        }

    assert body == {
        "id": "4business-ultra",
        "href": f"{HREF}productSpecification/4business-ultra",
        "name": "4Business Ultra",
        "description": "Internet access: ftth, 1000/1000 Mb/s",
        "isBundle": False,
        "productNumber": "4business-ultra",
        "lastUpdate": LOADED,
        "lifecycleStatus": "Active",
        "version": "1",
        "validFor": {"startDateTime": LOADED},
        "productSpecCharacteristic": [
            characteristic("technology", "Access technology", "string", [value("string", "ftth")]),
            characteristic(
                "downloadSpeed", "Download speed", "number", [value("number", 1000, "Mbps")]
            ),
            characteristic(
                "uploadSpeed", "Upload speed", "number", [value("number", 1000, "Mbps")]
            ),
            characteristic(
                "symmetric", "Same speed both ways", "boolean", [value("boolean", True)]
            ),
            characteristic(
                "dataCap",
                "Monthly data allowance; null means unlimited",
                "number",
                [value("number", None, "GB")],
            ),
            characteristic(
                "features",
                "What the offer is good for",
                "string",
                [
                    value("string", "sla"),
                    value("string", "monitoring_24_7"),
                    value("string", "dedicated_support"),
                ],
            ),
        ],
        "@type": "ProductSpecification",
    }
    listed = reader.get(f"{TMF}productSpecification")
    tmf_valid(listed.json(), "ProductSpecification[]")
    assert [s["id"] for s in listed.json()] == OFFER_CODES


def test_categories_are_the_segments(reader: Client, tmf_valid: Valid) -> None:
    response = reader.get(f"{TMF}category")
    body = response.json()
    tmf_valid(body, "Category[]")
    assert body == [
        {
            "id": "household",
            "href": f"{HREF}category/household",
            "name": "Household",
            "description": "Offers for household customers",
            "isRoot": True,
            "lifecycleStatus": "Active",
            "lastUpdate": LOADED,
            "productOffering": [
                ref("productOffering", "domowy-komfort", "Domowy Komfort"),
                ref("productOffering", "gameon", "GameON"),
                ref("productOffering", "speedster", "Speedster"),
                ref("productOffering", "wszedzie-ty", "Wszędzie Ty"),
            ],
            "@type": "Category",
        },
        {
            "id": "business",
            "href": f"{HREF}category/business",
            "name": "Business",
            "description": "Offers for business customers",
            "isRoot": True,
            "lifecycleStatus": "Active",
            "lastUpdate": LOADED,
            "productOffering": [
                ref("productOffering", "4business", "4Business"),
                ref("productOffering", "4business-ultra", "4Business Ultra"),
            ],
            "@type": "Category",
        },
    ]
    assert get(reader, "category/business", tmf_valid, "Category") == body[1]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("lifecycleStatus=Active", OFFER_CODES),
        ("lifecycleStatus=Retired", []),
        ("name=GameON", ["gameon"]),
        ("id=speedster,gameon", ["gameon", "speedster"]),
        ("category.id=business", ["4business", "4business-ultra"]),
        ("category.id=household&name=Speedster", ["speedster"]),
        ("prodSpecCharValueUse.productSpecCharacteristicValue.value=5g", ["wszedzie-ty"]),
        ("lastUpdate.gte=2026-03-02T08:30:00Z", OFFER_CODES),
        ("lastUpdate.gt=2026-03-02T08:30:00Z", []),
    ],
)
def test_attribute_filters(reader: Client, tmf_valid: Valid, query: str, ids: list[str]) -> None:
    response = reader.get(f"{TMF}productOffering?{query}")
    assert response.status_code == 200
    tmf_valid(response.json(), "ProductOffering[]")
    assert [o["id"] for o in response.json()] == ids
    assert response["X-Total-Count"] == str(len(ids))


def test_price_filters(reader: Client, tmf_valid: Valid) -> None:
    response = reader.get(f"{TMF}productOfferingPrice?price.value.lte=80&fields=price")
    body = response.json()
    tmf_valid(body, "ProductOfferingPrice[]")
    assert body == [
        {
            "id": f"{code}.0m",
            "href": f"{HREF}productOfferingPrice/{code}.0m",
            "price": {"unit": "PLN", "value": price},
            "@type": "ProductOfferingPrice",
        }
        for code, price in (("domowy-komfort", 60.0), ("gameon", 70.0), ("speedster", 80.0))
    ]


def test_fields_select_attributes(reader: Client, tmf_valid: Valid) -> None:
    body = get(
        reader, "productOffering?fields=name,lifecycleStatus", tmf_valid, "ProductOffering[]"
    )
    assert body[3] == {
        "id": "gameon",
        "href": f"{HREF}productOffering/gameon",
        "name": "GameON",
        "lifecycleStatus": "Active",
        "@type": "ProductOffering",
    }
    one = get(reader, "productOffering/gameon?fields=version", tmf_valid, "ProductOffering")
    assert one == {
        "id": "gameon",
        "href": f"{HREF}productOffering/gameon",
        "version": "1",
        "@type": "ProductOffering",
    }


def test_offset_and_limit_page_with_counts(reader: Client, tmf_valid: Valid) -> None:
    response = reader.get(f"{TMF}productOffering?offset=1&limit=2&fields=name")
    tmf_valid(response.json(), "ProductOffering[]")
    assert [o["id"] for o in response.json()] == ["4business-ultra", "domowy-komfort"]
    assert (response["X-Total-Count"], response["X-Result-Count"]) == ("6", "2")
    past = reader.get(f"{TMF}productOffering?offset=10")
    assert (past.json(), past["X-Total-Count"], past["X-Result-Count"]) == ([], "6", "0")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("fields=name,colour", "fields", "unknown attribute(s): colour"),
        (
            "colour=red",
            "colour",
            "unknown attribute 'colour'; filter on an attribute of the resource",
        ),
        ("name=", "name", "give a value to filter on"),
        (
            "lastUpdate.gt=yesterday",
            "lastUpdate.gt",
            "compare with a number or a date-time such as 2026-01-31T00:00:00Z",
        ),
        ("limit=0", "limit", "must be a whole number from 1 to 1000"),
        ("offset=-3", "offset", "must be a whole number from 0 to 1000000000"),
        ("limit=1&limit=2", "limit", "give it once"),
    ],
)
def test_malformed_queries_are_400_naming_the_parameter(
    reader: Client, tmf_valid: Valid, query: str, field: str, message: str
) -> None:
    body = refused(reader.get(f"{TMF}productOffering?{query}"), 400, tmf_valid)
    assert body["errors"] == [{"field": field, "message": message}]
    assert body["code"] == "invalid-input"


def test_a_single_resource_takes_only_fields(reader: Client, tmf_valid: Valid) -> None:
    body = refused(reader.get(f"{TMF}productOffering/gameon?name=GameON"), 400, tmf_valid)
    assert body["errors"] == [{"field": "name", "message": "a single resource only takes fields="}]


def test_unknown_ids_and_paths_are_404(reader: Client, tmf_valid: Valid) -> None:
    for path in (
        "productOffering/nope",
        "productOfferingPrice/gameon.24m",
        "productOfferingPrice/garbage",
        "productSpecification/nope",
        "category/nope",
        "catalog",
    ):
        refused(reader.get(f"{TMF}{path}"), 404, tmf_valid)
    body = refused(reader.get("/tmf-api/productInventory/v4/product"), 404, tmf_valid)
    assert body["detail"] == "There is no TMF resource at /tmf-api/productInventory/v4/product."


def test_tokens_need_the_catalog_scopes(
    make_token: Callable[..., str], reader: Client, tmf_valid: Valid
) -> None:
    wrong = Client(headers={"Authorization": f"Bearer {make_token('customers:read')}"})
    before = snapshot()
    anonymous = refused(Client().get(f"{TMF}productOffering"), 401, tmf_valid)
    assert anonymous["title"] == "Unauthorized"
    assert Client().get(f"{TMF}category")["WWW-Authenticate"] == "Bearer"
    body = refused(wrong.get(f"{TMF}productOffering"), 403, tmf_valid)
    assert body["detail"] == "This token lacks the scope 'catalog:read'."
    body = refused(send(reader, "post", "productOffering", {"name": "X"}), 403, tmf_valid)
    assert body["detail"] == "This token lacks the scope 'catalog:write'."
    refused(reader.delete(f"{TMF}productOffering/gameon"), 403, tmf_valid)
    refused(send(Client(), "patch", "productOffering/gameon", {"name": "X"}), 401, tmf_valid)
    assert snapshot() == before


def test_staff_session_with_the_catalog_permission_reads(
    login: Callable[..., Client], sales_user: Any, tmf_valid: Valid
) -> None:
    body = get(login(sales_user), "category/household?fields=name", tmf_valid, "Category")
    assert body["name"] == "Household"


def test_the_tmf_api_has_its_own_openapi(reader: Client) -> None:
    spec = Client().get(f"{TMF}openapi.json").json()
    assert spec["info"]["version"] == "4.0.0"
    assert {
        "/tmf-api/productCatalogManagement/v4/productOffering",
        "/tmf-api/productCatalogManagement/v4/category/{id}",
    } <= set(spec["paths"])


# --- lifecycle of versions ----------------------------------------------------------------


def test_a_new_version_replaces_the_old_and_retired_offers_say_so(
    reader: Client, tmf_valid: Valid
) -> None:
    actor = Actor.system("test")
    gameon = Offer.objects.get(code="gameon")
    services.offer_update(
        offer=gameon,
        changes={"terms": (services.Term(0, (Phase(0, 6500),)),)},
        actor=actor,
    )
    services.offer_new_draft(offer=gameon, actor=actor)
    body = get(reader, "productOffering/gameon", tmf_valid, "ProductOffering")
    assert (body["version"], body["lifecycleStatus"]) == ("2", "Active")
    price = get(reader, "productOfferingPrice/gameon.0m", tmf_valid, "ProductOfferingPrice")
    assert (price["price"], price["version"]) == ({"unit": "PLN", "value": 65.0}, "2")

    with time_machine.travel(LOADED_AT.replace(month=4), tick=False):
        services.offer_retire(offer=Offer.objects.get(code="speedster"), actor=actor)
    retired = get(reader, "productOffering?lifecycleStatus=Retired", tmf_valid, "ProductOffering[]")
    assert [(o["id"], o["validFor"], o["lastUpdate"]) for o in retired] == [
        (
            "speedster",
            {"startDateTime": LOADED, "endDateTime": "2026-04-02T08:30:00.000Z"},
            "2026-04-02T08:30:00.000Z",
        )
    ]


# --- writes on offerings in design --------------------------------------------------------

NEW_OFFERING = {
    "name": "Fiber 500",
    "description": "Fast fibre for the whole family",
    "category": [{"id": "household"}],
    "prodSpecCharValueUse": [
        {"name": "technology", "productSpecCharacteristicValue": [{"value": "ftth"}]},
        {"name": "downloadSpeed", "productSpecCharacteristicValue": [{"value": 500}]},
        {"name": "uploadSpeed", "productSpecCharacteristicValue": [{"value": 100}]},
        {"name": "dataCap", "productSpecCharacteristicValue": [{"value": 2000}]},
    ],
    "@type": "ProductOffering",
}
CREATED_AT = LOADED_AT.replace(day=5)
CREATED = "2026-03-05T08:30:00.000Z"


def create(writer: Client) -> Any:
    with time_machine.travel(CREATED_AT, tick=False):
        return send(writer, "post", "productOffering", NEW_OFFERING)


def test_create_makes_a_draft_offer_in_design(writer: Client, tmf_valid: Valid) -> None:
    response = create(writer)
    assert response.status_code == 201, response.content
    body = response.json()
    tmf_valid(body, "ProductOffering")
    assert response["Location"] == f"{HREF}productOffering/fiber-500"
    spec_ref = ref("productSpecification", "fiber-500", "Fiber 500", version="1")
    assert {k: v for k, v in body.items() if k != "prodSpecCharValueUse"} == {
        "id": "fiber-500",
        "href": f"{HREF}productOffering/fiber-500",
        "name": "Fiber 500",
        "description": "Fast fibre for the whole family",
        "isBundle": False,
        "isSellable": True,
        "lastUpdate": CREATED,
        "lifecycleStatus": "In design",
        "version": "1",
        "category": [ref("category", "household", "Household")],
        "productSpecification": spec_ref,
        "productOfferingPrice": [],
        "productOfferingTerm": [],
        "@type": "ProductOffering",
    }
    assert [
        (
            u["name"],
            u["productSpecCharacteristicValue"][0]["value"]
            if u["productSpecCharacteristicValue"]
            else None,
        )
        for u in body["prodSpecCharValueUse"]
    ] == [
        ("technology", "ftth"),
        ("downloadSpeed", 500),
        ("uploadSpeed", 100),
        ("symmetric", False),
        ("dataCap", 2000),
        ("features", None),
    ]
    version = OfferVersion.objects.get(offer__code="fiber-500")
    assert (version.status, version.number, version.offer.segment) == ("draft", 1, "household")
    assert (version.download_mbps, version.upload_mbps, version.data_cap_gb) == (500, 100, 2000)
    event = AuditEvent.objects.get(action="offer.create", object_id=str(version.pk))
    assert event.actor_label == "token:sales-system"
    listed = writer.get(f"{TMF}productOffering?lifecycleStatus=In design&fields=name")
    assert [o["id"] for o in listed.json()] == ["fiber-500"]


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        (
            {"description": "no name"},
            400,
            [
                ("name", "is required"),
                (
                    "category",
                    'give the segment\'s category: [{"id": "business"}] or [{"id": "household"}]',
                ),
                (
                    "prodSpecCharValueUse",
                    "give the characteristic(s) technology, downloadSpeed, uploadSpeed",
                ),
            ],
        ),
        (
            {**NEW_OFFERING, "productOfferingPrice": [{"id": "x"}], "channel": []},
            400,
            [
                (
                    "productOfferingPrice",
                    "cannot be set through TMF620 here; prices and add-ons of a draft are set through /api/v1/offers/{code}",
                ),
                ("channel", "cannot be set through TMF620 here"),
            ],
        ),
        (
            {**NEW_OFFERING, "lifecycleStatus": "Active"},
            400,
            [("lifecycleStatus", "a new productOffering is always 'In design'")],
        ),
        (
            {
                **NEW_OFFERING,
                "prodSpecCharValueUse": [
                    {"name": "colour", "productSpecCharacteristicValue": [{"value": "red"}]},
                    {"name": "technology", "productSpecCharacteristicValue": [{"value": 1}]},
                    {
                        "name": "downloadSpeed",
                        "productSpecCharacteristicValue": [{"value": "fast"}],
                    },
                    {"name": "uploadSpeed", "productSpecCharacteristicValue": [1]},
                ],
            },
            400,
            [
                (
                    "prodSpecCharValueUse[0].name",
                    "must be one of technology, downloadSpeed, uploadSpeed, symmetric, dataCap, features",
                ),
                ("prodSpecCharValueUse[1].productSpecCharacteristicValue", "must be a string"),
                (
                    "prodSpecCharValueUse[2].productSpecCharacteristicValue",
                    "must be a whole number",
                ),
                (
                    "prodSpecCharValueUse[3].productSpecCharacteristicValue",
                    'must be a list of {"value": ...} objects',
                ),
            ],
        ),
        (
            {
                **NEW_OFFERING,
                "prodSpecCharValueUse": [
                    {
                        "name": "technology",
                        "productSpecCharacteristicValue": [{"value": "carrier-pigeon"}],
                    },
                    {"name": "downloadSpeed", "productSpecCharacteristicValue": [{"value": 0}]},
                    {"name": "uploadSpeed", "productSpecCharacteristicValue": [{"value": 100}]},
                ],
            },
            400,
            [
                ("technology", "must be one of ftth, gpon, docsis, radio, lte, 5g, other"),
                ("download_mbps", "must be a number of Mb/s between 1 and 100000"),
            ],
        ),
        ({**NEW_OFFERING, "name": "GameON"}, 409, []),
        (
            {**NEW_OFFERING, "name": "???"},
            400,
            [("name", "must contain letters or digits (it gives the id)")],
        ),
        ([NEW_OFFERING], 400, [("body", "must be a JSON object")]),
        ("[" * 100_000, 400, [("body", "must be JSON")]),
        (
            {
                **NEW_OFFERING,
                "category": [{"id": ["household"]}],
                "prodSpecCharValueUse": [None, {"name": ["technology"]}],
            },
            400,
            [
                (
                    "category",
                    'give the segment\'s category: [{"id": "business"}] or [{"id": "household"}]',
                ),
                (
                    "prodSpecCharValueUse[0].name",
                    "must be one of technology, downloadSpeed, uploadSpeed, symmetric, dataCap, features",
                ),
                (
                    "prodSpecCharValueUse[1].name",
                    "must be one of technology, downloadSpeed, uploadSpeed, symmetric, dataCap, features",
                ),
            ],
        ),
        ("{not json", 400, [("body", "must be JSON")]),
    ],
)
def test_create_refusals_change_nothing(
    writer: Client, tmf_valid: Valid, body: Any, status: int, errors: list[tuple[str, str]]
) -> None:
    before = snapshot()
    problem = refused(send(writer, "post", "productOffering", body), status, tmf_valid)
    assert [(e["field"], e["message"]) for e in problem.get("errors", [])] == errors
    assert snapshot() == before


def test_patch_changes_a_draft_and_active_publishes_it(writer: Client, tmf_valid: Valid) -> None:
    create(writer)
    with time_machine.travel(CREATED_AT.replace(day=6), tick=False):
        response = send(
            writer,
            "patch",
            "productOffering/fiber-500",
            {
                "name": "Fiber 600",
                "prodSpecCharValueUse": [
                    {"name": "downloadSpeed", "productSpecCharacteristicValue": [{"value": 600}]},
                    {
                        "name": "features",
                        "productSpecCharacteristicValue": [{"value": "streaming_4k"}],
                    },
                ],
                "id": "fiber-500",
                "@type": "ProductOffering",
            },
        )
    assert response.status_code == 200, response.content
    body = response.json()
    tmf_valid(body, "ProductOffering")
    assert (body["id"], body["name"], body["lastUpdate"], body["lifecycleStatus"]) == (
        "fiber-500",
        "Fiber 600",
        "2026-03-06T08:30:00.000Z",
        "In design",
    )
    version = OfferVersion.objects.get(offer__code="fiber-500")
    assert (version.name, version.download_mbps, version.features) == (
        "Fiber 600",
        600,
        ["streaming_4k"],
    )
    assert AuditEvent.objects.filter(action="offer.update", object_id=str(version.pk)).count() == 1

    # Without prices it cannot go on sale: the whole PATCH is refused, the name stays.
    before = snapshot()
    problem = refused(
        send(
            writer,
            "patch",
            "productOffering/fiber-500",
            {"name": "Fiber 700", "lifecycleStatus": "Active"},
        ),
        400,
        tmf_valid,
    )
    assert problem["errors"] == [
        {"field": "contract_terms", "message": "add at least one contract term with its prices"}
    ]
    assert snapshot() == before

    services.offer_draft_update(
        version=version,
        data=services.VersionData(
            **{
                **services.VersionData.of(version).__dict__,
                "terms": (services.Term(24, (Phase(0, 7999), Phase(6, 8999))),),
            }
        ),
        actor=Actor.system("test"),
    )
    published = send(writer, "patch", "productOffering/fiber-500", {"lifecycleStatus": "Launched"})
    assert published.status_code == 200, published.content
    tmf_valid(published.json(), "ProductOffering")
    assert published.json()["lifecycleStatus"] == "Active"
    assert [p["id"] for p in published.json()["productOfferingPrice"]] == [
        "fiber-500.24m",
        "fiber-500.24m.from6",
    ]
    assert OfferVersion.objects.get(offer__code="fiber-500").status == VersionStatus.ACTIVE


@pytest.mark.parametrize(
    ("code", "body", "status", "errors"),
    [
        ("gameon", {"name": "GameOFF"}, 409, []),
        (
            "gameon",
            {"lifecycleStatus": "Retired"},
            400,
            [
                (
                    "lifecycleStatus",
                    "must be 'In design', or 'Active' / 'Launched' to publish the offering",
                )
            ],
        ),
        (
            "fiber-500",
            {"category": [{"id": "business"}]},
            400,
            [("category", "cannot be set through TMF620 here")],
        ),
        ("fiber-500", {"name": 5}, 400, [("name", "must be a string")]),
        (
            "fiber-500",
            {"prodSpecCharValueUse": {"name": "x"}},
            400,
            [("prodSpecCharValueUse", "must be a list")],
        ),
        ("nope", {"name": "X"}, 404, []),
    ],
)
def test_patch_refusals_change_nothing(
    writer: Client,
    tmf_valid: Valid,
    code: str,
    body: Any,
    status: int,
    errors: list[tuple[str, str]],
) -> None:
    create(writer)
    before = snapshot()
    problem = refused(send(writer, "patch", f"productOffering/{code}", body), status, tmf_valid)
    assert [(e["field"], e["message"]) for e in problem.get("errors", [])] == errors
    assert snapshot() == before


def test_an_offer_on_sale_is_not_patched_even_with_a_draft_pending(
    writer: Client, tmf_valid: Valid
) -> None:
    services.offer_new_draft(offer=Offer.objects.get(code="gameon"), actor=Actor.system("test"))
    before = snapshot()
    problem = refused(
        send(writer, "patch", "productOffering/gameon", {"name": "GameOFF"}), 409, tmf_valid
    )
    assert problem["detail"] == (
        "productOffering gameon is 'Active'; only an offering 'In design' can be changed. "
        "Change an offer on sale through /api/v1/offers/gameon, which publishes a new version."
    )
    refused(writer.delete(f"{TMF}productOffering/gameon"), 409, tmf_valid)
    assert snapshot() == before


def test_delete_removes_an_offering_in_design_only(writer: Client, tmf_valid: Valid) -> None:
    create(writer)
    before = snapshot()
    refused(writer.delete(f"{TMF}productOffering/speedster"), 409, tmf_valid)
    refused(writer.delete(f"{TMF}productOffering/nope"), 404, tmf_valid)
    assert snapshot() == before
    response = writer.delete(f"{TMF}productOffering/fiber-500")
    assert (response.status_code, response.content) == (204, b"")
    assert not Offer.objects.filter(code="fiber-500").exists()
    assert AuditEvent.objects.filter(action="offer.delete_draft").count() == 1
    refused(writer.get(f"{TMF}productOffering/fiber-500"), 404, tmf_valid)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "productOfferingPrice"),
        ("patch", "productOfferingPrice/gameon.0m"),
        ("delete", "productSpecification/gameon"),
        ("post", "category"),
        ("patch", "category/business"),
    ],
)
def test_the_other_resources_are_read_only(
    writer: Client, tmf_valid: Valid, method: str, path: str
) -> None:
    before = snapshot()
    response = send(writer, method, path, {"name": "X"})
    body = refused(response, 405, tmf_valid)
    assert response["Allow"] == "GET"
    assert body["reason"] == "Method Not Allowed"
    assert snapshot() == before


def test_a_retried_create_with_the_same_idempotency_key_is_answered_again(
    writer: Client,
) -> None:
    with time_machine.travel(CREATED_AT, tick=False):
        first, again = (
            writer.post(
                f"{TMF}productOffering",
                json.dumps(NEW_OFFERING),
                content_type="application/json",
                headers={"Idempotency-Key": "website-42"},
            )
            for _ in range(2)
        )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert OfferVersion.objects.filter(offer__code="fiber-500").count() == 1
