from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rota.billing.pricing import (
    ChargeSegment,
    LineTax,
    Phase,
    commitment_end,
    early_termination_fee,
    line_tax,
    month_index,
    price_on,
    schedule_errors,
    segment_amount,
    split_month,
)
from rota.core.money import round_half_up
from rota.core.periods import DateRange, Month, add_months

RATE = Decimal("0.23")
FOUR_BUSINESS = [Phase(0, 10500), Phase(3, 9499)]
FOUR_BUSINESS_ULTRA = [Phase(0, 11999), Phase(6, 10000)]
EXAMPLE_START = date(2026, 1, 15)


def d(text: str) -> date:
    return date.fromisoformat(text)


def segment(start: str, last_day: str, price: int, days: int, amount: int) -> ChargeSegment:
    return ChargeSegment(d(start), d(last_day) + timedelta(days=1), price, days, amount)


def service_from(start: date, last_day: date = date(2099, 12, 31)) -> list[DateRange]:
    return [DateRange.from_inclusive(start, last_day)]


# --- the worked example of billing-rules.md, to the cent ---------------------------------


@pytest.mark.parametrize(
    ("period", "segments", "taxes"),
    [
        (
            "2026-01",
            [segment("2026-01-15", "2026-01-31", 10500, 17, 5758)],
            [LineTax(5758, 1324, 7082)],
        ),
        (
            "2026-02",
            [segment("2026-02-01", "2026-02-28", 10500, 28, 10500)],
            [LineTax(10500, 2415, 12915)],
        ),
        (
            "2026-03",
            [segment("2026-03-01", "2026-03-31", 10500, 31, 10500)],
            [LineTax(10500, 2415, 12915)],
        ),
        (
            "2026-04",
            [
                segment("2026-04-01", "2026-04-14", 10500, 14, 4900),
                segment("2026-04-15", "2026-04-30", 9499, 16, 5066),
            ],
            [LineTax(4900, 1127, 6027), LineTax(5066, 1165, 6231)],
        ),
        (
            "2026-05",
            [segment("2026-05-01", "2026-05-31", 9499, 31, 9499)],
            [LineTax(9499, 2185, 11684)],
        ),
        (
            "2027-12",
            [segment("2027-12-01", "2027-12-31", 9499, 31, 9499)],
            [LineTax(9499, 2185, 11684)],
        ),
    ],
)
def test_worked_example(period: str, segments: list[ChargeSegment], taxes: list[LineTax]) -> None:
    result = split_month(
        Month.parse(period), service_from(EXAMPLE_START), FOUR_BUSINESS, EXAMPLE_START
    )
    assert result == segments
    assert [line_tax(s.amount_minor, RATE, prices_include_tax=False) for s in result] == taxes


def test_worked_example_april_invoice_totals() -> None:
    april = split_month(Month(2026, 4), service_from(EXAMPLE_START), FOUR_BUSINESS, EXAMPLE_START)
    taxes = [line_tax(s.amount_minor, RATE, prices_include_tax=False) for s in april]
    assert sum(t.net_minor for t in taxes) == 9966
    assert sum(t.tax_minor for t in taxes) == 2292
    assert sum(t.gross_minor for t in taxes) == 12258
    assert [(s.start, s.last_day) for s in april] == [
        (d("2026-04-01"), d("2026-04-14")),
        (d("2026-04-15"), d("2026-04-30")),
    ]


def test_worked_example_back_dated_cancellation_credits() -> None:
    before = service_from(EXAMPLE_START)
    after = service_from(EXAMPLE_START, last_day=d("2026-04-19"))
    billed = split_month(Month(2026, 4), before, FOUR_BUSINESS, EXAMPLE_START)[1]
    still_served = after[0].intersect(DateRange(billed.start, billed.end))
    assert still_served == DateRange.from_inclusive(d("2026-04-15"), d("2026-04-19"))
    removed_days = billed.days - still_served.days
    assert removed_days == 11
    credit = -round_half_up(Decimal(billed.amount_minor) * removed_days / billed.days)
    assert credit == -3483
    assert -segment_amount(billed.amount_minor, removed_days, billed.days) == credit
    assert line_tax(credit, RATE, prices_include_tax=False) == LineTax(-3483, -801, -4284)
    may = split_month(Month(2026, 5), before, FOUR_BUSINESS, EXAMPLE_START)[0]
    assert -segment_amount(may.amount_minor, may.days, may.days) == -9499
    assert split_month(Month(2026, 5), after, FOUR_BUSINESS, EXAMPLE_START) == []


