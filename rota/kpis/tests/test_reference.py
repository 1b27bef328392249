"""The set-based SQL against a plain Python reference, on a generated demo history.

The reference walks every subscription with the pricing module's own functions; the SQL
must give the same subscriber counts and MRR for every month and every slice.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from rota.audit.actors import Actor
from rota.billing.pricing import Phase, line_tax, price_on
from rota.catalog.models import AddOn
from rota.core.periods import Month
from rota.demo.history import demo_history_load
from rota.demo.services import demo_catalog_load
from rota.kpis.filters import Filters
from rota.kpis.selectors import figures_compute, months_between
from rota.subscriptions.models import Plan, PlanPhase, Subscription, SubscriptionAddOn, Suspension
from rota.subscriptions.selectors import with_details

TODAY = date(2026, 11, 21)
FIRST, LAST = Month(2025, 5), Month(2026, 11)


def _plan_on(subscription: Subscription, day: date) -> Any:
    plans = sorted(subscription.plans.all(), key=lambda p: p.valid_from)
    before = [p for p in plans if p.valid_from <= day]
    return before[-1] if before else plans[0]


def _slice_day(subscription: Subscription, month: Month) -> date:
    last = month.end - timedelta(days=1)
    end = subscription.end_date
    return min(last, end) if end else last


def _matches(subscription: Subscription, month: Month, filters: Filters) -> bool:
    plan = _plan_on(subscription, _slice_day(subscription, month))
    offer = plan.offer_version.offer
    return (
        (not filters.segment or offer.segment == filters.segment)
        and (not filters.offer or offer.code == filters.offer)
        and (not filters.technology or plan.offer_version.technology == filters.technology)
        and (not filters.municipality or subscription.municipality_code == filters.municipality)
    )


def _reference(subscriptions: list[Subscription], month: Month, filters: Filters) -> dict[str, Any]:
    last = month.end - timedelta(days=1)
    out: Counter[str] = Counter()
    for s in subscriptions:
        if not _matches(s, month, filters):
            continue
        active = s.start_date <= last and (s.end_date is None or s.end_date > last)
        out["active_subscribers"] += active
        out["gross_adds"] += month.start <= s.start_date <= last
        out["churned"] += s.end_date is not None and month.start <= s.end_date <= last
        paused = any(
            p.start_date <= last and (p.end_date is None or p.end_date >= last)
            for p in s.suspensions.all()
        )
        if not active or paused:
            continue
        plan = _plan_on(s, last)
        phases = [Phase(p.from_month, p.monthly_price_minor) for p in plan.phases.all()]
        gross = price_on(phases, plan.contract_start, last) + sum(
            a.monthly_price_minor
            for a in s.addons.all()
            if a.start_date <= last and (a.end_date is None or a.end_date > last)
        )
        tax = line_tax(gross, plan.tax_rate, prices_include_tax=plan.prices_include_tax)
        out["mrr"] += tax.net_minor
    return dict(out)


@pytest.fixture
def history(db: None) -> list[Subscription]:
    actor = Actor.system("demo")
    demo_catalog_load(actor=actor)
    demo_history_load(customers=250, months=24, seed=3, today=TODAY, actor=actor)
    return list(with_details(Subscription.objects.all()))


def _slices(subscriptions: list[Subscription]) -> list[Filters]:
    municipality = Counter(s.municipality_code for s in subscriptions).most_common(1)[0][0]
    return [
        Filters(),
        Filters(segment="business"),
        Filters(segment="household"),
        Filters(technology="ftth"),
        Filters(offer="speedster"),
        Filters(municipality=municipality),
        Filters(segment="household", municipality=municipality),
    ]


def test_subscribers_and_mrr_match_the_reference(history: list[Subscription]) -> None:
    assert any(s.plans.count() > 1 for s in history), "the history has offer changes"
    assert any(s.suspensions.all() for s in history)
    assert any(s.addons.all() for s in history)
    for filters in _slices(history):
        figures = figures_compute(FIRST, LAST, filters)
        for month in months_between(FIRST, LAST):
            expected = _reference(history, month, filters)
            got = figures[month].values
            assert {
                "active_subscribers": got["active_subscribers"],
                "gross_adds": got["gross_adds"],
                "churned": got["churned"],
                "mrr": int(got["mrr"] * 100),
            } == {
                "active_subscribers": expected.get("active_subscribers", 0),
                "gross_adds": expected.get("gross_adds", 0),
                "churned": expected.get("churned", 0),
                "mrr": expected.get("mrr", 0),
            }, (filters, month)
            assert got["opening_subscribers"] + got["net_adds"] == got["active_subscribers"]


def test_mrr_matches_the_reference_on_data_written_outside_the_services(
    history: list[Subscription],
) -> None:
    """Rows the services never write (an import): a first plan valid after the service
    start, a third price phase, overlapping suspensions, add-ons ending after the months."""
    single = [s for s in history if s.end_date is None and len(s.plans.all()) == 1]
    late = next(s for s in single if s.start_date >= date(2025, 6, 1))
    phased, paused = [s for s in single if s != late][:2]
    extra = next(
        s for s in single if s not in (late, phased, paused) and s.plans.get().prices_include_tax
    )
    Plan.objects.filter(subscription=late).update(valid_from=late.start_date + timedelta(days=45))
    plan = phased.plans.get()
    top = max(p.from_month for p in plan.phases.all())
    PlanPhase.objects.create(plan=plan, from_month=top + 4, monthly_price_minor=4321)
    for start, end in ((date(2025, 12, 10), date(2026, 3, 31)), (date(2026, 2, 1), None)):
        Suspension.objects.create(subscription=paused, start_date=start, end_date=end)
    addon = AddOn.objects.first()
    assert addon is not None
    for start, end in ((date(2025, 9, 1), None), (date(2026, 1, 15), date(2027, 5, 31))):
        SubscriptionAddOn.objects.create(
            subscription=extra,
            addon=addon,
            start_date=start,
            end_date=end,
            monthly_price_minor=1999,
        )
    subscriptions = list(with_details(Subscription.objects.all()))
    for filters in (Filters(), Filters(segment="household"), Filters(segment="business")):
        figures = figures_compute(FIRST, LAST, filters)
        for month in months_between(FIRST, LAST):
            expected = _reference(subscriptions, month, filters).get("mrr", 0)
            assert int(figures[month].values["mrr"] * 100) == expected, (filters, month)
