"""KPI snapshots: store closed months, mark them stale after back-dated changes, refresh.

Snapshots are a cache of what the selectors compute, so writing them records no audit
event. A closed month is one before the installation's current month.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from rota.audit.models import AuditEvent
from rota.core.periods import Month
from rota.kpis import calc
from rota.kpis.filters import Filters
from rota.kpis.models import KpiSnapshot
from rota.kpis.selectors import (
    MonthFigures,
    closed_before,
    data_version,
    figures_compute,
    kpi_get,
    months_between,
)
from rota.kpis.staleness import earliest_days

# Past this many new events since the last check, mark everything older stale instead of
# reading each event (a bulk import or a demo load).
SCAN_LIMIT = 20_000


def snapshots_sync() -> int:
    """Mark stale the snapshots that audit events recorded since they were checked reach.

    Return how many snapshots became stale. Fresh snapshots are then known to account for
    every event so far, so the next call reads only newer events.
    """
    current = data_version()
    fresh = KpiSnapshot.objects.filter(stale=False)
    seen = fresh.aggregate(v=Min("data_version"))["v"]
    if seen is None or seen >= current:
        return 0
    # Plans are read from the KPIs, never counted in them: their events change no month.
    events = (
        AuditEvent.objects.filter(id__gt=seen)
        .exclude(object_type__startswith="planning.")
        .order_by("id")
    )
    marked = 0
    with transaction.atomic():
        if events.count() > SCAN_LIMIT:
            marked = fresh.filter(data_version__lt=current).update(stale=True)
        else:
            rows = events.values_list("id", "action", "object_type", "object_id", "changes", "at")
            newest: dict[str, int] = defaultdict(int)
            for pk, day in earliest_days(rows):
                month = str(Month.of(day))
                newest[month] = max(newest[month], pk)
            for month, pk in newest.items():
                marked += fresh.filter(month__gte=month, data_version__lt=pk).update(stale=True)
        KpiSnapshot.objects.filter(stale=False, data_version__lt=current).update(
            data_version=current
        )
    return marked


def _store(figures: list[MonthFigures], filters: Filters, version: int) -> None:
    """Replace the snapshots of these months, in one transaction."""
    now = timezone.now()
    rows = [
        KpiSnapshot(
            month=str(f.month),
            filters_key=filters.key,
            filters=filters.as_dict(),
            values={code: calc.as_json(value) for code, value in f.values.items()},
            breakdown={"churn_reasons": f.churn_reasons},
            computed_at=now,
            data_version=version,
        )
        for f in figures
    ]
    try:
        with transaction.atomic():
            KpiSnapshot.objects.filter(
                filters_key=filters.key, month__in=[row.month for row in rows]
            ).delete()
            KpiSnapshot.objects.bulk_create(rows)
    except IntegrityError:
        pass  # another request stored the same months meanwhile


def _figures(snapshot: KpiSnapshot, month: Month) -> MonthFigures:
    values = {code: calc.from_json(value) for code, value in snapshot.values.items()}
    reasons = (snapshot.breakdown or {}).get("churn_reasons", {})
    return MonthFigures(month, values, reasons)


def kpi_months(first: Month, last: Month, filters: Filters) -> dict[Month, MonthFigures]:
    """Return every KPI of months first..last: closed months from fresh snapshots.

    Closed months without a fresh snapshot are computed (all of them in one pass) and
    stored; the current and later months are always computed.
    """
    months = months_between(first, last)
    current = closed_before()
    snapshots: dict[str, KpiSnapshot] = {}
    if first < current:
        snapshots_sync()
        snapshots = {
            s.month: s
            for s in KpiSnapshot.objects.filter(
                filters_key=filters.key, stale=False, month__in=[str(m) for m in months]
            )
        }
    out = {m: _figures(snapshots[str(m)], m) for m in months if str(m) in snapshots}
    missing = [m for m in months if m not in out]
    if missing:
        version = data_version()
        computed = figures_compute(missing[0], missing[-1], filters)
        out.update((month, computed[month]) for month in missing)
        closed = [computed[month] for month in missing if month < current]
        if closed:
            _store(closed, filters, version)
    return out


def kpi_values(month: Month, filters: Filters | None = None) -> dict[str, Decimal | int]:
    """Return every KPI of a month: {code: value}."""
    return kpi_months(month, month, filters or Filters())[month].values


def kpi_series(
    code: str, from_month: Month, to_month: Month, filters: Filters | None = None
) -> list[tuple[Month, Decimal | int]]:
    """Return one KPI for each month from_month..to_month."""
    kpi_get(code)
    figures = kpi_months(from_month, to_month, filters or Filters())
    return [(month, figures[month].values[code]) for month in sorted(figures)]


def snapshots_refresh(*, everything: bool = False) -> int:
    """Recompute the stale snapshots (or all of them); return how many were recomputed."""
    snapshots_sync()
    queryset = KpiSnapshot.objects.all() if everything else KpiSnapshot.objects.filter(stale=True)
    months: dict[str, list[Month]] = defaultdict(list)
    slices: dict[str, Filters] = {}
    for key, month, filters in queryset.values_list("filters_key", "month", "filters"):
        months[key].append(Month.parse(month))
        slices[key] = Filters(**filters)
    if everything:
        KpiSnapshot.objects.filter(filters_key__in=list(months)).update(stale=True)
    done = 0
    for key, wanted in months.items():
        figures = kpi_months(min(wanted), max(wanted), slices[key])
        done += sum(1 for m in wanted if m in figures)
    return done
