"""The offer-launch business case of design/planning.md: monthly cohorts, cash, NPV, LTV.

Pure calculation, no database: plain values in, plain values out. Money is integer minor
units at the edges and Decimal in between; every amount is rounded half-up once, where it
leaves the model (a month's revenue, a month's costs, the NPV, ARPU, LTV).

The model, for a horizon of H months (months 0..H):

- Month 0 carries only the launch cost: no subscribers, no revenue, no fixed cost.
- Subscribers are added in months 1..H. `gross_adds[k]` is the adds of month k + 1; a
  1-tuple is the same number every month, a shorter tuple repeats its last value, values
  past month H are ignored.
- A cohort of n subscribers added in month m is present in month t >= m with weight
  w = (1 - c)^(t - m) and pays the price of the phase in force at its age t - m. The
  month they join counts fully: in month m the cohort pays the age-0 price in full.
  A phase runs from its `from_month` (an age, 0-based) until the next phase starts; the
  last phase runs on.
- subscribers(t) = sum over m <= t of n_m * w; revenue(t) = sum of n_m * w * price(t - m),
  rounded half-up to minor units per month.
- costs(t) = acquisition * adds(t) + variable * subscribers(t), rounded half-up per
  month, + fixed (months 1..H); costs(0) = launch.
- net(t) = revenue(t) - costs(t); cumulative(t) = net(0) + ... + net(t).
- Break-even month: the first month t >= 1 with cumulative(t) >= 0, else None.
- NPV = sum over t = 0..H of net(t) / (1 + r_m)^t with r_m = (1 + annual)^(1/12) - 1,
  over the rounded monthly nets, computed in Decimal at 40 digits and rounded half-up.
- ARPU = total revenue / subscriber-months over months 1..H (unrounded subscribers),
  rounded half-up; 0 when there are no subscriber-months.
- LTV = (ARPU - variable cost) / weighted churn, rounded half-up, where the weighted
  churn is the offers' churn weighted by their gross adds over months 1..H (the plain
  mean when nobody is added); None when the weighted churn is 0.
- CAC payback = acquisition cost / (ARPU - variable cost) in months, rounded half-up to
  one decimal; None when that margin is <= 0.

The sensitivity table recomputes NPV, break-even and the cumulative cash at month H with
one assumption moved by 20%: take-up (every month's adds, kept fractional), churn (capped
at 1) or price (every phase's price, kept fractional until the monthly rounding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from itertools import pairwise

from rota.core.errors import FieldError, InvalidInput
from rota.core.money import round_half_up

MAX_HORIZON = 120
PRECISION = 40
ZERO = Decimal(0)
ONE = Decimal(1)
TWELVE = Decimal(12)
SUBSCRIBER_PLACES = Decimal("0.01")
PAYBACK_PLACES = Decimal("0.1")
DOWN = Decimal("0.8")
UP = Decimal("1.2")

BASE = "base"
TAKE_UP_DOWN = "take-up −20%"
TAKE_UP_UP = "take-up +20%"
CHURN_DOWN = "churn −20%"
CHURN_UP = "churn +20%"
PRICE_DOWN = "price −20%"
PRICE_UP = "price +20%"


@dataclass(frozen=True)
class Phase:
    """A price from the subscriber's age `from_month` (0-based) until the next phase."""

    from_month: int
    monthly_price_minor: int  # net of tax, minor units


@dataclass(frozen=True)
class OfferAssumption:
    """What one offer is expected to bring: its prices, its adds and its churn."""

    label: str  # e.g. the offer code
    phases: tuple[Phase, ...]  # sorted by from_month, the first from_month == 0
    gross_adds: tuple[int, ...]  # adds in months 1..H; shorter than H: the last value repeats
    churn: Decimal  # monthly churn as a fraction, 0 <= c < 1


@dataclass(frozen=True)
class Assumptions:
    """The inputs of a business case."""

    offers: tuple[OfferAssumption, ...]
    horizon: int = 24  # months, 1..120
    acquisition_cost_minor: int = 0  # per new subscriber, paid in the month they are added
    variable_cost_minor: int = 0  # per subscriber per month
    launch_cost_minor: int = 0  # month 0
    fixed_cost_minor: int = 0  # per month, months 1..H
    discount_rate: Decimal = Decimal("0.10")  # annual, fraction


@dataclass(frozen=True)
class MonthRow:
    """One month of the projection (month 0 is the launch)."""

    month: int  # 0..H
    subscribers: Decimal  # expected subscribers paying in the month, 2 decimals
    gross_adds: int
    revenue_minor: int
    costs_minor: int
    net_minor: int
    cumulative_minor: int


