"""`rota bill --period YYYY-MM [--issue-date YYYY-MM-DD] [--dry-run]`: run billing for a month."""

from __future__ import annotations

import sys
from datetime import date
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from rota.audit.actors import Actor
from rota.billing.services import billing_run
from rota.core.errors import DomainError
from rota.core.money import format_amount


class Command(BaseCommand):
    help = "Bill a calendar month: one invoice per customer, catching up and crediting changes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="the month to bill, YYYY-MM")
        parser.add_argument("--issue-date", type=date.fromisoformat, default=None)
        parser.add_argument("--dry-run", action="store_true", help="compute, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=cast(IO[str], self.stdout), width=100)
        try:
            if sys.stdout.isatty():
                with Progress(console=console, transient=True) as bar:
                    task = bar.add_task("Billing", total=None)
                    summary = billing_run(
                        period=options["period"],
                        issue_date=options["issue_date"],
                        dry_run=options["dry_run"],
                        actor=Actor.system("bill"),
                        progress=lambda done, total: bar.update(task, completed=done, total=total),
                    )
            else:
                summary = billing_run(
                    period=options["period"],
                    issue_date=options["issue_date"],
                    dry_run=options["dry_run"],
                    actor=Actor.system("bill"),
                )
        except DomainError as exc:
            details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            raise CommandError(details or exc.detail) from exc
        title = f"Billing {summary.period}" + (
            " (dry run: nothing written)" if summary.dry_run else ""
        )
        table = Table("invoices", "lines", "net", "tax", "gross", "numbers", title=title)
        numbers = f"{summary.first_number} – {summary.last_number}" if summary.first_number else "-"
        table.add_row(
            str(summary.invoices),
            str(summary.lines),
            format_amount(summary.net_minor),
            format_amount(summary.tax_minor),
            format_amount(summary.gross_minor),
            numbers,
        )
        console.print(table)
