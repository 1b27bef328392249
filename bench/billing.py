"""Time a month-end billing run against the storage engine's floor for writing invoices.

The run migrates a scratch database, loads the demo catalog and a short demo history (not
timed), then times `billing_run` for the month of --today, the run a finance person does
at month end: every customer's uncovered service days become one invoice with its lines.
It then times the same period again (a re-run must add nothing) and, in the same process,
the floor: /work/shared/bench/billing_floor.py's set-based INSERT ... SELECT writing one
invoice and one line per subscription, for as many subscriptions, in a scratch SQLite file
(`../shared/bench/billing_floor.py` from the project root; the same statements inline if
that file is missing), best of three rounds. `ratio_to_floor` = billing seconds / floor
seconds.

Usage:
  python -m bench.billing [--subscriptions N] [--months M] [--seed S] [--today YYYY-MM-DD]
                          [--next-month]
                          [--db PATH | --database-url postgres://user@host:5432/db]

--subscriptions is a target: the demo draws about 1.23 subscriptions per customer, so the
bench asks for subscriptions / 1.23 customers and reports the number it got. --months is
the length of the demo history (default 1: subscriptions are billed from the window's
first day, so the run catches up one month and bills the current one). With
--database-url, a scratch database `<db>_bench_<pid>` is created on that server (through
its `postgres` database; the named one need not exist) and dropped at the end; the floor
is SQLite's either way. --next-month also times the run of the following month (issued on
its first day) after the re-run: the month-end run of a database that already holds a
month of invoices, reported in the table only.

Prints a table (seconds, invoices per second, peak memory, ratio to the floor, the re-run)
and, as its last line, one JSON object with the keys `subscriptions`, `invoices`, `seconds`,
`floor_seconds`, `ratio`, `peak_rss_mib` and `engine`. Peak memory is the process's peak
resident set during the two billing runs (Linux resets the peak first; elsewhere it is the
peak of the whole process); PostgreSQL's own server processes are not in it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import resource
import sqlite3
import time
from datetime import date
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from bench.scratch import add_database_arguments, scratch_database

SUBSCRIPTIONS_PER_CUSTOMER = 1.23
PROJECT_ROOT = Path(__file__).resolve().parent.parent
FLOOR_SCRIPT = PROJECT_ROOT.parent / "shared" / "bench" / "billing_floor.py"
FLOOR_ROUNDS = 3

# The floor's statements, used only when FLOOR_SCRIPT is missing (same SQL as that file).
FLOOR_SCHEMA = """
create table subscription(id integer primary key, customer_id int, offer_id int, start_date text);
create table phase(offer_id int, from_month int, to_month int, price_minor int);
create table invoice(id integer primary key, customer_id int, period text, net_minor int,
                     tax_minor int, gross_minor int, unique(customer_id, period));
create table invoice_line(id integer primary key, invoice_id int, subscription_id int,
                          period text, amount_minor int, unique(subscription_id, period));
