"""Customer data validation: phones, e-mails, tax ids, REGON and municipality codes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rota.core.errors import FieldError, InvalidInput
from rota.customers.validation import (
    format_tax_id,
    normalize_email,
    normalize_phone,
    normalize_regon,
    normalize_tax_id,
    validate_municipality_code,
)


def assert_invalid(call: Callable[[], object], field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        call()
    assert caught.value.errors == [FieldError(field, message)]
    assert caught.value.detail == f"{field}: {message}"


# Phones


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("+48 501 234 567", "PL", "+48501234567"),
        ("501 234 567", "PL", "+48501234567"),
        ("501-234-567", "PL", "+48501234567"),
        ("0048 501 234 567", "PL", "+48501234567"),
        ("  22 123 45 67 ", "PL", "+48221234567"),
        ("+55 11 91234-5678", "BR", "+5511912345678"),
        ("(11) 91234-5678", "BR", "+5511912345678"),
        ("+44 20 7946 0958", "XX", "+442079460958"),
        ("+48 501 234 567", "XX", "+48501234567"),
        ("+1 650 253 0000", "PL", "+16502530000"),
    ],
)
def test_normalize_phone_returns_e164(raw: str, country: str, e164: str) -> None:
    assert normalize_phone(raw, country=country) == e164


@pytest.mark.parametrize("raw", ["", "   "])
def test_normalize_phone_leaves_empty_empty(raw: str) -> None:
    assert normalize_phone(raw, country="PL") == ""


@pytest.mark.parametrize(
    ("raw", "country", "message"),
    [
        ("12", "PL", "is not a valid phone number for PL; write it as +48 501 234 567"),
        ("+48 123", "PL", "is not a valid phone number for PL; write it as +48 501 234 567"),
        ("phone me", "PL", "is not a valid phone number for PL; write it as +48 501 234 567"),
        ("11 1234", "BR", "is not a valid phone number for BR; write it as +55 11 91234-5678"),
        ("abc", "BR", "is not a valid phone number for BR; write it as +55 11 91234-5678"),
        (
            "501 234 567",
            "XX",
            "is not a valid international phone number; write it as +44 20 7946 0958",
        ),
        (
            "+44 20 79",
            "DE",
            "is not a valid international phone number; write it as +44 20 7946 0958",
        ),
    ],
)
def test_normalize_phone_rejects(raw: str, country: str, message: str) -> None:
    assert_invalid(lambda: normalize_phone(raw, country=country), "phone", message)


def test_normalize_phone_names_the_given_field() -> None:
    assert_invalid(
        lambda: normalize_phone("12", country="PL", field="contact_phone"),
        "contact_phone",
        "is not a valid phone number for PL; write it as +48 501 234 567",
    )


# E-mail


@pytest.mark.parametrize(
    ("raw", "email"),
    [
        ("jan@example.pl", "jan@example.pl"),
        ("  Jan.Kowalski@Example.PL \n", "Jan.Kowalski@example.pl"),
        ("Maria+ISP@Provedor.COM.BR", "Maria+ISP@provedor.com.br"),
        ("ola@ŻÓŁW.PL", "ola@żółw.pl"),
    ],
)
def test_normalize_email_lowers_only_the_domain(raw: str, email: str) -> None:
    assert normalize_email(raw) == email


def test_normalize_email_leaves_empty_empty() -> None:
    assert normalize_email("  ") == ""


@pytest.mark.parametrize(
    "raw", ["jan", "jan@", "@example.pl", "jan@example", "jan kowalski@example.pl", "a@b@c.pl"]
)
def test_normalize_email_rejects(raw: str) -> None:
    assert_invalid(lambda: normalize_email(raw), "email", "is not a valid email address")


def test_normalize_email_names_the_given_field() -> None:
    assert_invalid(
        lambda: normalize_email("jan", field="billing_email"),
        "billing_email",
        "is not a valid email address",
    )


# Tax ids


@pytest.mark.parametrize(
    ("raw", "country", "kind", "compact"),
    [
        ("44051401359", "PL", "person", "44051401359"),
        (" 02211307589 ", "PL", "person", "02211307589"),
        ("90010112349", "PL", "person", "90010112349"),
        ("526-000-12-46", "PL", "company", "5260001246"),
        ("PL 856 734 62 15", "PL", "company", "8567346215"),
        ("390.533.447-05", "BR", "person", "39053344705"),
        ("123.456.789-09", "BR", "person", "12345678909"),
        ("00.000.000/0001-91", "BR", "company", "00000000000191"),
        ("11.222.333/0001-81", "BR", "company", "11222333000181"),
        ("12.abc.345/01de-35", "BR", "company", "12ABC34501DE35"),
        ("  DE 123456789 ", "DE", "company", "DE 123456789"),
        ("X" * 40, "XX", "person", "X" * 40),
    ],
)
def test_normalize_tax_id_returns_compact_form(
    raw: str, country: str, kind: str, compact: str
) -> None:
    assert normalize_tax_id(raw, country=country, kind=kind) == compact


@pytest.mark.parametrize(
    ("country", "kind"), [("PL", "person"), ("BR", "company"), ("XX", "person")]
)
def test_normalize_tax_id_leaves_empty_empty(country: str, kind: str) -> None:
    assert normalize_tax_id(" ", country=country, kind=kind) == ""


@pytest.mark.parametrize(
    ("raw", "country", "kind", "message"),
    [
        ("4405140135", "PL", "person", "is not a valid PESEL (11 digits)"),
        ("4405140135A", "PL", "person", "is not a valid PESEL (11 digits)"),
        ("44051401358", "PL", "person", "is not a valid PESEL: it has a wrong check digit"),
        ("02381307589", "PL", "person", "is not a valid PESEL: it holds an impossible birth date"),
        ("526000124", "PL", "company", "is not a valid NIP (10 digits, e.g. 526-000-12-46)"),
        ("526-000-12-4X", "PL", "company", "is not a valid NIP (10 digits, e.g. 526-000-12-46)"),
        ("526-000-12-47", "PL", "company", "is not a valid NIP: it has a wrong check digit"),
        ("390.533.447-0", "BR", "person", "is not a valid CPF (11 digits, e.g. 390.533.447-05)"),
        ("000.000.000-00", "BR", "person", "is not a valid CPF (11 digits, e.g. 390.533.447-05)"),
        ("390.533.447-06", "BR", "person", "is not a valid CPF: it has wrong check digits"),
        ("111.111.111-11", "BR", "person", "is not a valid CPF: it repeats one digit"),
        (
            "00.000.000/0001-9",
            "BR",
            "company",
            "is not a valid CNPJ (14 characters, e.g. 00.000.000/0001-91)",
        ),
        (
            "00.000.000/0000-00",
            "BR",
            "company",
            "is not a valid CNPJ (14 characters, e.g. 00.000.000/0001-91)",
        ),
        ("00.000.000/0001-92", "BR", "company", "is not a valid CNPJ: it has wrong check digits"),
        ("X" * 41, "XX", "company", "must be at most 40 characters"),
    ],
)
def test_normalize_tax_id_rejects(raw: str, country: str, kind: str, message: str) -> None:
    assert_invalid(lambda: normalize_tax_id(raw, country=country, kind=kind), "tax_id", message)


def test_normalize_tax_id_names_the_given_field() -> None:
    assert_invalid(
        lambda: normalize_tax_id("526-000-12-47", country="PL", kind="company", field="nip"),
        "nip",
        "is not a valid NIP: it has a wrong check digit",
    )


@pytest.mark.parametrize("call", [normalize_tax_id, format_tax_id])
def test_unknown_kind_is_a_programming_error(call: Callable[..., str]) -> None:
    with pytest.raises(ValueError, match="kind must be 'person' or 'company', not 'firm'"):
        call("5260001246", country="PL", kind="firm")


@pytest.mark.parametrize(
    ("value", "country", "kind", "shown"),
    [
        ("5260001246", "PL", "company", "526-000-12-46"),
        ("44051401359", "PL", "person", "44051401359"),
        ("39053344705", "BR", "person", "390.533.447-05"),
        ("00000000000191", "BR", "company", "00.000.000/0001-91"),
        ("12ABC34501DE35", "BR", "company", "12.ABC.345/01DE-35"),
        ("DE 123456789", "DE", "company", "DE 123456789"),
        ("", "PL", "company", ""),
        ("not a nip", "PL", "company", "not a nip"),
    ],
)
def test_format_tax_id(value: str, country: str, kind: str, shown: str) -> None:
    assert format_tax_id(value, country=country, kind=kind) == shown


# REGON


@pytest.mark.parametrize(
    ("raw", "compact"),
    [
        ("192598184", "192598184"),
        (" 123-456-785 ", "123456785"),
        ("12345678512347", "12345678512347"),
        ("", ""),
    ],
)
def test_normalize_regon(raw: str, compact: str) -> None:
    assert normalize_regon(raw) == compact


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("12345678", "is not a valid REGON (9 or 14 digits)"),
        ("1234567851234", "is not a valid REGON (9 or 14 digits)"),
        ("12345678A", "is not a valid REGON (9 or 14 digits)"),
        ("192598183", "is not a valid REGON: it has a wrong check digit"),
        ("12345678612342", "is not a valid REGON: it has a wrong check digit"),
        ("12345678512348", "is not a valid REGON: it has a wrong check digit"),
    ],
)
def test_normalize_regon_rejects(raw: str, message: str) -> None:
    assert_invalid(lambda: normalize_regon(raw), "regon", message)


# Municipality codes


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("1465011", "PL"),  # Warszawa
        ("1465028", "PL"),  # type 8, a district of Warsaw
        ("1261029", "PL"),  # type 9, a delegation of Kraków
        ("0201011", "PL"),  # Bolesławiec, urban gmina
        ("3262011", "PL"),  # Szczecin, in the last voivodeship
        ("3550308", "BR"),  # São Paulo
        ("3304557", "BR"),  # Rio de Janeiro
        ("5300108", "BR"),  # Brasília
        ("3106200", "BR"),  # Belo Horizonte
        ("1100015", "BR"),  # Alta Floresta D'Oeste, the first in the table
        ("4314902", "BR"),  # Porto Alegre
        ("2201919", "BR"),  # Bom Princípio do Piauí, a known check digit exception
        ("5203962", "BR"),  # Buritinópolis, a known check digit exception
        ("PT-1100-148", "PT"),
        ("X" * 20, "XX"),
    ],
)
def test_validate_municipality_code_accepts(raw: str, country: str) -> None:
    assert validate_municipality_code(raw, country=country) == raw


def test_validate_municipality_code_strips_and_leaves_empty_empty() -> None:
    assert validate_municipality_code(" 1465011 ", country="PL") == "1465011"
    assert validate_municipality_code(" ", country="BR") == ""


TERYT = "is not a valid TERYT municipality code (7 digits, e.g. 1465011)"
IBGE = "is not a valid IBGE municipality code (7 digits, e.g. 3550308)"
IBGE_CHECK = "is not a valid IBGE municipality code: it has a wrong check digit"


@pytest.mark.parametrize(
    ("raw", "country", "message"),
    [
        ("146501", "PL", TERYT),
        ("14650111", "PL", TERYT),
        ("14 65 01 1", "PL", TERYT),
        ("146501a", "PL", TERYT),
        ("１４６５０１１", "PL", TERYT),  # full-width digits
        ("1565011", "PL", TERYT),  # odd voivodeship code
        ("3465011", "PL", TERYT),  # beyond the last voivodeship
        ("1400011", "PL", TERYT),  # no powiat
        ("1465001", "PL", TERYT),  # no gmina
        ("1465016", "PL", TERYT),  # unit type 6 does not exist
        ("1465017", "PL", TERYT),  # nor 7
        ("1465010", "PL", TERYT),  # nor 0
        ("355030", "BR", IBGE),
        ("35503080", "BR", IBGE),
        ("355030A", "BR", IBGE),
        ("6550308", "BR", IBGE),  # no region 6
        ("3450308", "BR", IBGE),  # no state 34
        ("3550307", "BR", IBGE_CHECK),
        ("3304550", "BR", IBGE_CHECK),
        ("2201911", "BR", IBGE_CHECK),  # computed digit, but the real code is 2201919
        ("X" * 21, "XX", "must be at most 20 characters"),
    ],
)
def test_validate_municipality_code_rejects(raw: str, country: str, message: str) -> None:
    assert_invalid(
        lambda: validate_municipality_code(raw, country=country), "municipality_code", message
    )


def test_validate_municipality_code_names_the_given_field() -> None:
    assert_invalid(
        lambda: validate_municipality_code("1465016", country="PL", field="gmina"), "gmina", TERYT
    )
