from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rota.core.errors import FieldError, InvalidInput
from rota.core.periods import DateRange, Month, add_months

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@pytest.mark.parametrize(
    ("start", "n", "result"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 31), 2, date(2026, 3, 31)),
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 1, 31), 12, date(2027, 1, 31)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 24, date(2026, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 2, 29), 1, date(2024, 3, 29)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 3, 31), -13, date(2025, 2, 28)),
        (date(2026, 5, 31), 1, date(2026, 6, 30)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 1, 15), 3, date(2026, 4, 15)),
        (date(2026, 1, 15), 0, date(2026, 1, 15)),
        (date(2026, 1, 1), -1, date(2025, 12, 1)),
    ],
)
def test_add_months_clamps_from_the_original_day(start: date, n: int, result: date) -> None:
    assert add_months(start, n) == result


@given(DAYS, st.integers(min_value=-600, max_value=600))
def test_add_months_lands_in_the_right_calendar_month(start: date, n: int) -> None:
    result = add_months(start, n)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == n
    assert result.day == min(start.day, Month.of(result).days)


@pytest.mark.parametrize(
    ("text", "month"),
    [("2026-04", Month(2026, 4)), ("2026-12", Month(2026, 12)), (" 0001-01 ", Month(1, 1))],
)
def test_month_parse(text: str, month: Month) -> None:
    assert Month.parse(text) == month


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2026-4", "26-04", "2026/04", "abc", "", "0000-01", "2026-04-01"]
)
def test_month_parse_rejects_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Month.parse(text, field="billing_period")
    assert caught.value.errors == [
        FieldError("billing_period", "must be a month in the form YYYY-MM, such as 2026-04")
    ]


def test_month_parse_field_defaults_to_period() -> None:
    with pytest.raises(InvalidInput) as caught:
        Month.parse("2026-13")
    assert caught.value.errors[0].field == "period"


@pytest.mark.parametrize(("year", "month"), [(2026, 0), (2026, 13), (0, 1), (10000, 1)])
def test_month_rejects_impossible_values(year: int, month: int) -> None:
    with pytest.raises(ValueError, match="not a calendar month"):
        Month(year, month)


@pytest.mark.parametrize(
    ("month", "start", "end", "days"),
    [
        (Month(2026, 1), date(2026, 1, 1), date(2026, 2, 1), 31),
        (Month(2026, 2), date(2026, 2, 1), date(2026, 3, 1), 28),
        (Month(2024, 2), date(2024, 2, 1), date(2024, 3, 1), 29),
        (Month(2026, 4), date(2026, 4, 1), date(2026, 5, 1), 30),
        (Month(2026, 12), date(2026, 12, 1), date(2027, 1, 1), 31),
    ],
)
def test_month_bounds(month: Month, start: date, end: date, days: int) -> None:
    assert (month.start, month.end, month.days) == (start, end, days)
    assert month.range == DateRange(start, end)
    assert month.range.days == days


def test_month_navigation_order_and_text() -> None:
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2027, 1).previous() == Month(2026, 12)
    assert Month(2026, 4).next().previous() == Month(2026, 4)
    assert Month.of(date(2026, 4, 30)) == Month(2026, 4)
    assert str(Month(2026, 4)) == "2026-04"
    assert str(Month(987, 1)) == "0987-01"
    assert sorted([Month(2026, 1), Month(2025, 12), Month(2026, 10)]) == [
        Month(2025, 12),
        Month(2026, 1),
        Month(2026, 10),
    ]


@given(DAYS)
def test_month_of_contains_the_day(day: date) -> None:
    month = Month.of(day)
    assert day in month.range
    assert Month.parse(str(month)) == month
    assert month.next().start == month.end


def test_date_range_basics() -> None:
    april = DateRange.from_inclusive(date(2026, 4, 1), date(2026, 4, 30))
    assert april == DateRange(date(2026, 4, 1), date(2026, 5, 1))
    assert april.days == 30
    assert april.last_day == date(2026, 4, 30)
    assert not april.is_empty
    assert date(2026, 4, 1) in april
    assert date(2026, 4, 30) in april
    assert date(2026, 5, 1) not in april
    assert date(2026, 3, 31) not in april
    assert "2026-04-02" not in april


def test_date_range_empty_and_invalid() -> None:
    empty = DateRange(date(2026, 4, 1), date(2026, 4, 1))
    assert empty.is_empty
    assert empty.days == 0
    assert date(2026, 4, 1) not in empty
    assert DateRange.from_inclusive(date(2026, 4, 1), date(2026, 3, 31)) == empty
    with pytest.raises(ValueError, match="no last day"):
        _ = empty.last_day
    with pytest.raises(ValueError, match="before it starts"):
        DateRange(date(2026, 4, 2), date(2026, 4, 1))


@pytest.mark.parametrize(
    ("a", "b", "result"),
    [
        ((1, 15), (10, 20), (10, 15)),
        ((1, 30), (5, 6), (5, 6)),
        ((1, 10), (10, 20), None),
        ((1, 10), (15, 20), None),
        ((5, 5), (1, 10), None),
    ],
)
def test_date_range_intersect(
    a: tuple[int, int], b: tuple[int, int], result: tuple[int, int] | None
) -> None:
    def april(days: tuple[int, int]) -> DateRange:
        return DateRange(date(2026, 4, days[0]), date(2026, 4, days[1]))

    expected = april(result) if result else None
    assert april(a).intersect(april(b)) == expected
    assert april(b).intersect(april(a)) == expected


@given(DAYS, st.integers(0, 100), DAYS, st.integers(0, 100))
def test_intersection_holds_exactly_the_common_days(
    a_start: date, a_days: int, b_start: date, b_days: int
) -> None:
    a = DateRange(a_start, a_start + timedelta(days=a_days))
    b = DateRange(b_start, b_start + timedelta(days=b_days))
    both = a.intersect(b)
    common = {a_start + timedelta(days=i) for i in range(a_days)} & {
        b_start + timedelta(days=i) for i in range(b_days)
    }
    assert (both.days if both else 0) == len(common)
    assert all(day in both for day in common) if both else not common


@given(
    d=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    n=st.integers(min_value=-600, max_value=600),
)
def test_add_months_equals_relativedelta(d: date, n: int) -> None:
    from dateutil.relativedelta import relativedelta

    assert add_months(d, n) == d + relativedelta(months=n)
