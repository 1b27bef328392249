"""The billing engine's arithmetic: which lines a run adds for one subscription. Pure.

Given what a subscription is (plans, suspensions, add-ons, dates) and what was already
invoiced (lines with the days they cover), return the lines a run for period P adds:
(a) service days of P not yet covered, (b) earlier service days since `bill_from` not yet
covered (catch-up), (c) credits for covered days that are no longer service days, and
(d) the early-termination fee once service ended inside the commitment.
See design/billing-rules.md; every amount is integer minor units.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from rota.billing.pricing import (
    Phase,
    early_termination_fee,
    line_tax,
    segment_amount,
    split_month,
)
from rota.core.money import round_half_up
from rota.core.periods import DateRange, Month

SERVICE = "service"
ADDON = "addon"
CREDIT = "credit"
FEE = "fee"


@dataclass(frozen=True)
class PlanFacts:
    """A plan in force from `valid_from` until the next plan starts."""

    valid_from: date
    contract_start: date
    term_months: int
    phases: tuple[Phase, ...]
    prices_include_tax: bool
    tax_rate: Decimal
    early_termination_rule: str = "none"
    early_termination_amount_minor: int = 0
    name: str = ""


@dataclass(frozen=True)
class AddOnFacts:
    """An add-on on the subscription for an inclusive date range at a flat monthly price."""

    id: int
    name: str
    start: date
    end: date | None
    monthly_price_minor: int


@dataclass(frozen=True)
class BilledLine:
    """A line already invoiced: what it charged for and which of its days were credited."""

    id: int
    kind: str
    addon_id: int | None
    covers: DateRange
    amount_minor: int
    credited: tuple[DateRange, ...] = ()


@dataclass(frozen=True)
class SubscriptionFacts:
    """Everything the engine needs to know about one subscription."""

    id: int
    start: date
    end: date | None
    bill_from: date
    plans: tuple[PlanFacts, ...]
    suspensions: tuple[tuple[date, date | None], ...] = ()
    addons: tuple[AddOnFacts, ...] = ()
    billed: tuple[BilledLine, ...] = ()
    fee_billed: bool = False


@dataclass(frozen=True)
class NewLine:
    """A line the run adds. `covers` is None for a one-off fee."""

    kind: str
    description: str
    covers: DateRange | None
    days: int
    monthly_price_minor: int
    amount_minor: int
    net_minor: int
    tax_minor: int
    gross_minor: int
    tax_rate: Decimal
    prices_include_tax: bool
    addon_id: int | None = None
    credits_line_id: int | None = None


@dataclass
class _Ranges:
    """A sorted list of disjoint half-open date ranges."""

    items: list[DateRange] = field(default_factory=list)

    @classmethod
    def of(cls, ranges: Iterable[DateRange]) -> _Ranges:
        merged: list[DateRange] = []
        for r in sorted(r for r in ranges if not r.is_empty):
            if merged and r.start <= merged[-1].end:
                last = merged[-1]
                merged[-1] = DateRange(last.start, max(last.end, r.end))
            else:
                merged.append(r)
        return cls(merged)

    def minus(self, other: _Ranges) -> _Ranges:
        result: list[DateRange] = []
        for r in self.items:
            pieces = [r]
            for cut in other.items:
                next_pieces = []
                for p in pieces:
                    if cut.end <= p.start or cut.start >= p.end:
                        next_pieces.append(p)
                        continue
                    if p.start < cut.start:
                        next_pieces.append(DateRange(p.start, cut.start))
                    if cut.end < p.end:
                        next_pieces.append(DateRange(cut.end, p.end))
                pieces = next_pieces
            result.extend(pieces)
        return _Ranges.of(result)

    def within(self, bounds: DateRange) -> _Ranges:
        return _Ranges.of(x for r in self.items if (x := r.intersect(bounds)) is not None)

    @property
    def days(self) -> int:
        return sum(r.days for r in self.items)


def _plan_spans(facts: SubscriptionFacts) -> list[tuple[PlanFacts, DateRange]]:
    """Return each plan with the half-open range of days it governs."""
    plans = sorted(facts.plans, key=lambda p: p.valid_from)
    far = date.max - timedelta(days=1)
    spans = []
    for i, plan in enumerate(plans):
        start = facts.start if i == 0 else plan.valid_from
        end = plans[i + 1].valid_from if i + 1 < len(plans) else far
        if start < end:
            spans.append((plan, DateRange(start, end)))
    return spans


def service_days(facts: SubscriptionFacts, until: date) -> _Ranges:
    """Return the billable service days before `until`: bill_from..end, minus suspensions."""
    last = until if facts.end is None else min(until, facts.end + timedelta(days=1))
    if last <= facts.bill_from:
        return _Ranges()
    served = _Ranges.of([DateRange(facts.bill_from, last)])
    suspended = _Ranges.of(
        DateRange(start, (end + timedelta(days=1)) if end else date.max - timedelta(days=1))
        for start, end in facts.suspensions
    )
    return served.minus(suspended)


def _months(ranges: _Ranges) -> list[Month]:
    months: list[Month] = []
    for r in ranges.items:
        month = Month.of(r.start)
        while month.start < r.end:
            if not months or months[-1] != month:
                months.append(month)
            month = month.next()
    return sorted(set(months))


def _tax_line(
    kind: str,
    description: str,
    covers: DateRange | None,
    days: int,
    price: int,
    amount: int,
    plan: PlanFacts,
    addon_id: int | None = None,
    credits_line_id: int | None = None,
) -> NewLine:
    tax = line_tax(amount, plan.tax_rate, prices_include_tax=plan.prices_include_tax)
    return NewLine(
        kind=kind,
        description=description,
        covers=covers,
        days=days,
        monthly_price_minor=price,
        amount_minor=amount,
        net_minor=tax.net_minor,
        tax_minor=tax.tax_minor,
        gross_minor=tax.gross_minor,
        tax_rate=plan.tax_rate,
        prices_include_tax=plan.prices_include_tax,
        addon_id=addon_id,
        credits_line_id=credits_line_id,
    )


def _covered(lines: Sequence[BilledLine]) -> _Ranges:
    return _Ranges.of(
        r
        for line in lines
        for r in _Ranges.of([line.covers]).minus(_Ranges.of(line.credited)).items
    )


def _credits(
    lines: Sequence[BilledLine],
    wanted: _Ranges,
    spans: list[tuple[PlanFacts, DateRange]],
    until: date,
) -> list[NewLine]:
    """Credit each billed line's days before `until` that are no longer wanted, pro rata.

    Days from `until` on belong to later periods: a run for an earlier month leaves them
    alone (they are neither service days of this run nor its business).
    """
    result = []
    for line in lines:
        still = _Ranges.of([line.covers]).minus(_Ranges.of(line.credited))
        removed = still.minus(wanted).within(DateRange(date.min, until))
        if not removed.days:
            continue
        plan = next((p for p, span in spans if line.covers.start in span), spans[0][0])
        for piece in removed.items:
            # One credit line per removed run of days: original amount x days / line days.
            share = -round_half_up(Decimal(line.amount_minor) * piece.days / line.covers.days)
            result.append(
                _tax_line(
                    CREDIT,
                    f"Credit {piece.start:%Y-%m-%d}–{piece.last_day:%Y-%m-%d}",
                    piece,
                    piece.days,
                    0,
                    share,
                    plan,
                    addon_id=line.addon_id,
                    credits_line_id=line.id,
                )
            )
    return result


def lines_for(facts: SubscriptionFacts, period: Month) -> list[NewLine]:
    """Return the lines a run for `period` adds for one subscription."""
    spans = _plan_spans(facts)
    if not spans:
        return []
    wanted = service_days(facts, period.end)
    service_lines = [b for b in facts.billed if b.kind == SERVICE]
    lines = _credits(service_lines, wanted, spans, period.end)
    missing = wanted.minus(_covered(service_lines))
    for plan, span in spans:
        part = missing.within(span)
        for month in _months(part):
            for segment in split_month(
                month, part.within(month.range).items, plan.phases, plan.contract_start
            ):
                if segment.amount_minor == 0 and segment.monthly_price_minor == 0:
                    continue
                covers = DateRange(segment.start, segment.end)
                lines.append(
                    _tax_line(
                        SERVICE,
                        f"{plan.name} {segment.start:%Y-%m-%d}–{segment.last_day:%Y-%m-%d}",
                        covers,
                        segment.days,
                        segment.monthly_price_minor,
                        segment.amount_minor,
                        plan,
                    )
                )
    for addon in facts.addons:
        last = (addon.end + timedelta(days=1)) if addon.end else date.max - timedelta(days=1)
        addon_wanted = wanted.within(DateRange(addon.start, last))
        billed = [b for b in facts.billed if b.kind == ADDON and b.addon_id == addon.id]
        lines.extend(_credits(billed, addon_wanted, spans, period.end))
        missing_addon = addon_wanted.minus(_covered(billed))
        for plan, span in spans:
            part = missing_addon.within(span)
            for month in _months(part):
                for r in part.within(month.range).items:
                    amount = segment_amount(addon.monthly_price_minor, r.days, month.days)
                    lines.append(
                        _tax_line(
                            ADDON,
                            f"{addon.name} {r.start:%Y-%m-%d}–{r.last_day:%Y-%m-%d}",
                            r,
                            r.days,
                            addon.monthly_price_minor,
                            amount,
                            plan,
                            addon_id=addon.id,
                        )
                    )
    if facts.end is not None and facts.end < period.end and not facts.fee_billed:
        last_plan = spans[-1][0]
        for plan, span in spans:
            if facts.end in span:
                last_plan = plan
        fee = early_termination_fee(
            rule=last_plan.early_termination_rule,
            amount_minor=last_plan.early_termination_amount_minor,
            contract_start=last_plan.contract_start,
            term_months=last_plan.term_months,
            last_day=facts.end,
        )
        if fee:
            lines.append(_tax_line(FEE, "Early-termination fee", None, 0, 0, fee, last_plan))
    return [line for line in lines if line.amount_minor != 0]
