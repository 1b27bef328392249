"""TMF620 Product Catalog Management v4: Rota's catalog as TM Forum resources.

Pure mapping: plain values in (`CatalogEntry`), TMF dicts out; plus the TMF630 query rules
(`fields=`, attribute filters, `offset`/`limit`) and the reading of write bodies.

Each Rota offer is one productOffering, one productSpecification (its speeds and
technology as characteristics) and one productOfferingPrice per contract term; every later
price phase of a term is a price alteration: a productOfferingPrice of its own, linked from
the term's price by a `popRelationship` of type "priceAlteration". Ids are the offer code,
`<code>.<months>m` for a term's price and `<code>.<months>m.from<month>` for an alteration
(months counted from 0, as everywhere in Rota).

An offer is shown at its current version: the one on sale, or else the newest.
`lifecycleStatus` follows that version's state (see LIFECYCLE): a draft that was never
published is "In design", the version on sale is "Active", a retired offer is "Retired".
A superseded version ("Obsolete") is never current, since a newer version replaced it, and a
draft being prepared for an offer on sale stays hidden until it is published.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from rota.billing.pricing import Phase
from rota.core.errors import FieldError, InvalidInput
from rota.core.money import to_decimal

BASE_PATH = "/tmf-api/productCatalogManagement/v4/"

LIFECYCLE = {
    "draft": "In design",
    "active": "Active",
    "superseded": "Obsolete",
    "retired": "Retired",
}
IN_DESIGN, ACTIVE, LAUNCHED, RETIRED = "In design", "Active", "Launched", "Retired"


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The attributes each resource has in the official v4.0.0 definitions (a test compares
# them with the swagger file): `fields=` and filters may name these, and nothing else.
PRODUCT_OFFERING_ATTRIBUTES = _names(
    """id href description isBundle isSellable lastUpdate lifecycleStatus name statusReason
    version agreement attachment bundledProductOffering category channel marketSegment place
    prodSpecCharValueUse productOfferingPrice productOfferingTerm productSpecification
    resourceCandidate serviceCandidate serviceLevelAgreement validFor @baseType
    @schemaLocation @type"""
)
PRODUCT_OFFERING_PRICE_ATTRIBUTES = _names(
    """id href description isBundle lastUpdate lifecycleStatus name percentage priceType
    recurringChargePeriodLength recurringChargePeriodType version bundledPopRelationship
    constraint place popRelationship price pricingLogicAlgorithm prodSpecCharValueUse
    productOfferingTerm tax unitOfMeasure validFor @baseType @schemaLocation @type"""
)
PRODUCT_SPECIFICATION_ATTRIBUTES = _names(
    """id href brand description isBundle lastUpdate lifecycleStatus name productNumber version
    attachment bundledProductSpecification productSpecCharacteristic
    productSpecificationRelationship relatedParty resourceSpecification serviceSpecification
    targetProductSchema validFor @baseType @schemaLocation @type"""
)
CATEGORY_ATTRIBUTES = _names(
    """id href description isRoot lastUpdate lifecycleStatus name parentId version
    productOffering subCategory validFor @baseType @schemaLocation @type"""
)


@dataclass(frozen=True)
class CatalogEntry:
    """An offer at its current version, as plain values."""

    code: str
    segment: str
    number: int
    status: str
    name: str
    technology: str
    download_mbps: int
    upload_mbps: int
    symmetric: bool
    data_cap_gb: int | None
    description: str
    features: tuple[str, ...]
    prices_include_tax: bool
    tax_rate: Decimal
    terms: tuple[tuple[int, tuple[Phase, ...]], ...]
    published_at: datetime | None
    ended_at: datetime | None
    last_update: datetime


@dataclass(frozen=True)
class Context:
    """What the mapping needs to know about the installation and the request."""

    base_url: str
    currency: str
    money: Callable[[int], str]
    schedule: Callable[[Sequence[Phase]], str]
    segments: dict[str, str] = field(default_factory=dict)


def timestamp(moment: datetime) -> str:
    """Return an ISO 8601 UTC timestamp ending in "Z", to the millisecond."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def lifecycle_status(status: str) -> str:
    """Return the TMF lifecycleStatus of a Rota version status."""
    return LIFECYCLE[status]