def test_worked_example_commitment_end() -> None:
    assert commitment_end(EXAMPLE_START, 24) == d("2028-01-14")


# --- more tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "segments"),
    [
        ("2026-01", [segment("2026-01-31", "2026-01-31", 10000, 1, 323)]),
        (
            "2026-02",
            [
                segment("2026-02-01", "2026-02-27", 10000, 27, 9643),
                segment("2026-02-28", "2026-02-28", 5000, 1, 179),
            ],
        ),
        ("2026-03", [segment("2026-03-01", "2026-03-31", 5000, 31, 5000)]),
    ],
)
def test_phase_change_on_a_clamped_day(period: str, segments: list[ChargeSegment]) -> None:
    start = d("2026-01-31")
    phases = [Phase(0, 10000), Phase(1, 5000)]
    assert split_month(Month.parse(period), service_from(start), phases, start) == segments


@pytest.mark.parametrize(
    ("period", "segments"),
    [
        ("2026-03", [segment("2026-03-10", "2026-03-31", 11999, 22, 8515)]),
        ("2026-08", [segment("2026-08-01", "2026-08-31", 11999, 31, 11999)]),
        (
            "2026-09",
            [
                segment("2026-09-01", "2026-09-09", 11999, 9, 3600),
                segment("2026-09-10", "2026-09-30", 10000, 21, 7000),
            ],
        ),
        ("2026-10", [segment("2026-10-01", "2026-10-31", 10000, 31, 10000)]),
    ],
)
def test_four_business_ultra(period: str, segments: list[ChargeSegment]) -> None:
    start = d("2026-03-10")
    result = split_month(Month.parse(period), service_from(start), FOUR_BUSINESS_ULTRA, start)
    assert result == segments


def test_suspension_leaves_two_segments_in_one_month() -> None:
    suspended = DateRange.from_inclusive(d("2026-05-05"), d("2026-05-19"))
    service = [
        DateRange(suspended.end, d("2030-01-01")),
        DateRange(EXAMPLE_START, suspended.start),
    ]
    assert split_month(Month(2026, 5), service, FOUR_BUSINESS, EXAMPLE_START) == [
        segment("2026-05-01", "2026-05-04", 9499, 4, 1226),
        segment("2026-05-20", "2026-05-31", 9499, 12, 3677),
    ]


def test_suspension_across_a_phase_change() -> None:
    service = [
        DateRange.from_inclusive(EXAMPLE_START, d("2026-04-09")),
        DateRange.from_inclusive(d("2026-04-21"), d("2026-04-25")),
    ]
    assert split_month(Month(2026, 4), service, FOUR_BUSINESS, EXAMPLE_START) == [
        segment("2026-04-01", "2026-04-09", 10500, 9, 3150),
        segment("2026-04-21", "2026-04-25", 9499, 5, 1583),
    ]


def test_touching_service_ranges_merge_into_one_segment() -> None:
    service = [
        DateRange(d("2026-04-10"), d("2026-05-01")),
        DateRange(EXAMPLE_START, d("2026-04-10")),
    ]
    assert split_month(Month(2026, 5), service, FOUR_BUSINESS, EXAMPLE_START) == []
    assert split_month(Month(2026, 3), service, FOUR_BUSINESS, EXAMPLE_START) == [
        segment("2026-03-01", "2026-03-31", 10500, 31, 10500)
    ]


@pytest.mark.parametrize(
    ("period", "segments"),
    [
        ("2026-04", [segment("2026-04-01", "2026-04-30", 5000, 30, 5000)]),
        (
            "2026-07",
            [
                segment("2026-07-01", "2026-07-14", 5000, 14, 2258),
                segment("2026-07-15", "2026-07-31", 4000, 17, 2194),
            ],
        ),
    ],
)
def test_equal_priced_phases_do_not_split(period: str, segments: list[ChargeSegment]) -> None:
    phases = [Phase(0, 5000), Phase(3, 5000), Phase(6, 4000)]
    result = split_month(Month.parse(period), service_from(EXAMPLE_START), phases, EXAMPLE_START)
    assert result == segments


