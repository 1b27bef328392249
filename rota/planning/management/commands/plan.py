"""`rota plan list` and `rota plan status PLAN [--format table|json]`."""

from __future__ import annotations

import json
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from rota.core.errors import DomainError
from rota.planning import selectors
from rota.planning.report import expected_text, figure, status_label
from rota.planning.schemas import number


def _metric(m: selectors.Measure) -> str:
    """Return what a key result measures: "churn_rate (segment business)" or "manual: visits"."""
    kr = m.key_result
    if kr.is_manual:
        return f"manual: {kr.unit}" if kr.unit else "manual"
    filters = ", ".join(f"{k} {v}" for k, v in kr.filters.items())
    return f"{kr.kpi_code} ({filters})" if filters else kr.kpi_code


def _as_of(m: selectors.Measure) -> str:
    """Return the measured month (a KPI) or the check-in's day (a manual metric)."""
    if m.month is not None:
        return str(m.month)
    return m.as_of.isoformat() if m.as_of else "—"


class Command(BaseCommand):
    help = "List the plans, or print each key result of a plan with its live status."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="list|status")
        listing = actions.add_parser("list", help="every plan with its counts")
        listing.add_argument("--format", choices=["table", "json"], default="table")
        status = actions.add_parser("status", help="a plan's key results and their status")
        status.add_argument("plan", help="the plan's name or id")
        status.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list(options["format"])
        else:
            self._status(options["plan"], options["format"])

    def _print(self, table: Table) -> None:
        Console(file=cast(IO[str], self.stdout), width=140).print(table)

    def _list(self, output: str) -> None:
        plans = list(selectors.plans_with_counts().order_by("-starts_on", "name"))
        rows = [
            {
                "id": p.pk,
                "name": p.name,
                "kind": p.kind,
                "starts_on": p.starts_on.isoformat(),
                "owner": p.owner.get_username(),
                "objectives": p.objective_count,  # type: ignore[attr-defined]
                "key_results": p.key_result_count,  # type: ignore[attr-defined]
                "open_actions": p.open_action_count,  # type: ignore[attr-defined]
            }
            for p in plans
        ]
        if output == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("No plans yet.")
            return
        table = Table("id", "plan", "kind", "starts", "owner", "objectives", "KRs", "open actions")
        table.title = "Plans"
        for row in rows:
            table.add_row(*(str(v) for v in row.values()))
        self._print(table)

    def _status(self, name_or_id: str, output: str) -> None:
        try:
            plan = selectors.plan_find(name_or_id)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        measures = selectors.plan_measures(plan)
        if output == "json":
            body = {
                "plan": plan.name,
                "starts_on": plan.starts_on.isoformat(),
                "key_results": [
                    {
                        "id": m.key_result.pk,
                        "objective": m.key_result.objective.title,
                        "title": m.key_result.title,
                        "kpi_code": m.key_result.kpi_code,
                        "filters": m.key_result.filters,
                        "unit": m.key_result.unit,
                        "mode": m.key_result.mode,
                        "baseline": number(m.key_result.baseline),
                        "bound": number(m.key_result.bound),
                        "expected": number(m.expected),
                        "actual": number(m.actual),
                        "status": str(m.status),
                        "as_of": m.as_of.isoformat() if m.as_of else None,
                        "month": str(m.month) if m.month else None,
                    }
                    for m in measures
                ],
            }
            self.stdout.write(json.dumps(body, indent=2))
            return
        if not measures:
            self.stdout.write(f"{plan.name} has no key results yet.")
            return
        table = Table(
            "objective",
            "key result",
            "KPI / metric",
            "baseline",
            "expected",
            "actual",
            "status",
            "as of",
        )
        table.title = f"{plan.name}: key results (from {plan.starts_on.isoformat()})"
        for column in table.columns[3:6]:
            column.justify = "right"
        for m in measures:
            kr = m.key_result
            table.add_row(
                kr.objective.title,
                kr.title,
                _metric(m),
                figure(kr.baseline, kr),
                expected_text(m.expected, kr),
                figure(m.actual, kr),
                status_label(m.status),
                _as_of(m),
            )
        self._print(table)