def _ref(ctx: Context, resource: str, ident: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "href": f"{ctx.base_url}{resource}/{ident}",
        "name": name,
        **extra,
        "@referredType": resource[0].upper() + resource[1:],
    }


def _valid_for(entry: CatalogEntry) -> dict[str, str]:
    period = {}
    if entry.published_at is not None:
        period["startDateTime"] = timestamp(entry.published_at)
    if entry.status == "retired" and entry.ended_at is not None:
        period["endDateTime"] = timestamp(entry.ended_at)
    return period


def _header(ctx: Context, resource: str, ident: str) -> dict[str, Any]:
    """Return the attributes every resource of an offer starts with."""
    return {"id": ident, "href": f"{ctx.base_url}{resource}/{ident}"}


def _common(entry: CatalogEntry) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lastUpdate": timestamp(entry.last_update),
        "lifecycleStatus": lifecycle_status(entry.status),
        "version": str(entry.number),
    }
    period = _valid_for(entry)
    if period:
        body["validFor"] = period
    return body


def term_name(months: int) -> str:
    """Say a contract term: "24 months", or "No commitment" for 0."""
    if months == 0:
        return "No commitment"
    return f"{months} month" + ("s" if months != 1 else "")


def _term(months: int) -> dict[str, Any]:
    return {
        "name": term_name(months),
        "duration": {"amount": months, "units": "month"},
        "@type": "ProductOfferingTerm",
    }


def price_id(code: str, months: int, from_month: int = 0) -> str:
    """Return the productOfferingPrice id of a term's price or of a later phase."""
    base = f"{code}.{months}m"
    return base if from_month == 0 else f"{base}.from{from_month}"


def parse_price_id(ident: str) -> tuple[str, int, int] | None:
    """Return (offer code, term months, from month) of a price id, or None."""
    parts = ident.split(".")
    if len(parts) == 3 and parts[2].startswith("from") and parts[2][4:].isdigit():
        from_month = int(parts[2][4:])
        if from_month == 0:
            return None
    elif len(parts) == 2:
        from_month = 0
    else:
        return None
    code, term = parts[0], parts[1]
    if not (code and term.endswith("m") and term[:-1].isdigit()):
        return None
    return code, int(term[:-1]), from_month


def _money(ctx: Context, minor: int) -> dict[str, Any]:
    return {"unit": ctx.currency, "value": float(to_decimal(minor))}


def _price_name(entry: CatalogEntry, months: int, from_month: int = 0) -> str:
    name = f"{entry.name}, {term_name(months).lower()}"
    return name if from_month == 0 else f"{name}, from month {from_month + 1}"


def _price_refs(entry: CatalogEntry, ctx: Context) -> list[dict[str, Any]]:
    return [
        _ref(
            ctx,
            "productOfferingPrice",
            price_id(entry.code, months, phase.from_month),
            _price_name(entry, months, phase.from_month),
        )
        for months, phases in entry.terms
        for phase in phases
    ]


def _characteristics(entry: CatalogEntry) -> list[dict[str, Any]]:
    """Return the spec's characteristics: (name, description, valueType, unit, values)."""
    rows: list[tuple[str, str, str, str | None, list[Any]]] = [
        ("technology", "Access technology", "string", None, [entry.technology]),
        ("downloadSpeed", "Download speed", "number", "Mbps", [entry.download_mbps]),
        ("uploadSpeed", "Upload speed", "number", "Mbps", [entry.upload_mbps]),
        ("symmetric", "Same speed both ways", "boolean", None, [entry.symmetric]),
        (
            "dataCap",
            "Monthly data allowance; null means unlimited",
            "number",
            "GB",
            [entry.data_cap_gb],
        ),
        ("features", "What the offer is good for", "string", None, list(entry.features)),
    ]
    return [
        {
            "name": name,
            "description": description,
            "valueType": value_type,
            "configurable": False,
            "minCardinality": 0 if name == "features" else 1,
            "maxCardinality": len(values) if name == "features" else 1,
            "productSpecCharacteristicValue": [
                {
                    "isDefault": True,
                    "valueType": value_type,
                    **({"unitOfMeasure": unit} if unit else {}),
                    "value": value,
                    "@type": "ProductSpecificationCharacteristicValue",
                }
                for value in values
            ],
            "@type": "ProductSpecificationCharacteristic",
        }
        for name, description, value_type, unit, values in rows
    ]


