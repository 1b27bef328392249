"""Pure price maths of the billing rules: phases, month indexes, charge segments, tax."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import NamedTuple

from rota.core.money import round_half_up
from rota.core.periods import DateRange, Month, add_months


class Phase(NamedTuple):
    """A price that applies from contract month `from_month` on."""

    from_month: int
    monthly_price_minor: int


def schedule_errors(phases: Sequence[Phase]) -> list[str]:
    """Return what is wrong with a price schedule; empty when it is valid."""
    if not phases:
        return ["needs at least one price phase"]
    errors = []
    if phases[0].from_month != 0:
        errors.append("the first phase must start at month 0")
    if any(phase.from_month < 0 for phase in phases):
        errors.append("from_month must not be negative")
    if any(a.from_month >= b.from_month for a, b in pairwise(phases)):
        errors.append("phases must be in increasing order of from_month without duplicates")
    if any(phase.monthly_price_minor < 0 for phase in phases):
        errors.append("monthly price must not be negative")
    return errors


def _check_schedule(phases: Sequence[Phase]) -> None:
    """Raise ValueError for a schedule that breaks the rules."""
    errors = schedule_errors(phases)
    if errors:
        raise ValueError(f"invalid price schedule: {'; '.join(errors)}")


def month_index(contract_start: date, day: date) -> int:
    """Return the contract month k holding `day`: the largest k with month k starting by then."""
    if day < contract_start:
        raise ValueError(f"{day} is before the contract start {contract_start}")
    k = (day.year - contract_start.year) * 12 + day.month - contract_start.month
    # Month k begins in day's calendar month; if that is after day, day is still in month k-1.
    if add_months(contract_start, k) > day:
        k -= 1
    return k


def _phase_position(phases: Sequence[Phase], k: int) -> int:
    """Return the position of the phase in force in contract month `k`."""
    return bisect_right(phases, k, key=lambda phase: phase.from_month) - 1


def price_on(phases: Sequence[Phase], contract_start: date, day: date) -> int:
    """Return the monthly price in minor units in force on `day`."""
    _check_schedule(phases)
    return phases[_phase_position(phases, month_index(contract_start, day))].monthly_price_minor


@dataclass(frozen=True)
class ChargeSegment:
    """A maximal run of charged days in a period at one monthly price; one invoice line."""

    start: date
    end: date
    monthly_price_minor: int
    days: int
    amount_minor: int

    @property
    def last_day(self) -> date:
        """Return the last day charged (inclusive)."""
        return self.end - timedelta(days=1)


def segment_amount(monthly_price_minor: int, days: int, days_in_month: int) -> int:
    """Return `price * days / days_in_month`, rounded half-up to the minor unit."""
    if not 0 <= days <= days_in_month:
        raise ValueError(f"{days} days do not fit in a month of {days_in_month} days")
    return round_half_up(Decimal(monthly_price_minor) * days / days_in_month)


def _service_in_month(month: Month, service: Sequence[DateRange]) -> list[DateRange]:
    """Return the sorted parts of the service ranges inside `month`; reject overlaps."""
    ranges = sorted(r for r in service if not r.is_empty)
    for before, after in pairwise(ranges):
        if before.end > after.start:
            raise ValueError(f"service ranges overlap: {before} and {after}")
    month_range = month.range
    return [part for r in ranges if (part := r.intersect(month_range)) is not None]


def split_month(
    month: Month,
    service: Sequence[DateRange],
    phases: Sequence[Phase],
    contract_start: date,
) -> list[ChargeSegment]:
    """Return the charge segments of `month` for the given days of service.

    `service` holds the days in service (suspensions already removed). A segment ends
    where service stops or where the price changes; runs at one price are merged.
    """
    _check_schedule(phases)
    runs: list[tuple[date, date, int]] = []
    for part in _service_in_month(month, service):
        if part.start < contract_start:
            raise ValueError(f"service on {part.start} is before the contract start")
        day = part.start
        position = _phase_position(phases, month_index(contract_start, day))
        while day < part.end:
            price = phases[position].monthly_price_minor
            position += 1
            while position < len(phases) and phases[position].monthly_price_minor == price:
                position += 1
            run_end = part.end
            if position < len(phases):
                run_end = min(run_end, add_months(contract_start, phases[position].from_month))
            if runs and runs[-1][1] == day and runs[-1][2] == price:
                runs[-1] = (runs[-1][0], run_end, price)
            else:
                runs.append((day, run_end, price))
            day = run_end
    days_in_month = month.days
    segments = []
    for start, end, price in runs:
        days = (end - start).days
        amount = segment_amount(price, days, days_in_month)
        segments.append(ChargeSegment(start, end, price, days, amount))
    return segments


@dataclass(frozen=True)
class LineTax:
    """The net, tax and gross amounts of one invoice line, in minor units."""

    net_minor: int
    tax_minor: int
    gross_minor: int


def line_tax(amount_minor: int, rate: Decimal, *, prices_include_tax: bool) -> LineTax:
    """Split a line amount into net, tax and gross; `amount_minor` is gross or net per flag."""
    if rate < 0:
        raise ValueError(f"tax rate must not be negative: {rate}")
    if prices_include_tax:
        net = round_half_up(Decimal(amount_minor) / (1 + rate))
        return LineTax(net_minor=net, tax_minor=amount_minor - net, gross_minor=amount_minor)
    tax = round_half_up(Decimal(amount_minor) * rate)
    return LineTax(net_minor=amount_minor, tax_minor=tax, gross_minor=amount_minor + tax)


def commitment_end(contract_start: date, term_months: int) -> date | None:
    """Return the last day of the commitment, or None for a contract without one."""
    if term_months < 0:
        raise ValueError(f"term must not be negative: {term_months}")
    if term_months == 0:
        return None
    return add_months(contract_start, term_months) - timedelta(days=1)


def early_termination_fee(
    *,
    rule: str,
    amount_minor: int,
    contract_start: date,
    term_months: int,
    last_day: date,
) -> int:
    """Return the fee for ending service after `last_day` (inclusive) inside the commitment.

    Rules: "none"; "fixed" (amount once); "per_remaining_month" (amount for every contract
    month of the commitment that is not complete on `last_day`, the current one included).
    """
    end = commitment_end(contract_start, term_months)
    if rule == "none" or end is None or last_day >= end:
        return 0
    if rule == "fixed":
        return amount_minor
    if rule == "per_remaining_month":
        next_day = max(last_day + timedelta(days=1), contract_start)
        return amount_minor * (term_months - month_index(contract_start, next_day))
    raise ValueError(f"unknown early-termination rule {rule!r}")
