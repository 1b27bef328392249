"""The billing engine against billing-rules.md, to the cent (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from itertools import count

from hypothesis import given, settings
from hypothesis import strategies as st

from rota.billing.engine import (
    ADDON,
    CREDIT,
    FEE,
    SERVICE,
    AddOnFacts,
    BilledLine,
    NewLine,
    PlanFacts,
    SubscriptionFacts,
    lines_for,
)
from rota.billing.pricing import Phase
from rota.core.periods import DateRange, Month

FOUR_BUSINESS = PlanFacts(
    valid_from=date(2026, 1, 15),
    contract_start=date(2026, 1, 15),
    term_months=24,
    phases=(Phase(0, 10500), Phase(3, 9499)),
    prices_include_tax=False,
    tax_rate=Decimal("0.23"),
    name="4Business",
)
SUB = SubscriptionFacts(
    id=1,
    start=date(2026, 1, 15),
    end=None,
    bill_from=date(2026, 1, 15),
    plans=(FOUR_BUSINESS,),
)


def run(
    facts: SubscriptionFacts, months: list[str]
) -> tuple[SubscriptionFacts, dict[str, list[NewLine]]]:
    """Bill month after month, feeding each run's lines back as already billed."""
    ids = count(1)
    billed = list(facts.billed)
    fee_billed = facts.fee_billed
    out: dict[str, list[NewLine]] = {}
    for text in months:
        facts = replace(facts, billed=tuple(billed), fee_billed=fee_billed)
        new = lines_for(facts, Month.parse(text))
        out[text] = new
        for line in new:
            if line.kind == CREDIT:
                billed = [
                    replace(b, credited=(*b.credited, line.covers))
                    if b.id == line.credits_line_id and line.covers
                    else b
                    for b in billed
                ]
            elif line.kind == FEE:
                fee_billed = True
            else:
                assert line.covers is not None
                billed.append(
                    BilledLine(next(ids), line.kind, line.addon_id, line.covers, line.amount_minor)
                )
    return replace(facts, billed=tuple(billed), fee_billed=fee_billed), out


def amounts(lines: list[NewLine]) -> list[tuple[str, int, int, int]]:
    return [(line.kind, line.amount_minor, line.tax_minor, line.gross_minor) for line in lines]


