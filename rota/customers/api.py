"""Customer endpoints."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from rota.accounts.api_auth import actor_of, scoped
from rota.catalog.models import Segment
from rota.core.errors import InvalidInput
from rota.core.problems import ERRORS, PageQuery, page
from rota.customers import selectors, services
from rota.customers.models import CustomerKind
from rota.customers.schemas import CustomerIn, CustomerList, CustomerOut, CustomerPatch
from rota.customers.services import CustomerData

router = Router(tags=["customers"])
READ = scoped("customers:read")
WRITE = scoped("customers:write")


class CustomerFilter(PageQuery):
    q: str = ""
    segment: Segment | None = None
    kind: CustomerKind | None = None
    tag: str | None = None


@router.get("/customers", response={200: CustomerList, **ERRORS}, auth=READ)
def list_customers(request: HttpRequest, filters: Query[CustomerFilter]) -> dict[str, Any]:
    """Search customers by name, email, phone, tax id or address."""
    customers = selectors.search_customers(filters.q)
    if filters.segment:
        customers = customers.filter(segment=filters.segment)
    if filters.kind:
        customers = customers.filter(kind=filters.kind)
    if filters.tag:
        customers = selectors.with_tag(customers, filters.tag)
    rows = customers[page(filters.limit, filters.offset)]
    return {"items": [CustomerOut.build(c) for c in rows], "count": customers.count()}


@router.post("/customers", response={201: CustomerOut, **ERRORS}, auth=WRITE)
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status[dict[str, Any]]:
    """Create a person or a company."""
    data = CustomerData(**{**payload.model_dump(), "tags": tuple(payload.tags)})
    customer = services.customer_create(data=data, actor=actor_of(request))
    return Status(201, CustomerOut.build(customer))


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS}, auth=READ)
def get_customer(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """Get one customer."""
    return CustomerOut.build(selectors.customer_get(customer_id))


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **ERRORS}, auth=WRITE)
def update_customer(
    request: HttpRequest, customer_id: int, payload: CustomerPatch
) -> dict[str, Any]:
    """Change a customer's details."""
    changes = payload.model_dump(exclude_unset=True)
    if "tags" in changes:
        changes["tags"] = tuple(changes["tags"] or ())
    if changes.get("marketing_consent", False) is None:
        raise InvalidInput.single("marketing_consent", "must be true or false")
    changes = {k: "" if v is None else v for k, v in changes.items()}
    customer = services.customer_update(
        customer=selectors.customer_get(customer_id), changes=changes, actor=actor_of(request)
    )
    return CustomerOut.build(customer)
