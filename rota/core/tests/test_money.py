from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rota.core.errors import FieldError, InvalidInput
from rota.core.money import (
    MINOR_PER_MAJOR,
    format_amount,
    format_money,
    parse_amount,
    round_half_up,
    to_decimal,
)


@pytest.mark.parametrize(
    ("value", "minor"),
    [
        ("94.99", 9499),
        ("105", 10500),
        ("105.0", 10500),
        ("105.00", 10500),
        (" 94.99\n", 9499),
        ("0", 0),
        ("0.05", 5),
        ("+7.5", 750),
        ("94.990", 9499),
        ("10000000000", 10**12),
        (105, 10500),
        (0, 0),
        (Decimal("94.99"), 9499),
        (Decimal("1E+2"), 10000),
        (Decimal("-0"), 0),
    ],
)
def test_parse_amount_accepts(value: str | int | Decimal, minor: int) -> None:
    assert parse_amount(value, field="price") == minor


@pytest.mark.parametrize(
    ("value", "minor"),
    [("-34.83", -3483), ("-0.05", -5), (-3, -300), (Decimal("-1.5"), -150)],
)
def test_parse_amount_accepts_negative_when_allowed(value: str | int | Decimal, minor: int) -> None:
    assert parse_amount(value, field="amount", allow_negative=True) == minor


NOT_A_NUMBER = "must be a decimal number such as 94.99"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("94,99", NOT_A_NUMBER),
        ("", NOT_A_NUMBER),
        ("  ", NOT_A_NUMBER),
        ("abc", NOT_A_NUMBER),
        ("1e2", NOT_A_NUMBER),
        ("1_000", NOT_A_NUMBER),
        (".5", NOT_A_NUMBER),
        ("5.", NOT_A_NUMBER),
        ("١٢", NOT_A_NUMBER),
        ("NaN", NOT_A_NUMBER),
        ("Infinity", NOT_A_NUMBER),
        ("-inf", NOT_A_NUMBER),
        (Decimal("NaN"), NOT_A_NUMBER),
        (Decimal("-Infinity"), NOT_A_NUMBER),
        ("94.999", "must have at most 2 decimal places"),
        ("0.001", "must have at most 2 decimal places"),
        (Decimal("1.0000000000000000000000000000001"), "must have at most 2 decimal places"),
        ("-1", "must not be negative"),
        ("-0.01", "must not be negative"),
        (-1, "must not be negative"),
        ("10000000000.01", "is too large"),
        (10**11, "is too large"),
        (Decimal("1E+999999"), "is too large"),
        (94.99, "must be a decimal string"),
        (True, "must be a decimal string"),
        (None, "must be a decimal string"),
    ],
)
def test_parse_amount_rejects(value: object, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_amount(value, field="price")  # type: ignore[arg-type]
    assert caught.value.errors == [FieldError("price", message)]
    assert caught.value.detail == f"price: {message}"


def test_parse_amount_rejects_too_large_negative_even_when_allowed() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_amount("-10000000000.01", field="amount", allow_negative=True)
    assert caught.value.errors == [FieldError("amount", "is too large")]


@pytest.mark.parametrize(
    ("minor", "text"),
    [
        (9499, "94.99"),
        (10500, "105.00"),
        (-3483, "-34.83"),
        (0, "0.00"),
        (5, "0.05"),
        (-5, "-0.05"),
        (-100, "-1.00"),
        (123456789, "1234567.89"),
    ],
)
def test_format_amount_and_to_decimal(minor: int, text: str) -> None:
    assert format_amount(minor) == text
    assert to_decimal(minor) == Decimal(text)
    assert str(to_decimal(minor)) == text


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("0.5", 1),
        ("1.5", 2),
        ("2.5", 3),
        ("2.4999", 2),
        ("-0.5", -1),
        ("-2.5", -3),
        ("-2.4999", -2),
        ("3482.875", 3483),
        ("5758.064516129032258064516129", 5758),
        ("0", 0),
    ],
)
def test_round_half_up(value: str, rounded: int) -> None:
    assert round_half_up(Decimal(value)) == rounded


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "text"),
    [
        (10500, "PLN", "pl_PL", "105,00\xa0zł"),
        (-123450, "PLN", "pl_PL", "-1\xa0234,50\xa0zł"),
        (9499, "EUR", "de_DE", "94,99\xa0€"),
        (9499, "USD", "en_US", "$94.99"),
        (9499, "BRL", "pt_BR", "R$\xa094,99"),
    ],
)
def test_format_money(minor: int, currency: str, locale: str, text: str) -> None:
    assert format_money(minor, currency, locale) == text


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_format_then_parse_round_trips(minor: int) -> None:
    assert parse_amount(format_amount(minor), field="x", allow_negative=True) == minor
    assert to_decimal(minor) * MINOR_PER_MAJOR == minor


@given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(min_value=1, max_value=31))
def test_round_half_up_is_symmetric(numerator: int, denominator: int) -> None:
    value = Decimal(numerator) / denominator
    assert round_half_up(-value) == -round_half_up(value)
    assert abs(round_half_up(value) - value) <= Decimal("0.5")
