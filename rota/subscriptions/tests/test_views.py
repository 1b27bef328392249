"""Customers and subscriptions in the back office: the story page, selling, actions, roles."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.catalog.models import OfferVersion
from rota.customers.models import Customer
from rota.customers.services import CustomerData, customer_create
from rota.subscriptions import services
from rota.subscriptions.models import Subscription, Suspension

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today() -> Any:
    with time_machine.travel("2026-05-10 10:00:00+00:00", tick=False) as traveller:
        yield traveller


def text(response: Any) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


@pytest.fixture
def anna(demo_catalog: None, actor: Actor) -> Customer:
    return customer_create(
        data=CustomerData(
            kind="person",
            first_name="Anna",
            last_name="Kowalska",
            phone="501234567",
            tax_id="44051401458",
            street="ul. Lipowa",
            building="12",
            postal_code="26-600",
            city="Radom",
        ),
        actor=actor,
    )


def sell_form(customer: Customer, **fields: Any) -> dict[str, Any]:
    version = OfferVersion.objects.get(offer__code="gameon", status="active")
    data = {
        "customer": str(customer.pk),
        "version": str(version.pk),
        "term_months": "0",
        "start_date": "2026-05-15",
        "street": "ul. Lipowa",
        "building": "12",
        "apartment": "",
        "postal_code": "26-600",
        "city": "Radom",
        "municipality_code": "1463011",
        "area": "urban",
    }
    data.update(fields)
    return data


def test_customer_list_search_and_add(
    sales_user: User, login: Callable[[User], Client], anna: Customer
) -> None:
    client = login(sales_user)
    assert "Anna Kowalska" in text(client.get("/admin/customers/customer/?q=501234567"))
    assert "Anna Kowalska" not in text(client.get("/admin/customers/customer/?q=Nowak"))
    response = client.post(
        "/admin/customers/customer/add/",
        {
            "kind": "company",
            "company_name": "Piekarnia Nowak sp. z o.o.",
            "tax_id": "526-000-12-46",
            "street": "ul. Rynek",
            "building": "1",
            "postal_code": "26-600",
            "city": "Radom",
            "tags": "bakery, vip",
        },
    )
    assert response.status_code == 302
    firma = Customer.objects.get(company_name="Piekarnia Nowak sp. z o.o.")
    assert (firma.segment, firma.tax_id, firma.tags) == (
        "business",
        "5260001246",
        ["bakery", "vip"],
    )
    refused = client.post(
        "/admin/customers/customer/add/",
        {"kind": "person", "first_name": "Jan", "last_name": "Nowak", "tax_id": "123",
         "street": "ul. A", "building": "1", "postal_code": "26-600", "city": "Radom"},
    )  # fmt: skip
    assert "is not a valid PESEL (11 digits)" in text(refused)
    assert not Customer.objects.filter(last_name="Nowak").exists()


def test_sell_from_the_customer_page_and_see_the_story(
    sales_user: User, login: Callable[[User], Client], anna: Customer
) -> None:
    client = login(sales_user)
    page = text(client.get(f"/admin/customers/customer/{anna.pk}/change/"))
    assert "No subscriptions yet." in page and "Sell a subscription" in page
    form_page = client.get(f"/admin/subscriptions/subscription/add/?customer={anna.pk}")
    assert 'value="ul. Lipowa"' in form_page.content.decode()
    response = client.post("/admin/subscriptions/subscription/add/", sell_form(anna))
    assert response["Location"] == f"/admin/customers/customer/{anna.pk}/change/"
    sub = Subscription.objects.get()
    page = text(client.get(response["Location"]))
    assert f"{sub.number} · Pending (starts later) · gameon · from 2026-05-15" in page
    assert "2026-05-15 gameon v1 no commitment — 70,00 zł" in page
    assert f"{sub.number} sold: gameon v1, 0 months, from 2026-05-15" in page
    assert "sales" in page


def test_sell_form_shows_service_errors_and_saves_nothing(
    sales_user: User, login: Callable[[User], Client], anna: Customer
) -> None:
    response = login(sales_user).post(
        "/admin/subscriptions/subscription/add/", sell_form(anna, term_months="24")
    )
    assert response.status_code == 200
    assert "gameon is sold with 0 months" in text(response)
    assert Subscription.objects.count() == 0


def test_actions_cancel_and_suspend(
    sales_user: User, login: Callable[[User], Client], anna: Customer, actor: Actor
) -> None:
    sub = services.subscription_sell(
        customer=anna,
        version=OfferVersion.objects.get(offer__code="speedster", status="active"),
        term_months=0,
        start_date=date(2026, 1, 1),
        address=services.ServiceAddress("ul. Lipowa", "12", "26-600", "Radom"),
        actor=actor,
    )
    client = login(sales_user)
    base = f"/admin/subscriptions/subscription/{sub.pk}"
    overlap_free = client.post(
        f"{base}/suspend/",
        {"start_date": "2026-06-01", "end_date": "2026-06-30", "reason": "holiday"},
    )
    assert overlap_free.status_code == 302
    refused = client.post(f"{base}/suspend/", {"start_date": "2026-06-15", "end_date": ""})
    assert "overlaps the suspension from 2026-06-01 to 2026-06-30" in text(refused)
    assert Suspension.objects.count() == 1
    cancelled = client.post(
        f"{base}/cancel/",
        {"requested_on": "2026-05-10", "last_day": "2026-05-31", "reason": "moving", "note": ""},
        follow=True,
    )
    assert f"{sub} cancelled; early-termination fee: 0,00 zł." in text(cancelled)
    sub.refresh_from_db()
    assert (sub.end_date, sub.cancel_reason) == (date(2026, 5, 31), "moving")
    assert Suspension.objects.count() == 0
    listing = text(client.get("/admin/subscriptions/cancellation/?cancel_reason__exact=moving"))
    assert sub.number in listing and "Moving" in listing
    again = client.post(
        f"{base}/cancel/",
        {"requested_on": "2026-05-10", "last_day": "2026-05-20", "reason": "price"},
    )
    assert "is already cancelled (last day 2026-05-31)." in text(again)


@pytest.mark.parametrize(
    "persona", ["finance_user", "support_user", "planner_user", "auditor_user"]
)
def test_read_only_roles_see_but_cannot_sell_or_act(
    persona: str,
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    anna: Customer,
    actor: Actor,
) -> None:
    sub = services.subscription_sell(
        customer=anna,
        version=OfferVersion.objects.get(offer__code="speedster", status="active"),
        term_months=0,
        start_date=date(2026, 1, 1),
        address=services.ServiceAddress("ul. Lipowa", "12", "26-600", "Radom"),
        actor=actor,
    )
    client = login(request.getfixturevalue(persona))
    assert client.get(f"/admin/customers/customer/{anna.pk}/change/").status_code == 200
    assert client.get("/admin/subscriptions/subscription/").status_code == 200
    before = (Subscription.objects.count(), AuditEvent.objects.count())
    assert client.post("/admin/subscriptions/subscription/add/", sell_form(anna)).status_code == 403
    base = f"/admin/subscriptions/subscription/{sub.pk}"
    response = client.post(
        f"{base}/cancel/",
        {"requested_on": "2026-05-10", "last_day": "2026-05-31", "reason": "price"},
    )
    assert response.status_code == 403
    assert (Subscription.objects.count(), AuditEvent.objects.count()) == before
    assert Subscription.objects.get(pk=sub.pk).end_date is None


def test_list_filters_follow_today(
    sales_user: User, login: Callable[[User], Client], anna: Customer, actor: Actor
) -> None:
    sub = services.subscription_sell(
        customer=anna,
        version=OfferVersion.objects.get(offer__code="domowy-komfort", status="active"),
        term_months=0,
        start_date=date(2026, 1, 1),
        address=services.ServiceAddress("ul. Lipowa", "12", "26-600", "Radom"),
        actor=actor,
    )
    services.subscription_change_offer(
        subscription=sub,
        version=OfferVersion.objects.get(offer__code="speedster", status="active"),
        on=date(2026, 6, 1),
        new_contract=False,
        actor=actor,
    )
    client = login(sales_user)
    base = "/admin/subscriptions/subscription/"
    assert sub.number in text(client.get(f"{base}?offer=domowy-komfort&state=active"))
    assert sub.number not in text(client.get(f"{base}?offer=speedster"))
    assert sub.number in text(client.get(f"{base}?technology=ftth&segment=household"))
    assert sub.number not in text(client.get(f"{base}?state=suspended"))


def test_listing_costs_the_same_queries_for_one_or_many(
    anna: Customer, actor: Actor, make_token: Callable[..., str]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client(headers={"Authorization": f"Bearer {make_token('customers:read')}"})

    def sell_one() -> None:
        sub = services.subscription_sell(
            customer=anna,
            version=OfferVersion.objects.get(offer__code="gameon", status="active"),
            term_months=0,
            start_date=date(2026, 1, 1),
            address=services.ServiceAddress("ul. Lipowa", "12", "26-600", "Radom"),
            addons=["static-ip"],
            actor=actor,
        )
        services.subscription_suspend(
            subscription=sub, start_date=date(2026, 2, 1), end_date=date(2026, 2, 5), actor=actor
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/subscriptions").status_code == 200
        return len(captured.captured_queries)

    sell_one()
    one = queries()
    for _ in range(4):
        sell_one()
    assert queries() == one