"""
FLOOR_MONTH_INDEX = (
    "((cast(strftime('%Y', :period_start) as int) - cast(strftime('%Y', s.start_date) as int)) * 12"
    " + cast(strftime('%m', :period_start) as int) - cast(strftime('%m', s.start_date) as int))"
)


def _floor_build(db: sqlite3.Connection, n: int) -> None:
    db.executescript(FLOOR_SCHEMA)
    db.executemany(
        "insert into phase values (?, ?, ?, ?)",
        [(o, 0, 3, 10500) for o in range(6)] + [(o, 3, 100000, 9499) for o in range(6)],
    )
    db.execute(
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < ?) "
        "insert into subscription select i, i, i % 6, "
        "date('2024-01-01', '+' || (i % 700) || ' days') from n",
        (n,),
    )
    db.commit()


def _floor_bill(db: sqlite3.Connection, period: str) -> None:
    params = {"period": period, "period_start": period + "-01"}
    db.execute(
        f"""insert into invoice_line(invoice_id, subscription_id, period, amount_minor)
        select s.customer_id, s.id, :period, p.price_minor
        from subscription s join phase p on p.offer_id = s.offer_id
         and {FLOOR_MONTH_INDEX} >= p.from_month and {FLOOR_MONTH_INDEX} < p.to_month""",  # noqa: S608
        params,
    )
    db.execute(
        """insert into invoice(id, customer_id, period, net_minor, tax_minor, gross_minor)
        select invoice_id, invoice_id, period, sum(amount_minor), sum(amount_minor) * 23 / 100,
               sum(amount_minor) * 123 / 100
        from invoice_line where period = :period group by invoice_id""",
        params,
    )
    db.commit()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.billing",
        description="Time a month-end `billing_run` and compare it with the engine's floor.",
    )
    parser.add_argument(
        "--subscriptions",
        type=int,
        default=100_000,
        help="approximate number of subscriptions (the demo gets subscriptions / 1.23 customers)",
    )
    parser.add_argument(
        "--months",
        type=int,
        default=1,
        help="months of demo history before --today's month (default 1: little catch-up)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--next-month",
        action="store_true",
        help="also time the next month's run, on top of the invoices of the first (table only)",
    )
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="the run's date and issue date; the period billed is its month (default: today)",
    )
    add_database_arguments(parser)
    return parser.parse_args()


def _floor_module() -> tuple[Any, str]:
    """Return the floor's `build` and `bill`, from the shared script if present, and its source."""
    if FLOOR_SCRIPT.is_file():
        spec = importlib.util.spec_from_file_location("billing_floor", FLOOR_SCRIPT)
        if spec is not None and spec.loader is not None:
            module: ModuleType = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module, str(FLOOR_SCRIPT)
    return SimpleNamespace(build=_floor_build, bill=_floor_bill), "inline"


def _floor(subscriptions: int, period: str, scratch: Path) -> tuple[float, str]:
    """Return the floor's best time of FLOOR_ROUNDS for `subscriptions`, and its source.

    Each round bills a fresh file (the floor's unique indexes forbid billing twice); the
    best round is the floor, since one round can be 50% slower when the machine is busy.
    """
    floor, source = _floor_module()
    best = float("inf")
    for _ in range(FLOOR_ROUNDS):
        db = sqlite3.connect(scratch / "floor.sqlite3")
        try:
            db.execute("pragma journal_mode=wal")
            db.execute("pragma synchronous=normal")
            floor.build(db, subscriptions)
            started = time.perf_counter()
            floor.bill(db, period)
            best = min(best, time.perf_counter() - started)
        finally:
            db.close()
        for leftover in scratch.glob("floor.sqlite3*"):
            leftover.unlink()
    return best, source


def _engine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("show server_version")
            return f"postgresql {cursor.fetchone()[0]}"
        cursor.execute("select sqlite_version()")
        return f"sqlite {cursor.fetchone()[0]}"


def _reset_peak_rss() -> None:
    """Start measuring the peak resident set afresh (Linux only; elsewhere a no-op)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mib() -> float:
    """Return the peak resident set since the last reset, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _counts() -> tuple[int, int]:
    from rota.billing.models import Invoice, InvoiceLine

    return Invoice.objects.count(), InvoiceLine.objects.count()


