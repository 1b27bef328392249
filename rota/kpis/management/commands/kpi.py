"""`rota kpi --month YYYY-MM [filters] [--format table|json|csv]` and `rota kpi refresh`."""

from __future__ import annotations

import csv
import json
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from rota.core.errors import DomainError
from rota.kpis import calc
from rota.kpis.definitions import KPIS
from rota.kpis.filters import FILTER_FIELDS
from rota.kpis.selectors import closed_before, filters_parse, month_parse
from rota.kpis.services import kpi_months, snapshots_refresh


class Command(BaseCommand):
    help = (
        "Show every KPI of a month (default: the last closed month) for a slice, or "
        "`refresh` the snapshots that back-dated changes made stale."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", nargs="?", choices=["show", "refresh"], default="show", help="show|refresh"
        )
        parser.add_argument("--month", help="YYYY-MM (default: the last closed month)")
        for name in FILTER_FIELDS:
            parser.add_argument(f"--{name}", default="")
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
        parser.add_argument(
            "--all", action="store_true", help="refresh: recompute every snapshot, not only stale"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "refresh":
                done = snapshots_refresh(everything=options["all"])
                self.stdout.write(f"Recomputed {done} KPI snapshot(s).")
                return
            month = (
                month_parse(options["month"], field="month")
                if options["month"]
                else closed_before().previous()
            )
            filters = filters_parse({name: options[name] for name in FILTER_FIELDS})
            figures = kpi_months(month.previous(), month, filters)
        except DomainError as exc:
            details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            raise CommandError(details or exc.detail) from exc
        values, before = figures[month].values, figures[month.previous()].values
        if options["format"] == "json":
            body = {
                "month": str(month),
                "filters": filters.as_dict(),
                "values": {code: calc.as_json(v) for code, v in values.items()},
            }
            self.stdout.write(json.dumps(body, indent=2))
        elif options["format"] == "csv":
            writer = csv.writer(cast(IO[str], self.stdout), lineterminator="\n")
            writer.writerow(["code", "name", "unit", "value", "previous"])
            for kpi in KPIS:
                writer.writerow(
                    [
                        kpi.code,
                        kpi.name,
                        kpi.unit.value,
                        calc.as_json(values[kpi.code]),
                        calc.as_json(before[kpi.code]),
                    ]
                )
        else:
            slice_text = ", ".join(f"{k} {v}" for k, v in filters.as_dict().items()) or "all"
            table = Table("KPI", "value", "unit", f"{month.previous()}", "change")
            table.title = f"KPIs {month} ({slice_text})"
            for column in table.columns[1:]:
                column.justify = "right"
            for kpi in KPIS:
                now, then = values[kpi.code], before[kpi.code]
                diff = calc.change(now, then)
                sign = "+" if diff > 0 else ""
                table.add_row(
                    kpi.name,
                    calc.shown(now),
                    kpi.unit.value,
                    calc.shown(then),
                    f"{sign}{calc.shown(diff)}",
                )
            Console(file=cast(IO[str], self.stdout), width=100).print(table)
