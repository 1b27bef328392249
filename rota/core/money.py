"""Money as integer minor units: parse, round and format amounts without floats."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency

from rota.core.errors import InvalidInput

MINOR_PER_MAJOR = 100
MAX_MINOR = 10**12

_DECIMAL_TEXT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?", re.ASCII)


def parse_amount(value: str | int | Decimal, *, field: str, allow_negative: bool = False) -> int:
    """Return `value` (major units, e.g. "94.99") as integer minor units (9499).

    Strings must be plain decimals with a dot; ints count major units. Raise InvalidInput
    naming `field` for anything else.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidInput.single(field, "must be a decimal string")
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_TEXT.fullmatch(text):
            raise InvalidInput.single(field, "must be a decimal number such as 94.99")
        number = Decimal(text)
    else:
        number = Decimal(value)
    if not number.is_finite():
        raise InvalidInput.single(field, "must be a decimal number such as 94.99")
    if _has_more_than_two_places(number):
        raise InvalidInput.single(field, "must have at most 2 decimal places")
    if number < 0 and not allow_negative:
        raise InvalidInput.single(field, "must not be negative")
    # Compare exactly before scaling, so a huge exponent never reaches Decimal arithmetic.
    if number.copy_abs() > MAX_MINOR // MINOR_PER_MAJOR:
        raise InvalidInput.single(field, "is too large")
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    coefficient = int("".join(map(str, digits)))
    shift = exponent + 2
    minor: int = coefficient * 10**shift if shift >= 0 else coefficient // 10**-shift
    return -minor if sign else minor


def _has_more_than_two_places(number: Decimal) -> bool:
    """Tell whether a finite decimal has a non-zero digit after the second decimal place."""
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    extra = -exponent - 2
    if extra <= 0:
        return False
    return any(digits[max(0, len(digits) - extra) :])


def format_amount(minor: int) -> str:
    """Return minor units as a plain decimal string: 9499 -> "94.99", -5 -> "-0.05"."""
    major, cents = divmod(abs(minor), MINOR_PER_MAJOR)
    sign = "-" if minor < 0 else ""
    return f"{sign}{major}.{cents:02d}"


def to_decimal(minor: int) -> Decimal:
    """Return minor units as an exact Decimal of major units: 9499 -> Decimal("94.99")."""
    return Decimal(format_amount(minor))


def round_half_up(value: Decimal) -> int:
    """Round a Decimal count of minor units to an int, halves away from zero."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def format_money(minor: int, currency: str, locale: str) -> str:
    """Format minor units for people, e.g. (10500, "PLN", "pl_PL") -> "105,00 zł"."""
    return format_currency(to_decimal(minor), currency, locale=locale)