@dataclass(frozen=True)
class Projection:
    """The months of the business case and its summary figures."""

    rows: tuple[MonthRow, ...]  # months 0..H
    break_even_month: int | None  # first month >= 1 whose cumulative cash >= 0
    npv_minor: int
    arpu_minor: int  # total revenue / subscriber-months over 1..H (0 if none)
    ltv_minor: int | None  # (ARPU - variable cost) / weighted churn; None when churn is 0
    cac_payback_months: Decimal | None  # 1 decimal; None when the margin is <= 0
    total_revenue_minor: int
    total_costs_minor: int


@dataclass(frozen=True)
class Sensitivity:
    """The business case with one assumption moved."""

    label: str
    npv_minor: int
    break_even_month: int | None
    cumulative_minor: int  # cumulative cash at month H


@dataclass(frozen=True)
class _Run:
    rows: tuple[MonthRow, ...]
    subscriber_months: Decimal  # unrounded, months 1..H


def validate(a: Assumptions) -> None:
    """Raise InvalidInput with one FieldError per bad field; return None when all is well."""
    errors: list[FieldError] = []
    if not _is_int(a.horizon) or not 1 <= a.horizon <= MAX_HORIZON:
        errors.append(
            FieldError("horizon", f"must be a whole number of months, 1 to {MAX_HORIZON}")
        )
    if not _is_decimal(a.discount_rate) or not ZERO <= a.discount_rate <= ONE:
        errors.append(FieldError("discount_rate", "must be a fraction from 0 to 1"))
    for name, value in (
        ("acquisition_cost", a.acquisition_cost_minor),
        ("variable_cost", a.variable_cost_minor),
        ("launch_cost", a.launch_cost_minor),
        ("fixed_cost", a.fixed_cost_minor),
    ):
        if not _is_int(value):
            errors.append(FieldError(name, "must be a whole amount in minor units"))
        elif value < 0:
            errors.append(FieldError(name, "must not be negative"))
    if not a.offers:
        errors.append(FieldError("offers", "must hold at least one offer"))
    for i, offer in enumerate(a.offers):
        prefix = f"offers[{i}]"
        if not _is_decimal(offer.churn) or not ZERO <= offer.churn < ONE:
            errors.append(FieldError(f"{prefix}.churn", "must be a fraction from 0 to below 1"))
        adds_problem = _adds_problem(offer.gross_adds)
        if adds_problem:
            errors.append(FieldError(f"{prefix}.gross_adds", adds_problem))
        phases_problem = _phases_problem(offer.phases)
        if phases_problem:
            errors.append(FieldError(f"{prefix}.phases", phases_problem))
    if errors:
        raise InvalidInput(detail="The business case has invalid assumptions.", errors=errors)


def project(a: Assumptions) -> Projection:
    """Return the month-by-month projection and its summary; InvalidInput on bad input."""
    validate(a)
    with localcontext(_context()):
        run = _run(a)
        rows = run.rows
        total_revenue = sum(row.revenue_minor for row in rows)
        total_costs = sum(row.costs_minor for row in rows)
        arpu = round_half_up(total_revenue / run.subscriber_months) if run.subscriber_months else 0
        margin = arpu - a.variable_cost_minor
        churn = _weighted_churn(a)
        ltv = round_half_up(margin / churn) if churn else None
        payback = (
            (Decimal(a.acquisition_cost_minor) / margin).quantize(
                PAYBACK_PLACES, rounding=ROUND_HALF_UP
            )
            if margin > 0
            else None
        )
        return Projection(
            rows=rows,
            break_even_month=_break_even(rows),
            npv_minor=_npv(rows, a.discount_rate),
            arpu_minor=arpu,
            ltv_minor=ltv,
            cac_payback_months=payback,
            total_revenue_minor=total_revenue,
            total_costs_minor=total_costs,
        )


def sensitivity(a: Assumptions) -> tuple[Sensitivity, ...]:
    """Return the base case, then take-up, churn and price each at -20% and +20%."""
    validate(a)
    variants: tuple[tuple[str, Decimal, Decimal, Decimal], ...] = (
        (BASE, ONE, ONE, ONE),
        (TAKE_UP_DOWN, DOWN, ONE, ONE),
        (TAKE_UP_UP, UP, ONE, ONE),
        (CHURN_DOWN, ONE, DOWN, ONE),
        (CHURN_UP, ONE, UP, ONE),
        (PRICE_DOWN, ONE, ONE, DOWN),
        (PRICE_UP, ONE, ONE, UP),
    )
    table: list[Sensitivity] = []
    with localcontext(_context()):
        for label, take_up, churn, price in variants:
            rows = _run(a, take_up=take_up, churn=churn, price=price).rows
            table.append(
                Sensitivity(
                    label=label,
                    npv_minor=_npv(rows, a.discount_rate),
                    break_even_month=_break_even(rows),
                    cumulative_minor=rows[-1].cumulative_minor,
                )
            )
    return tuple(table)


def _context() -> Context:
    """A fixed arithmetic context, so results never depend on the caller's."""
    return Context(prec=PRECISION, rounding=ROUND_HALF_EVEN)