def product_offering(entry: CatalogEntry, ctx: Context) -> dict[str, Any]:
    """Return the productOffering of an offer."""
    spec_ref = _ref(ctx, "productSpecification", entry.code, entry.name, version=str(entry.number))
    return {
        **_header(ctx, "productOffering", entry.code),
        "name": entry.name,
        "description": entry.description,
        "isBundle": False,
        "isSellable": True,
        **_common(entry),
        "category": [
            _ref(ctx, "category", entry.segment, ctx.segments.get(entry.segment, entry.segment))
        ],
        "productSpecification": spec_ref,
        "prodSpecCharValueUse": [
            {
                "name": characteristic["name"],
                "valueType": characteristic["valueType"],
                "productSpecCharacteristicValue": characteristic["productSpecCharacteristicValue"],
                "productSpecification": spec_ref,
                "@type": "ProductSpecificationCharacteristicValueUse",
            }
            for characteristic in _characteristics(entry)
        ],
        "productOfferingPrice": _price_refs(entry, ctx),
        "productOfferingTerm": [_term(months) for months, _ in entry.terms],
        "@type": "ProductOffering",
    }


def product_specification(entry: CatalogEntry, ctx: Context) -> dict[str, Any]:
    """Return the productSpecification of an offer: what the customer gets."""
    return {
        **_header(ctx, "productSpecification", entry.code),
        "name": entry.name,
        "description": f"Internet access: {entry.technology}, "
        f"{entry.download_mbps}/{entry.upload_mbps} Mb/s",
        "isBundle": False,
        "productNumber": entry.code,
        **_common(entry),
        "productSpecCharacteristic": _characteristics(entry),
        "@type": "ProductSpecification",
    }


def _tax_note(entry: CatalogEntry) -> str:
    percent = format((entry.tax_rate * 100).normalize(), "f")
    return f"{'including' if entry.prices_include_tax else 'plus'} {percent}% VAT"


def product_offering_prices(entry: CatalogEntry, ctx: Context) -> list[dict[str, Any]]:
    """Return the term prices of an offer, each followed by its price alterations."""
    prices = []
    for months, phases in entry.terms:
        main_id = price_id(entry.code, months)
        common = {
            "isBundle": False,
            **_common(entry),
            "priceType": "recurring",
            "recurringChargePeriodType": "month",
            "recurringChargePeriodLength": 1,
        }
        tax = [{"taxCategory": "VAT", "taxRate": float(entry.tax_rate), "@type": "TaxItem"}]
        later = phases[1:]
        prices.append(
            {
                **_header(ctx, "productOfferingPrice", main_id),
                "name": _price_name(entry, months),
                "description": f"{ctx.schedule(phases)} a month, {_tax_note(entry)}",
                **common,
                "price": _money(ctx, phases[0].monthly_price_minor),
                "productOfferingTerm": [_term(months)],
                "tax": tax,
                "popRelationship": [
                    {
                        "id": price_id(entry.code, months, phase.from_month),
                        "href": f"{ctx.base_url}productOfferingPrice/"
                        f"{price_id(entry.code, months, phase.from_month)}",
                        "name": _price_name(entry, months, phase.from_month),
                        "relationshipType": "priceAlteration",
                    }
                    for phase in later
                ],
                "@type": "ProductOfferingPrice",
            }
        )
        for phase in later:
            alteration_id = price_id(entry.code, months, phase.from_month)
            price = ctx.money(phase.monthly_price_minor)
            prices.append(
                {
                    **_header(ctx, "productOfferingPrice", alteration_id),
                    "name": _price_name(entry, months, phase.from_month),
                    "description": f"{price} a month from contract month {phase.from_month + 1} "
                    f"on, instead of the price before, {_tax_note(entry)}",
                    **common,
                    "price": _money(ctx, phase.monthly_price_minor),
                    "productOfferingTerm": [_term(months)],
                    "tax": tax,
                    "pricingLogicAlgorithm": [
                        {
                            "id": f"fromContractMonth{phase.from_month}",
                            "name": f"from contract month {phase.from_month + 1}",
                            "description": "Replaces the recurring price from this contract "
                            "month on (months counted from 0 in the id)",
                            "@type": "PricingLogicAlgorithm",
                        }
                    ],
                    "popRelationship": [
                        {
                            "id": main_id,
                            "href": f"{ctx.base_url}productOfferingPrice/{main_id}",
                            "name": _price_name(entry, months),
                            "relationshipType": "alterationOf",
                        }
                    ],
                    "@type": "ProductOfferingPrice",
                }
            )
    return prices


