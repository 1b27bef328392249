"""KPI reads: parse and check months and filters, compute months live, read snapshots."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max

from rota.audit.models import AuditEvent
from rota.catalog.models import Offer, Segment, Technology
from rota.core.errors import InvalidInput, NotFound
from rota.core.periods import Month
from rota.installation.selectors import installation_today, installation_zone
from rota.kpis import calc, queries
from rota.kpis.definitions import BY_CODE, Kpi
from rota.kpis.filters import FILTER_FIELDS, Filters
from rota.subscriptions.models import Subscription

# A series longer than this is a typing mistake (ten years of months).
MAX_MONTHS = 120
DASHBOARD_MONTHS = 13


@dataclass(frozen=True)
class MonthFigures:
    """Every KPI of one month and its churn by reason."""

    month: Month
    values: dict[str, Decimal | int]
    churn_reasons: dict[str, int]


def kpi_get(code: str) -> Kpi:
    """Return a KPI definition, or raise NotFound."""
    kpi = BY_CODE.get(code)
    if kpi is None:
        raise NotFound(detail=f"There is no KPI {code!r}.")
    return kpi


def month_parse(text: str | None, *, field: str = "month") -> Month:
    """Parse a YYYY-MM month, or raise InvalidInput naming `field`."""
    if not text:
        raise InvalidInput.single(field, "is required, in the form YYYY-MM")
    month = Month.parse(text, field=field)
    if not 2000 <= month.year <= 2099:
        raise InvalidInput.single(field, "must be a month between 2000-01 and 2099-12")
    return month


def months_between(first: Month, last: Month) -> list[Month]:
    """Return the months first..last."""
    out = [first]
    while out[-1] < last:
        out.append(out[-1].next())
    return out


def range_check(first: Month, last: Month, *, fields: tuple[str, str] = ("from", "to")) -> None:
    """Refuse a range that runs backwards or is longer than MAX_MONTHS."""
    if last < first:
        raise InvalidInput.single(fields[1], f"must not be before {fields[0]} ({first})")
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    if span > MAX_MONTHS:
        raise InvalidInput.single(fields[1], f"a series spans at most {MAX_MONTHS} months")


def filters_parse(raw: Mapping[str, str | None]) -> Filters:
    """Check filter values against what exists; raise InvalidInput naming each bad field."""
    values = {name: (raw.get(name) or "").strip() for name in FILTER_FIELDS}
    errors = []
    if values["segment"] and values["segment"] not in Segment.values:
        errors.append(("segment", f"must be one of {', '.join(Segment.values)}"))
    if values["technology"] and values["technology"] not in Technology.values:
        errors.append(("technology", f"must be one of {', '.join(Technology.values)}"))
    if values["offer"] and not Offer.objects.filter(code=values["offer"]).exists():
        errors.append(("offer", f"there is no offer {values['offer']!r}"))
    municipality = values["municipality"]
    if municipality and not Subscription.objects.filter(municipality_code=municipality).exists():
        errors.append(("municipality", f"no subscription is in municipality {municipality!r}"))
    if errors:
        from rota.core.errors import FieldError

        raise InvalidInput(
            detail="The KPI filters are not valid.",
            errors=[FieldError(name, message) for name, message in errors],
        )
    return Filters(**values)


def closed_before() -> Month:
    """Return the current month where the ISP is: months before it are closed."""
    return Month.of(installation_today())


def data_version() -> int:
    """Return the newest audit event's id: what a computation accounts for."""
    return AuditEvent.objects.aggregate(v=Max("id"))["v"] or 0


def figures_compute(first: Month, last: Month, filters: Filters) -> dict[Month, MonthFigures]:
    """Compute every KPI of months first..last from the data (no snapshots)."""
    raw = queries.compute(first, last, filters, installation_zone())
    out = {}
    for month in months_between(first, last):
        m = calc.month_number(month)
        out[month] = MonthFigures(month, calc.values(raw, m), calc.churn_reasons(raw, m))
    return out
