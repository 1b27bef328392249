"""The offer-launch business case: exact values, computed by hand where they are small."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, localcontext

import pytest

from rota.core.errors import InvalidInput
from rota.planning.business_case import (
    Assumptions,
    MonthRow,
    OfferAssumption,
    Phase,
    Sensitivity,
    project,
    sensitivity,
    validate,
)

# One offer: 100.00 in the subscriber's first month, 80.00 from the second; 10 then 20
# adds; 10% monthly churn; acquisition 50.00, variable 5.00, launch 1000.00, fixed 100.00
# a month; two months; 12% a year.
FIBRE = OfferAssumption(
    label="FIBRE",
    phases=(Phase(0, 10000), Phase(1, 8000)),
    gross_adds=(10, 20),
    churn=Decimal("0.10"),
)
HAND = Assumptions(
    offers=(FIBRE,),
    horizon=2,
    acquisition_cost_minor=5000,
    variable_cost_minor=500,
    launch_cost_minor=100000,
    fixed_cost_minor=10000,
    discount_rate=Decimal("0.12"),
)


def offer(
    price: int = 1000,
    adds: tuple[int, ...] = (1,),
    churn: str = "0",
    phases: tuple[Phase, ...] | None = None,
) -> OfferAssumption:
    return OfferAssumption("X", phases or (Phase(0, price),), adds, Decimal(churn))


def test_two_months_by_hand() -> None:
    # Month 0: the launch cost only.
    #   costs 1000.00, net -1000.00, cumulative -1000.00
    # Month 1: cohort 1 (10 adds) at age 0, weight 1, price 100.00.
    #   subscribers 10; revenue 10 x 100.00 = 1000.00
    #   costs 10 x 50.00 + 10 x 5.00 + 100.00 = 500.00 + 50.00 + 100.00 = 650.00
    #   net 350.00, cumulative -650.00
    # Month 2: cohort 1 at age 1, weight 0.9 -> 9 at 80.00; cohort 2 (20 adds) at age 0.
    #   subscribers 9 + 20 = 29; revenue 9 x 80.00 + 20 x 100.00 = 720.00 + 2000.00 = 2720.00
    #   costs 20 x 50.00 + 29 x 5.00 + 100.00 = 1000.00 + 145.00 + 100.00 = 1245.00
    #   net 1475.00, cumulative 825.00 -> break-even in month 2
    # NPV at 12% a year: monthly factor 1.12^(1/12) = 1.00948879293458...
    #   -1000.00 + 350.00 / 1.00948879293458 + 1475.00 / 1.01906762306052
    #   = -1000.00 + 346.7101392800 + 1447.4014938971 = 794.1116331771 -> 794.11
    # ARPU = 3720.00 / (10 + 29) subscriber-months = 95.3846... -> 95.38
    # LTV = (95.38 - 5.00) / 0.10 = 903.80
    # CAC payback = 50.00 / (95.38 - 5.00) = 0.553... -> 0.6 months
    result = project(HAND)

    assert result.rows == (
        MonthRow(0, Decimal("0.00"), 0, 0, 100000, -100000, -100000),
        MonthRow(1, Decimal("10.00"), 10, 100000, 65000, 35000, -65000),
        MonthRow(2, Decimal("29.00"), 20, 272000, 124500, 147500, 82500),
    )
    assert result.break_even_month == 2
    assert result.npv_minor == 79411
    assert result.arpu_minor == 9538
    assert result.ltv_minor == 90380
    assert result.cac_payback_months == Decimal("0.6")
    assert result.total_revenue_minor == 372000
    assert result.total_costs_minor == 289500


def test_no_break_even_inside_the_horizon() -> None:
    # The hand case stopped after month 1: cumulative -650.00.
    result = project(replace(HAND, horizon=1))

    assert result.break_even_month is None
    assert result.rows[-1].cumulative_minor == -65000
    # -1000.00 + 350.00 / 1.00948879293458 = -653.2898607 -> -653.29
    assert result.npv_minor == -65329


def test_break_even_is_never_month_zero() -> None:
    # Nothing to launch: the cumulative cash is 0 in month 0, the first month counted is 1.
    result = project(Assumptions(offers=(offer(),), horizon=2))

    assert result.rows[0].cumulative_minor == 0
    assert result.break_even_month == 1


def test_no_churn_means_no_ltv() -> None:
    # 4 adds every month at 50.00, nobody leaves: 4, 8, 12 subscribers (24 subscriber-months),
    # revenue 200.00 + 400.00 + 600.00 = 1200.00, ARPU 50.00; margin 50.00 - 10.00 = 40.00;
    # CAC payback 120.00 / 40.00 = 3.0 months.
    a = Assumptions(
        offers=(offer(price=5000, adds=(4,)),),
        horizon=3,
        acquisition_cost_minor=12000,
        variable_cost_minor=1000,
    )
    result = project(a)

    assert [row.subscribers for row in result.rows] == [Decimal(n) for n in ("0", "4", "8", "12")]
    assert result.arpu_minor == 5000
    assert result.ltv_minor is None
    assert result.cac_payback_months == Decimal("3.0")


def test_no_margin_means_no_cac_payback() -> None:
    a = Assumptions(offers=(offer(price=1000, churn="0.02"),), horizon=3, variable_cost_minor=1000)
    result = project(a)

    assert result.arpu_minor == 1000
    assert result.cac_payback_months is None
    assert result.ltv_minor == 0


def test_constant_adds_with_churn() -> None:
    # 5 adds every month, 20% churn: 5; 5 + 4 = 9; 5 + 4 + 3.2 = 12.2 subscribers.
    # Variable cost 3.33 a subscriber: 16.65, 29.97, 40.626 -> 40.63 (rounded per month).
    a = Assumptions(offers=(offer(adds=(5,), churn="0.2"),), horizon=3, variable_cost_minor=333)
    rows = project(a).rows

    assert [row.gross_adds for row in rows] == [0, 5, 5, 5]
    assert [row.subscribers for row in rows] == [Decimal(n) for n in ("0", "5", "9", "12.2")]
    assert [row.revenue_minor for row in rows] == [0, 5000, 9000, 12200]
    assert [row.costs_minor for row in rows] == [0, 1665, 2997, 4063]


def test_short_adds_repeat_their_last_value_and_long_ones_are_cut() -> None:
    short = project(Assumptions(offers=(offer(adds=(1, 2)),), horizon=4))
    long = project(Assumptions(offers=(offer(adds=(3, 4, 5, 6)),), horizon=2))

    assert [row.gross_adds for row in short.rows] == [0, 1, 2, 2, 2]
    assert [row.gross_adds for row in long.rows] == [0, 3, 4]


def test_one_cohort_walks_through_the_phases_by_age() -> None:
    # 10 subscribers added in month 1 only: 50.00 at ages 0-1, 40.00 at age 2, 30.00 after.
    phases = (Phase(0, 5000), Phase(2, 4000), Phase(3, 3000))
    rows = project(Assumptions(offers=(offer(adds=(10, 0), phases=phases),), horizon=5)).rows

    assert [row.revenue_minor for row in rows] == [0, 50000, 50000, 40000, 30000, 30000]


def test_each_cohort_pays_the_price_of_its_own_age() -> None:
    # One add a month, 10.00 in the first month and 5.00 after: month 3 has one subscriber
    # at age 0 (10.00) and two older ones (5.00 each).
    phases = (Phase(0, 1000), Phase(1, 500))
    rows = project(Assumptions(offers=(offer(phases=phases),), horizon=3)).rows

    assert [row.revenue_minor for row in rows] == [0, 1000, 1500, 2000]


def test_revenue_rounds_half_up_once_a_month() -> None:
    # One subscriber at 10.01, 50% churn: half a subscriber in month 2 pays 5.005 -> 5.01.
    rows = project(
        Assumptions(offers=(offer(price=1001, adds=(1, 0), churn="0.5"),), horizon=2)
    ).rows

    assert [row.subscribers for row in rows] == [Decimal("0"), Decimal("1"), Decimal("0.5")]
    assert [row.revenue_minor for row in rows] == [0, 1001, 501]


def test_ltv_uses_the_churn_weighted_by_adds() -> None:
    # A: 30 adds a month at 10.00, 1% churn; B: 10 a month at 20.00, 5% churn; two months.
    # Weighted churn (0.01 x 60 + 0.05 x 20) / 80 = 0.02.
    # Subscribers 40, then 30 + 29.7 + 10 + 9.5 = 79.2; revenue 500.00, then 597.00 + 390.00.
    # ARPU 1487.00 / 119.2 = 12.4748... -> 12.47; LTV 12.47 / 0.02 = 623.50.
    a = Assumptions(
        offers=(
            OfferAssumption("A", (Phase(0, 1000),), (30,), Decimal("0.01")),
            OfferAssumption("B", (Phase(0, 2000),), (10,), Decimal("0.05")),
        ),
        horizon=2,
    )
    result = project(a)

    assert [row.subscribers for row in result.rows] == [Decimal(0), Decimal(40), Decimal("79.2")]
    assert [row.revenue_minor for row in result.rows] == [0, 50000, 98700]
    assert result.arpu_minor == 1247
    assert result.ltv_minor == 62350


def test_nobody_added() -> None:
    result = project(Assumptions(offers=(offer(adds=(0,), churn="0.02"),), horizon=2))

    assert result.arpu_minor == 0
    assert result.ltv_minor == 0
    assert result.cac_payback_months is None
    assert result.break_even_month == 1


def test_results_do_not_depend_on_the_callers_decimal_context() -> None:
    expected = project(HAND)
    with localcontext() as context:
        context.prec = 5
        assert project(HAND) == expected


def test_sensitivity_order_and_values() -> None:
    table = sensitivity(HAND)

    assert [row.label for row in table] == [
        "base",
        "take-up −20%",
        "take-up +20%",
        "churn −20%",
        "churn +20%",
        "price −20%",
        "price +20%",
    ]
    assert table[0] == Sensitivity("base", 79411, 2, 82500)
    # Price +20%: 120.00 then 96.00.
    #   Month 1: revenue 10 x 120.00 = 1200.00, costs 650.00, net 550.00
    #   Month 2: revenue 9 x 96.00 + 20 x 120.00 = 3264.00, costs 1245.00, net 2019.00
    #   Cumulative -1000.00 + 550.00 + 2019.00 = 1569.00
    #   NPV -1000.00 + 550.00 / 1.00948879293458 + 2019.00 / 1.01906762306052 = 1526.05
    assert table[6] == Sensitivity("price +20%", 152605, 2, 156900)
    # Take-up -20%: 8 then 16 adds (adds stay fractional in general).
    #   Month 1: revenue 800.00, costs 400.00 + 40.00 + 100.00 = 540.00, net 260.00
    #   Month 2: 7.2 + 16 = 23.2 subscribers; revenue 7.2 x 80.00 + 16 x 100.00 = 2176.00;
    #   costs 800.00 + 116.00 + 100.00 = 1016.00; net 1160.00; cumulative 420.00
    #   NPV -1000.00 + 260.00 / 1.00948879293458 + 1160.00 / 1.01906762306052 = 395.85
    assert table[1] == Sensitivity("take-up −20%", 39585, 2, 42000)
    # Churn +20% (12%): month 2 keeps 8.8 of cohort 1: 8.8 x 80.00 + 2000.00 = 2704.00,
    # costs 1000.00 + 144.00 + 100.00 = 1244.00, net 1460.00, cumulative 810.00.
    assert table[4].cumulative_minor == 81000


def test_churn_variant_is_capped_at_everyone_leaving() -> None:
    # 90% churn + 20% would be 108%: capped at 100%, nobody stays past the first month.
    a = Assumptions(offers=(offer(adds=(1, 0), churn="0.9"),), horizon=3)
    churn_up = sensitivity(a)[4]

    assert churn_up.label == "churn +20%"
    assert churn_up.cumulative_minor == 1000


def test_valid_assumptions_pass() -> None:
    validate(HAND)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"horizon": 0}, "horizon"),
        ({"horizon": 121}, "horizon"),
        ({"discount_rate": Decimal("-0.01")}, "discount_rate"),
        ({"discount_rate": Decimal("1.01")}, "discount_rate"),
        ({"discount_rate": Decimal("NaN")}, "discount_rate"),
        ({"acquisition_cost_minor": -1}, "acquisition_cost"),
        ({"variable_cost_minor": -1}, "variable_cost"),
        ({"launch_cost_minor": -1}, "launch_cost"),
        ({"fixed_cost_minor": -1}, "fixed_cost"),
        ({"offers": ()}, "offers"),
    ],
)
def test_validate_refuses_a_bad_assumption(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate(replace(HAND, **change))  # type: ignore[arg-type]

    assert [e.field for e in caught.value.errors] == [field]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"churn": Decimal("-0.01")}, "offers[1].churn"),
        ({"churn": Decimal(1)}, "offers[1].churn"),
        ({"churn": 0.015}, "offers[1].churn"),
        ({"gross_adds": (5, -1)}, "offers[1].gross_adds"),
        ({"gross_adds": ()}, "offers[1].gross_adds"),
        ({"phases": ()}, "offers[1].phases"),
        ({"phases": (Phase(1, 1000),)}, "offers[1].phases"),
        ({"phases": (Phase(0, 1000), Phase(0, 900))}, "offers[1].phases"),
        ({"phases": (Phase(0, 1000), Phase(3, 900), Phase(2, 800))}, "offers[1].phases"),
        ({"phases": (Phase(0, -1),)}, "offers[1].phases"),
    ],
)
def test_validate_refuses_a_bad_offer(change: dict[str, object], field: str) -> None:
    bad = replace(FIBRE, **change)  # type: ignore[arg-type]

    with pytest.raises(InvalidInput) as caught:
        validate(replace(HAND, offers=(FIBRE, bad)))

    assert [e.field for e in caught.value.errors] == [field]


def test_validate_names_every_bad_field_at_once() -> None:
    bad_offer = OfferAssumption("BAD", (), (-1,), Decimal("1.5"))
    a = Assumptions(
        offers=(bad_offer,),
        horizon=0,
        acquisition_cost_minor=-1,
        variable_cost_minor=-1,
        launch_cost_minor=-1,
        fixed_cost_minor=-1,
        discount_rate=Decimal(2),
    )

    with pytest.raises(InvalidInput) as caught:
        validate(a)

    assert caught.value.status == 422
    assert [e.field for e in caught.value.errors] == [
        "horizon",
        "discount_rate",
        "acquisition_cost",
        "variable_cost",
        "launch_cost",
        "fixed_cost",
        "offers[0].churn",
        "offers[0].gross_adds",
        "offers[0].phases",
    ]


def test_project_and_sensitivity_validate_first() -> None:
    bad = replace(HAND, horizon=0)

    with pytest.raises(InvalidInput):
        project(bad)
    with pytest.raises(InvalidInput):
        sensitivity(bad)