def _run(
    a: Assumptions, *, take_up: Decimal = ONE, churn: Decimal = ONE, price: Decimal = ONE
) -> _Run:
    """Compute the rows, with adds, churn and prices multiplied by the given factors."""
    horizon = a.horizon
    adds = [ZERO] * (horizon + 1)
    subscribers = [ZERO] * (horizon + 1)
    revenue = [ZERO] * (horizon + 1)
    for offer in a.offers:
        keep = ONE - min(offer.churn * churn, ONE)
        weights = [ONE]
        for _ in range(1, horizon):
            weights.append(weights[-1] * keep)
        prices = [Decimal(p) * price for p in _prices_by_age(offer.phases, horizon)]
        for m, added in enumerate(_adds_by_month(offer.gross_adds, horizon), start=1):
            n = Decimal(added) * take_up
            if not n:
                continue
            adds[m] += n
            for t in range(m, horizon + 1):
                present = n * weights[t - m]
                subscribers[t] += present
                revenue[t] += present * prices[t - m]
    launch = a.launch_cost_minor
    rows = [MonthRow(0, ZERO.quantize(SUBSCRIBER_PLACES), 0, 0, launch, -launch, -launch)]
    cumulative = -launch
    for t in range(1, horizon + 1):
        month_revenue = round_half_up(revenue[t])
        costs = (
            round_half_up(
                a.acquisition_cost_minor * adds[t] + a.variable_cost_minor * subscribers[t]
            )
            + a.fixed_cost_minor
        )
        net = month_revenue - costs
        cumulative += net
        rows.append(
            MonthRow(
                month=t,
                subscribers=subscribers[t].quantize(SUBSCRIBER_PLACES, rounding=ROUND_HALF_UP),
                gross_adds=round_half_up(adds[t]),
                revenue_minor=month_revenue,
                costs_minor=costs,
                net_minor=net,
                cumulative_minor=cumulative,
            )
        )
    return _Run(rows=tuple(rows), subscriber_months=sum(subscribers, ZERO))


def _adds_by_month(gross_adds: Sequence[int], horizon: int) -> list[int]:
    """Return the adds of months 1..H: the last value repeats, extra values are ignored."""
    last = len(gross_adds) - 1
    return [gross_adds[min(k, last)] for k in range(horizon)]


def _prices_by_age(phases: Sequence[Phase], horizon: int) -> list[int]:
    """Return the monthly price at ages 0..H-1 (sorted phases, the first from age 0)."""
    prices: list[int] = []
    index = 0
    for age in range(horizon):
        while index + 1 < len(phases) and phases[index + 1].from_month <= age:
            index += 1
        prices.append(phases[index].monthly_price_minor)
    return prices


def _break_even(rows: Sequence[MonthRow]) -> int | None:
    """Return the first month >= 1 whose cumulative cash is >= 0, or None."""
    return next((row.month for row in rows[1:] if row.cumulative_minor >= 0), None)


def _npv(rows: Sequence[MonthRow], annual_rate: Decimal) -> int:
    """Discount the monthly nets at the monthly rate equivalent to `annual_rate`."""
    monthly = (ONE + annual_rate) ** (ONE / TWELVE)
    factor = ONE
    total = ZERO
    for row in rows:
        total += Decimal(row.net_minor) / factor
        factor *= monthly
    return round_half_up(total)


def _weighted_churn(a: Assumptions) -> Decimal:
    """Return the offers' churn weighted by their adds over months 1..H (plain mean if none)."""
    totals = [sum(_adds_by_month(offer.gross_adds, a.horizon)) for offer in a.offers]
    everyone = sum(totals)
    if not everyone:
        return sum((offer.churn for offer in a.offers), ZERO) / len(a.offers)
    weighted = sum((offer.churn * n for offer, n in zip(a.offers, totals, strict=True)), ZERO)
    return weighted / everyone


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_decimal(value: object) -> bool:
    """Tell whether `value` is a finite Decimal or an int (never a float)."""
    if isinstance(value, Decimal):
        return value.is_finite()
    return _is_int(value)


def _adds_problem(gross_adds: Sequence[int]) -> str:
    if not gross_adds:
        return "must give the adds of at least one month"
    if any(not _is_int(n) or n < 0 for n in gross_adds):
        return "must be whole, non-negative numbers"
    return ""


def _phases_problem(phases: Sequence[Phase]) -> str:
    if not phases:
        return "must hold at least one price phase"
    if phases[0].from_month != 0:
        return "the first phase must start at month 0"
    if any(not _is_int(p.from_month) for p in phases):
        return "must start at whole months"
    if any(b.from_month <= a.from_month for a, b in pairwise(phases)):
        return "must be sorted by start month, each start once"
    if any(not _is_int(p.monthly_price_minor) or p.monthly_price_minor < 0 for p in phases):
        return "prices must be whole, non-negative amounts in minor units"
    return ""
