"""Time the demo ISP's history generator against the storage engine's floor.

The run migrates a scratch database, loads the demo catalog, then times only
`demo_history_load` (generating the rows and inserting them in one transaction). The floor
is measured right after, in the same database: one set-based INSERT ... SELECT of as many
rows into a bare ten-column table, the fastest the engine writes that many rows with no
Python in the loop. `ratio_to_floor` = history seconds / floor seconds.

Usage:
  python -m bench.demo [--customers N] [--months M] [--seed S] [--today YYYY-MM-DD]
                       [--db PATH | --database-url postgres://user@host:5432/db]

With --database-url, a scratch database `<db>_bench_<pid>` is created on that server
(through its `postgres` database; the named one need not exist) and dropped at the end.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import date
from typing import Any

from bench.scratch import add_database_arguments, scratch_database

FLOOR_TABLE = "bench_demo_floor"
FLOOR_COLUMNS = (
    "id bigint primary key, customer_id bigint, offer_id bigint, term integer, "
    "street varchar(200), city varchar(100), postal_code varchar(12), "
    "start_date date, end_date date, changes text"
)
# Ten columns like the history's rows: keys, short texts, dates and a JSON-sized text.
SQLITE_FLOOR = f"""
with recursive n(i) as (select 1 union all select i + 1 from n where i < %s)
insert into {FLOOR_TABLE}
select i, i / 2, i % 6, 12, 'ul. Lipowa ' || (i % 150), 'Warszawa', '00-' || (i % 1000),
       date('2024-11-01', '+' || (i % 700) || ' days'), null,
       '{{"offer": "speedster", "version": 1, "term_months": 0, "customer": ' || i || '}}'
from n
"""  # noqa: S608 - a constant table name
POSTGRES_FLOOR = f"""
insert into {FLOOR_TABLE}
select i, i / 2, mod(i, 6), 12, 'ul. Lipowa ' || mod(i, 150), 'Warszawa', '00-' || mod(i, 1000),
       date '2024-11-01' + mod(i, 700)::int, null,
       '{{"offer": "speedster", "version": 1, "term_months": 0, "customer": ' || i || '}}'
from generate_series(1, %s) as i
"""  # noqa: S608 - a constant table name


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.demo",
        description="Time `rota demo`'s history generation and compare it with the engine's floor.",
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--today", type=date.fromisoformat, default=None, help="last day of the history"
    )
    add_database_arguments(parser)
    return parser.parse_args()


def _floor(rows: int) -> float:
    """Return the seconds one INSERT ... SELECT of `rows` rows takes in a bare table."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} ({FLOOR_COLUMNS})")
    sql = POSTGRES_FLOOR if connection.vendor == "postgresql" else SQLITE_FLOOR
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [rows])
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {FLOOR_TABLE}")
    return seconds


def _engine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("show server_version")
            return f"postgresql {cursor.fetchone()[0]}"
        cursor.execute("select sqlite_version()")
        return f"sqlite {cursor.fetchone()[0]}"


def _run(args: argparse.Namespace) -> dict[str, Any]:
    import django
    from django.core.management import call_command
    from django.utils import timezone

    django.setup()
    from rota.audit.actors import Actor
    from rota.customers.models import Customer
    from rota.demo.history import demo_history_load
    from rota.demo.services import demo_catalog_load
    from rota.subscriptions.models import Plan, PlanPhase, Subscription

    call_command("migrate", verbosity=0)
    actor = Actor.system("demo")
    demo_catalog_load(actor=actor)
    started = time.perf_counter()
    summary = demo_history_load(
        customers=args.customers,
        months=args.months,
        seed=args.seed,
        today=args.today or timezone.localdate(),
        actor=actor,
    )
    seconds = time.perf_counter() - started
    if summary is None:
        raise SystemExit("the scratch database already had customers")
    floor = _floor(summary.rows)
    return {
        "engine": _engine(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "customers": summary.customers,
        "months": args.months,
        "seed": args.seed,
        "subscriptions": summary.subscriptions,
        "plans": Plan.objects.count(),
        "plan_phases": PlanPhase.objects.count(),
        "rows": summary.rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(summary.rows / seconds),
        "floor_seconds": round(floor, 2),
        "floor_rows_per_second": round(summary.rows / floor),
        "ratio_to_floor": round(seconds / floor, 1),
        "check": Customer.objects.count() == summary.customers
        and Subscription.objects.count() == summary.subscriptions,
    }


def main() -> None:
    """Run the benchmark and print its figures as JSON."""
    args = _arguments()
    with scratch_database("demo", args.db, args.database_url):
        print(json.dumps(_run(args)))


if __name__ == "__main__":
    main()
