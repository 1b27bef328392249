"""Time the KPI engine: all KPIs of one month, and the 13-month dashboard cold and warm.

The run migrates a scratch database and loads the demo ISP (not timed): its catalog and
SLA policies, a history of customers, their tickets and network incidents, and (unless
--no-billing) every month billed and mostly paid, then refreshes the planner's statistics
(ANALYZE). Then it times, for the last closed month before --today:

- `month_seconds`: every KPI of that month computed from the data (no snapshots);
- `dashboard_cold_seconds`: the dashboard's data for the 13 months up to it with no
  snapshots (every month computed in one pass per KPI family, then stored);
- `dashboard_warm_seconds`: the same again, now read from the snapshots.

Usage:
  python -m bench.kpis [--subscriptions N] [--months M] [--seed S] [--today YYYY-MM-DD]
                       [--no-billing] [--db PATH | --database-url postgres://user@host/db]

--subscriptions is a target: the demo draws about 1.23 subscriptions per customer. Billing
the demo history takes far longer than the KPIs (about 11 minutes for 100,000
subscriptions and 14 months on SQLite); --no-billing leaves invoices and payments out.
With --database-url, a scratch database `<db>_bench_<pid>` is created on that server and
dropped at the end. Prints a table and, as its last line, one JSON object with the keys
`subscriptions`, `month_seconds`, `dashboard_cold_seconds`, `dashboard_warm_seconds` and
`engine`.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from typing import Any

from bench.scratch import add_database_arguments, scratch_database

SUBSCRIPTIONS_PER_CUSTOMER = 1.23


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.kpis",
        description="Time every KPI of a month and the 13-month KPI dashboard, cold and warm.",
    )
    parser.add_argument(
        "--subscriptions",
        type=int,
        default=100_000,
        help="approximate number of subscriptions (the demo gets subscriptions / 1.23 customers)",
    )
    parser.add_argument(
        "--months", type=int, default=14, help="months of demo history (default 14)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="the demo's last day; the month timed is the one before (default: today)",
    )
    parser.add_argument(
        "--no-billing", action="store_true", help="do not bill the history nor record payments"
    )
    add_database_arguments(parser)
    return parser.parse_args()


def _engine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("show server_version")
            return f"postgresql {cursor.fetchone()[0]}"
        cursor.execute("select sqlite_version()")
        return f"sqlite {cursor.fetchone()[0]}"


def _load(args: argparse.Namespace, today: date) -> dict[str, Any]:
    """Load the demo ISP; return what it holds and how long each part took."""
    from django.core.management import call_command

    from rota.audit.actors import Actor
    from rota.demo.billing import demo_billing_load
    from rota.demo.history import demo_history_load
    from rota.demo.services import demo_catalog_load
    from rota.demo.support import demo_support_load
    from rota.support.services import sla_policies_load_defaults

    call_command("migrate", verbosity=0)
    demo = Actor.system("demo")
    demo_catalog_load(actor=demo)
    sla_policies_load_defaults(actor=demo)
    customers = max(1, round(args.subscriptions / SUBSCRIPTIONS_PER_CUSTOMER))
    history = demo_history_load(
        customers=customers, months=args.months, seed=args.seed, today=today, actor=demo
    )
    if history is None:
        raise SystemExit("the scratch database already had customers")
    started = time.perf_counter()
    demo_support_load(seed=args.seed, months=args.months, today=today)
    support_seconds = time.perf_counter() - started
    billing_seconds = 0.0
    if not args.no_billing:
        started = time.perf_counter()
        demo_billing_load(seed=args.seed, today=today, actor=demo)
        billing_seconds = time.perf_counter() - started
    return {
        "customers": history.customers,
        "subscriptions": history.subscriptions,
        "history_seconds": round(history.seconds, 1),
        "support_seconds": round(support_seconds, 1),
        "billing_seconds": round(billing_seconds, 1),
    }


def _counts() -> dict[str, int]:
    from rota.billing.models import Invoice, Payment
    from rota.support.models import Incident, IncidentImpact, Ticket

    return {
        "invoices": Invoice.objects.count(),
        "payments": Payment.objects.count(),
        "tickets": Ticket.objects.count(),
        "incidents": Incident.objects.count(),
        "impacts": IncidentImpact.objects.count(),
    }


def _run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    import time_machine
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test import RequestFactory
    from django.urls import reverse
    from django.utils import timezone

    from rota.core.periods import Month
    from rota.kpis.filters import Filters
    from rota.kpis.models import KpiSnapshot
    from rota.kpis.selectors import figures_compute
    from rota.kpis.views import dashboard

    today = args.today or timezone.localdate()
    figures: dict[str, Any] = {"engine": _engine(), "months": args.months, "seed": args.seed}
    figures.update(_load(args, today))
    # Fresh statistics after the bulk load, as autovacuum (PostgreSQL) or a periodic
    # ANALYZE (SQLite) keeps them in a running installation.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    figures.update(_counts())
    # Load the URL map once, as a running server has (the dashboard links to lists).
    reverse("admin:index")
    request = RequestFactory().get("/admin/")
    request.user = AnonymousUser()
    # The installation's "today" decides which months are closed: pin it to --today.
    with time_machine.travel(timezone.make_aware(timezone.datetime(*today.timetuple()[:3], 12))):
        month = Month.of(today).previous()
        started = time.perf_counter()
        values = figures_compute(month, month, Filters())[month].values
        figures["month_seconds"] = round(time.perf_counter() - started, 3)
        KpiSnapshot.objects.all().delete()
        started = time.perf_counter()
        cold = dashboard(request)
        figures["dashboard_cold_seconds"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        warm = dashboard(request)
        figures["dashboard_warm_seconds"] = round(time.perf_counter() - started, 3)
        figures["families"] = _families(month)
    figures["month"] = str(month)
    figures["snapshots"] = KpiSnapshot.objects.count()
    figures["check"] = [c.value for c in cold["cards"]] == [c.value for c in warm["cards"]]
    figures["active_subscribers"] = values["active_subscribers"]
    figures["mrr"] = str(values["mrr"])
    return figures


def _families(last: Any) -> dict[str, float]:
    """Return the seconds each KPI family's SQL takes for the dashboard's 13 months."""
    from django.db import connection, transaction
    from django.utils import timezone

    from rota.installation.selectors import installation_zone
    from rota.kpis import queries
    from rota.kpis.filters import Filters

    first = last
    for _ in range(12):
        first = first.previous()
    r = queries.Range(first, last, installation_zone(), timezone.now())
    out = {}
    families = ("subscriber_rows", "price_rows", "revenue", "collection", "overdue", "tickets")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '128MB'")  # as queries.compute does
        for name in (*families, "incidents"):
            started = time.perf_counter()
            getattr(queries, name)(r, Filters())
            out[name] = round(time.perf_counter() - started, 3)
    return out


def _table(figures: dict[str, Any]) -> str:
    rows = [
        ("engine", figures["engine"]),
        ("customers", f"{figures['customers']:,}"),
        ("subscriptions", f"{figures['subscriptions']:,}"),
        ("months of history", str(figures["months"])),
        ("invoices / payments", f"{figures['invoices']:,} / {figures['payments']:,}"),
        ("tickets", f"{figures['tickets']:,}"),
        ("incidents / lines hit", f"{figures['incidents']:,} / {figures['impacts']:,}"),
        (
            "load seconds",
            f"history {figures['history_seconds']}, support "
            f"{figures['support_seconds']}, billing {figures['billing_seconds']}",
        ),
        (
            "month",
            f"{figures['month']}: {figures['active_subscribers']:,} active, MRR {figures['mrr']}",
        ),
        ("one month, all KPIs", f"{figures['month_seconds']:.3f} s"),
        ("dashboard cold (13 months)", f"{figures['dashboard_cold_seconds']:.3f} s"),
        ("dashboard warm", f"{figures['dashboard_warm_seconds']:.3f} s"),
        ("snapshots", str(figures["snapshots"])),
        (
            "cold, per family (s)",
            ", ".join(f"{name} {seconds}" for name, seconds in figures["families"].items()),
        ),
        ("check", "ok" if figures["check"] else "FAILED"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main() -> None:
    """Run the benchmark; print the table, then the figures as one JSON object."""
    args = _arguments()
    with scratch_database("kpis", args.db, args.database_url):
        figures = _run(args)
    print(_table(figures))
    print(
        json.dumps(
            {
                "subscriptions": figures["subscriptions"],
                "month_seconds": figures["month_seconds"],
                "dashboard_cold_seconds": figures["dashboard_cold_seconds"],
                "dashboard_warm_seconds": figures["dashboard_warm_seconds"],
                "engine": figures["engine"],
            }
        )
    )


if __name__ == "__main__":
    main()
