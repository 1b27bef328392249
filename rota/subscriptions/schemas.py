"""API shapes of subscriptions and their actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Schema
from pydantic import Field

from rota.core.money import format_amount
from rota.subscriptions.models import Area, CancelReason, Subscription
from rota.subscriptions.selectors import plans_of


class PhaseOut(Schema):
    from_month: int
    monthly_price: str


class PlanOut(Schema):
    valid_from: date
    valid_until: date | None
    offer: str
    version: int
    term_months: int
    contract_start: date
    commitment_end: date | None
    prices_include_tax: bool
    tax_rate: str
    phases: list[PhaseOut]


class SubscriptionAddOnOut(Schema):
    code: str
    start_date: date
    end_date: date | None
    monthly_price: str


class SuspensionOut(Schema):
    start_date: date
    end_date: date | None
    reason: str


class CancellationOut(Schema):
    requested_on: date
    last_day: date
    reason: CancelReason
    note: str


class AddressSchema(Schema):
    street: str = Field(max_length=200)
    building: str = Field(max_length=20)
    apartment: str = Field("", max_length=20)
    postal_code: str = Field(max_length=12)
    city: str = Field(max_length=100)
    municipality_code: str = Field("", max_length=20, description="TERYT (PL) or IBGE (BR)")
    area: Area = Area.URBAN


class SubscriptionOut(Schema):
    id: int
    number: str
    customer: int
    offer: str = Field(description="Offer of the plan in force today")
    state: str
    start_date: date
    end_date: date | None
    bill_from: date
    service_address: AddressSchema
    plans: list[PlanOut]
    addons: list[SubscriptionAddOnOut]
    suspensions: list[SuspensionOut]
    cancellation: CancellationOut | None
    currency: str

    @staticmethod
    def build(subscription: Subscription, currency: str) -> dict[str, Any]:
        """Return the representation of a subscription (annotated with its state)."""
        cancelled = subscription.end_date is not None
        return {
            "id": subscription.pk,
            "number": subscription.number,
            "customer": subscription.customer_id,
            "offer": getattr(subscription, "current_offer", None) or subscription.offer.code,
            "state": getattr(subscription, "state", ""),
            "start_date": subscription.start_date,
            "end_date": subscription.end_date,
            "bill_from": subscription.bill_from,
            "service_address": {
                "street": subscription.street,
                "building": subscription.building,
                "apartment": subscription.apartment,
                "postal_code": subscription.postal_code,
                "city": subscription.city,
                "municipality_code": subscription.municipality_code,
                "area": subscription.area,
            },
            "plans": [
                {
                    "valid_from": view.plan.valid_from,
                    "valid_until": view.valid_until,
                    "offer": view.plan.offer_version.offer.code,
                    "version": view.plan.offer_version.number,
                    "term_months": view.plan.term_months,
                    "contract_start": view.plan.contract_start,
                    "commitment_end": view.commitment_end,
                    "prices_include_tax": view.plan.prices_include_tax,
                    "tax_rate": format(view.plan.tax_rate.normalize(), "f"),
                    "phases": [
                        {"from_month": m, "monthly_price": format_amount(p)} for m, p in view.phases
                    ],
                }
                for view in plans_of(subscription)
            ],
            "addons": [
                {
                    "code": a.addon.code,
                    "start_date": a.start_date,
                    "end_date": a.end_date,
                    "monthly_price": format_amount(a.monthly_price_minor),
                }
                for a in subscription.addons.all()
            ],
            "suspensions": [
                {"start_date": s.start_date, "end_date": s.end_date, "reason": s.reason}
                for s in subscription.suspensions.all()
            ],
            "cancellation": {
                "requested_on": subscription.cancel_requested_on,
                "last_day": subscription.end_date,
                "reason": subscription.cancel_reason,
                "note": subscription.cancel_note,
            }
            if cancelled
            else None,
            "currency": currency,
        }


class SubscriptionList(Schema):
    items: list[SubscriptionOut]
    count: int


class SellIn(Schema):
    customer: int
    offer: str = Field(description="Offer code; its active version is sold")
    term_months: int = Field(ge=0)
    start_date: date
    service_address: AddressSchema
    addons: list[str] = []
    bill_from: date | None = None


class CancelIn(Schema):
    requested_on: date
    last_day: date = Field(description="Last day of service (inclusive)")
    reason: CancelReason
    note: str = ""


class CancelOut(Schema):
    subscription: SubscriptionOut
    early_termination_fee: str
    currency: str


class SuspendIn(Schema):
    start_date: date
    end_date: date | None = Field(None, description="Last suspended day; empty until resumed")
    reason: str = Field("", max_length=200)


class ResumeIn(Schema):
    on: date = Field(description="First day of service again")


class ChangeOfferIn(Schema):
    offer: str
    on: date = Field(description="First day on the new offer")
    new_contract: bool = False
    term_months: int | None = Field(None, ge=0, description="Required with new_contract")


class AttachAddOnIn(Schema):
    addon: str
    on: date


class DetachAddOnIn(Schema):
    addon: str
    last_day: date
