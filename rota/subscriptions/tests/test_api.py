"""Subscription API: selling, lists, dated actions, and refusals that change nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.catalog.models import Offer, OfferVersion
from rota.catalog.services import offer_retire
from rota.customers.models import Customer
from rota.customers.services import CustomerData, customer_create
from rota.subscriptions.models import Plan, Subscription, SubscriptionAddOn, Suspension

pytestmark = pytest.mark.django_db

NOW = "2026-05-10 12:00:00+00:00"
at_now = time_machine.travel(NOW, tick=False)

ADDRESS = {
    "street": "ul. Rynek",
    "building": "1",
    "apartment": "",
    "postal_code": "26-600",
    "city": "Radom",
    "municipality_code": "1463011",
    "area": "urban",
}
SALE = {
    "offer": "4business",
    "term_months": 24,
    "start_date": "2026-01-15",
    "service_address": ADDRESS,
    "addons": ["static-ip"],
}
FOUR_BUSINESS_PLAN = {
    "valid_from": "2026-01-15",
    "valid_until": None,
    "offer": "4business",
    "version": 1,
    "term_months": 24,
    "contract_start": "2026-01-15",
    "commitment_end": "2028-01-14",
    "prices_include_tax": False,
    "tax_rate": "0.23",
    "phases": [
        {"from_month": 0, "monthly_price": "105.00"},
        {"from_month": 3, "monthly_price": "94.99"},
    ],
}
STATIC_IP = {
    "code": "static-ip",
    "start_date": "2026-01-15",
    "end_date": None,
    "monthly_price": "15.00",
}


def post(client: Client, url: str, body: Any, **headers: str) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def counts() -> tuple[int, ...]:
    return (
        Subscription.objects.count(),
        Plan.objects.count(),
        Suspension.objects.count(),
        SubscriptionAddOn.objects.count(),
        AuditEvent.objects.count(),
    )


def row(pk: int) -> dict[str, Any]:
    return dict(Subscription.objects.filter(pk=pk).values().get())


def unchanged(pk: int) -> tuple[Any, ...]:
    """Everything a refused action must leave as it was."""
    return (
        counts(),
        row(pk),
        list(Suspension.objects.values()),
        list(SubscriptionAddOn.objects.values()),
    )


def problem(
    status: int, detail: str, instance: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    slug, title = {
        403: ("forbidden", "Forbidden"),
        404: ("not-found", "Not found"),
        409: ("conflict", "Conflict"),
        422: ("invalid-input", "Invalid input"),
    }[status]
    body: dict[str, Any] = {
        "type": f"https://rota.example/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def refused(
    response: Any,
    status: int,
    detail: str,
    instance: str,
    errors: list[dict[str, str]] | None = None,
) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == problem(status, detail, instance, errors)


def create_customer(actor: Actor, **values: Any) -> Customer:
    data = {
        "kind": "company",
        "company_name": "Piekarnia Nowak sp. z o.o.",
        "tax_id": "5260001246",
        "street": "ul. Rynek",
        "building": "1",
        "postal_code": "26-600",
        "city": "Radom",
        **values,
    }
    return customer_create(data=CustomerData(**data), actor=actor)


@pytest.fixture
def firma(demo_catalog: None, actor: Actor) -> Customer:
    return create_customer(actor)


@pytest.fixture
def anna(demo_catalog: None, actor: Actor) -> Customer:
    return create_customer(
        actor, kind="person", first_name="Anna", last_name="Kowalska", company_name="", tax_id=""
    )


@pytest.fixture
def crm(make_token: Callable[..., str]) -> Client:
    """A client with a customers:read + customers:write token."""
    secret = make_token("customers:read", "customers:write", name="crm")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def sell(client: Client, customer: Customer, **changes: Any) -> Any:
    with at_now:
        return post(client, "/api/v1/subscriptions", {**SALE, "customer": customer.pk, **changes})


@pytest.fixture
def sold(crm: Client, firma: Customer) -> dict[str, Any]:
    response = sell(crm, firma)
    assert response.status_code == 201
    return response.json()


def expected(sold: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The body of the subscription sold by the fixture, with some keys changed."""
    return {
        "id": sold["id"],
        "number": f"S-{sold['id']:06d}",
        "customer": sold["customer"],
        "offer": "4business",
        "state": "active",
        "start_date": "2026-01-15",
        "end_date": None,
        "bill_from": "2026-01-15",
        "service_address": ADDRESS,
        "plans": [FOUR_BUSINESS_PLAN],
        "addons": [STATIC_IP],
        "suspensions": [],
        "cancellation": None,
        "currency": "PLN",
        **changes,
    }


