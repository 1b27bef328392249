"""Customer API: exact bodies, search and filters, problem+json refusals, scopes and roles."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.customers.models import Customer
from rota.customers.services import CustomerData, customer_create

pytestmark = pytest.mark.django_db

NOW = "2026-05-10 12:00:00+00:00"
CREATED_AT = "2026-05-10T12:00:00Z"

ANNA = {
    "kind": "person",
    "first_name": "Anna",
    "last_name": "Kowalska",
    "email": "Anna.Kowalska@Poczta.Example.PL",
    "phone": "501 234 567",
    "tax_id": "44051401458",
    "street": "ul. Lipowa",
    "building": "12",
    "apartment": "3",
    "postal_code": "26-600",
    "city": "Radom",
    "tags": ["VIP", " fibre "],
    "marketing_consent": True,
}
FIRMA = {
    "kind": "company",
    "company_name": "Piekarnia Nowak sp. z o.o.",
    "tax_id": "526-000-12-46",
    "regon": "123456785",
    "email": "biuro@nowak.example.pl",
    "phone": "+48 48 362 00 00",
    "street": "ul. Rynek",
    "building": "1",
    "postal_code": "26-600",
    "city": "Radom",
}
ANNA_OUT = {
    "kind": "person",
    "display_name": "Anna Kowalska",
    "first_name": "Anna",
    "last_name": "Kowalska",
    "company_name": "",
    "segment": "household",
    "email": "Anna.Kowalska@poczta.example.pl",
    "phone": "+48501234567",
    "tax_id": "44051401458",
    "tax_id_display": "44051401458",
    "regon": "",
    "street": "ul. Lipowa",
    "building": "12",
    "apartment": "3",
    "postal_code": "26-600",
    "city": "Radom",
    "country": "PL",
    "tags": ["fibre", "vip"],
    "notes": "",
    "marketing_consent": True,
    "marketing_consent_changed_on": "2026-05-10",
}
FIRMA_OUT = {
    "kind": "company",
    "display_name": "Piekarnia Nowak sp. z o.o.",
    "first_name": "",
    "last_name": "",
    "company_name": "Piekarnia Nowak sp. z o.o.",
    "segment": "business",
    "email": "biuro@nowak.example.pl",
    "phone": "+48483620000",
    "tax_id": "5260001246",
    "tax_id_display": "526-000-12-46",
    "regon": "123456785",
    "street": "ul. Rynek",
    "building": "1",
    "apartment": "",
    "postal_code": "26-600",
    "city": "Radom",
    "country": "PL",
    "tags": [],
    "notes": "",
    "marketing_consent": False,
    "marketing_consent_changed_on": None,
}


def post(client: Client, url: str, body: Any, **headers: str) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def patch(client: Client, url: str, body: Any, **headers: str) -> Any:
    return client.patch(url, json.dumps(body), content_type="application/json", headers=headers)


def state() -> tuple[int, int]:
    return Customer.objects.count(), AuditEvent.objects.count()


def stored(pk: int) -> dict[str, Any]:
    return dict(Customer.objects.filter(pk=pk).values().get())


def without_volatile(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("id", "created_at")}


def items(response: Any) -> list[str]:
    return [c["display_name"] for c in response.json()["items"]]


@pytest.fixture
def crm(make_token: Callable[..., str]) -> Client:
    """A client with a customers:read + customers:write token."""
    secret = make_token("customers:read", "customers:write", name="crm")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def create(values: dict[str, Any], actor: Actor) -> Customer:
    data = CustomerData(**{**values, "tags": tuple(values.get("tags", ()))})
    with time_machine.travel(NOW, tick=False):
        return customer_create(data=data, actor=actor)


@pytest.fixture
def anna(db: None, actor: Actor) -> Customer:
    return create(ANNA, actor)


@pytest.fixture
def firma(db: None, actor: Actor) -> Customer:
    return create(FIRMA, actor)


def body_of(customer: Customer, expected: dict[str, Any]) -> dict[str, Any]:
    return {**expected, "id": customer.pk, "created_at": CREATED_AT}


@time_machine.travel(NOW, tick=False)
def test_create_a_person(crm: Client) -> None:
    before = state()
    response = post(crm, "/api/v1/customers", ANNA)
    assert response.status_code == 201
    customer = Customer.objects.get()
    assert response.json() == body_of(customer, ANNA_OUT)
    assert crm.get(f"/api/v1/customers/{customer.pk}").json() == response.json()
    event = AuditEvent.objects.get(action="customer.create")
    assert (event.object_id, event.actor_label) == (str(customer.pk), "token:crm")
    assert state() == (before[0] + 1, before[1] + 1)


@time_machine.travel(NOW, tick=False)
def test_create_a_company(crm: Client) -> None:
    response = post(crm, "/api/v1/customers", FIRMA)
    assert response.status_code == 201
    customer = Customer.objects.get()
    assert response.json() == body_of(customer, FIRMA_OUT)
    assert (customer.tax_id, customer.segment, customer.phone) == (
        "5260001246",
        "business",
        "+48483620000",
    )


def test_an_explicit_segment_is_kept(crm: Client) -> None:
    response = post(crm, "/api/v1/customers", {**FIRMA, "segment": "household"})
    assert (response.status_code, response.json()["segment"]) == (201, "household")


def test_list_and_search_by_name_phone_digits_and_tax_id(
    crm: Client, anna: Customer, firma: Customer
) -> None:
    assert crm.get("/api/v1/customers").json() == {
        "items": [body_of(anna, ANNA_OUT), body_of(firma, FIRMA_OUT)],
        "count": 2,
    }
    cases = {
        "kowalska": ["Anna Kowalska"],
        "Anna Kowalska": ["Anna Kowalska"],
        "piekarnia": ["Piekarnia Nowak sp. z o.o."],
        "501 234 567": ["Anna Kowalska"],
        "+48 48 362": ["Piekarnia Nowak sp. z o.o."],
        "526-000-12-46": ["Piekarnia Nowak sp. z o.o."],
        "5260001246": ["Piekarnia Nowak sp. z o.o."],
        "44051401458": ["Anna Kowalska"],
        "radom": ["Anna Kowalska", "Piekarnia Nowak sp. z o.o."],
    }
    for q, expected in cases.items():
        response = crm.get("/api/v1/customers", {"q": q})
        assert response.status_code == 200
        assert (items(response), response.json()["count"]) == (expected, len(expected)), q


def test_search_without_matches_is_an_empty_page(crm: Client, anna: Customer) -> None:
    for q in ("Zielińska", "600 700 800"):
        response = crm.get("/api/v1/customers", {"q": q})
        assert (response.status_code, response.json()) == (200, {"items": [], "count": 0})


def test_filters_by_segment_and_kind(crm: Client, anna: Customer, firma: Customer) -> None:
    assert items(crm.get("/api/v1/customers?segment=business")) == ["Piekarnia Nowak sp. z o.o."]
    assert items(crm.get("/api/v1/customers?segment=household")) == ["Anna Kowalska"]
    assert items(crm.get("/api/v1/customers?kind=person")) == ["Anna Kowalska"]
    assert items(crm.get("/api/v1/customers?kind=company&q=radom")) == [
        "Piekarnia Nowak sp. z o.o."
    ]


def test_filters_without_matches(crm: Client, anna: Customer, firma: Customer) -> None:
    response = crm.get("/api/v1/customers?kind=company&segment=household")
    assert (response.status_code, response.json()) == (200, {"items": [], "count": 0})


def test_filter_by_tag(crm: Client, anna: Customer, firma: Customer) -> None:
    response = crm.get("/api/v1/customers?tag=vip")
    assert (response.status_code, items(response)) == (200, ["Anna Kowalska"])
    assert crm.get("/api/v1/customers?tag=gold").json() == {"items": [], "count": 0}


def test_pagination_keeps_the_total_count(crm: Client, actor: Actor) -> None:
    for n in range(5):
        create({**FIRMA, "company_name": f"Firma {n}"}, actor)
    page = crm.get("/api/v1/customers?limit=2&offset=1").json()
    assert (page["count"], [c["company_name"] for c in page["items"]]) == (
        5,
        ["Firma 1", "Firma 2"],
    )
    last = crm.get("/api/v1/customers?limit=2&offset=4&q=firma").json()
    assert (last["count"], [c["company_name"] for c in last["items"]]) == (5, ["Firma 4"])


def test_pagination_past_the_end_keeps_the_count(crm: Client, anna: Customer) -> None:
    page = crm.get("/api/v1/customers?limit=10&offset=5").json()
    assert page == {"items": [], "count": 1}


def test_unknown_customer_is_404_problem(crm: Client) -> None:
    response = crm.get("/api/v1/customers/999")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://rota.example/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "There is no customer 999.",
        "instance": "/api/v1/customers/999",
    }
    before = state()
    refused = patch(crm, "/api/v1/customers/999", {"city": "Kielce"})
    assert (refused.status_code, refused.json()["detail"]) == (404, "There is no customer 999.")
    assert state() == before


def test_patch_changes_details_and_dates_a_consent_change(crm: Client, firma: Customer) -> None:
    url = f"/api/v1/customers/{firma.pk}"
    with time_machine.travel(NOW, tick=False):
        response = patch(
            crm,
            url,
            {"marketing_consent": True, "phone": "0048 501 234 567", "tags": ["Gold"]},
        )
    assert response.status_code == 200
    assert response.json() == body_of(
        firma,
        {
            **FIRMA_OUT,
            "phone": "+48501234567",
            "tags": ["gold"],
            "marketing_consent": True,
            "marketing_consent_changed_on": "2026-05-10",
        },
    )
    event = AuditEvent.objects.get(action="customer.update")
    assert sorted(event.changes) == ["marketing_consent", "phone", "tags"]

    # A change that leaves consent as it was keeps the day it was given.
    with time_machine.travel("2026-07-01 09:00:00+00:00", tick=False):
        kept = patch(crm, url, {"city": "Kielce", "marketing_consent": True})
    assert (kept.json()["city"], kept.json()["marketing_consent_changed_on"]) == (
        "Kielce",
        "2026-05-10",
    )
    with time_machine.travel("2026-08-03 09:00:00+00:00", tick=False):
        withdrawn = patch(crm, url, {"marketing_consent": False})
    assert (
        withdrawn.json()["marketing_consent"],
        withdrawn.json()["marketing_consent_changed_on"],
    ) == (False, "2026-08-03")
    assert stored(firma.pk)["marketing_consent_changed_on"] == date(2026, 8, 3)


@time_machine.travel(NOW, tick=False)
def test_patch_with_an_empty_body_changes_nothing(crm: Client, anna: Customer) -> None:
    row = stored(anna.pk)
    response = patch(crm, f"/api/v1/customers/{anna.pk}", {})
    assert (response.status_code, response.json()) == (200, body_of(anna, ANNA_OUT))
    assert stored(anna.pk) == row


INVALID = [
    (
        {"tax_id": "44051401459"},
        [{"field": "tax_id", "message": "is not a valid PESEL: it has a wrong check digit"}],
    ),
    (
        {"phone": "12"},
        [
            {
                "field": "phone",
                "message": "is not a valid phone number for PL; write it as +48 501 234 567",
            }
        ],
    ),
    ({"email": "anna@"}, [{"field": "email", "message": "is not a valid email address"}]),
    (
        {"kind": "company", "company_name": "Nowak", "tax_id": "5260001245"},
        [{"field": "tax_id", "message": "is not a valid NIP: it has a wrong check digit"}],
    ),
    (
        {"kind": "company", "company_name": "Nowak", "tax_id": ""},
        [{"field": "tax_id", "message": "is required for a company"}],
    ),
    (
        {"last_name": " ", "city": ""},
        [
            {"field": "last_name", "message": "is required for a person"},
            {"field": "city", "message": "is required"},
        ],
    ),
    (
        {"segment": "wholesale"},
        [{"field": "segment", "message": "must be one of household, business"}],
    ),
]


@pytest.mark.parametrize(("change", "errors"), INVALID)
def test_create_with_invalid_fields_is_422_and_saves_nothing(
    crm: Client, change: dict[str, Any], errors: list[dict[str, str]]
) -> None:
    before = state()
    response = post(crm, "/api/v1/customers", {**ANNA, **change})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://rota.example/problems/invalid-input",
        "title": "Invalid input",
        "status": 422,
        "detail": "The customer has invalid fields.",
        "instance": "/api/v1/customers",
        "errors": errors,
    }
    assert state() == before


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"tax_id": "44051401459"},
            [{"field": "tax_id", "message": "is not a valid PESEL: it has a wrong check digit"}],
        ),
        (
            {"phone": "+48 12", "email": "x@y"},
            [
                {"field": "email", "message": "is not a valid email address"},
                {
                    "field": "phone",
                    "message": "is not a valid phone number for PL; write it as +48 501 234 567",
                },
            ],
        ),
        ({"last_name": None}, [{"field": "last_name", "message": "is required for a person"}]),
    ],
)
def test_patch_with_invalid_fields_is_422_and_changes_nothing(
    crm: Client, anna: Customer, change: dict[str, Any], errors: list[dict[str, str]]
) -> None:
    before, row = state(), stored(anna.pk)
    response = patch(crm, f"/api/v1/customers/{anna.pk}", change)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert (response.json()["detail"], response.json()["errors"]) == (
        "The customer has invalid fields.",
        errors,
    )
    assert (state(), stored(anna.pk)) == (before, row)


def test_schema_errors_are_422_problem_json(crm: Client) -> None:
    before = state()
    response = post(crm, "/api/v1/customers", {**ANNA, "kind": "robot"})
    assert response.status_code == 422
    body = response.json()
    assert (body["title"], [e["field"] for e in body["errors"]]) == ("Invalid input", ["kind"])
    missing = post(crm, "/api/v1/customers", {"kind": "person"})
    assert {e["field"] for e in missing.json()["errors"]} == {
        "street",
        "building",
        "postal_code",
        "city",
    }
    assert state() == before


def test_null_consent_is_refused_with_422(crm: Client, anna: Customer) -> None:
    before, row = state(), stored(anna.pk)
    crm.raise_request_exception = False
    response = patch(crm, f"/api/v1/customers/{anna.pk}", {"marketing_consent": None})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "marketing_consent"
    assert (state(), stored(anna.pk)) == (before, row)


def test_an_out_of_range_offset_is_not_a_500(crm: Client) -> None:
    crm.raise_request_exception = False
    response = crm.get("/api/v1/customers?offset=99999999999999999999")
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.json() == {"items": [], "count": 0}
    else:
        assert [e["field"] for e in response.json()["errors"]] == ["offset"]


def test_a_catalog_token_cannot_read_customers(
    make_token: Callable[..., str], anna: Customer
) -> None:
    catalog = Client(
        headers={"Authorization": f"Bearer {make_token('catalog:read', 'catalog:write')}"}
    )
    for url in ("/api/v1/customers", f"/api/v1/customers/{anna.pk}"):
        response = catalog.get(url)
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert response.json() == {
            "type": "https://rota.example/problems/forbidden",
            "title": "Forbidden",
            "status": 403,
            "detail": "This token lacks the scope 'customers:read'.",
            "instance": url,
        }


def test_a_read_token_cannot_write(make_token: Callable[..., str], anna: Customer) -> None:
    reader = Client(headers={"Authorization": f"Bearer {make_token('customers:read')}"})
    assert reader.get("/api/v1/customers?q=nobody").json() == {"items": [], "count": 0}
    before, row = state(), stored(anna.pk)
    created = post(reader, "/api/v1/customers", FIRMA)
    assert created.status_code == 403
    assert created.json()["detail"] == "This token lacks the scope 'customers:write'."
    changed = patch(reader, f"/api/v1/customers/{anna.pk}", {"city": "Kielce"})
    assert (changed.status_code, changed.json()["detail"]) == (
        403,
        "This token lacks the scope 'customers:write'.",
    )
    assert (state(), stored(anna.pk)) == (before, row)


def test_no_credentials_is_401(anna: Customer) -> None:
    response = Client().get("/api/v1/customers")
    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Bearer")
    assert post(Client(), "/api/v1/customers", FIRMA).status_code == 401


def csrf_client(user: User) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/admin/")
    return client, client.cookies["csrftoken"].value


def test_session_writes_need_the_csrf_token(sales_user: User, anna: Customer) -> None:
    sales, _ = csrf_client(sales_user)
    before, row = state(), stored(anna.pk)
    created = post(sales, "/api/v1/customers", FIRMA)
    changed = patch(sales, f"/api/v1/customers/{anna.pk}", {"city": "Kielce"})
    for response in (created, changed):
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["type"] == "https://rota.example/problems/forbidden"
    assert (state(), stored(anna.pk)) == (before, row)


def test_sales_staff_can_write_through_the_session_with_csrf(sales_user: User) -> None:
    sales, token = csrf_client(sales_user)
    created = post(sales, "/api/v1/customers", FIRMA, **{"X-CSRFToken": token})
    assert created.status_code == 201
    changed = patch(
        sales,
        f"/api/v1/customers/{created.json()['id']}",
        {"notes": "VIP"},
        **{"X-CSRFToken": token},
    )
    assert (changed.status_code, changed.json()["notes"]) == (200, "VIP")
    assert [e.actor_label for e in AuditEvent.objects.filter(action__startswith="customer.")] == [
        "sales",
        "sales",
    ]
    assert sales.get("/api/v1/customers").json()["count"] == 1


def test_finance_staff_can_read_but_not_write(finance_user: User, anna: Customer) -> None:
    finance, token = csrf_client(finance_user)
    assert finance.get("/api/v1/customers?q=nobody").json() == {"items": [], "count": 0}
    before, row = state(), stored(anna.pk)
    created = post(finance, "/api/v1/customers", FIRMA, **{"X-CSRFToken": token})
    assert created.status_code == 403
    assert created.json() == {
        "type": "https://rota.example/problems/forbidden",
        "title": "Forbidden",
        "status": 403,
        "detail": "Your role does not allow 'customers:write'.",
        "instance": "/api/v1/customers",
    }
    changed = patch(
        finance, f"/api/v1/customers/{anna.pk}", {"city": "Kielce"}, **{"X-CSRFToken": token}
    )
    assert (changed.status_code, changed.json()["detail"]) == (
        403,
        "Your role does not allow 'customers:write'.",
    )
    assert (state(), stored(anna.pk)) == (before, row)
