"""Customer services: validation per country, consent dates, refusals that change nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.core.errors import InvalidInput
from rota.customers.models import Customer
from rota.customers.selectors import search_customers
from rota.customers.services import CustomerData, customer_create, customer_update
from rota.installation.models import Installation

pytestmark = pytest.mark.django_db

ANNA = CustomerData(
    kind="person",
    first_name="Anna",
    last_name="Kowalska",
    email="Anna.Kowalska@Poczta.Example.PL",
    phone="501 234 567",
    tax_id="44051401458",
    street="ul. Lipowa",
    building="12",
    apartment="3",
    postal_code="26-600",
    city="Radom",
    tags=("VIP", " fibre "),
    marketing_consent=True,
)
FIRMA = CustomerData(
    kind="company",
    company_name="Piekarnia Nowak sp. z o.o.",
    tax_id="526-000-12-46",
    street="ul. Rynek",
    building="1",
    postal_code="26-600",
    city="Radom",
)


def errors_of(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(e.field, e.message) for e in exc.value.errors]


def test_person_is_normalised_and_defaults_to_household(actor: Actor) -> None:
    anna = customer_create(data=ANNA, actor=actor, today=date(2026, 3, 1))
    assert (anna.segment, anna.phone, anna.email, anna.tax_id, anna.country) == (
        "household",
        "+48501234567",
        "Anna.Kowalska@poczta.example.pl",
        "44051401458",
        "PL",
    )
    assert (anna.tags, anna.marketing_consent_changed_on) == (["fibre", "vip"], date(2026, 3, 1))
    assert anna.display_name == "Anna Kowalska"
    assert anna.address_line == "ul. Lipowa 12/3, 26-600 Radom"
    assert AuditEvent.objects.get().action == "customer.create"


def test_company_defaults_to_business(actor: Actor) -> None:
    firma = customer_create(data=FIRMA, actor=actor)
    assert (firma.segment, firma.tax_id, str(firma)) == (
        "business",
        "5260001246",
        "Piekarnia Nowak sp. z o.o.",
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"tax_id": "44051401459"}, [("tax_id", "is not a valid PESEL: it has a wrong check digit")]),
        ({"phone": "12"}, [("phone", "is not a valid phone number for PL; write it as +48 501 234 567")]),
        ({"email": "anna@"}, [("email", "is not a valid email address")]),
        ({"last_name": " "}, [("last_name", "is required for a person")]),
        ({"city": ""}, [("city", "is required")]),
        ({"segment": "vip"}, [("segment", "must be one of household, business")]),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field(
    actor: Actor, change: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    with pytest.raises(InvalidInput) as exc:
        customer_create(data=replace(ANNA, **change), actor=actor)
    assert errors_of(exc) == expected
    assert (Customer.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_company_needs_a_valid_nip(actor: Actor) -> None:
    with pytest.raises(InvalidInput) as exc:
        customer_create(data=replace(FIRMA, tax_id=""), actor=actor)
    assert errors_of(exc) == [("tax_id", "is required for a company")]
    with pytest.raises(InvalidInput) as exc:
        customer_create(data=replace(FIRMA, tax_id="5260001245"), actor=actor)
    assert errors_of(exc) == [("tax_id", "is not a valid NIP: it has a wrong check digit")]


def test_brazilian_installation_checks_cpf_and_cnpj(actor: Actor) -> None:
    Installation.objects.filter(pk=1).update(country="BR", currency="BRL")
    joao = replace(
        ANNA,
        first_name="João",
        last_name="Silva",
        tax_id="390.533.447-05",
        phone="(11) 91234-5678",
    )
    created = customer_create(data=joao, actor=actor)
    assert (created.country, created.tax_id, created.phone) == (
        "BR",
        "39053344705",
        "+5511912345678",
    )
    with pytest.raises(InvalidInput) as exc:
        customer_create(data=replace(joao, tax_id="44051401458"), actor=actor)
    assert errors_of(exc)[0][0] == "tax_id"


def test_update_records_consent_withdrawal_and_diff(actor: Actor) -> None:
    anna = customer_create(data=ANNA, actor=actor, today=date(2026, 3, 1))
    updated = customer_update(
        customer=anna,
        changes={"marketing_consent": False, "city": "Kraków", "postal_code": "30-001"},
        actor=actor,
        today=date(2026, 5, 20),
    )
    assert (updated.marketing_consent, updated.marketing_consent_changed_on) == (
        False,
        date(2026, 5, 20),
    )
    event = AuditEvent.objects.get(action="customer.update")
    assert event.changes == {
        "city": ["Radom", "Kraków"],
        "postal_code": ["26-600", "30-001"],
        "marketing_consent": [True, False],
    }


def test_refused_update_changes_nothing(actor: Actor) -> None:
    anna = customer_create(data=ANNA, actor=actor)
    with pytest.raises(InvalidInput):
        customer_update(customer=anna, changes={"phone": "abc", "city": "X"}, actor=actor)
    with pytest.raises(InvalidInput) as exc:
        customer_update(customer=anna, changes={"kind": "company"}, actor=actor)
    assert errors_of(exc) == [("kind", "cannot change; create a new customer instead")]
    anna.refresh_from_db()
    assert (anna.city, anna.phone, AuditEvent.objects.count()) == ("Radom", "+48501234567", 1)


def test_search_by_name_email_phone_tax_id_and_address(actor: Actor) -> None:
    anna = customer_create(data=ANNA, actor=actor)
    firma = customer_create(data=FIRMA, actor=actor)
    assert list(search_customers("kowalska")) == [anna]
    assert list(search_customers("Anna Kowalska")) == [anna]
    assert list(search_customers("poczta.example")) == [anna]
    assert list(search_customers("501234567")) == [anna]
    assert list(search_customers("5260001246")) == [firma]
    assert list(search_customers("Lipowa")) == [anna]
    assert list(search_customers("Radom")) == [anna, firma]


def test_tag_filter_matches_whole_tags_including_non_ascii(actor: Actor) -> None:
    from rota.customers.selectors import with_tag

    anna = customer_create(data=replace(ANNA, tags=("Łódź", "vip")), actor=actor)
    customer_create(data=replace(FIRMA, tags=("vip2",)), actor=actor)
    assert list(with_tag(Customer.objects.all(), "łódź")) == [anna]
    assert list(with_tag(Customer.objects.all(), "vip")) == [anna]
    assert list(with_tag(Customer.objects.all(), "ip")) == []