def test_worked_example_to_the_cent() -> None:
    _, out = run(SUB, ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"])
    assert amounts(out["2026-01"]) == [(SERVICE, 5758, 1324, 7082)]
    assert out["2026-01"][0].covers == DateRange(date(2026, 1, 15), date(2026, 2, 1))
    assert amounts(out["2026-02"]) == [(SERVICE, 10500, 2415, 12915)]
    assert amounts(out["2026-03"]) == [(SERVICE, 10500, 2415, 12915)]
    april = out["2026-04"]
    assert amounts(april) == [(SERVICE, 4900, 1127, 6027), (SERVICE, 5066, 1165, 6231)]
    assert [(line.covers, line.monthly_price_minor) for line in april] == [
        (DateRange(date(2026, 4, 1), date(2026, 4, 15)), 10500),
        (DateRange(date(2026, 4, 15), date(2026, 5, 1)), 9499),
    ]
    assert sum(line.net_minor for line in april) == 9966
    assert sum(line.tax_minor for line in april) == 2292
    assert sum(line.gross_minor for line in april) == 12258
    assert amounts(out["2026-05"]) == [(SERVICE, 9499, 2185, 11684)]


def test_back_dated_cancellation_credits_april_and_may_and_adds_the_fee() -> None:
    plan = replace(
        FOUR_BUSINESS, early_termination_rule="fixed", early_termination_amount_minor=30000
    )
    billed, _ = run(
        replace(SUB, plans=(plan,)), ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    )
    cancelled = replace(billed, end=date(2026, 4, 19))
    _, out = run(cancelled, ["2026-06", "2026-07"])
    june = out["2026-06"]
    assert [(line.kind, line.amount_minor, line.covers) for line in june] == [
        (CREDIT, -3483, DateRange(date(2026, 4, 20), date(2026, 5, 1))),
        (CREDIT, -9499, DateRange(date(2026, 5, 1), date(2026, 6, 1))),
        (FEE, 30000, None),
    ]
    assert out["2026-07"] == []


def test_rerunning_a_period_adds_nothing() -> None:
    billed, _ = run(SUB, ["2026-01", "2026-02"])
    assert lines_for(billed, Month.parse("2026-02")) == []


def test_back_dated_start_is_caught_up() -> None:
    late = replace(SUB, start=date(2026, 2, 20), bill_from=date(2026, 2, 20), plans=(
        replace(FOUR_BUSINESS, valid_from=date(2026, 2, 20), contract_start=date(2026, 2, 20)),
    ))  # fmt: skip
    lines = lines_for(late, Month.parse("2026-03"))
    # 20-28 Feb (9 of 28 days) caught up, then all of March.
    assert [(line.covers, line.amount_minor) for line in lines] == [
        (DateRange(date(2026, 2, 20), date(2026, 3, 1)), 3375),
        (DateRange(date(2026, 3, 1), date(2026, 4, 1)), 10500),
    ]


def test_suspension_and_gross_priced_household_offer() -> None:
    speedster = PlanFacts(
        valid_from=date(2026, 1, 1),
        contract_start=date(2026, 1, 1),
        term_months=0,
        phases=(Phase(0, 8000),),
        prices_include_tax=True,
        tax_rate=Decimal("0.23"),
        name="Speedster",
    )
    home = SubscriptionFacts(
        id=2,
        start=date(2026, 1, 1),
        end=None,
        bill_from=date(2026, 1, 1),
        plans=(speedster,),
        suspensions=((date(2026, 3, 10), date(2026, 3, 19)),),
    )
    march = lines_for(home, Month.parse("2026-03"))
    # 1 Jan - 9 Mar ... only March is billed here: 9 days + 12 days at 80.00 gross.
    march = [line for line in march if line.covers and line.covers.start.month == 3]
    assert [(line.covers, line.amount_minor, line.net_minor, line.tax_minor) for line in march] == [
        (DateRange(date(2026, 3, 1), date(2026, 3, 10)), 2323, 1889, 434),
        (DateRange(date(2026, 3, 20), date(2026, 4, 1)), 3097, 2518, 579),
    ]


def test_add_on_attached_mid_month() -> None:
    with_ip = replace(SUB, addons=(AddOnFacts(7, "Static IP", date(2026, 2, 10), None, 1500),))
    feb = lines_for(with_ip, Month.parse("2026-02"))
    assert [(line.kind, line.covers, line.amount_minor) for line in feb if line.kind == ADDON] == [
        (ADDON, DateRange(date(2026, 2, 10), date(2026, 3, 1)), 1018)
    ]


@settings(max_examples=80, deadline=None)
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 12, 31)),
    cancel_after=st.integers(min_value=0, max_value=700),
    billed_before=st.integers(min_value=0, max_value=18),
)
def test_after_back_dated_cancellation_exactly_the_service_days_stay_billed(
    start: date, cancel_after: int, billed_before: int
) -> None:
    """Whatever was billed before a back-dated end, credits leave exactly the service days."""
    plan = replace(FOUR_BUSINESS, valid_from=start, contract_start=start, term_months=0)
    facts = replace(SUB, start=start, bill_from=start, plans=(plan,))
    months = [Month.of(start)]
    while len(months) < 20:
        months.append(months[-1].next())
    first, _ = run(facts, [str(m) for m in months[: billed_before + 1]])
    end = date.fromordinal(start.toordinal() + cancel_after)
    after, _ = run(replace(first, end=end), [str(m) for m in months[billed_before + 1 :]])
    net_days = sum(
        b.covers.days - sum(c.days for c in b.credited) for b in after.billed if b.kind == SERVICE
    )
    last_day = min(end, date.fromordinal(months[-1].end.toordinal() - 1))
    assert net_days == (last_day - start).days + 1
