"""TMF620 Product Catalog Management v4 at /tmf-api/productCatalogManagement/v4/.

A NinjaAPI of its own (its OpenAPI at .../openapi.json): TMF bodies depend on `fields=`,
so handlers answer JSON they build with `tmf620` instead of ninja schemas. Reads need the
`catalog:read` scope, writes `catalog:write`, as in /api/v1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from rota.accounts.api_auth import actor_of, scoped
from rota.catalog.models import Segment
from rota.catalog.selectors import describe_schedule, offer_get
from rota.core.errors import DomainError, InvalidInput, NotFound, Unauthorized
from rota.installation.selectors import installation_get, money_formatter
from rota.integrations import services, tmf620
from rota.integrations.selectors import catalog_entries

READ = scoped("catalog:read")
WRITE = scoped("catalog:write")
JSON = "application/json;charset=utf-8"

tmf_api = NinjaAPI(
    title="Rota TMF620 Product Catalog Management",
    version="4.0.0",
    description=(
        "TM Forum TMF620 v4 view of the catalog: productOffering, productOfferingPrice, "
        "productSpecification and category. Lists take `fields=`, attribute filters "
        "(`lifecycleStatus=Active`, `price.value.lte=100`), `offset` and `limit`, and "
        "answer `X-Total-Count` / `X-Result-Count`. Offerings 'In design' can be created, "
        "patched (`lifecycleStatus: Active` publishes) and deleted."
    ),
    urls_namespace="tmf620",
)

LIST_PARAMETERS = [
    {"name": "fields", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer"}},
    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer"}},
]
LIST_DOC = {
    "parameters": LIST_PARAMETERS,
    "responses": {
        "200": {
            "description": "The matching resources (a JSON array)",
            "headers": {
                "X-Total-Count": {"schema": {"type": "integer"}},
                "X-Result-Count": {"schema": {"type": "integer"}},
            },
        }
    },
}
BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


def _context(request: HttpRequest) -> tmf620.Context:
    money = money_formatter()
    return tmf620.Context(
        base_url=request.build_absolute_uri(tmf620.BASE_PATH),
        currency=installation_get().currency,
        money=money,
        schedule=lambda phases: describe_schedule(phases, money),
        segments=dict(Segment.choices),
    )


def _json(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=JSON)


def _error(request: HttpRequest, error: DomainError, status: int | None = None) -> HttpResponse:
    problem = error.as_problem(request.path)
    if status is not None:
        problem["status"], problem["title"] = status, HTTPStatus(status).phrase
    elif problem["status"] == 422:
        # TMF answers bad input with 400; Rota's services say 422.
        problem["status"] = 400
    response = _json(tmf620.error_body(problem), int(str(problem["status"])))
    response["Content-Type"] = "application/problem+json"
    return response


Build = Callable[[tmf620.Context], list[dict[str, Any]]]


def _list(request: HttpRequest, attributes: frozenset[str], build: Build) -> HttpResponse:
    query = tmf620.parse_query(request.GET.lists(), attributes)
    total, rows = tmf620.apply(build(_context(request)), query)
    response = _json(rows)
    response["X-Total-Count"] = str(total)
    response["X-Result-Count"] = str(len(rows))
    return response


def _one(
    request: HttpRequest, attributes: frozenset[str], build: Build, what: str, ident: str
) -> HttpResponse:
    query = tmf620.parse_query(
        [(k, v) for k, v in request.GET.lists() if k == "fields"], attributes
    )
    unknown = [k for k in request.GET if k != "fields"]
    if unknown:
        raise InvalidInput.single(unknown[0], "a single resource only takes fields=")
    found = [item for item in build(_context(request)) if item["id"] == ident]
    if not found:
        raise NotFound(detail=f"There is no {what} with id {ident!r}.")
    return _json(tmf620.select(found[0], query.fields))


def _offerings(code: str | None = None) -> Build:
    return lambda ctx: [tmf620.product_offering(e, ctx) for e in catalog_entries(code=code)]


def _prices(code: str | None = None) -> Build:
    return lambda ctx: [
        p for e in catalog_entries(code=code) for p in tmf620.product_offering_prices(e, ctx)
    ]


def _specifications(code: str | None = None) -> Build:
    return lambda ctx: [tmf620.product_specification(e, ctx) for e in catalog_entries(code=code)]


def _categories(ctx: tmf620.Context) -> list[dict[str, Any]]:
    entries = catalog_entries()
    return [tmf620.category(segment, entries, ctx) for segment in Segment.values]


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise InvalidInput.single("body", "must be JSON") from None


def _read_only(request: HttpRequest, resource: str) -> HttpResponse:
    error = DomainError(
        detail=f"{resource} is read-only here: it follows the offers. Create, change and "
        "delete offerings in design through productOffering."
    )
    response = _error(request, error, status=405)
    response["Allow"] = "GET"
    return response


# --- productOffering ----------------------------------------------------------------------


@tmf_api.get("/productOffering", auth=READ, openapi_extra=LIST_DOC, tags=["productOffering"])
def list_product_offerings(request: HttpRequest) -> HttpResponse:
    """List or find productOfferings: one per offer, at its current version."""
    return _list(request, tmf620.PRODUCT_OFFERING_ATTRIBUTES, _offerings())


@tmf_api.get("/productOffering/{id}", auth=READ, tags=["productOffering"])
def get_product_offering(request: HttpRequest, id: str) -> HttpResponse:
    """Retrieve a productOffering by id (the offer code)."""
    return _one(request, tmf620.PRODUCT_OFFERING_ATTRIBUTES, _offerings(id), "productOffering", id)


@tmf_api.post("/productOffering", auth=WRITE, openapi_extra=BODY_DOC, tags=["productOffering"])
def create_product_offering(request: HttpRequest) -> HttpResponse:
    """Create a productOffering 'In design': a draft offer (prices follow in /api/v1)."""
    wanted = tmf620.offering_input(_body(request), creating=True, segments=Segment.values)
    version = services.offering_create(
        request=wanted,
        default_tax_rate=installation_get().default_tax_rate,
        actor=actor_of(request),
    )
    code = version.offer.code
    response = _json(tmf620.product_offering(catalog_entries(code=code)[0], _context(request)), 201)
    response["Location"] = request.build_absolute_uri(f"{tmf620.BASE_PATH}productOffering/{code}")
    return response


@tmf_api.patch(
    "/productOffering/{id}", auth=WRITE, openapi_extra=BODY_DOC, tags=["productOffering"]
)
def patch_product_offering(request: HttpRequest, id: str) -> HttpResponse:
    """Change a productOffering 'In design'; `lifecycleStatus: Active` publishes it."""
    offer = offer_get(id)
    wanted = tmf620.offering_input(_body(request), creating=False, segments=Segment.values)
    services.offering_update(offer=offer, request=wanted, actor=actor_of(request))
    return _json(tmf620.product_offering(catalog_entries(code=id)[0], _context(request)))


@tmf_api.delete("/productOffering/{id}", auth=WRITE, tags=["productOffering"])
def delete_product_offering(request: HttpRequest, id: str) -> HttpResponse:
    """Delete a productOffering 'In design' (the draft offer goes with it)."""
    services.offering_delete(offer=offer_get(id), actor=actor_of(request))
    return HttpResponse(status=204)


# --- productOfferingPrice, productSpecification, category (read-only) ---------------------


@tmf_api.get(
    "/productOfferingPrice", auth=READ, openapi_extra=LIST_DOC, tags=["productOfferingPrice"]
)
def list_product_offering_prices(request: HttpRequest) -> HttpResponse:
    """List or find productOfferingPrices: one per contract term, plus its later phases."""
    return _list(request, tmf620.PRODUCT_OFFERING_PRICE_ATTRIBUTES, _prices())


@tmf_api.get("/productOfferingPrice/{id}", auth=READ, tags=["productOfferingPrice"])
def get_product_offering_price(request: HttpRequest, id: str) -> HttpResponse:
    """Retrieve a productOfferingPrice by id (`<code>.<months>m[.from<month>]`)."""
    parsed = tmf620.parse_price_id(id)
    build = _prices(parsed[0]) if parsed else (lambda ctx: [])
    return _one(
        request, tmf620.PRODUCT_OFFERING_PRICE_ATTRIBUTES, build, "productOfferingPrice", id
    )


@tmf_api.get(
    "/productSpecification", auth=READ, openapi_extra=LIST_DOC, tags=["productSpecification"]
)
def list_product_specifications(request: HttpRequest) -> HttpResponse:
    """List or find productSpecifications: speeds, technology, data cap of each offer."""
    return _list(request, tmf620.PRODUCT_SPECIFICATION_ATTRIBUTES, _specifications())


@tmf_api.get("/productSpecification/{id}", auth=READ, tags=["productSpecification"])
def get_product_specification(request: HttpRequest, id: str) -> HttpResponse:
    """Retrieve a productSpecification by id (the offer code)."""
    return _one(
        request,
        tmf620.PRODUCT_SPECIFICATION_ATTRIBUTES,
        _specifications(id),
        "productSpecification",
        id,
    )


@tmf_api.get("/category", auth=READ, openapi_extra=LIST_DOC, tags=["category"])
def list_categories(request: HttpRequest) -> HttpResponse:
    """List or find categories: the segments, household and business."""
    return _list(request, tmf620.CATEGORY_ATTRIBUTES, _categories)


@tmf_api.get("/category/{id}", auth=READ, tags=["category"])
def get_category(request: HttpRequest, id: str) -> HttpResponse:
    """Retrieve a category by id (the segment)."""
    return _one(request, tmf620.CATEGORY_ATTRIBUTES, _categories, "category", id)


def _refuse(resource: str) -> None:
    """Answer writes on a read-only resource with 405 and a TMF Error."""

    def refuse_list(request: HttpRequest) -> HttpResponse:
        return _read_only(request, resource)

    def refuse_item(request: HttpRequest, id: str) -> HttpResponse:
        return _read_only(request, resource)

    tmf_api.api_operation(["POST"], f"/{resource}", include_in_schema=False)(refuse_list)
    tmf_api.api_operation(["PATCH", "DELETE"], f"/{resource}/{{id}}", include_in_schema=False)(
        refuse_item
    )


for _resource in ("productOfferingPrice", "productSpecification", "category"):
    _refuse(_resource)


# --- errors: an RFC 9457 problem that is also a TMF Error ---------------------------------


@tmf_api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc)


@tmf_api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request, Unauthorized(detail="Send a valid API token as 'Authorization: Bearer <token>'.")
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@tmf_api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, NotFound(detail=str(exc) or "Not found."))


@tmf_api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, InvalidInput(detail="The request has invalid fields."))


@tmf_api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, DomainError(detail=str(exc)), status=exc.status_code)


def unknown_resource(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Answer a /tmf-api/ path that no operation serves with a TMF 404 Error."""
    error = NotFound(detail=f"There is no TMF resource at {request.path}.")
    return _error(request, error)