def act(client: Client, sold: dict[str, Any], action: str, body: Any) -> Any:
    with at_now:
        return post(client, f"/api/v1/subscriptions/{sold['id']}/{action}", body)


# Selling


def test_sell_returns_the_whole_subscription(crm: Client, firma: Customer) -> None:
    before = counts()
    response = sell(crm, firma)
    assert response.status_code == 201
    pk = Subscription.objects.get().pk
    assert response.json() == {
        "id": pk,
        "number": f"S-{pk:06d}",
        "customer": firma.pk,
        "offer": "4business",
        "state": "active",
        "start_date": "2026-01-15",
        "end_date": None,
        "bill_from": "2026-01-15",
        "service_address": ADDRESS,
        "plans": [FOUR_BUSINESS_PLAN],
        "addons": [STATIC_IP],
        "suspensions": [],
        "cancellation": None,
        "currency": "PLN",
    }
    with at_now:
        assert crm.get(f"/api/v1/subscriptions/{pk}").json() == response.json()
    assert counts() == tuple(n + d for n, d in zip(before, (1, 1, 0, 1, 1), strict=True))
    event = AuditEvent.objects.get(action="subscription.sell")
    assert (event.actor_label, event.changes["commitment_end"], event.changes["backdated"]) == (
        "token:crm",
        "2028-01-14",
        True,
    )


def test_a_sale_starting_later_is_pending(crm: Client, firma: Customer) -> None:
    response = sell(crm, firma, start_date="2026-06-01", bill_from="2026-07-01", addons=[])
    assert response.status_code == 201
    body = response.json()
    assert (
        body["state"],
        body["bill_from"],
        body["addons"],
        body["plans"][0]["commitment_end"],
    ) == (
        "pending",
        "2026-07-01",
        [],
        "2028-05-31",
    )


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"term_months": 6},
            [{"field": "term_months", "message": "4business is sold with 12, 24 months"}],
        ),
        (
            {"addons": ["firewall"]},
            [{"field": "addons", "message": "firewall is not sold with 4business"}],
        ),
        ({"addons": ["warp"]}, [{"field": "addons", "message": "unknown add-on warp"}]),
        (
            {"addons": ["static-ip", "static-ip"]},
            [{"field": "addons", "message": "an add-on is listed twice"}],
        ),
        (
            {"service_address": {**ADDRESS, "municipality_code": "12"}},
            [
                {
                    "field": "service_address.municipality_code",
                    "message": "is not a valid TERYT municipality code (7 digits, e.g. 1465011)",
                }
            ],
        ),
        (
            {"service_address": {**ADDRESS, "street": " "}},
            [{"field": "service_address.street", "message": "is required"}],
        ),
        (
            {"bill_from": "2026-01-01"},
            [{"field": "bill_from", "message": "must not be before the start date"}],
        ),
    ],
)
def test_sell_refusals_are_422_and_change_nothing(
    crm: Client, firma: Customer, changes: dict[str, Any], errors: list[dict[str, str]]
) -> None:
    before = counts()
    response = sell(crm, firma, **changes)
    refused(response, 422, "The subscription cannot be sold.", "/api/v1/subscriptions", errors)
    assert counts() == before


def test_selling_to_an_unknown_customer_or_offer_is_404(crm: Client, firma: Customer) -> None:
    before = counts()
    with at_now:
        response = post(crm, "/api/v1/subscriptions", {**SALE, "customer": 999999})
    refused(response, 404, "There is no customer 999999.", "/api/v1/subscriptions")
    response = sell(crm, firma, offer="nope")
    refused(response, 404, "There is no offer with code 'nope'.", "/api/v1/subscriptions")
    assert counts() == before


def test_selling_a_retired_offer_is_refused(crm: Client, firma: Customer, actor: Actor) -> None:
    offer_retire(offer=Offer.objects.get(code="4business"), actor=actor)
    before = counts()
    response = sell(crm, firma)
    refused(
        response,
        422,
        "offer: 4business is not on sale (no active version)",
        "/api/v1/subscriptions",
        [{"field": "offer", "message": "4business is not on sale (no active version)"}],
    )
    assert counts() == before