def test_free_phase_gives_zero_amount_segment() -> None:
    phases = [Phase(0, 0), Phase(1, 5000)]
    assert split_month(Month(2026, 2), service_from(EXAMPLE_START), phases, EXAMPLE_START) == [
        segment("2026-02-01", "2026-02-14", 0, 14, 0),
        segment("2026-02-15", "2026-02-28", 5000, 14, 2500),
    ]


def test_service_outside_the_month_gives_no_segment() -> None:
    service = service_from(EXAMPLE_START, d("2026-02-10"))
    assert split_month(Month(2026, 3), service, FOUR_BUSINESS, EXAMPLE_START) == []
    assert split_month(Month(2026, 3), [], FOUR_BUSINESS, EXAMPLE_START) == []


def test_split_month_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="overlap"):
        split_month(
            Month(2026, 3),
            [
                DateRange(d("2026-03-01"), d("2026-03-10")),
                DateRange(d("2026-03-09"), d("2026-04-01")),
            ],
            FOUR_BUSINESS,
            EXAMPLE_START,
        )
    with pytest.raises(ValueError, match="before the contract start"):
        split_month(Month(2026, 1), service_from(d("2026-01-10")), FOUR_BUSINESS, EXAMPLE_START)
    with pytest.raises(ValueError, match="invalid price schedule"):
        split_month(Month(2026, 3), service_from(EXAMPLE_START), [], EXAMPLE_START)


@pytest.mark.parametrize(
    ("amount", "include_tax", "expected"),
    [
        (8000, True, LineTax(6504, 1496, 8000)),
        (8000, False, LineTax(8000, 1840, 9840)),
        (-8000, True, LineTax(-6504, -1496, -8000)),
        (5758, False, LineTax(5758, 1324, 7082)),
        (-3483, False, LineTax(-3483, -801, -4284)),
        (0, True, LineTax(0, 0, 0)),
        (1, True, LineTax(1, 0, 1)),
        (2, False, LineTax(2, 0, 2)),
        (123, True, LineTax(100, 23, 123)),
    ],
)
def test_line_tax(amount: int, include_tax: bool, expected: LineTax) -> None:
    assert line_tax(amount, RATE, prices_include_tax=include_tax) == expected


def test_line_tax_other_rates() -> None:
    assert line_tax(10000, Decimal("0.08"), prices_include_tax=True) == LineTax(9259, 741, 10000)
    assert line_tax(10000, Decimal("0"), prices_include_tax=False) == LineTax(10000, 0, 10000)
    with pytest.raises(ValueError, match="tax rate"):
        line_tax(10000, Decimal("-0.1"), prices_include_tax=False)


@pytest.mark.parametrize(
    ("price", "days", "days_in_month", "amount"),
    [
        (10500, 17, 31, 5758),
        (10500, 31, 31, 10500),
        (9499, 16, 30, 5066),
        (5066, 11, 16, 3483),
        (1, 1, 2, 1),
        (1, 1, 3, 0),
        (0, 5, 30, 0),
        (10500, 0, 30, 0),
    ],
)
def test_segment_amount(price: int, days: int, days_in_month: int, amount: int) -> None:
    assert segment_amount(price, days, days_in_month) == amount


def test_segment_amount_rejects_impossible_days() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        segment_amount(10500, 32, 31)


@pytest.mark.parametrize(
    ("start", "day", "k"),
    [
        ("2026-01-31", "2026-01-31", 0),
        ("2026-01-31", "2026-02-27", 0),
        ("2026-01-31", "2026-02-28", 1),
        ("2026-01-31", "2026-03-30", 1),
        ("2026-01-31", "2026-03-31", 2),
        ("2026-01-31", "2026-04-29", 2),
        ("2026-01-31", "2026-04-30", 3),
        ("2024-01-31", "2024-02-28", 0),
        ("2024-01-31", "2024-02-29", 1),
        ("2024-02-29", "2025-02-27", 11),
        ("2024-02-29", "2025-02-28", 12),
        ("2024-02-29", "2028-02-28", 47),
        ("2024-02-29", "2028-02-29", 48),
        ("2026-01-15", "2026-04-14", 2),
        ("2026-01-15", "2026-04-15", 3),
        ("2026-01-15", "2028-01-14", 23),
        ("2026-01-15", "2028-01-15", 24),
        ("2026-01-01", "2026-12-31", 11),
    ],
)
def test_month_index(start: str, day: str, k: int) -> None:
    assert month_index(d(start), d(day)) == k


