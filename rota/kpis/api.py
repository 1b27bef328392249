"""KPI endpoints: every KPI of a month, one KPI's series, and the definitions."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from rota.accounts.api_auth import scoped
from rota.core.problems import ERRORS
from rota.kpis import calc
from rota.kpis.definitions import KPIS
from rota.kpis.selectors import filters_parse, kpi_get, month_parse, range_check
from rota.kpis.services import kpi_months, kpi_series

router = Router(tags=["kpis"])
READ = scoped("kpis:read")


class FilterQuery(Schema):
    segment: str | None = Field(None, description="household or business")
    offer: str | None = Field(None, description="offer code")
    technology: str | None = Field(None, description="ftth, gpon, docsis, radio, lte, 5g, other")
    municipality: str | None = Field(None, description="municipality code (TERYT / IBGE)")


class MonthQuery(FilterQuery):
    month: str = Field(..., description="YYYY-MM")


class SeriesQuery(FilterQuery):
    from_month: str = Field(..., alias="from", description="first month, YYYY-MM")
    to_month: str = Field(..., alias="to", description="last month, YYYY-MM")


class KpiValues(Schema):
    month: str
    filters: dict[str, str]
    values: dict[str, int | str] = Field(
        description="Counts are integers; money is a decimal string with 2 places, "
        "percentages, rates per 100 and hours are decimal strings with 4 places"
    )


class Point(Schema):
    month: str
    value: int | str


class KpiSeries(Schema):
    code: str
    name: str
    unit: str
    filters: dict[str, str]
    points: list[Point]


class KpiDefinition(Schema):
    code: str
    name: str
    unit: str
    better: str
    family: str
    formula: str


@router.get("/kpis", response={200: KpiValues, **ERRORS}, auth=READ)
def kpi_values_get(request: HttpRequest, query: Query[MonthQuery]) -> KpiValues:
    """Every KPI of one month for a slice."""
    month = month_parse(query.month, field="month")
    filters = filters_parse(query.dict())
    values = kpi_months(month, month, filters)[month].values
    return KpiValues(
        month=str(month),
        filters=filters.as_dict(),
        values={code: calc.as_json(value) for code, value in values.items()},
    )


@router.get("/kpis/definitions", response={200: list[KpiDefinition], **ERRORS}, auth=READ)
def kpi_definitions(request: HttpRequest) -> list[KpiDefinition]:
    """The KPI registry: codes, names, units, which way is better, formulas."""
    return [
        KpiDefinition(
            code=k.code,
            name=k.name,
            unit=k.unit.value,
            better=k.better.value,
            family=k.family.value,
            formula=k.formula,
        )
        for k in KPIS
    ]


@router.get("/kpis/{code}/series", response={200: KpiSeries, **ERRORS}, auth=READ)
def kpi_series_get(request: HttpRequest, code: str, query: Query[SeriesQuery]) -> KpiSeries:
    """One KPI for each month from..to (at most 120 months)."""
    kpi = kpi_get(code)
    first = month_parse(query.from_month, field="from")
    last = month_parse(query.to_month, field="to")
    range_check(first, last)
    filters = filters_parse(query.dict())
    points = kpi_series(code, first, last, filters)
    return KpiSeries(
        code=kpi.code,
        name=kpi.name,
        unit=kpi.unit.value,
        filters=filters.as_dict(),
        points=[Point(month=str(m), value=calc.as_json(v)) for m, v in points],
    )