def test_sell_schema_errors_are_422(crm: Client, firma: Customer) -> None:
    before = counts()
    response = sell(crm, firma, term_months=-1, service_address={**ADDRESS, "area": "lunar"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [
        "term_months",
        "service_address.area",
    ]
    assert counts() == before


# Reading


def test_unknown_subscription_is_404(crm: Client, firma: Customer) -> None:
    response = crm.get("/api/v1/subscriptions/999999")
    refused(response, 404, "There is no subscription 999999.", "/api/v1/subscriptions/999999")
    before = counts()
    with at_now:
        response = post(
            crm,
            "/api/v1/subscriptions/999999/cancel",
            {"requested_on": "2026-05-10", "last_day": "2026-05-31", "reason": "price"},
        )
    refused(
        response, 404, "There is no subscription 999999.", "/api/v1/subscriptions/999999/cancel"
    )
    assert counts() == before


def test_list_filters(crm: Client, firma: Customer, anna: Customer) -> None:
    running = sell(crm, firma).json()["id"]
    pending = sell(crm, firma, start_date="2026-06-01", addons=[]).json()["id"]
    ended = sell(crm, firma, term_months=12).json()["id"]
    home = sell(
        crm,
        anna,
        offer="speedster",
        term_months=0,
        addons=[],
        service_address={**ADDRESS, "municipality_code": "1465011"},
    ).json()["id"]
    cancelled = act(
        crm,
        {"id": ended},
        "cancel",
        {"requested_on": "2026-03-01", "last_day": "2026-03-31", "reason": "price"},
    )
    assert cancelled.status_code == 200

    def listed(query: str) -> tuple[int, list[tuple[int, str]]]:
        with at_now:
            body = crm.get(f"/api/v1/subscriptions{query}").json()
        return body["count"], [(s["id"], s["state"]) for s in body["items"]]

    everything = [(running, "active"), (pending, "pending"), (ended, "ended"), (home, "active")]
    assert listed("") == (4, everything)
    assert listed("?offer=speedster") == (1, [(home, "active")])
    assert listed("?segment=business") == (3, everything[:3])
    assert listed("?segment=household") == (1, [(home, "active")])
    assert listed("?state=pending") == (1, [(pending, "pending")])
    assert listed("?state=active&offer=4business") == (1, [(running, "active")])
    assert listed("?municipality_code=1465011") == (1, [(home, "active")])
    assert listed("?municipality_code=1463011&state=ended") == (1, [(ended, "ended")])
    assert listed("?cancel_reason=price") == (1, [(ended, "ended")])
    assert listed("?cancel_reason=competitor") == (0, [])
    assert listed(f"?customer={anna.pk}") == (1, [(home, "active")])
    assert listed(f"?customer={firma.pk}&limit=1&offset=1") == (3, [(pending, "pending")])
    assert listed("?technology=5g") == (0, [])


# Cancelling


def test_cancel_reports_the_early_termination_fee(crm: Client, firma: Customer) -> None:
    OfferVersion.objects.filter(offer__code="4business").update(
        early_termination_rule="per_remaining_month", early_termination_amount_minor=5000
    )
    sold = sell(crm, firma).json()
    response = act(
        crm,
        sold,
        "cancel",
        {
            "requested_on": "2026-04-10",
            "last_day": "2026-04-19",
            "reason": "competitor",
            "note": " Moved to a cheaper fibre offer ",
        },
    )
    assert response.status_code == 200
    # 19 Apr lies in contract month 3; months 3..23 of the 24 remain: 21 x 50.00.
    assert response.json() == {
        "subscription": expected(
            sold,
            state="ended",
            end_date="2026-04-19",
            plans=[{**FOUR_BUSINESS_PLAN, "valid_until": "2026-04-19"}],
            addons=[{**STATIC_IP, "end_date": "2026-04-19"}],
            cancellation={
                "requested_on": "2026-04-10",
                "last_day": "2026-04-19",
                "reason": "competitor",
                "note": "Moved to a cheaper fibre offer",
            },
        ),
        "early_termination_fee": "1050.00",
        "currency": "PLN",
    }
    event = AuditEvent.objects.get(action="subscription.cancel")
    assert event.changes["early_termination_fee"] == "1050.00"

    before = unchanged(sold["id"])
    again = act(
        crm,
        sold,
        "cancel",
        {"requested_on": "2026-05-10", "last_day": "2026-06-30", "reason": "price"},
    )
    refused(
        again,
        409,
        f"S-{sold['id']:06d} is already cancelled (last day 2026-04-19).",
        f"/api/v1/subscriptions/{sold['id']}/cancel",
    )
    assert unchanged(sold["id"]) == before


def test_cancel_without_a_fee_rule_costs_nothing(crm: Client, sold: dict[str, Any]) -> None:
    response = act(
        crm,
        sold,
        "cancel",
        {"requested_on": "2026-05-10", "last_day": "2026-05-31", "reason": "moving"},
    )
    assert (response.status_code, response.json()["early_termination_fee"]) == (200, "0.00")
    assert response.json()["subscription"]["state"] == "active"


def test_cancel_before_the_start_is_refused(crm: Client, sold: dict[str, Any]) -> None:
    before = unchanged(sold["id"])
    response = act(
        crm,
        sold,
        "cancel",
        {"requested_on": "2026-05-10", "last_day": "2026-01-14", "reason": "other"},
    )
    refused(
        response,
        422,
        "The subscription cannot be cancelled.",
        f"/api/v1/subscriptions/{sold['id']}/cancel",
        [
            {"field": "last_day", "message": "must not be before the start date 2026-01-15"},
            {"field": "note", "message": "say why when the reason is 'other'"},
        ],
    )
    assert unchanged(sold["id"]) == before


def test_cancel_with_an_unknown_reason_is_422(crm: Client, sold: dict[str, Any]) -> None:
    before = unchanged(sold["id"])
    response = act(
        crm,
        sold,
        "cancel",
        {"requested_on": "2026-05-10", "last_day": "2026-05-31", "reason": "bored"},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["reason"]
    assert unchanged(sold["id"]) == before


# Suspending and resuming


def test_suspend_resume_and_overlap_refusals(crm: Client, sold: dict[str, Any]) -> None:
    march = {"start_date": "2026-03-01", "end_date": "2026-03-31", "reason": " renovation "}
    response = act(crm, sold, "suspend", march)
    assert response.status_code == 200
    march_out = {"start_date": "2026-03-01", "end_date": "2026-03-31", "reason": "renovation"}
    assert response.json() == expected(sold, suspensions=[march_out])

    before = unchanged(sold["id"])
    overlap = act(crm, sold, "suspend", {"start_date": "2026-03-20"})
    refused(
        overlap,
        422,
        "The suspension overlaps another one.",
        f"/api/v1/subscriptions/{sold['id']}/suspend",
        [
            {
                "field": "start_date",
                "message": "overlaps the suspension from 2026-03-01 to 2026-03-31",
            }
        ],
    )
    backwards = act(crm, sold, "suspend", {"start_date": "2026-04-10", "end_date": "2026-04-01"})
    refused(
        backwards,
        422,
        "The subscription cannot be suspended.",
        f"/api/v1/subscriptions/{sold['id']}/suspend",
        [{"field": "end_date", "message": "must not be before the start date"}],
    )
    too_early = act(crm, sold, "suspend", {"start_date": "2026-01-01", "end_date": "2026-01-20"})
    assert too_early.json()["errors"] == [
        {"field": "start_date", "message": "must not be before the start date 2026-01-15"}
    ]
    assert unchanged(sold["id"]) == before

    open_ended = act(crm, sold, "suspend", {"start_date": "2026-05-01"})
    assert open_ended.json() == expected(
        sold,
        state="suspended",
        suspensions=[march_out, {"start_date": "2026-05-01", "end_date": None, "reason": ""}],
    )
    resumed = act(crm, sold, "resume", {"on": "2026-05-12"})
    assert resumed.status_code == 200
    assert resumed.json() == expected(
        sold,
        state="suspended",
        suspensions=[
            march_out,
            {"start_date": "2026-05-01", "end_date": "2026-05-11", "reason": ""},
        ],
    )

    before = unchanged(sold["id"])
    not_suspended = act(crm, sold, "resume", {"on": "2026-05-20"})
    refused(
        not_suspended,
        422,
        "The subscription is not suspended then.",
        f"/api/v1/subscriptions/{sold['id']}/resume",
        [{"field": "on", "message": f"S-{sold['id']:06d} is not suspended on 2026-05-20"}],
    )
    assert unchanged(sold["id"]) == before


def test_resume_on_the_first_suspended_day_removes_the_suspension(
    crm: Client, sold: dict[str, Any]
) -> None:
    act(crm, sold, "suspend", {"start_date": "2026-05-01"})
    response = act(crm, sold, "resume", {"on": "2026-05-01"})
    assert response.json() == expected(sold)
    assert Suspension.objects.count() == 0


# Changing the offer


def test_change_offer_keeping_the_contract_then_starting_a_new_one(
    crm: Client, sold: dict[str, Any]
) -> None:
    response = act(crm, sold, "change-offer", {"offer": "4business-ultra", "on": "2026-06-01"})
    assert response.status_code == 200
    ultra = {
        "valid_from": "2026-06-01",
        "valid_until": None,
        "offer": "4business-ultra",
        "version": 1,
        "term_months": 24,
        "contract_start": "2026-01-15",
        "commitment_end": "2028-01-14",
        "prices_include_tax": False,
        "tax_rate": "0.23",
        "phases": [
            {"from_month": 0, "monthly_price": "119.99"},
            {"from_month": 6, "monthly_price": "100.00"},
        ],
    }
    first = {**FOUR_BUSINESS_PLAN, "valid_until": "2026-05-31"}
    # The change takes effect on 1 June: today (10 May) the subscription is still on 4business.
    assert response.json() == expected(sold, offer="4business", plans=[first, ultra])

    renewed = act(
        crm,
        sold,
        "change-offer",
        {"offer": "4business", "on": "2026-09-01", "new_contract": True, "term_months": 12},
    )
    assert renewed.status_code == 200
    assert renewed.json() == expected(
        sold,
        plans=[
            first,
            {**ultra, "valid_until": "2026-08-31"},
            {
                **FOUR_BUSINESS_PLAN,
                "valid_from": "2026-09-01",
                "term_months": 12,
                "contract_start": "2026-09-01",
                "commitment_end": "2027-08-31",
            },
        ],
    )
    event = AuditEvent.objects.filter(action="subscription.change_offer").order_by("id").last()
    assert event is not None
    assert (
        event.changes["offer"],
        event.changes["new_contract"],
        event.changes["term_months"],
    ) == (
        ["4business-ultra", "4business"],
        True,
        12,
    )


def test_change_offer_to_a_retired_or_draft_offer_is_refused(
    crm: Client, api: Client, sold: dict[str, Any], actor: Actor
) -> None:
    offer_retire(offer=Offer.objects.get(code="4business-ultra"), actor=actor)
    draft = post(
        api,
        "/api/v1/offers",
        {
            "code": "fiber-biz",
            "segment": "business",
            "name": "Fiber Biz",
            "technology": "ftth",
            "download_mbps": 500,
            "upload_mbps": 500,
            "contract_terms": [
                {"months": 24, "phases": [{"from_month": 0, "monthly_price": "99.00"}]}
            ],
            "addons": ["static-ip"],
        },
    )
    assert (draft.status_code, draft.json()["status"]) == (201, "draft")
    url = f"/api/v1/subscriptions/{sold['id']}/change-offer"
    before = unchanged(sold["id"])
    for code in ("4business-ultra", "fiber-biz"):
        response = act(crm, sold, "change-offer", {"offer": code, "on": "2026-06-01"})
        message = f"{code} is not on sale (no active version)"
        refused(response, 422, f"offer: {message}", url, [{"field": "offer", "message": message}])
    unknown = act(crm, sold, "change-offer", {"offer": "nope", "on": "2026-06-01"})
    refused(unknown, 404, "There is no offer with code 'nope'.", url)
    same = act(crm, sold, "change-offer", {"offer": "4business", "on": "2026-06-01"})
    refused(
        same,
        422,
        "The offer cannot be changed.",
        url,
        [{"field": "offer", "message": "is the offer the subscription already has"}],
    )
    assert unchanged(sold["id"]) == before


def test_change_offer_refusals_name_the_fields(crm: Client, sold: dict[str, Any]) -> None:
    url = f"/api/v1/subscriptions/{sold['id']}/change-offer"
    before = unchanged(sold["id"])
    early = act(crm, sold, "change-offer", {"offer": "4business-ultra", "on": "2026-01-15"})
    refused(
        early,
        422,
        "The offer cannot be changed.",
        url,
        [{"field": "on", "message": "must be after 2026-01-15, the current plan's start"}],
    )
    household = act(crm, sold, "change-offer", {"offer": "speedster", "on": "2026-06-01"})
    refused(
        household,
        422,
        "The offer cannot be changed.",
        url,
        [
            {"field": "term_months", "message": "speedster is sold with 0 months"},
            {
                "field": "offer",
                "message": "speedster is a household offer and the customer is in the business segment",
            },
        ],
    )
    wrong_term = act(
        crm,
        sold,
        "change-offer",
        {"offer": "4business-ultra", "on": "2026-06-01", "new_contract": True, "term_months": 36},
    )
    assert wrong_term.json()["errors"] == [
        {"field": "term_months", "message": "4business-ultra is sold with 12, 24 months"}
    ]
    assert unchanged(sold["id"]) == before


def test_change_offer_refuses_an_addon_the_new_offer_lacks(crm: Client, firma: Customer) -> None:
    sold = sell(crm, firma, offer="4business-ultra", addons=["firewall"]).json()
    before = unchanged(sold["id"])
    response = act(crm, sold, "change-offer", {"offer": "4business", "on": "2026-06-01"})
    refused(
        response,
        422,
        "The offer cannot be changed.",
        f"/api/v1/subscriptions/{sold['id']}/change-offer",
        [{"field": "addons", "message": "firewall is not sold with 4business; detach it first"}],
    )
    assert unchanged(sold["id"]) == before


# Add-ons


def test_attach_and_detach_addons(crm: Client, sold: dict[str, Any]) -> None:
    attached = act(crm, sold, "attach-addon", {"addon": "vpn", "on": "2026-02-10"})
    assert attached.status_code == 200
    vpn = {"code": "vpn", "start_date": "2026-02-10", "end_date": None, "monthly_price": "25.00"}
    assert attached.json() == expected(sold, addons=[STATIC_IP, vpn])

    url = f"/api/v1/subscriptions/{sold['id']}/attach-addon"
    before = unchanged(sold["id"])
    firewall = act(crm, sold, "attach-addon", {"addon": "firewall", "on": "2026-03-01"})
    refused(
        firewall,
        422,
        "The add-on cannot be attached.",
        url,
        [{"field": "addons", "message": "firewall is not sold with 4business"}],
    )
    twice = act(crm, sold, "attach-addon", {"addon": "vpn", "on": "2026-03-01"})
    refused(
        twice,
        422,
        "The add-on cannot be attached.",
        url,
        [{"field": "addons", "message": "vpn is already on the subscription then"}],
    )
    unknown = act(crm, sold, "attach-addon", {"addon": "warp", "on": "2026-03-01"})
    assert unknown.json()["errors"] == [{"field": "addons", "message": "unknown add-on warp"}]
    early = act(crm, sold, "attach-addon", {"addon": "static-ip", "on": "2026-01-01"})
    assert early.json()["errors"] == [
        {"field": "on", "message": "must not be before the start date 2026-01-15"},
        {"field": "addons", "message": "static-ip is already on the subscription then"},
    ]
    assert unchanged(sold["id"]) == before

    detached = act(crm, sold, "detach-addon", {"addon": "vpn", "last_day": "2026-04-30"})
    assert detached.status_code == 200
    assert detached.json() == expected(sold, addons=[STATIC_IP, {**vpn, "end_date": "2026-04-30"}])

    before = unchanged(sold["id"])
    again = act(crm, sold, "detach-addon", {"addon": "vpn", "last_day": "2026-04-30"})
    refused(
        again,
        422,
        "The add-on cannot be detached.",
        f"/api/v1/subscriptions/{sold['id']}/detach-addon",
        [{"field": "addons", "message": "vpn is not on the subscription after 2026-04-30"}],
    )
    never = act(crm, sold, "detach-addon", {"addon": "firewall", "last_day": "2026-04-30"})
    assert never.json()["errors"] == [
        {"field": "addons", "message": "firewall is not on the subscription after 2026-04-30"}
    ]
    assert unchanged(sold["id"]) == before


def test_detaching_before_the_start_removes_the_addon(crm: Client, sold: dict[str, Any]) -> None:
    response = act(crm, sold, "detach-addon", {"addon": "static-ip", "last_day": "2026-01-14"})
    assert response.json() == expected(sold, addons=[])
    assert SubscriptionAddOn.objects.count() == 0


# Who may do what


def test_a_catalog_token_cannot_use_subscriptions(
    make_token: Callable[..., str], sold: dict[str, Any]
) -> None:
    catalog = Client(
        headers={"Authorization": f"Bearer {make_token('catalog:read', 'catalog:write')}"}
    )
    for url in ("/api/v1/subscriptions", f"/api/v1/subscriptions/{sold['id']}"):
        refused(catalog.get(url), 403, "This token lacks the scope 'customers:read'.", url)


def test_a_read_token_cannot_sell_or_act(
    make_token: Callable[..., str], firma: Customer, sold: dict[str, Any]
) -> None:
    reader = Client(headers={"Authorization": f"Bearer {make_token('customers:read')}"})
    with at_now:
        assert reader.get(f"/api/v1/subscriptions/{sold['id']}").json() == expected(sold)
    before = unchanged(sold["id"])
    response = sell(reader, firma)
    refused(response, 403, "This token lacks the scope 'customers:write'.", "/api/v1/subscriptions")
    url = f"/api/v1/subscriptions/{sold['id']}/suspend"
    response = act(reader, sold, "suspend", {"start_date": "2026-06-01"})
    refused(response, 403, "This token lacks the scope 'customers:write'.", url)
    assert unchanged(sold["id"]) == before


def csrf_client(user: User) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/admin/")
    return client, client.cookies["csrftoken"].value


def test_sales_staff_sell_through_the_session_with_csrf(sales_user: User, firma: Customer) -> None:
    sales, token = csrf_client(sales_user)
    before = counts()
    with at_now:
        missing = post(sales, "/api/v1/subscriptions", {**SALE, "customer": firma.pk})
    assert missing.status_code == 403
    assert counts() == before
    with at_now:
        response = post(
            sales, "/api/v1/subscriptions", {**SALE, "customer": firma.pk}, **{"X-CSRFToken": token}
        )
    assert response.status_code == 201
    assert response.json() == expected(response.json())
    assert AuditEvent.objects.get(action="subscription.sell").actor_label == "sales"


def test_finance_staff_read_but_cannot_write(
    finance_user: User, firma: Customer, sold: dict[str, Any]
) -> None:
    finance, token = csrf_client(finance_user)
    with at_now:
        assert finance.get("/api/v1/subscriptions").json() == {
            "items": [expected(sold)],
            "count": 1,
        }
        before = unchanged(sold["id"])
        headers = {"X-CSRFToken": token}
        sale = post(finance, "/api/v1/subscriptions", {**SALE, "customer": firma.pk}, **headers)
        cancel = post(
            finance,
            f"/api/v1/subscriptions/{sold['id']}/cancel",
            {"requested_on": "2026-05-10", "last_day": "2026-05-31", "reason": "price"},
            **headers,
        )
    refused(sale, 403, "Your role does not allow 'customers:write'.", "/api/v1/subscriptions")
    refused(
        cancel,
        403,
        "Your role does not allow 'customers:write'.",
        f"/api/v1/subscriptions/{sold['id']}/cancel",
    )
    assert unchanged(sold["id"]) == before


# Input a client can send must never give 500.

BIG = 99999999999999999999


def test_selling_beyond_the_calendar_is_422(crm: Client, firma: Customer) -> None:
    before = counts()
    response = sell(crm, firma, start_date="9999-06-01")
    assert (response.status_code, response["Content-Type"]) == (422, "application/problem+json")
    assert "start_date" in [e["field"] for e in response.json()["errors"]]
    assert counts() == before


def test_a_new_contract_beyond_the_calendar_is_422_and_changes_nothing(
    crm: Client, sold: dict[str, Any]
) -> None:
    before = unchanged(sold["id"])
    response = act(
        crm,
        sold,
        "change-offer",
        {"offer": "4business-ultra", "on": "9999-06-01", "new_contract": True, "term_months": 24},
    )
    assert (response.status_code, response["Content-Type"]) == (422, "application/problem+json")
    assert "on" in [e["field"] for e in response.json()["errors"]]
    assert unchanged(sold["id"]) == before


def test_an_out_of_range_customer_filter_is_refused(crm: Client, sold: dict[str, Any]) -> None:
    response = crm.get(f"/api/v1/subscriptions?customer={BIG}")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["customer"]


def test_an_out_of_range_offset_is_not_a_500(crm: Client, sold: dict[str, Any]) -> None:
    crm.raise_request_exception = False
    response = crm.get(f"/api/v1/subscriptions?offset={BIG}")
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.json() == {"items": [], "count": 1}
    else:
        assert [e["field"] for e in response.json()["errors"]] == ["offset"]