def _run(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    import django
    from django.core.management import call_command
    from django.utils import timezone

    django.setup()
    from rota.audit.actors import Actor
    from rota.billing.services import billing_run
    from rota.core.periods import Month
    from rota.demo.history import demo_history_load
    from rota.demo.services import demo_catalog_load

    today = args.today or timezone.localdate()
    period = str(Month.of(today))
    customers = max(1, round(args.subscriptions / SUBSCRIPTIONS_PER_CUSTOMER))

    call_command("migrate", verbosity=0)
    demo = Actor.system("demo")
    demo_catalog_load(actor=demo)
    history = demo_history_load(
        customers=customers, months=args.months, seed=args.seed, today=today, actor=demo
    )
    if history is None:
        raise SystemExit("the scratch database already had customers")

    actor = Actor.system("bench")
    _reset_peak_rss()
    started = time.perf_counter()
    first = billing_run(period=period, issue_date=today, actor=actor, today=today)
    seconds = time.perf_counter() - started
    after_first = _counts()

    started = time.perf_counter()
    again = billing_run(period=period, issue_date=today, actor=actor, today=today)
    rerun_seconds = time.perf_counter() - started
    after_rerun = _counts()
    peak_rss = _peak_rss_mib()

    following: dict[str, Any] = {}
    if args.next_month:
        month = Month.of(today).next()
        started = time.perf_counter()
        after = billing_run(period=str(month), issue_date=month.start, actor=actor, today=today)
        following = {
            "next_period": str(month),
            "next_invoices": after.invoices,
            "next_lines": after.lines,
            "next_seconds": round(time.perf_counter() - started, 2),
        }

    floor, floor_source = _floor(history.subscriptions, period, scratch)
    return {
        "engine": _engine(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "customers": history.customers,
        "subscriptions": history.subscriptions,
        "months": args.months,
        "seed": args.seed,
        "period": period,
        "issue_date": today.isoformat(),
        "history_seconds": round(history.seconds, 2),
        "invoices": first.invoices,
        "lines": first.lines,
        "first_number": first.first_number,
        "last_number": first.last_number,
        "gross_minor": first.gross_minor,
        "seconds": round(seconds, 2),
        "subscriptions_per_second": round(history.subscriptions / seconds),
        "lines_per_second": round(first.lines / seconds),
        "invoices_per_second": round(first.invoices / seconds),
        "rerun_invoices": again.invoices,
        "rerun_lines": again.lines,
        "rerun_seconds": round(rerun_seconds, 2),
        "floor_engine": f"sqlite {sqlite3.sqlite_version}",
        "floor_source": floor_source,
        "floor_seconds": round(floor, 3),
        "floor_rows_per_second": round(2 * history.subscriptions / floor),
        "ratio_to_floor": round(seconds / floor, 1),
        "peak_rss_mib": round(peak_rss),
        "check": after_first == (first.invoices, first.lines)
        and after_rerun == after_first
        and again.invoices == again.lines == 0,
        **following,
    }


def _table(figures: dict[str, Any]) -> str:
    """Return the figures people read, as a small aligned table."""
    rows = [
        ("engine", figures["engine"]),
        ("customers", f"{figures['customers']:,}"),
        ("subscriptions", f"{figures['subscriptions']:,}"),
        ("invoices", f"{figures['invoices']:,}"),
        ("lines", f"{figures['lines']:,}"),
        ("numbers", f"{figures['first_number']} .. {figures['last_number']}"),
        ("seconds", f"{figures['seconds']:.2f}"),
        ("invoices per second", f"{figures['invoices_per_second']:,}"),
        ("peak memory", f"{figures['peak_rss_mib']:,} MiB"),
        ("floor seconds", f"{figures['floor_seconds']:.3f} ({figures['floor_engine']})"),
        ("ratio to floor", f"{figures['ratio_to_floor']:.1f}"),
        ("re-run seconds", f"{figures['rerun_seconds']:.2f}"),
        ("re-run adds", f"{figures['rerun_invoices']} invoices, {figures['rerun_lines']} lines"),
        ("check", "ok" if figures["check"] else "FAILED"),
    ]
    if "next_period" in figures:
        rows.append(
            (
                f"next month ({figures['next_period']})",
                f"{figures['next_seconds']:.2f} s, {figures['next_invoices']:,} invoices,"
                f" {figures['next_lines']:,} lines",
            )
        )
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main() -> None:
    """Run the benchmark; print the table, then the figures as one JSON object."""
    args = _arguments()
    with scratch_database("billing", args.db, args.database_url) as scratch:
        figures = _run(args, scratch)
    print(_table(figures))
    print(
        json.dumps(
            {
                "subscriptions": figures["subscriptions"],
                "invoices": figures["invoices"],
                "seconds": figures["seconds"],
                "floor_seconds": figures["floor_seconds"],
                "ratio": figures["ratio_to_floor"],
                "peak_rss_mib": figures["peak_rss_mib"],
                "engine": figures["engine"],
            }
        )
    )


if __name__ == "__main__":
    main()
