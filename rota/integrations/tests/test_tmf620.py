"""TMF620 mapping rules without the database: ids, query parsing, the spec's attributes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rota.core.errors import InvalidInput
from rota.integrations import tmf620


def test_the_attribute_lists_are_the_official_definitions(swagger: dict[str, Any]) -> None:
    definitions = swagger["definitions"]
    assert set(definitions["ProductOffering"]["properties"]) == tmf620.PRODUCT_OFFERING_ATTRIBUTES
    assert (
        set(definitions["ProductOfferingPrice"]["properties"])
        == tmf620.PRODUCT_OFFERING_PRICE_ATTRIBUTES
    )
    assert (
        set(definitions["ProductSpecification"]["properties"])
        == tmf620.PRODUCT_SPECIFICATION_ATTRIBUTES
    )
    assert set(definitions["Category"]["properties"]) == tmf620.CATEGORY_ATTRIBUTES
    assert swagger["basePath"] == tmf620.BASE_PATH


@pytest.mark.parametrize(
    ("ident", "parsed"),
    [
        ("4business.24m", ("4business", 24, 0)),
        ("4business.24m.from3", ("4business", 24, 3)),
        ("speedster.0m", ("speedster", 0, 0)),
        ("4business-ultra.12m.from6", ("4business-ultra", 12, 6)),
        ("4business.24m.from0", None),
        ("4business", None),
        ("4business.24", None),
        ("4business.m", None),
        (".24m", None),
        ("a.24m.fromx", None),
        ("a.24m.from3.x", None),
    ],
)
def test_price_ids_round_trip(ident: str, parsed: tuple[str, int, int] | None) -> None:
    assert tmf620.parse_price_id(ident) == parsed
    if parsed:
        assert tmf620.price_id(*parsed) == ident


def test_timestamps_are_utc_with_z() -> None:
    moment = datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=UTC)
    assert tmf620.timestamp(moment) == "2026-03-02T09:30:00.123Z"


def test_lifecycle_mapping() -> None:
    assert {s: tmf620.lifecycle_status(s) for s in tmf620.LIFECYCLE} == {
        "draft": "In design",
        "active": "Active",
        "superseded": "Obsolete",
        "retired": "Retired",
    }


def query(**params: str) -> tmf620.Query:
    return tmf620.parse_query(
        [(k, [v]) for k, v in params.items()], tmf620.PRODUCT_OFFERING_PRICE_ATTRIBUTES
    )


ITEMS: list[dict[str, Any]] = [
    {
        "id": "a",
        "name": "A",
        "isBundle": False,
        "price": {"value": 80.0},
        "tax": [{"taxRate": 0.23}],
    },
    {
        "id": "b",
        "name": "B",
        "isBundle": True,
        "price": {"value": 120.0},
        "tax": [{"taxRate": 0.08}],
    },
    {"id": "c", "name": "C", "lastUpdate": "2026-03-02T08:30:00.000Z", "price": {"value": 99.99}},
]


@pytest.mark.parametrize(
    ("params", "ids"),
    [
        ({}, ["a", "b", "c"]),
        ({"name": "B"}, ["b"]),
        ({"id": "a,c"}, ["a", "c"]),
        ({"isBundle": "false"}, ["a"]),
        ({"price.value": "80"}, ["a"]),
        ({"price.value.lte": "99.99"}, ["a", "c"]),
        ({"price.value.gt": "99.99"}, ["b"]),
        ({"tax.taxRate": "0.08"}, ["b"]),
        ({"lastUpdate.gte": "2026-03-02T08:30:00Z"}, ["c"]),
        ({"lastUpdate.lt": "2026-03-02T08:30:00Z"}, []),
        ({"offset": "1", "limit": "1"}, ["b"]),
        ({"offset": "5"}, []),
    ],
)
def test_filters_and_pages(params: dict[str, str], ids: list[str]) -> None:
    total, rows = tmf620.apply(ITEMS, query(**params))
    assert [r["id"] for r in rows] == ids
    if "offset" not in params:
        assert total == len(ids)


def test_fields_keep_id_href_and_type() -> None:
    item = {"id": "a", "href": "h", "name": "A", "price": {}, "@type": "ProductOfferingPrice"}
    assert tmf620.select(item, ("price",)) == {
        "id": "a",
        "href": "h",
        "price": {},
        "@type": "ProductOfferingPrice",
    }


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"fields": "name,colour"}, "fields", "unknown attribute(s): colour"),
        ({"fields": "name,"}, "fields", "give attribute names separated by commas"),
        ({"colour": "red"}, "colour", "unknown attribute 'colour'"),
        ({"name": ""}, "name", "give a value to filter on"),
        ({"price..value": "1"}, "price..value", "is not a valid attribute path"),
        ({"price.value.gt": "cheap"}, "price.value.gt", "compare with a number or a date-time"),
        ({"price.value.lt": "nan"}, "price.value.lt", "must be a finite number"),
        ({"limit": "0"}, "limit", "must be a whole number from 1 to 1000"),
        ({"limit": "many"}, "limit", "must be a whole number from 1 to 1000"),
        ({"offset": "-1"}, "offset", "must be a whole number from 0"),
    ],
)
def test_malformed_queries_name_the_parameter(
    params: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        query(**params)
    assert caught.value.errors[0].field == field
    assert message in caught.value.errors[0].message


def test_a_reserved_parameter_given_twice_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        tmf620.parse_query([("limit", ["1", "2"])], tmf620.CATEGORY_ATTRIBUTES)
    assert caught.value.errors[0].message == "give it once"