def test_month_index_rejects_a_day_before_the_start() -> None:
    with pytest.raises(ValueError, match="before the contract start"):
        month_index(d("2026-01-15"), d("2026-01-14"))


@pytest.mark.parametrize(
    ("day", "price"),
    [("2026-01-15", 10500), ("2026-04-14", 10500), ("2026-04-15", 9499), ("2030-01-01", 9499)],
)
def test_price_on(day: str, price: int) -> None:
    assert price_on(FOUR_BUSINESS, EXAMPLE_START, d(day)) == price


@pytest.mark.parametrize(
    ("phases", "errors"),
    [
        (FOUR_BUSINESS, []),
        ([Phase(0, 0)], []),
        ([], ["needs at least one price phase"]),
        ([Phase(1, 100)], ["the first phase must start at month 0"]),
        (
            [Phase(0, 100), Phase(3, 90), Phase(3, 80)],
            ["phases must be in increasing order of from_month without duplicates"],
        ),
        (
            [Phase(0, 100), Phase(6, 90), Phase(3, 80)],
            ["phases must be in increasing order of from_month without duplicates"],
        ),
        (
            [Phase(-1, 100), Phase(0, 90)],
            ["the first phase must start at month 0", "from_month must not be negative"],
        ),
        ([Phase(0, -1)], ["monthly price must not be negative"]),
    ],
)
def test_schedule_errors(phases: Sequence[Phase], errors: list[str]) -> None:
    assert schedule_errors(phases) == errors


@pytest.mark.parametrize(
    ("start", "term", "end"),
    [
        ("2026-01-15", 24, "2028-01-14"),
        ("2026-01-15", 12, "2027-01-14"),
        ("2026-01-31", 1, "2026-02-27"),
        ("2026-01-01", 12, "2026-12-31"),
        ("2024-02-29", 12, "2025-02-27"),
    ],
)
def test_commitment_end(start: str, term: int, end: str) -> None:
    assert commitment_end(d(start), term) == d(end)


def test_commitment_end_without_commitment() -> None:
    assert commitment_end(EXAMPLE_START, 0) is None
    with pytest.raises(ValueError, match="term"):
        commitment_end(EXAMPLE_START, -1)


# --- properties ----------------------------------------------------------------------------

STARTS = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
PRICES = st.integers(min_value=0, max_value=10**7)


@st.composite
def schedules(draw: st.DrawFn) -> list[Phase]:
    later = draw(st.lists(st.integers(1, 40), unique=True, max_size=5))
    months = [0, *sorted(later)]
    # A small price pool makes equal neighbouring prices common.
    pool = draw(st.lists(PRICES, min_size=1, max_size=3))
    return [Phase(m, draw(st.sampled_from(pool))) for m in months]


@st.composite
def service_ranges(draw: st.DrawFn, contract_start: date) -> list[DateRange]:
    ranges = []
    day = contract_start + timedelta(days=draw(st.integers(0, 60)))
    for gap, length in draw(
        st.lists(st.tuples(st.integers(0, 60), st.integers(0, 120)), max_size=5)
    ):
        start = day + timedelta(days=gap)
        day = start + timedelta(days=length)
        ranges.append(DateRange(start, day))
    return draw(st.permutations(ranges))


def months_between(first: date, end: date) -> list[Month]:
    months, month = [], Month.of(first)
    while month.start < end:
        months.append(month)
        month = month.next()
    return months


@given(STARTS, PRICES, st.integers(0, 36))
def test_whole_month_at_one_price_costs_that_price(start: date, price: int, later: int) -> None:
    month = Month.of(start).next()
    for _ in range(later):
        month = month.next()
    result = split_month(month, service_from(start), [Phase(0, price)], start)
    assert result == [ChargeSegment(month.start, month.end, price, month.days, price)]


