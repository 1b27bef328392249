"""Pure KPI arithmetic: from the small tables the SQL returns to each month's values.

The SQL (`queries.py`) reduces millions of rows to a few hundred grouped rows keyed by
month number (year * 12 + month - 1); this module turns them into the values of each
month. No database here: plain values in, plain values out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from rota.billing.pricing import line_tax
from rota.core.money import to_decimal
from rota.core.periods import Month

NON_PAYMENT = "non_payment"
FOUR_PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)


def month_number(month: Month) -> int:
    """Return year * 12 + month - 1: consecutive months have consecutive numbers."""
    return month.year * 12 + month.month - 1


def month_of_number(number: int) -> Month:
    """Return the month with this month number."""
    year, index = divmod(number, 12)
    return Month(year, index + 1)


class SubscriberRow(NamedTuple):
    """Subscriptions with the same service months [lo, hi) and slice months [wlo, whi).

    `lo` is the month of the first day of service, `hi` the month of the last day (the
    subscription is active in months lo <= m < hi); the slice holds it in months
    wlo <= m < whi. `reason` is the cancel reason when it churned inside the range.
    """

    lo: int
    hi: int
    wlo: int
    whi: int
    reason: str
    n: int


class PriceRow(NamedTuple):
    """Subscriptions paying `gross` a month in months a <= m < b (tax: flag, basis points)."""

    a: int
    b: int
    gross: int
    basis_points: int
    gross_priced: bool
    n: int


def ratio(part: Decimal | int, whole: Decimal | int, scale: int = 100) -> Decimal:
    """Return part / whole * scale rounded half-up to 4 places; 0 when whole is 0."""
    if not whole:
        return Decimal("0.0000")
    value = Decimal(part) * scale / Decimal(whole)
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def hours(seconds: Decimal | float | int, count: int) -> Decimal:
    """Return the mean of `count` durations totalling `seconds`, in hours to 4 places."""
    if not count:
        return Decimal("0.0000")
    total = Decimal(seconds) if not isinstance(seconds, float) else Decimal(repr(seconds))
    # SQLite sums durations as doubles: keep whole milliseconds, the precision of the data.
    total = total.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return (total / count / 3600).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def net_monthly(gross: int, basis_points: int, *, gross_priced: bool) -> int:
    """Return a monthly price net of tax in minor units, as billing rounds it."""
    rate = Decimal(basis_points) / 10000
    return line_tax(gross, rate, prices_include_tax=gross_priced).net_minor


@dataclass
class Subscribers:
    """Per month: active, gross adds, churned and churned by reason."""

    active: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    gross_adds: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    churned: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    reasons: dict[int, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )


def subscribers(rows: Iterable[SubscriberRow], first: int, last: int) -> Subscribers:
    """Count the subscribers of months first..last from the grouped rows."""
    out = Subscribers()
    for row in rows:
        for m in range(max(first, row.lo, row.wlo), min(last + 1, row.hi, row.whi)):
            out.active[m] += row.n
        if first <= row.lo <= last and row.wlo <= row.lo < row.whi:
            out.gross_adds[row.lo] += row.n
        if first <= row.hi <= last and row.wlo <= row.hi < row.whi:
            out.churned[row.hi] += row.n
            out.reasons[row.hi][row.reason] += row.n
    return out


def mrr(rows: Iterable[PriceRow], first: int, last: int) -> dict[int, int]:
    """Return the MRR in minor units of months first..last."""
    out: dict[int, int] = defaultdict(int)
    for row in rows:
        net = net_monthly(row.gross, row.basis_points, gross_priced=row.gross_priced)
        for m in range(max(first, row.a), min(last + 1, row.b)):
            out[m] += net * row.n
    return out


def cumulative(increments: dict[int, int], first: int, last: int) -> dict[int, int]:
    """Return running totals for months first..last; `increments` before `first` count in it."""
    total = sum(v for k, v in increments.items() if k < first)
    out = {}
    for m in range(first, last + 1):
        total += increments.get(m, 0)
        out[m] = total
    return out


@dataclass
class Raw:
    """Everything the SQL returned for a range of months, keyed by month number."""

    first: int
    last: int
    subscribers: Subscribers
    mrr_minor: dict[int, int]
    revenue_minor: dict[int, int]
    due_gross_minor: dict[int, int]
    due_paid_minor: dict[int, int]
    overdue_minor: dict[int, int]
    opened: dict[int, tuple[int, int, Decimal | float]]  # tickets, responded, response secs
    resolved: dict[int, tuple[int, Decimal | float, int]]  # tickets, handling secs, in SLA
    failures: dict[int, int]  # subscriptions hit by incidents of >= 10 minutes
    outage: dict[int, Decimal | float]  # sum of seconds of outage * subscriptions hit
    repaired: dict[int, tuple[int, Decimal | float]]  # incidents resolved, their seconds
    month_seconds: dict[int, int]


def values(raw: Raw, m: int) -> dict[str, Decimal | int]:
    """Return every KPI of month number `m` (rounded as the KPI contract says)."""
    s = raw.subscribers
    active = s.active.get(m, 0)
    gross_adds = s.gross_adds.get(m, 0)
    churned = s.churned.get(m, 0)
    involuntary = s.reasons.get(m, {}).get(NON_PAYMENT, 0)
    opening = active - gross_adds + churned
    mrr_minor = raw.mrr_minor.get(m, 0)
    opened, responded, response_seconds = raw.opened.get(m, (0, 0, 0))
    resolved, handling_seconds, in_sla = raw.resolved.get(m, (0, 0, 0))
    repaired, repair_seconds = raw.repaired.get(m, (0, 0))
    outage = raw.outage.get(m, 0)
    exposure = raw.month_seconds[m] * active
    availability = (
        (
            HUNDRED
            * (1 - Decimal(repr(outage) if isinstance(outage, float) else outage) / exposure)
        ).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
        if exposure
        else Decimal("0.0000")
    )
    return {
        "active_subscribers": active,
        "opening_subscribers": opening,
        "gross_adds": gross_adds,
        "churned": churned,
        "churned_voluntary": churned - involuntary,
        "churned_involuntary": involuntary,
        "net_adds": gross_adds - churned,
        "churn_rate": ratio(churned, opening),
        "mrr": to_decimal(mrr_minor),
        "arpu": to_decimal(_divide_half_up(mrr_minor, active)),
        "revenue_invoiced": to_decimal(raw.revenue_minor.get(m, 0)),
        "collection_rate": ratio(raw.due_paid_minor.get(m, 0), raw.due_gross_minor.get(m, 0)),
        "overdue_amount": to_decimal(raw.overdue_minor.get(m, 0)),
        "tickets_opened": opened,
        "tickets_per_100": ratio(opened, active),
        "avg_ticket_handling_hours": hours(handling_seconds, resolved),
        "first_response_hours": hours(response_seconds, responded),
        "sla_compliance": ratio(in_sla, resolved),
        "link_failure_rate": ratio(raw.failures.get(m, 0), active),
        "availability": availability,
        "mttr_hours": hours(repair_seconds, repaired),
    }


def _divide_half_up(numerator: int, denominator: int) -> int:
    """Return numerator / denominator rounded half-up (away from zero); 0 for 0."""
    if not denominator:
        return 0
    q = Decimal(numerator) / Decimal(denominator)
    return int(q.to_integral_value(rounding=ROUND_HALF_UP))


def churn_reasons(raw: Raw, m: int) -> dict[str, int]:
    """Return the churned subscriptions of month `m` by cancel reason."""
    return dict(raw.subscribers.reasons.get(m, {}))


def as_json(value: Decimal | int) -> str | int:
    """Return a value as the API and snapshots carry it: counts as ints, others as strings."""
    return value if isinstance(value, int) else str(value)


def from_json(value: str | int) -> Decimal | int:
    """Return a value read back from a snapshot."""
    return value if isinstance(value, int) else Decimal(value)


def shown(value: Decimal | int) -> str:
    """Return a value as screens show it: counts whole, everything else to 2 places."""
    if isinstance(value, int):
        return str(value)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def change(current: Decimal | int, previous: Decimal | int) -> Decimal | int:
    """Return current - previous (same type as the values)."""
    return current - previous
