"""The set-based half of the billing run: regular months priced in SQL, then every write.

Most subscriptions have a regular month: one plan, no suspension, nothing credited, no fee
to charge, and what is already invoiced covers exactly their service days from `bill_from`
up to a day C. What a run adds for them is the days from C to the end of the period (or of
service), split by calendar month and price phase, and the same for each add-on: plain
integer arithmetic that SQL does for a million subscriptions at once (see
docs/adr/0008-set-based-regular-month-billing.md). They are staged as *pieces*: a run of
days at one monthly price (a phase of the plan, an add-on), which the final INSERT cuts by
calendar month and prices as it writes the lines, so no line is written twice. The others
go through the pure engine (`rota/billing/engine.py`), whose finished lines are staged as
pieces too, in the same order. One pass over the pieces sums each customer's invoice and
numbers the customers; invoices and lines are then written with one INSERT ... SELECT each
(see docs/adr/0012-lines-priced-in-the-final-insert.md).

Dates are integer day numbers (days since 1970-01-01) inside the staging tables, so the
arithmetic is the same on SQLite and PostgreSQL; the few dialect differences are in
`Dialect`. Amounts follow `rota/billing/pricing.py` to the cent: with non-negative
integers, `round_half_up(a / b)` is `(2 * a + b) / (2 * b)` in integer division.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.db import connection

from rota.billing.engine import NewLine
from rota.core.periods import Month, add_months

EPOCH = date(1970, 1, 1)
# A day number after every real date: the end of the last price phase.
FAR = 10_000_000
# SQLite's page cache for the run, per schema (the database and the staging tables), and
# PostgreSQL's work_mem.
CACHE_KIB = 128 * 1024
TABLES = ("rota_run_sub", "rota_run_months_after", "rota_run_phase", "rota_run_month",
          "rota_run_day", "rota_run_addon", "rota_run_cover", "rota_run_susp",
          "rota_run_span", "rota_run_piece", "rota_run_invoice")  # fmt: skip

# A piece is either a run of days to bill at one monthly price (a phase of a regular
# subscription's plan, or an add-on), which becomes one line per calendar month it touches,
# or one of the engine's finished lines (lo = hi = 0: it touches no month).
PIECE_KEY = ("cid", "sid", "grp", "k1", "k2", "lo")
ENGINE_LINE_COLUMNS = (
    *PIECE_KEY, "hi", "addon_id", "kind", "name", "price", "tax_rate", "service_start",
    "service_end", "days", "amount", "net", "tax", "gross", "credits_line",
)  # fmt: skip


def day_number(day: date) -> int:
    """Return the number of days since 1970-01-01."""
    return (day - EPOCH).days


class Dialect:
    """The few expressions that SQLite and PostgreSQL spell differently."""

    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def day(self, expr: str) -> str:
        """Return the day number of a date column or expression."""
        if self.pg:
            return f"({expr} - DATE '1970-01-01')"
        return f"CAST(julianday({expr}) - 2440587.5 AS INTEGER)"

    def date(self, expr: str) -> str:
        """Return the date of a day number, as the date columns store it."""
        if self.pg:
            return f"(DATE '1970-01-01' + ({expr}))"
        return f"date(({expr}) + 2440587.5)"

    def text(self, expr: str) -> str:
        """Return a day number as YYYY-MM-DD text."""
        if self.pg:
            return f"to_char({self.date(expr)}, 'YYYY-MM-DD')"
        return self.date(expr)

    def greatest(self, *exprs: str) -> str:
        return f"{'GREATEST' if self.pg else 'max'}({', '.join(exprs)})"

    def least(self, *exprs: str) -> str:
        return f"{'LEAST' if self.pg else 'min'}({', '.join(exprs)})"

    def add_months(self, start: str, months: str) -> str:
        """Return the day number of `add_months(start, months)` (day clamped to the month)."""
        if self.pg:
            return self.day(f"CAST({start} + make_interval(months => {months}) AS date)")
        first = f"date({start}, 'start of month', '+' || ({months}) || ' months')"
        day = f"date({first}, '+' || (CAST(strftime('%%d', {start}) AS INTEGER) - 1) || ' days')"
        last = f"date({start}, 'start of month', '+' || ({months} + 1) || ' months', '-1 day')"
        return self.day(f"min({day}, {last})")

    def basis_points(self, expr: str) -> str:
        """Return a tax rate (at most four decimal places) times 10,000, as an integer."""
        return f"CAST(round({expr} * 10000) AS {'BIGINT' if self.pg else 'INTEGER'})"

    def pad6(self, expr: str) -> str:
        """Return an integer as text, zero-padded to at least six digits (like `:06d`)."""
        if self.pg:
            return (
                f"CASE WHEN {expr} < 1000000 THEN lpad(CAST({expr} AS text), 6, '0') "
                f"ELSE CAST({expr} AS text) END"
            )
        return f"printf('%%06d', {expr})"

    def drop(self, table: str) -> str:
        return f"DROP TABLE IF EXISTS {'pg_temp' if self.pg else 'temp'}.{table}"


def _tax(amount: str, gross_priced: str, rate: str) -> tuple[str, str, str]:
    """Return SQL for net, tax and gross of a non-negative line amount (see `line_tax`).

    `gross_priced` is 1 when the amount includes tax; `rate` is the tax rate in basis points.
    """
    net_of_gross = f"(2 * {amount} * 10000 + 10000 + {rate}) / (2 * (10000 + {rate}))"
    net = f"CASE WHEN {gross_priced} = 1 THEN {net_of_gross} ELSE {amount} END"
    tax = (
        f"CASE WHEN {gross_priced} = 1 THEN {amount} - {net_of_gross} "
        f"ELSE (2 * {amount} * {rate} + 10000) / 20000 END"
    )
    gross = f"CASE WHEN {gross_priced} = 1 THEN {amount} ELSE {amount} + {tax} END"
    return net, tax, gross


class RunTables:
    """The staging tables of one run, on the connection of the run's transaction."""

    def __init__(self, cursor: Any, month: Month, period: str) -> None:
        self.cursor = cursor
        self.d = Dialect(connection.vendor)
        self.month = month
        self.cache_size: int | None = None
        self.params: dict[str, Any] = {
            "period": period,
            "period_end": month.end,
            "pe": day_number(month.end),
        }

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self.cursor.execute(sql, {**self.params, **(params or {})})

    def create(self) -> None:
        """Create the staging tables (temporary: private to this connection)."""
        if not self.d.pg:
            # The run's working set (staging tables, sorts, new index entries) is far larger
            # than SQLite's default page cache of 2 MiB; the connection gets it back after.
            self.cursor.execute("PRAGMA cache_size")
            (self.cache_size,) = self.cursor.fetchone()
            for schema in ("main", "temp"):
                self.cursor.execute(f"PRAGMA {schema}.cache_size = -{CACHE_KIB}")
        else:
            # Sorts and hashes over a million rows; the default 4 MB spills them to disk.
            # SET LOCAL ends with the run's transaction.
            self.cursor.execute(f"SET LOCAL work_mem = '{CACHE_KIB}kB'")
        for table in TABLES:
            self.cursor.execute(self.d.drop(table))
        money = "BIGINT"
        # An INTEGER PRIMARY KEY is SQLite's row id itself: no separate index to look up.
        key = "BIGINT PRIMARY KEY" if self.d.pg else "INTEGER PRIMARY KEY"
        for ddl in (
            f"rota_run_sub (sid {key}, cid BIGINT NOT NULL, bf INTEGER NOT NULL,"
            " e INTEGER NOT NULL, c INTEGER NOT NULL, slow INTEGER NOT NULL, plan_id BIGINT,"
            " version_id BIGINT, cs INTEGER, gross_priced INTEGER, rate INTEGER,"
            " tax_rate NUMERIC(5, 4), suspended INTEGER NOT NULL DEFAULT 0)",
            "rota_run_susp (sid BIGINT NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL)",
            "rota_run_span (sid BIGINT NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL)",
            "rota_run_phase (plan_id BIGINT NOT NULL, from_month INTEGER NOT NULL,"
            f" price {money} NOT NULL, previous_price {money}, lo INTEGER NOT NULL,"
            " hi INTEGER NOT NULL)",
            "rota_run_months_after (cs INTEGER NOT NULL, k INTEGER NOT NULL,"
            " day INTEGER NOT NULL, PRIMARY KEY (cs, k))",
            f"rota_run_month (lo {key}, hi INTEGER NOT NULL, days INTEGER NOT NULL)",
            "rota_run_day (day INTEGER PRIMARY KEY, iso VARCHAR(10) NOT NULL, value DATE NOT NULL)",
            "rota_run_addon (sid BIGINT NOT NULL, addon_id BIGINT NOT NULL,"
            " catalog_id BIGINT NOT NULL, starts INTEGER NOT NULL,"
            f" price {money} NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL)",
            # Keyed by subscription (or add-on): UPDATEs look a row up per staged row.
            f"rota_run_cover (id {key}, n INTEGER NOT NULL, days INTEGER NOT NULL,"
            " first_day INTEGER NOT NULL, stop INTEGER NOT NULL)",
            # Kept in the order of the lines (customer, subscription, the engine's order):
            # the final INSERT reads it in that order, so it needs no sort on SQLite.
            "rota_run_piece (cid BIGINT NOT NULL, sid BIGINT NOT NULL, grp INTEGER NOT NULL,"
            " k1 BIGINT NOT NULL, k2 BIGINT NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL,"
            " addon_id BIGINT, kind VARCHAR(8) NOT NULL, name VARCHAR(200) NOT NULL,"
            f" price {money} NOT NULL, gross_priced INTEGER, rate INTEGER,"
            " tax_rate NUMERIC(5, 4) NOT NULL, service_start DATE, service_end DATE, days INTEGER,"
            f" amount {money}, net {money}, tax {money}, gross {money}, credits_line BIGINT,"
            f" PRIMARY KEY ({', '.join(PIECE_KEY)})){'' if self.d.pg else ' WITHOUT ROWID'}",
            f"rota_run_invoice (cid {key}, rn BIGINT NOT NULL, n BIGINT NOT NULL,"
            f" net {money} NOT NULL, tax {money} NOT NULL)",
        ):
            self.cursor.execute(f"CREATE TEMPORARY TABLE {ddl}")

    def drop(self) -> None:
        for table in TABLES:
            self.cursor.execute(self.d.drop(table))

    def restore(self) -> None:
        """Give the connection back its page cache size (SQLite)."""
        if not self.d.pg and self.cache_size is not None:
            for schema in ("main", "temp"):
                self.cursor.execute(f"PRAGMA {schema}.cache_size = {int(self.cache_size)}")

    # Choosing the subscriptions ------------------------------------------------------------

    def select(self, *, set_based: bool) -> None:
        """Stage every billable subscription of the customers without an invoice for P.

        A subscription stays on the set-based path (slow = 0) only when its month is
        regular; every test below that fails sends it to the engine instead.
        """
        d = self.d
        last = d.least(d.day("s.end_date") + " + 1", "%(pe)s")
        end = f"CASE WHEN s.end_date IS NULL THEN %(pe)s ELSE {last} END"
        not_invoiced = (
            "NOT EXISTS (SELECT 1 FROM billing_invoice i WHERE i.customer_id = s.customer_id"
            " AND i.period = %(period)s AND i.kind = 'regular')"
        )
        # Exactly one plan: its fee rule matters only if service ends by the period's end.
        fee_due = (
            "s.end_date IS NOT NULL AND s.end_date < %(period_end)s"
            " AND p.early_termination_rule <> 'none' AND p.term_months > 0"
        )
        self.execute(
            "INSERT INTO rota_run_sub (sid, cid, bf, e, c, slow, plan_id, version_id,"  # noqa: S608
            " cs, gross_priced, rate, tax_rate)"
            f" SELECT s.id, s.customer_id, {d.day('s.bill_from')}, {end}, {d.day('s.bill_from')},"
            " CASE WHEN %(set_based)s = 1 AND p.id IS NOT NULL"
            f" AND NOT ({fee_due}) THEN 0 ELSE 1 END,"
            f" p.id, p.offer_version_id, {d.day('p.contract_start')},"
            f" CASE WHEN p.prices_include_tax THEN 1 ELSE 0 END, {d.basis_points('p.tax_rate')},"
            " p.tax_rate"
            # The plan if it is the only one; with several (an offer change) or none, p is
            # NULL and the engine works out the spans.
            " FROM subscriptions_subscription s"
            " LEFT JOIN subscriptions_plan p ON p.subscription_id = s.id"
            " AND NOT EXISTS (SELECT 1 FROM subscriptions_plan q"
            " WHERE q.subscription_id = s.id AND q.id <> p.id)"
            f" WHERE s.bill_from < %(period_end)s AND {not_invoiced}",
            {"set_based": 1 if set_based else 0},
        )
        if not set_based:
            return
        self._check_invoiced()
        # A suspension before C (days already invoiced may need a credit), a plan that starts
        # after the first day to bill: the engine's job.
        self.execute(
            "UPDATE rota_run_sub SET slow = 1 WHERE sid IN (SELECT x.subscription_id"  # noqa: S608
            " FROM subscriptions_suspension x JOIN rota_run_sub b ON b.sid = x.subscription_id"
            f" WHERE {d.day('x.start_date')} < b.c)"
        )
        self.execute("UPDATE rota_run_sub SET slow = 1 WHERE slow = 0 AND c < e AND cs > c")
        self._suspensions()
        self._phases()
        self._addons()

    def _suspensions(self) -> None:
        """Stage the days to bill of the subscriptions suspended from C on: C..end minus those.

        Suspensions never overlap, so the days to bill are the gaps before each suspension
        (from the end of the one before it, or from C) and the days after the last one.
        """
        d = self.d
        self.execute(
            "INSERT INTO rota_run_susp (sid, lo, hi)"  # noqa: S608
            f" SELECT b.sid, {d.day('x.start_date')}, CASE WHEN x.end_date IS NULL THEN {FAR}"
            f" ELSE {d.day('x.end_date')} + 1 END"
            " FROM subscriptions_suspension x JOIN rota_run_sub b ON b.sid = x.subscription_id"
            f" WHERE b.slow = 0 AND {d.day('x.start_date')} < b.e"
        )
        self.cursor.execute("CREATE INDEX rota_run_susp_sid ON rota_run_susp (sid, lo)")
        self.execute(
            "UPDATE rota_run_sub SET suspended = 1 WHERE sid IN (SELECT sid FROM rota_run_susp)"
        )
        self.execute(
            "INSERT INTO rota_run_span (sid, lo, hi)"  # noqa: S608
            f" SELECT x.sid, COALESCE((SELECT {d.greatest('MAX(y.hi)', 'b.c')}"
            " FROM rota_run_susp y WHERE y.sid = x.sid AND y.lo < x.lo), b.c), x.lo"
            " FROM rota_run_susp x JOIN rota_run_sub b ON b.sid = x.sid"
            " UNION ALL"
            " SELECT x.sid, MAX(x.hi), MIN(b.e)"
            " FROM rota_run_susp x JOIN rota_run_sub b ON b.sid = x.sid GROUP BY x.sid"
        )
        self.execute("DELETE FROM rota_run_span WHERE lo >= hi")

    def _check_invoiced(self) -> None:
        """Find C, the first day not covered, and check the lines cover exactly bill_from..C."""
        d = self.d
        # CROSS JOIN (here and below): SQLite reads the staged rows first and the lines by
        # index, so a re-run that stages a few subscriptions reads only their lines.
        self.execute(
            "UPDATE rota_run_sub SET slow = 1 WHERE EXISTS (SELECT 1 FROM billing_invoiceline l"
            " WHERE l.subscription_id = rota_run_sub.sid AND l.kind IN ('credit', 'fee'))"
        )
        self.execute(
            "INSERT INTO rota_run_cover (id, n, days, first_day, stop)"  # noqa: S608
            f" SELECT l.subscription_id, COUNT(*), SUM(l.days), MIN({d.day('l.service_start')}),"
            f" MAX({d.day('l.service_end')}) + 1"
            " FROM rota_run_sub b CROSS JOIN billing_invoiceline l"
            " WHERE l.subscription_id = b.sid AND l.kind = 'service' AND b.slow = 0"
            " GROUP BY l.subscription_id"
        )
        # Without credits, service lines never overlap: their days add up to C - bill_from
        # exactly when they cover bill_from..C without a gap.
        self.execute(
            "UPDATE rota_run_sub SET"
            " c = (SELECT x.stop FROM rota_run_cover x WHERE x.id = rota_run_sub.sid),"
            " slow = (SELECT CASE WHEN x.first_day < rota_run_sub.bf"
            " OR x.days <> x.stop - rota_run_sub.bf THEN 1 ELSE 0 END"
            " FROM rota_run_cover x WHERE x.id = rota_run_sub.sid)"
            " WHERE sid IN (SELECT id FROM rota_run_cover)"
        )
        # Days covered after the end of service or of the period need credits.
        self.execute("UPDATE rota_run_sub SET slow = 1 WHERE slow = 0 AND c > e")

    def _phases(self) -> None:
        """Stage each plan's phases with their days; odd schedules go to the engine."""
        # Month k of a contract begins on add_months(contract_start, k): Python's own
        # add_months, once per distinct (contract start, phase month), not per plan.
        self.execute(
            "SELECT DISTINCT b.cs, ph.from_month FROM rota_run_sub b"
            " JOIN subscriptions_planphase ph ON ph.plan_id = b.plan_id"
            " WHERE b.slow = 0 AND b.c < b.e"
        )
        pairs = self.cursor.fetchall()
        insert_rows(
            self.cursor,
            "rota_run_months_after",
            ("cs", "k", "day"),
            [(cs, k, day_number(add_months(EPOCH + timedelta(days=cs), k))) for cs, k in pairs],
        )
        self.execute(
            "INSERT INTO rota_run_phase (plan_id, from_month, price, previous_price, lo, hi)"  # noqa: S608
            " SELECT ph.plan_id, ph.from_month, ph.monthly_price_minor,"
            " LAG(ph.monthly_price_minor) OVER w,"
            # A phase ends where the next one begins: the next row's first day.
            f" lo.day, COALESCE(LEAD(lo.day) OVER w, {FAR})"
            # CROSS JOIN makes SQLite read the staged subscriptions first (a re-run stages a
            # few) and each plan's phases in the order of its index: no sort for the window.
            " FROM rota_run_sub b CROSS JOIN subscriptions_planphase ph"
            " JOIN rota_run_months_after lo ON lo.cs = b.cs AND lo.k = ph.from_month"
            " WHERE ph.plan_id = b.plan_id AND b.slow = 0 AND b.c < b.e"
            " WINDOW w AS (PARTITION BY b.sid ORDER BY ph.from_month)"
        )
        self.cursor.execute("CREATE INDEX rota_run_phase_plan ON rota_run_phase (plan_id)")
        # The engine merges neighbouring phases at one price and rejects a schedule that
        # does not start at month 0; here such plans simply take the engine's path.
        self.execute(
            "UPDATE rota_run_sub SET slow = 1 WHERE slow = 0 AND c < e AND (plan_id IN"
            " (SELECT plan_id FROM rota_run_phase WHERE previous_price = price)"
            " OR plan_id NOT IN (SELECT plan_id FROM rota_run_phase WHERE from_month = 0))"
        )

    def _addons(self) -> None:
        """Stage each add-on's days to bill; a back-dated or credited one goes to the engine."""
        d = self.d
        self.execute(
            "INSERT INTO rota_run_addon (sid, addon_id, catalog_id, starts, price, lo, hi)"  # noqa: S608
            f" SELECT b.sid, a.id, a.addon_id, {d.day('a.start_date')}, a.monthly_price_minor,"
            f" {d.greatest('b.bf', d.day('a.start_date'))},"
            " CASE WHEN a.end_date IS NULL THEN b.e"
            f" ELSE {d.least('b.e', d.day('a.end_date') + ' + 1')} END"
            " FROM subscriptions_subscriptionaddon a"
            " JOIN rota_run_sub b ON b.sid = a.subscription_id"
            " WHERE b.slow = 0"
        )
        # Add-ons are billed outside suspensions too; those of a suspended subscription are
        # left to the engine.
        self.execute(
            "UPDATE rota_run_sub SET slow = 1 WHERE suspended = 1"
            " AND sid IN (SELECT sid FROM rota_run_addon)"
        )
        self.execute("DELETE FROM rota_run_cover")
        self.execute(
            "INSERT INTO rota_run_cover (id, n, days, first_day, stop)"  # noqa: S608
            f" SELECT l.addon_id, COUNT(*), SUM(l.days), MIN({d.day('l.service_start')}),"
            f" MAX({d.day('l.service_end')}) + 1"
            " FROM rota_run_addon a CROSS JOIN billing_invoiceline l"
            " WHERE l.addon_id = a.addon_id AND l.kind = 'addon' GROUP BY l.addon_id"
        )
        # Covered exactly from its first billable day up to A, and nothing missing before C
        # (where the plan might differ): then the days to bill are A (or lo) to hi.
        self.execute(
            "UPDATE rota_run_sub SET slow = 1 WHERE slow = 0 AND sid IN (SELECT a.sid"
            " FROM rota_run_addon a JOIN rota_run_sub b ON b.sid = a.sid"
            " LEFT JOIN rota_run_cover x ON x.id = a.addon_id"
            " WHERE CASE WHEN x.id IS NULL THEN a.lo < a.hi AND a.lo < b.c"
            " ELSE x.first_day < a.lo OR x.stop > a.hi OR x.days <> x.stop - a.lo"
            " OR (x.stop < a.hi AND x.stop < b.c) END)"
        )
        self.execute(
            "UPDATE rota_run_addon SET lo = (SELECT x.stop FROM rota_run_cover x"
            " WHERE x.id = rota_run_addon.addon_id)"
            " WHERE addon_id IN (SELECT id FROM rota_run_cover)"
        )

    def slow_subscriptions(self) -> list[tuple[int, int]]:
        """Return (customer id, subscription id) of the engine's subscriptions, in order."""
        self.execute("SELECT cid, sid FROM rota_run_sub WHERE slow = 1 ORDER BY cid, sid")
        return [(cid, sid) for cid, sid in self.cursor.fetchall()]

    # Pricing the regular months ------------------------------------------------------------

    def price_regular(self) -> None:
        """Stage the pieces of the regular subscriptions: their phases and add-ons to bill."""
        d = self.d
        self.execute("SELECT MIN(c) FROM rota_run_sub WHERE slow = 0 AND c < e")
        (first,) = self.cursor.fetchone()
        if first is None:
            return
        month = Month.of(EPOCH + timedelta(days=first))
        months = []
        while month <= self.month:
            months.append((day_number(month.start), day_number(month.end), month.days))
            month = month.next()
        insert_rows(self.cursor, "rota_run_month", ("lo", "hi", "days"), months)
        days = [EPOCH + timedelta(days=n) for n in range(first, day_number(self.month.end))]
        insert_rows(
            self.cursor,
            "rota_run_day",
            ("day", "iso", "value"),
            [(day_number(day), day.isoformat(), day) for day in days],
        )
        columns = (
            "cid, sid, grp, k1, k2, lo, hi, addon_id, kind, name, price, gross_priced, rate,"
            " tax_rate"
        )
        self.execute(
            f"INSERT INTO rota_run_piece ({columns})"  # noqa: S608
            f" SELECT b.cid, b.sid, 0, 0, 0, {d.greatest('b.c', 'ph.lo')},"
            f" {d.least('b.e', 'ph.hi')}, NULL, 'service', v.name, ph.price, b.gross_priced,"
            " b.rate, b.tax_rate"
            " FROM rota_run_sub b"
            " JOIN catalog_offerversion v ON v.id = b.version_id"
            " JOIN rota_run_phase ph ON ph.plan_id = b.plan_id AND ph.lo < b.e AND ph.hi > b.c"
            " WHERE b.slow = 0 AND b.c < b.e AND b.suspended = 0"
        )
        # A suspended subscription: each phase cut by each run of days between suspensions.
        self.execute(
            f"INSERT INTO rota_run_piece ({columns})"  # noqa: S608
            f" SELECT b.cid, b.sid, 0, 0, 0, {d.greatest('x.lo', 'ph.lo')},"
            f" {d.least('x.hi', 'ph.hi')}, NULL, 'service', v.name, ph.price, b.gross_priced,"
            " b.rate, b.tax_rate"
            " FROM rota_run_sub b"
            " JOIN rota_run_span x ON x.sid = b.sid"
            " JOIN catalog_offerversion v ON v.id = b.version_id"
            " JOIN rota_run_phase ph ON ph.plan_id = b.plan_id AND ph.lo < x.hi AND ph.hi > x.lo"
            " WHERE b.slow = 0 AND b.c < b.e AND b.suspended = 1"
        )
        self.execute(
            f"INSERT INTO rota_run_piece ({columns})"  # noqa: S608
            " SELECT b.cid, b.sid, 1, a.starts, a.addon_id, a.lo, a.hi, a.addon_id, 'addon',"
            " cat.name, a.price, b.gross_priced, b.rate, b.tax_rate"
            " FROM rota_run_addon a"
            " JOIN rota_run_sub b ON b.sid = a.sid"
            " JOIN catalog_addon cat ON cat.id = a.catalog_id"
            " WHERE b.slow = 0 AND a.lo < a.hi"
        )

    def stage(self, rows: Iterable[tuple[int, int, int, NewLine]]) -> None:
        """Stage the engine's lines, given as (customer id, subscription id, position, line)."""
        values = []
        for cid, sid, position, line in rows:
            covers = line.covers
            values.append(
                (cid, sid, 0, position, 0, 0, 0, line.addon_id, line.kind, line.description[:200],
                 line.monthly_price_minor, line.tax_rate, covers.start if covers else None,
                 covers.last_day if covers else None, line.days, line.amount_minor,
                 line.net_minor, line.tax_minor, line.gross_minor, line.credits_line_id)
            )  # fmt: skip
        insert_rows(self.cursor, "rota_run_piece", ENGINE_LINE_COLUMNS, values)

    # Writing -------------------------------------------------------------------------------

    def _lines(self) -> tuple[dict[str, str], str, str]:
        """Return SQL for the lines' columns, the joins that yield them and the filter.

        A piece of days meets each calendar month it touches (m) and gives a line for each;
        an engine line meets none and keeps its own values. Lines of 0.00 are dropped, as
        the engine drops them.
        """
        # CASE rather than max()/min(): no function call per use, on SQLite, two million times.
        first_day = "CASE WHEN p.lo > m.lo THEN p.lo ELSE m.lo END"
        stop = "CASE WHEN p.hi < m.hi THEN p.hi ELSE m.hi END"
        amount = f"((2 * p.price * ({stop} - {first_day}) + m.days) / (2 * m.days))"
        net, tax, gross = _tax(amount, "p.gross_priced", "p.rate")

        def either(segment: str, line: str) -> str:
            return f"CASE WHEN m.lo IS NULL THEN {line} ELSE {segment} END"

        columns = {
            "amount": either(amount, "p.amount"),
            "net": either(net, "p.net"),
            "tax": either(tax, "p.tax"),
            "gross": either(gross, "p.gross"),
            "days": either(f"{stop} - {first_day}", "p.days"),
            "description": either(
                "substr(p.name || ' ' || fd.iso || '–' || ld.iso, 1, 200)", "p.name"
            ),
            "service_start": either("fd.value", "p.service_start"),
            "service_end": either("ld.value", "p.service_end"),
        }
        months = " LEFT JOIN rota_run_month m ON m.lo < p.hi AND m.hi > p.lo"
        dates = (
            f" LEFT JOIN rota_run_day fd ON fd.day = {first_day}"
            f" LEFT JOIN rota_run_day ld ON ld.day = {stop} - 1"
        )
        return columns, months, dates

    def count_invoices(self) -> tuple[int, int, int, int]:
        """Number the customers with lines; return invoices, lines, net and tax."""
        columns, months, _ = self._lines()
        self.execute(
            "INSERT INTO rota_run_invoice (cid, rn, n, net, tax)"  # noqa: S608
            " SELECT p.cid, ROW_NUMBER() OVER (ORDER BY p.cid), COUNT(*),"
            f" SUM({columns['net']}), SUM({columns['tax']})"
            f" FROM rota_run_piece p{months} WHERE {columns['amount']} <> 0 GROUP BY p.cid"
        )
        self.execute("SELECT COUNT(*), SUM(n), SUM(net), SUM(tax) FROM rota_run_invoice")
        invoices, lines, net, tax = self.cursor.fetchone()
        return invoices, int(lines or 0), int(net or 0), int(tax or 0)

    def write(
        self, *, first_id: int, first_number: int, head: str, invoice: dict[str, Any]
    ) -> None:
        """Write the invoices (ids and numbers in customer order) and then their lines."""
        d = self.d
        params = {"first_id": first_id, "first_number": first_number, "head": head, **invoice}
        self.execute(
            "INSERT INTO billing_invoice (id, number, kind, reason, customer_id, period, run_id,"  # noqa: S608
            " issue_date, due_date, currency, net_minor, tax_minor, gross_minor)"
            f" SELECT %(first_id)s + rn - 1, %(head)s || {d.pad6('(%(first_number)s + rn - 1)')},"
            " 'regular', '', cid, %(period)s, %(run)s, %(issue)s, %(due)s, %(currency)s,"
            " net, tax, net + tax FROM rota_run_invoice ORDER BY rn",
            params,
        )
        c, months, dates = self._lines()
        # The lines are priced here, in the order of the pieces and then of the months: on
        # SQLite that is the order of the pieces' key and the months' key, so no sort.
        self.execute(
            "INSERT INTO billing_invoiceline (invoice_id, subscription_id, addon_id, kind,"  # noqa: S608
            " description, service_start, service_end, days, monthly_price_minor, amount_minor,"
            " net_minor, tax_minor, gross_minor, tax_rate, credits_line_id)"
            " SELECT %(first_id)s + i.rn - 1, p.sid, p.addon_id, p.kind, "
            f"{c['description']}, {c['service_start']}, {c['service_end']}, {c['days']}, p.price,"
            f" {c['amount']}, {c['net']}, {c['tax']}, {c['gross']}, p.tax_rate, p.credits_line"
            f" FROM rota_run_piece p{months}{dates} JOIN rota_run_invoice i ON i.cid = p.cid"
            f" WHERE {c['amount']} <> 0"
            " ORDER BY p.cid, p.sid, p.grp, p.k1, p.k2, p.lo, m.lo",
            params,
        )


def insert_rows(
    cursor: Any, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert plain tuples: COPY on PostgreSQL, one prepared INSERT for all on SQLite."""
    if not rows:
        return
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