def category(segment: str, entries: Sequence[CatalogEntry], ctx: Context) -> dict[str, Any]:
    """Return the category of a segment with the offerings in it."""
    name = ctx.segments.get(segment, segment)
    body: dict[str, Any] = {
        "id": segment,
        "href": f"{ctx.base_url}category/{segment}",
        "name": name,
        "description": f"Offers for {name.lower()} customers",
        "isRoot": True,
        "lifecycleStatus": ACTIVE,
    }
    mine = [e for e in entries if e.segment == segment]
    if mine:
        body["lastUpdate"] = timestamp(max(e.last_update for e in mine))
    body["productOffering"] = [_ref(ctx, "productOffering", e.code, e.name) for e in mine]
    body["@type"] = "Category"
    return body


# --- TMF630 query rules -------------------------------------------------------------------

RESERVED = ("fields", "offset", "limit")
OPERATORS = ("gt", "gte", "lt", "lte")
ALWAYS_SHOWN = ("id", "href", "@type")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Criterion:
    """One attribute filter: `path` (dotted), an operator and the wanted values."""

    key: str
    path: tuple[str, ...]
    operator: str
    values: tuple[str, ...]
    bound: float | datetime | None = None


@dataclass(frozen=True)
class Query:
    """The parsed query string of a TMF list or get."""

    fields: tuple[str, ...] | None = None
    criteria: tuple[Criterion, ...] = ()
    offset: int = 0
    limit: int = DEFAULT_LIMIT


def _bad(name: str, message: str) -> InvalidInput:
    return InvalidInput(detail=f"{name}: {message}", errors=[FieldError(name, message)])


def _fields(value: str, attributes: frozenset[str]) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(","))
    unknown = [n for n in names if n not in attributes]
    if not value.strip() or "" in names:
        raise _bad("fields", "give attribute names separated by commas, e.g. fields=name,version")
    if unknown:
        raise _bad("fields", f"unknown attribute(s): {', '.join(unknown)}")
    return names


