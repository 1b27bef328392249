"""`rota demo`: load the demo ISP: its catalog, a history of customers on it, its billing."""

from __future__ import annotations

from argparse import ArgumentTypeError
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rota.audit.actors import Actor
from rota.demo.billing import demo_billing_load
from rota.demo.history import demo_history_load
from rota.demo.planning import demo_plan_load
from rota.demo.services import demo_catalog_load
from rota.demo.support import demo_support_load
from rota.installation.selectors import installation_today
from rota.support.services import sla_policies_load_defaults


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"not a date such as 2026-11-21: {text!r}") from None


def _count(text: str) -> int:
    if not text.isdigit():
        raise ArgumentTypeError(f"not a whole number of at least 0: {text!r}")
    return int(text)


class Command(BaseCommand):
    help = (
        "Load the demo ISP's catalog (existing codes are left alone), then generate a "
        "deterministic history of customers on it, billed and mostly paid, unless the database "
        "already has customers, and the ISP's plans, unless they exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customers",
            type=_count,
            default=3000,
            help="customers to generate (default 3000; 0 loads only the catalog)",
        )
        parser.add_argument(
            "--months", type=_count, default=24, help="months of history (default 24)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--today",
            type=_day,
            default=None,
            help="the day the history ends, YYYY-MM-DD (default today)",
        )
        parser.add_argument(
            "--no-billing",
            action="store_true",
            help="do not bill the generated history's months nor record its payments",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("demo")
        addons, offers = demo_catalog_load(actor=actor)
        self.stdout.write(f"Demo catalog: {offers} offers and {addons} add-ons created.")
        sla_policies_load_defaults(actor=actor)
        customers = options["customers"]
        if not customers:
            return
        with self._progress(customers) as advance:
            summary = demo_history_load(
                customers=customers,
                months=options["months"],
                seed=options["seed"],
                today=options["today"] or installation_today(),
                actor=actor,
                progress=advance,
            )
        if summary is None:
            self.stdout.write("Demo history: the database already has customers; none generated.")
        else:
            support = demo_support_load(
                seed=options["seed"], months=options["months"], today=options["today"]
            )
            self.stdout.write(f"{summary.line()} {support.line() if support else ''}".strip())
            if not options["no_billing"]:
                self._bill(actor, options["seed"], options["today"] or installation_today())
        planned = demo_plan_load(today=options["today"] or installation_today(), actor=actor)
        if planned is None:
            self.stdout.write("Demo planning: the plans exist already; none created.")
        else:
            self.stdout.write(planned.line())

    def _bill(self, actor: Actor, seed: int, today: date) -> None:
        """Bill the months of the history just generated and record its payments."""
        if self.stdout.isatty():
            columns = (
                TextColumn("Demo billing"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("months"),
                TimeElapsedColumn(),
            )
            with Progress(*columns, transient=True) as bar:
                task = bar.add_task("billing", total=None)
                billed = demo_billing_load(
                    seed=seed,
                    today=today,
                    actor=actor,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
        else:
            billed = demo_billing_load(seed=seed, today=today, actor=actor)
        if billed is None:
            self.stdout.write("Demo billing: the database already has invoices; none billed.")
        else:
            self.stdout.write(billed.line())

    @contextmanager
    def _progress(self, total: int) -> Iterator[Callable[[int], None] | None]:
        """Show a progress bar on a terminal; elsewhere stay quiet."""
        if not self.stdout.isatty():
            yield None
            return
        columns = (
            TextColumn("Demo history"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("customers"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, transient=True) as progress:
            task = progress.add_task("history", total=total)
            yield lambda done: progress.advance(task, done)