@given(st.data(), STARTS, schedules(), st.integers(0, 8))
def test_segments_cover_the_service_days_in_order_at_the_right_price(
    data: st.DataObject, start: date, phases: list[Phase], months_later: int
) -> None:
    service = data.draw(service_ranges(start))
    month = Month.of(add_months(start, months_later))
    result = split_month(month, service, phases, start)
    in_service = sum(part.days for r in service if (part := r.intersect(month.range)) is not None)
    assert sum(s.days for s in result) == in_service
    for s in result:
        assert s.days == (s.end - s.start).days > 0
        assert month.start <= s.start < s.end <= month.end
        assert s.amount_minor == segment_amount(s.monthly_price_minor, s.days, month.days)
        for offset in range(s.days):
            day = s.start + timedelta(days=offset)
            assert price_on(phases, start, day) == s.monthly_price_minor
            assert any(day in r for r in service)
    for before, after in pairwise(result):
        assert before.end <= after.start
        if before.end == after.start:
            assert before.monthly_price_minor != after.monthly_price_minor


@given(STARTS, st.integers(0, 2000), st.integers(0, 2000))
def test_month_index_brackets_the_day_and_is_monotonic(start: date, a: int, b: int) -> None:
    first, second = sorted([start + timedelta(days=a), start + timedelta(days=b)])
    k = month_index(start, first)
    assert add_months(start, k) <= first < add_months(start, k + 1)
    assert month_index(start, second) >= k
    assert month_index(start, add_months(start, k)) == k


@given(st.integers(-(10**9), 10**9), st.decimals(min_value=0, max_value=1, places=4), st.booleans())
def test_net_plus_tax_is_gross(amount: int, rate: Decimal, include_tax: bool) -> None:
    tax = line_tax(amount, rate, prices_include_tax=include_tax)
    assert tax.net_minor + tax.tax_minor == tax.gross_minor
    assert (tax.gross_minor if include_tax else tax.net_minor) == amount
    assert line_tax(-amount, rate, prices_include_tax=include_tax) == LineTax(
        -tax.net_minor, -tax.tax_minor, -tax.gross_minor
    )


@given(st.data(), STARTS, schedules())
def test_months_of_a_contract_add_up_to_the_service_days(
    data: st.DataObject, start: date, phases: list[Phase]
) -> None:
    service = data.draw(service_ranges(start))
    if not service:
        return
    end = max(r.end for r in service)
    charged = sum(
        s.days
        for month in months_between(start, end)
        for s in split_month(month, service, phases, start)
    )
    assert charged == sum(r.days for r in service)


@pytest.mark.parametrize(
    ("rule", "last_day", "expected"),
    [
        ("none", date(2026, 4, 19), 0),
        ("fixed", date(2026, 4, 19), 30000),
        # 19 Apr is in contract month 3 (15 Apr - 14 May): months 3..23 remain, 21 of them.
        ("per_remaining_month", date(2026, 4, 19), 21 * 30000),
        # The last day of month 2 (14 Apr): months 3..23 remain.
        ("per_remaining_month", date(2026, 4, 14), 21 * 30000),
        ("per_remaining_month", date(2026, 4, 15), 21 * 30000),
        # Ending on the commitment's last day or later costs nothing.
        ("per_remaining_month", date(2028, 1, 14), 0),
        ("fixed", date(2028, 1, 14), 0),
        # Cancelled before the first day: the whole commitment remains.
        ("per_remaining_month", date(2026, 1, 14), 24 * 30000),
    ],
)
def test_early_termination_fee(rule: str, last_day: date, expected: int) -> None:
    fee = early_termination_fee(
        rule=rule,
        amount_minor=30000,
        contract_start=date(2026, 1, 15),
        term_months=24,
        last_day=last_day,
    )
    assert fee == expected


def test_no_commitment_no_fee() -> None:
    assert (
        early_termination_fee(
            rule="fixed",
            amount_minor=100,
            contract_start=date(2026, 1, 1),
            term_months=0,
            last_day=date(2026, 1, 5),
        )
        == 0
    )