def _integer(name: str, value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise _bad(name, f"must be a whole number from {low} to {high}")
    return int(value)


def _parse_datetime(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _bound(key: str, value: str) -> float | datetime:
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None:
        moment = _parse_datetime(value)
        if moment is None:
            raise _bad(key, "compare with a number or a date-time such as 2026-01-31T00:00:00Z")
        return moment
    if not math.isfinite(number):
        raise _bad(key, "must be a finite number")
    return number


def _criterion(key: str, value: str, attributes: frozenset[str]) -> Criterion:
    path = tuple(key.split("."))
    operator = "eq"
    if len(path) > 1 and path[-1] in OPERATORS:
        operator, path = path[-1], path[:-1]
    if path[0] not in attributes:
        raise _bad(key, f"unknown attribute {path[0]!r}; filter on an attribute of the resource")
    if "" in path:
        raise _bad(key, "is not a valid attribute path")
    if value == "":
        raise _bad(key, "give a value to filter on")
    if operator == "eq":
        return Criterion(key, path, operator, tuple(value.split(",")))
    return Criterion(key, path, operator, (value,), _bound(key, value))


def parse_query(pairs: Iterable[tuple[str, list[str]]], attributes: frozenset[str]) -> Query:
    """Read `fields`, `offset`, `limit` and attribute filters; 400 for anything malformed."""
    fields = None
    offset, limit = 0, DEFAULT_LIMIT
    criteria = []
    for key, values in pairs:
        if key in RESERVED and len(values) > 1:
            raise _bad(key, "give it once")
        for value in values:
            if key == "fields":
                fields = _fields(value, attributes)
            elif key == "offset":
                offset = _integer(key, value, 0, 1_000_000_000)
            elif key == "limit":
                limit = _integer(key, value, 1, MAX_LIMIT)
            else:
                criteria.append(_criterion(key, value, attributes))
    return Query(fields, tuple(criteria), offset, limit)


def _values_at(item: Any, path: Sequence[str]) -> list[Any]:
    if isinstance(item, list):
        return [v for element in item for v in _values_at(element, path)]
    if not path:
        return [item]
    if not isinstance(item, dict) or path[0] not in item:
        return []
    return _values_at(item[path[0]], path[1:])


def _equal(actual: Any, wanted: str) -> bool:
    if isinstance(actual, bool):
        return wanted == ("true" if actual else "false")
    if isinstance(actual, int | float):
        try:
            return float(wanted) == float(actual)
        except ValueError:
            return False
    if actual is None:
        return wanted == "null"
    return isinstance(actual, str) and actual == wanted


def _compare(actual: Any, operator: str, bound: float | datetime | None) -> bool:
    left: float | datetime | None = None
    if isinstance(bound, datetime) and isinstance(actual, str):
        left = _parse_datetime(actual)
    elif isinstance(bound, float) and isinstance(actual, int | float):
        left = float(actual) if not isinstance(actual, bool) else None
    if left is None or bound is None:
        return False
    if operator == "gt":
        return left > bound  # type: ignore[operator]
    if operator == "gte":
        return left >= bound  # type: ignore[operator]
    if operator == "lt":
        return left < bound  # type: ignore[operator]
    return left <= bound  # type: ignore[operator]


def _matches(item: dict[str, Any], criterion: Criterion) -> bool:
    actual = _values_at(item, criterion.path)
    if criterion.operator == "eq":
        return any(_equal(a, w) for a in actual for w in criterion.values)
    return any(_compare(a, criterion.operator, criterion.bound) for a in actual)


def select(item: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    """Return only the asked attributes (plus id, href and @type), in the resource's order."""
    if fields is None:
        return item
    keep = set(fields) | set(ALWAYS_SHOWN)
    return {key: value for key, value in item.items() if key in keep}


def apply(items: Sequence[dict[str, Any]], query: Query) -> tuple[int, list[dict[str, Any]]]:
    """Return the number of matching items and the asked page of them."""
    matching = [i for i in items if all(_matches(i, c) for c in query.criteria)]
    page = matching[query.offset : query.offset + query.limit]
    return len(matching), [select(item, query.fields) for item in page]


# --- Writes -------------------------------------------------------------------------------

# Attributes a client may send back unchanged from a GET; the server sets them.
SERVER_SET = frozenset(("id", "href", "lastUpdate", "version", "@type", "@baseType"))
SERVER_SET_ALSO = frozenset(("@schemaLocation", "isBundle", "isSellable"))
CHARACTERISTIC_FIELDS = {
    "technology": "technology",
    "downloadSpeed": "download_mbps",
    "uploadSpeed": "upload_mbps",
    "symmetric": "symmetric",
    "dataCap": "data_cap_gb",
    "features": "features",
}
REQUIRED_CHARACTERISTICS = ("technology", "downloadSpeed", "uploadSpeed")


@dataclass(frozen=True)
class OfferingInput:
    """What a productOffering POST or PATCH asks for, in Rota's terms."""

    changes: dict[str, Any]
    segment: str | None = None
    publish: bool = False


def _characteristic_value(name: str, values: list[Any]) -> tuple[Any, str | None]:
    """Return the Rota value of one characteristic, or an error message."""
    if name == "features":
        if not all(isinstance(v, str) for v in values):
            return None, "features are strings"
        return tuple(values), None
    if len(values) != 1:
        return None, "give exactly one value"
    value = values[0]
    if name == "technology":
        return (value, None) if isinstance(value, str) else (None, "must be a string")
    if name == "symmetric":
        return (value, None) if isinstance(value, bool) else (None, "must be true or false")
    if name == "dataCap" and value is None:
        return None, None
    if isinstance(value, bool) or not isinstance(value, int):
        return None, "must be a whole number" + (
            " or null (unlimited)" if name == "dataCap" else ""
        )
    return value, None


def _characteristics_input(uses: Any, errors: list[FieldError]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if not isinstance(uses, list):
        errors.append(FieldError("prodSpecCharValueUse", "must be a list"))
        return changes
    for i, use in enumerate(uses):
        where = f"prodSpecCharValueUse[{i}]"
        name = use.get("name") if isinstance(use, dict) else None
        if not isinstance(name, str) or name not in CHARACTERISTIC_FIELDS:
            known = ", ".join(CHARACTERISTIC_FIELDS)
            errors.append(FieldError(f"{where}.name", f"must be one of {known}"))
            continue
        raw = use.get("productSpecCharacteristicValue")
        if not isinstance(raw, list) or not all(isinstance(v, dict) and "value" in v for v in raw):
            errors.append(
                FieldError(
                    f"{where}.productSpecCharacteristicValue",
                    'must be a list of {"value": ...} objects',
                )
            )
            continue
        value, message = _characteristic_value(name, [v["value"] for v in raw])
        if message:
            errors.append(FieldError(f"{where}.productSpecCharacteristicValue", message))
        else:
            changes[CHARACTERISTIC_FIELDS[name]] = value
    return changes


def offering_input(body: Any, *, creating: bool, segments: Iterable[str]) -> OfferingInput:
    """Read a productOffering POST (`creating`) or PATCH body; 400 naming every bad field."""
    if not isinstance(body, dict):
        raise _bad("body", "must be a JSON object")
    writable = {"name", "description", "prodSpecCharValueUse", "lifecycleStatus"}
    if creating:
        writable.add("category")
    errors: list[FieldError] = []
    for key in body:
        if key not in writable | SERVER_SET | SERVER_SET_ALSO:
            errors.append(
                FieldError(
                    key,
                    "cannot be set through TMF620 here; prices and add-ons of a draft are set "
                    "through /api/v1/offers/{code}"
                    if key in ("productOfferingPrice", "productOfferingTerm")
                    else "cannot be set through TMF620 here",
                )
            )
    changes: dict[str, Any] = {}
    for key in ("name", "description"):
        if key in body:
            if isinstance(body[key], str):
                changes[key] = body[key]
            else:
                errors.append(FieldError(key, "must be a string"))
    if creating and not str(changes.get("name", "")).strip():
        errors.append(FieldError("name", "is required"))
    segment = None
    if creating:
        segment = _segment(body.get("category"), set(segments), errors)
    if "prodSpecCharValueUse" in body:
        changes.update(_characteristics_input(body["prodSpecCharValueUse"], errors))
    if creating:
        missing = [n for n in REQUIRED_CHARACTERISTICS if CHARACTERISTIC_FIELDS[n] not in changes]
        if missing and not any(e.field.startswith("prodSpecCharValueUse") for e in errors):
            errors.append(
                FieldError(
                    "prodSpecCharValueUse", f"give the characteristic(s) {', '.join(missing)}"
                )
            )
    publish = False
    status = body.get("lifecycleStatus", IN_DESIGN)
    allowed = (IN_DESIGN,) if creating else (IN_DESIGN, ACTIVE, LAUNCHED)
    if status not in allowed:
        message = (
            "a new productOffering is always 'In design'"
            if creating
            else "must be 'In design', or 'Active' / 'Launched' to publish the offering"
        )
        errors.append(FieldError("lifecycleStatus", message))
    else:
        publish = status in (ACTIVE, LAUNCHED)
    if errors:
        raise InvalidInput(detail="The productOffering has invalid attributes.", errors=errors)
    return OfferingInput(changes=changes, segment=segment, publish=publish)


def _segment(refs: Any, segments: set[str], errors: list[FieldError]) -> str | None:
    ids = [r.get("id") for r in refs if isinstance(r, dict)] if isinstance(refs, list) else None
    if not ids or len(ids) != 1 or not isinstance(ids[0], str) or ids[0] not in segments:
        example = " or ".join(f'[{{"id": "{s}"}}]' for s in sorted(segments))
        errors.append(FieldError("category", f"give the segment's category: {example}"))
        return None
    return str(ids[0])


def error_body(problem: dict[str, Any]) -> dict[str, Any]:
    """Return an RFC 9457 problem that is also a TMF630 Error (code, reason, message).

    TMF's Error has `status` as a string; RFC 9457 says a member of the wrong type is
    ignored, so the body stays a valid problem too.
    """
    return {
        "code": str(problem["type"]).rsplit("/", 1)[-1],
        "reason": problem["title"],
        "message": problem["detail"],
        "status": str(problem["status"]),
        **{k: v for k, v in problem.items() if k != "status"},
        "@type": "Error",
    }
