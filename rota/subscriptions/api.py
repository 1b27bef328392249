"""Subscription endpoints: sell, list, and the actions on a subscription."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status
from pydantic import Field

from rota.accounts.api_auth import actor_of, scoped
from rota.catalog.models import Segment, Technology
from rota.catalog.selectors import offer_active_version
from rota.core.money import format_amount
from rota.core.problems import ERRORS, PageQuery, page
from rota.customers.selectors import customer_get
from rota.installation.selectors import installation_get, installation_today
from rota.subscriptions import selectors, services
from rota.subscriptions.models import CancelReason
from rota.subscriptions.schemas import (
    AttachAddOnIn,
    CancelIn,
    CancelOut,
    ChangeOfferIn,
    DetachAddOnIn,
    ResumeIn,
    SellIn,
    SubscriptionList,
    SubscriptionOut,
    SuspendIn,
)

router = Router(tags=["subscriptions"])
MAX_ID = 2**63 - 1
READ = scoped("customers:read")
WRITE = scoped("customers:write")


class SubscriptionFilter(PageQuery):
    customer: int | None = Field(None, ge=1, le=MAX_ID)
    offer: str | None = None
    segment: Segment | None = None
    technology: Technology | None = None
    state: Literal["pending", "active", "suspended", "ended"] | None = None
    municipality_code: str | None = None
    cancel_reason: CancelReason | None = None


def _out(pk: int) -> dict[str, Any]:
    today = installation_today()
    return SubscriptionOut.build(selectors.subscription_get(pk, today), installation_get().currency)


@router.get("/subscriptions", response={200: SubscriptionList, **ERRORS}, auth=READ)
def list_subscriptions(request: HttpRequest, filters: Query[SubscriptionFilter]) -> dict[str, Any]:
    """List subscriptions with their state today, filtered."""
    query = filters.model_dump(exclude={"limit", "offset"})
    subscriptions = selectors.subscription_list(day=installation_today(), **query)
    currency = installation_get().currency
    rows = subscriptions[page(filters.limit, filters.offset)]
    return {
        "items": [SubscriptionOut.build(s, currency) for s in rows],
        "count": subscriptions.count(),
    }


@router.post("/subscriptions", response={201: SubscriptionOut, **ERRORS}, auth=WRITE)
def sell(request: HttpRequest, payload: SellIn) -> Status[dict[str, Any]]:
    """Sell the active version of an offer to a customer."""
    subscription = services.subscription_sell(
        customer=customer_get(payload.customer),
        version=offer_active_version(payload.offer),
        term_months=payload.term_months,
        start_date=payload.start_date,
        address=services.ServiceAddress(**payload.service_address.model_dump()),
        addons=payload.addons,
        bill_from=payload.bill_from,
        actor=actor_of(request),
    )
    return Status(201, _out(subscription.pk))


@router.get(
    "/subscriptions/{subscription_id}", response={200: SubscriptionOut, **ERRORS}, auth=READ
)
def get_subscription(request: HttpRequest, subscription_id: int) -> dict[str, Any]:
    """Get a subscription with its plans, add-ons, suspensions and cancellation."""
    return _out(subscription_id)


def _subscription(subscription_id: int) -> Any:
    return selectors.subscription_get(subscription_id, installation_today())


@router.post(
    "/subscriptions/{subscription_id}/cancel", response={200: CancelOut, **ERRORS}, auth=WRITE
)
def cancel(request: HttpRequest, subscription_id: int, payload: CancelIn) -> dict[str, Any]:
    """Cancel: the last day of service, the reason, and the early-termination fee that applies."""
    result = services.subscription_cancel(
        subscription=_subscription(subscription_id),
        requested_on=payload.requested_on,
        last_day=payload.last_day,
        reason=payload.reason,
        note=payload.note,
        actor=actor_of(request),
    )
    currency = installation_get().currency
    return {
        "subscription": _out(subscription_id),
        "early_termination_fee": format_amount(result.fee_minor),
        "currency": currency,
    }


@router.post(
    "/subscriptions/{subscription_id}/suspend",
    response={200: SubscriptionOut, **ERRORS},
    auth=WRITE,
)
def suspend(request: HttpRequest, subscription_id: int, payload: SuspendIn) -> dict[str, Any]:
    """Suspend service (no charge) for an inclusive date range, or until resumed."""
    services.subscription_suspend(
        subscription=_subscription(subscription_id),
        start_date=payload.start_date,
        end_date=payload.end_date,
        reason=payload.reason,
        actor=actor_of(request),
    )
    return _out(subscription_id)


@router.post(
    "/subscriptions/{subscription_id}/resume", response={200: SubscriptionOut, **ERRORS}, auth=WRITE
)
def resume(request: HttpRequest, subscription_id: int, payload: ResumeIn) -> dict[str, Any]:
    """Give service back from a day."""
    services.subscription_resume(
        subscription=_subscription(subscription_id), on=payload.on, actor=actor_of(request)
    )
    return _out(subscription_id)


@router.post(
    "/subscriptions/{subscription_id}/change-offer",
    response={200: SubscriptionOut, **ERRORS},
    auth=WRITE,
)
def change_offer(
    request: HttpRequest, subscription_id: int, payload: ChangeOfferIn
) -> dict[str, Any]:
    """Upgrade or downgrade from a day, keeping the contract or starting a new term."""
    services.subscription_change_offer(
        subscription=_subscription(subscription_id),
        version=offer_active_version(payload.offer),
        on=payload.on,
        new_contract=payload.new_contract,
        term_months=payload.term_months,
        actor=actor_of(request),
    )
    return _out(subscription_id)


@router.post(
    "/subscriptions/{subscription_id}/attach-addon",
    response={200: SubscriptionOut, **ERRORS},
    auth=WRITE,
)
def attach_addon(
    request: HttpRequest, subscription_id: int, payload: AttachAddOnIn
) -> dict[str, Any]:
    """Add an add-on from a day."""
    services.subscription_attach_addon(
        subscription=_subscription(subscription_id),
        code=payload.addon,
        on=payload.on,
        actor=actor_of(request),
    )
    return _out(subscription_id)


@router.post(
    "/subscriptions/{subscription_id}/detach-addon",
    response={200: SubscriptionOut, **ERRORS},
    auth=WRITE,
)
def detach_addon(
    request: HttpRequest, subscription_id: int, payload: DetachAddOnIn
) -> dict[str, Any]:
    """End an add-on after its last day."""
    services.subscription_detach_addon(
        subscription=_subscription(subscription_id),
        code=payload.addon,
        last_day=payload.last_day,
        actor=actor_of(request),
    )
    return _out(subscription_id)
