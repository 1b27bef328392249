"""Closed months are snapshotted; back-dated changes make the months they reach stale."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from rota.audit.actors import Actor
from rota.billing.payments import payment_reverse
from rota.core.periods import Month
from rota.kpis.filters import Filters
from rota.kpis.models import KpiSnapshot
from rota.kpis.services import kpi_months, kpi_series, kpi_values, snapshots_sync
from rota.kpis.tests.conftest import TODAY, Isp
from rota.kpis.tests.test_scenario import AUG, OCT, SEP, expected
from rota.subscriptions import services as subs
from rota.support.services import ticket_open

NOV = Month(2026, 11)


def _stale() -> dict[str, bool]:
    return dict(KpiSnapshot.objects.order_by("month").values_list("month", "stale"))


def test_closed_months_are_stored_and_read_back(
    isp: Isp, django_assert_max_num_queries: Any
) -> None:
    first = kpi_months(AUG, NOV, Filters())
    assert _stale() == {"2026-08": False, "2026-09": False, "2026-10": False}
    with django_assert_max_num_queries(4):
        again = kpi_months(AUG, OCT, Filters())
    assert {m: f.values for m, f in again.items()} == {m: first[m].values for m in (AUG, SEP, OCT)}
    assert again[OCT].values == expected("all", OCT)
    assert again[AUG].churn_reasons == {"moving": 1, "competitor": 1}
    kpi_months(OCT, OCT, Filters(segment="business"))
    assert KpiSnapshot.objects.count() == 4
    assert KpiSnapshot.objects.get(filters={"segment": "business"}).month == "2026-10"


def test_a_back_dated_cancellation_makes_its_months_stale(isp: Isp, actor: Actor) -> None:
    kpi_months(AUG, OCT, Filters())
    august = KpiSnapshot.objects.get(month="2026-08").computed_at
    subs.subscription_cancel(
        subscription=isp.s[1],
        requested_on=date(2026, 9, 1),
        last_day=date(2026, 9, 30),
        reason="price",
        actor=actor,
        today=TODAY,
    )
    assert snapshots_sync() == 2
    assert _stale() == {"2026-08": False, "2026-09": True, "2026-10": True}
    # Read again: the stale months are computed afresh, automatically.
    september = kpi_values(SEP)
    assert september["churned"] == 2
    assert september["active_subscribers"] == 6
    assert str(september["mrr"]) == "406.98"  # 472.02 - 65.04
    assert _stale() == {"2026-08": False, "2026-09": False, "2026-10": True}
    assert [v for _, v in kpi_series("active_subscribers", AUG, OCT)] == [7, 6, 7]
    assert KpiSnapshot.objects.get(month="2026-08").computed_at == august
    assert not any(_stale().values())


def test_changes_today_leave_closed_months_alone(isp: Isp, actor: Actor) -> None:
    kpi_months(AUG, OCT, Filters())
    ticket_open(
        customer=isp.customers["anna"],
        category="billing",
        channel="email",
        subject="Invoice question",
        at=timezone.now(),
        actor=actor,
    )
    assert snapshots_sync() == 0
    assert not any(_stale().values())


def test_a_reversed_payment_reaches_back_to_its_day(isp: Isp, actor: Actor) -> None:
    kpi_months(AUG, OCT, Filters())
    payment_reverse(payment=isp.payments["P3"], reason="bounced", actor=actor)  # 2 October
    assert snapshots_sync() == 1
    assert _stale() == {"2026-08": False, "2026-09": False, "2026-10": True}
    assert str(kpi_values(OCT)["overdue_amount"]) == "200.00"  # I3's 80.00 is unpaid again


def test_refresh_command(isp: Isp) -> None:
    kpi_months(AUG, OCT, Filters(offer="speedster"))
    KpiSnapshot.objects.filter(month="2026-09").update(stale=True, values={})
    out = io.StringIO()
    call_command("kpi", "refresh", stdout=out)
    assert out.getvalue() == "Recomputed 1 KPI snapshot(s).\n"
    assert kpi_values(SEP, Filters(offer="speedster")) == expected("speedster", SEP)
    out = io.StringIO()
    call_command("kpi", "refresh", "--all", stdout=out)
    assert out.getvalue() == "Recomputed 3 KPI snapshot(s).\n"
    assert not any(_stale().values())
