# ruff: noqa: S608 - only fixed names and integers are formatted into the SQL; values are
# parameters.
"""The KPI families in set-based SQL: a handful of grouped statements per range of months.

Each function reads one family for the months first..last (month numbers, see `calc`)
and returns small grouped rows; `calc` does the arithmetic. The same SQL runs on SQLite
and PostgreSQL: the few expressions they spell differently are in `Sql`.

How a slice (segment, offer, technology) is decided: in month M a subscription belongs to
the slice of the plan in force on M's last day, or on its last day of service if that came
first (for a subscription not started yet, its first plan). In month numbers this is the
plan whose window [wlo, whi) holds M, which keeps active = opening + gross adds - churned
inside every slice. Tickets, invoice lines and incident impacts follow their subscription;
a ticket without one counts in a segment by its customer's segment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from rota.core.periods import Month
from rota.kpis import calc
from rota.kpis.calc import PriceRow, SubscriberRow
from rota.kpis.filters import Filters

NEG = -1  # a month number before every real month
INF = 1_000_000  # a month number after every real month
TEN_MINUTES = 600


class Sql:
    """The expressions SQLite and PostgreSQL spell differently."""

    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def month(self, expr: str) -> str:
        """Return the month number (year * 12 + month - 1) of a date column."""
        if self.pg:
            # date_part is float arithmetic: far cheaper than EXTRACT's numeric.
            return (
                f"(CAST(date_part('year', {expr}) AS INTEGER) * 12"
                f" + CAST(date_part('month', {expr}) AS INTEGER) - 1)"
            )
        # SQLite keeps dates as YYYY-MM-DD text.
        return (
            f"(CAST(substr({expr}, 1, 4) AS INTEGER) * 12"
            f" + CAST(substr({expr}, 6, 2) AS INTEGER) - 1)"
        )

    def next_day(self, expr: str) -> str:
        return f"({expr} + 1)" if self.pg else f"date({expr}, '+1 day')"

    def greatest(self, *exprs: str) -> str:
        return f"{'GREATEST' if self.pg else 'max'}({', '.join(exprs)})"

    def least(self, *exprs: str) -> str:
        return f"{'LEAST' if self.pg else 'min'}({', '.join(exprs)})"

    def seconds(self, start: str, end: str) -> str:
        """Return the seconds from one timestamp to another."""
        if self.pg:
            return f"EXTRACT(EPOCH FROM ({end}) - ({start}))"
        return f"((julianday({end}) - julianday({start})) * 86400.0)"

    def lasted(self, start: str, end: str, seconds: int) -> str:
        """Return a condition: at least `seconds` from start to end (to the millisecond)."""
        if self.pg:
            return f"({end}) - ({start}) >= make_interval(secs => {seconds})"
        return f"{self.seconds(start, end)} >= {seconds - 0.0005}"

    def neighbour(
        self,
        table: str,
        alias: str,
        partition: str,
        order: str,
        *,
        after: bool,
        apply: Callable[[str], str] = str,
    ) -> str:
        """Return `apply` of the next (or previous) value of a unique `order` column among
        the rows of `table` that share row `alias`'s `partition`; NULL at the end."""
        if self.pg:
            # The unique index on (partition, order) feeds the window without a sort.
            return apply(
                f"{'LEAD' if after else 'LAG'}({alias}.{order})"
                f" OVER (PARTITION BY {alias}.{partition} ORDER BY {alias}.{order})"
            )
        # SQLite: one seek in that index per row, cheaper than its window functions.
        found = apply(f"{'MIN' if after else 'MAX'}(n.{order})")
        return (
            f"(SELECT {found} FROM {table} n WHERE n.{partition} = {alias}.{partition}"
            f" AND n.{order} {'>' if after else '<'} {alias}.{order})"
        )

    def basis_points(self, expr: str) -> str:
        return f"CAST(round({expr} * 10000) AS {'BIGINT' if self.pg else 'INTEGER'})"


class Range:
    """The months first..last being computed, with the parameters every statement needs."""

    def __init__(self, first: Month, last: Month, zone: ZoneInfo, now: datetime) -> None:
        self.first = calc.month_number(first)
        self.last = calc.month_number(last)
        self.first_day = first.start
        self.last_day = last.end - timedelta(days=1)
        self.months = [calc.month_of_number(m) for m in range(self.first, self.last + 1)]
        self.zone = zone
        self.now = now
        self.sql = Sql(connection.vendor)

    def clip(self, expr: str) -> str:
        """Return a month number clipped to first - 1 .. last + 1 (all the same outside)."""
        return self.sql.greatest(self.sql.least(expr, str(self.last + 1)), str(self.first - 1))

    def bounds(self) -> list[tuple[int, datetime, datetime]]:
        """Return each month's number and its start and end in UTC (the local calendar)."""
        out = []
        for month in self.months:
            lo = datetime(month.year, month.month, 1, tzinfo=self.zone).astimezone(UTC)
            nxt = month.next()
            hi = datetime(nxt.year, nxt.month, 1, tzinfo=self.zone).astimezone(UTC)
            out.append((calc.month_number(month), lo, hi))
        return out

    def month_seconds(self) -> dict[int, int]:
        """Return the seconds each month lasts in the local calendar (a DST change counts)."""
        return {k: int((hi - lo).total_seconds()) for k, lo, hi in self.bounds()}

    def months_cte(self) -> tuple[str, list[Any]]:
        """Return a `kpi_mo(k, lo, hi)` table of the months' UTC bounds, and its parameters."""
        rows, params = [], []
        for k, lo, hi in self.bounds():
            rows.append("(%s, %s, %s)")
            params += [k, _moment(lo), _moment(hi)]
        return f"kpi_mo(k, lo, hi) AS (VALUES {', '.join(rows)})", params


def _moment(at: datetime) -> Any:
    """Return a timestamp as the database compares it with stored ones."""
    return connection.ops.adapt_datetimefield_value(at)


def _day(day: date) -> Any:
    return connection.ops.adapt_datefield_value(day)


def _run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


# Slices ----------------------------------------------------------------------------------


def _plan_windows(r: Range, filters: Filters) -> tuple[str, list[Any]]:
    """Return the CTEs `kpi_pw0, kpi_pw`: each plan's window of months, in the slice only."""
    s = r.sql
    where, params = [], []
    for column, value in (
        ("segment", filters.segment),
        ("offer", filters.offer),
        ("technology", filters.technology),
    ):
        if value:
            where.append(f"{column} = %s")
            params.append(value)
    catalog = ""
    if where:
        catalog = (
            ", o.code AS offer, o.segment AS segment, v.technology AS technology"
            " FROM subscriptions_plan p"
            " JOIN catalog_offerversion v ON v.id = p.offer_version_id"
            " JOIN catalog_offer o ON o.id = v.offer_id"
        )
    cte = f"""
    kpi_pw0 AS (
      SELECT p.subscription_id AS sid, p.id AS plan_id, p.valid_from, p.contract_start,
             p.prices_include_tax, p.tax_rate,
             ROW_NUMBER() OVER w AS rn, LEAD(p.valid_from) OVER w AS next_from
             {catalog or "FROM subscriptions_plan p"}
      WINDOW w AS (PARTITION BY p.subscription_id ORDER BY p.valid_from)
    ),
    kpi_pw AS MATERIALIZED (
      SELECT sid, plan_id, {s.month("contract_start")} AS cm,
             CASE WHEN prices_include_tax THEN 1 ELSE 0 END AS flag,
             {s.basis_points("tax_rate")} AS bp,
             CASE WHEN rn = 1 THEN {NEG} ELSE {s.month("valid_from")} END AS wlo,
             CASE WHEN next_from IS NULL THEN {INF} ELSE {s.month("next_from")} END AS whi
      FROM kpi_pw0
      {"WHERE " + " AND ".join(where) if where else ""}
    )"""
    return cte, params


def _slice_windows(r: Range, filters: Filters) -> tuple[str, list[Any]] | None:
    """Return CTEs ending in `kpi_sw(sid, wlo, whi)`: when each subscription is in the slice."""
    if filters.by_plan:
        cte, params = _plan_windows(r, filters)
        municipality = ""
        if filters.municipality:
            municipality = (
                " JOIN subscriptions_subscription ss ON ss.id = pw.sid"
                " AND ss.municipality_code = %s"
            )
            params.append(filters.municipality)
        return (
            f"{cte}, kpi_sw AS MATERIALIZED (SELECT pw.sid, pw.wlo, pw.whi FROM kpi_pw pw"
            f"{municipality})",
            params,
        )
    if filters.municipality:
        return (
            f"kpi_sw AS MATERIALIZED (SELECT id AS sid, {NEG} AS wlo, {INF} AS whi"
            " FROM subscriptions_subscription WHERE municipality_code = %s)",
            [filters.municipality],
        )
    return None


def _in_slice(sid: str, month: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM kpi_sw sw WHERE sw.sid = {sid}"
        f" AND sw.wlo <= {month} AND {month} < sw.whi)"
    )


def _with(*ctes: str) -> str:
    present = [c for c in ctes if c]
    return f"WITH {', '.join(present)} " if present else ""


# Subscribers and MRR ---------------------------------------------------------------------


def subscriber_rows(r: Range, filters: Filters) -> list[SubscriberRow]:
    """Return subscriptions grouped by service months, slice months and churn reason."""
    s = r.sql
    lo, hi = s.month("s.start_date"), f"COALESCE({s.month('s.end_date')}, {INF})"
    params: list[Any] = []
    if filters.by_plan:
        cte, params = _plan_windows(r, filters)
        source = "kpi_pw pw JOIN subscriptions_subscription s ON s.id = pw.sid"
        wlo, whi = "pw.wlo", "pw.whi"
    else:
        cte, source, wlo, whi = "", "subscriptions_subscription s", str(NEG), str(INF)
    where = ""
    if filters.municipality:
        where = "WHERE s.municipality_code = %s"
        params.append(filters.municipality)
    sql = f"""{_with(cte)}
    SELECT {r.clip("lo")}, {r.clip("hi")}, {r.clip("wlo")}, {r.clip("whi")},
           CASE WHEN hi <= {r.last} THEN reason ELSE '' END, COUNT(*)
    FROM (SELECT {lo} AS lo, {hi} AS hi, {wlo} AS wlo, {whi} AS whi, s.cancel_reason AS reason
          FROM {source} {where}) x
    WHERE lo <= {r.last} AND hi >= {r.first} AND wlo <= {r.last} AND whi > {r.first}
    GROUP BY 1, 2, 3, 4, 5"""
    return [SubscriberRow(*row) for row in _run(sql, params)]


def _catalog_filter(filters: Filters) -> tuple[str, str, list[Any]]:
    """Return (joins from plan p to its offer, conditions, parameters) for a plan filter."""
    where, params = [], []
    for column, value in (
        ("o.segment", filters.segment),
        ("o.code", filters.offer),
        ("v.technology", filters.technology),
    ):
        if value:
            where.append(f"{column} = %s")
            params.append(value)
    if not where:
        return "", "", []
    joins = (
        " JOIN catalog_offerversion v ON v.id = p.offer_version_id"
        " JOIN catalog_offer o ON o.id = v.offer_id"
    )
    return joins, " AND " + " AND ".join(where), params


def price_rows(r: Range, filters: Filters) -> list[PriceRow]:
    """Return elementary windows of months at one monthly gross price, grouped.

    A price window is a phase of a plan inside the plan's window and the service months,
    read in one pass over plans and phases with the next phase, the next plan and (for a
    plan valid after the service start) the previous one found in their unique indexes.
    Subscriptions without add-ons or suspensions in the range use their price windows as
    they are; the others merge every change (phase, add-on, suspension) into steps with
    running sums, so each step has one total to convert to net. In a step, `n` counts the
    price windows in force (they never overlap) less the suspensions: 1 means priced and
    not suspended. Changes after the last month are left out: the last step runs to it.
    """
    s = r.sql
    first, last = r.first, r.last
    joins, catalog, params = _catalog_filter(filters)
    if filters.municipality:
        catalog += " AND s.municipality_code = %s"
        params.append(filters.municipality)
    addon_lo, addon_hi = s.month("start_date"), f"COALESCE({s.month('end_date')}, {INF})"
    pause_lo = s.month("start_date")
    pause_hi = f"COALESCE({s.month(s.next_day('end_date'))}, {INF})"
    addons = (
        f"FROM subscriptions_subscriptionaddon WHERE {addon_lo} <= {last}"
        f" AND {addon_hi} > {first} AND {addon_lo} < {addon_hi}"
    )
    pauses = f"FROM subscriptions_suspension WHERE {pause_lo} <= {last} AND {pause_hi} > {first}"
    prev_plan = s.neighbour("subscriptions_plan", "p", "subscription_id", "valid_from", after=False)
    next_plan = s.neighbour(
        "subscriptions_plan", "p", "subscription_id", "valid_from", after=True, apply=s.month
    )
    next_phase = s.neighbour("subscriptions_planphase", "f", "plan_id", "from_month", after=True)
    # A plan valid from the service start (the first, as a rule) needs no look back.
    first_plan = (
        f"CASE WHEN p.valid_from <= s.start_date OR p.prev_from IS NULL THEN {NEG}"
        f" ELSE {s.month('p.valid_from')} END"
    )
    cm = s.month("p.contract_start")
    a = s.greatest(first_plan, f"{cm} + f.from_month", s.month("s.start_date"))
    b = s.least(
        f"COALESCE(p.next_from, {INF})",
        f"COALESCE({cm} + f.next_month, {INF})",
        f"COALESCE({s.month('s.end_date')}, {INF})",
    )
    sql = f"""WITH
    kpi_complex AS MATERIALIZED (
      SELECT subscription_id AS sid {addons}
      UNION
      SELECT subscription_id {pauses}
    ),
    kpi_win AS MATERIALIZED (
      SELECT p.sid, CASE WHEN p.sid IN (SELECT sid FROM kpi_complex) THEN 1 ELSE 0 END AS cx,
             f.price, {s.basis_points("p.tax_rate")} * 2
               + CASE WHEN p.prices_include_tax THEN 1 ELSE 0 END AS tax,
             {a} AS a, {b} AS b
      FROM (
        SELECT p.id, p.subscription_id AS sid, p.valid_from, p.contract_start,
               p.prices_include_tax, p.tax_rate, p.offer_version_id,
               {prev_plan} AS prev_from, {next_plan} AS next_from
        FROM subscriptions_plan p
      ) p
      JOIN subscriptions_subscription s ON s.id = p.sid
      JOIN (
        SELECT f.plan_id, f.from_month, f.monthly_price_minor AS price,
               {next_phase} AS next_month
        FROM subscriptions_planphase f
      ) f ON f.plan_id = p.id {joins}
      WHERE s.start_date <= %s AND COALESCE(s.end_date, %s) >= %s {catalog}
    ),
    kpi_ev(sid, pos, dg, dtax, dn) AS (
      SELECT sid, {r.clip("a")}, price, tax, 1
      FROM kpi_win WHERE cx = 1 AND a < b AND a <= {last} AND b > {first}
      UNION ALL
      SELECT sid, b, -price, -tax, -1
      FROM kpi_win WHERE cx = 1 AND a < b AND b > {first} AND b <= {last}
      UNION ALL
      SELECT subscription_id, {r.clip(addon_lo)}, monthly_price_minor, 0, 0 {addons}
      UNION ALL
      SELECT subscription_id, {addon_hi}, -monthly_price_minor, 0, 0 {addons}
        AND {addon_hi} <= {last}
      UNION ALL
      SELECT subscription_id, {r.clip(pause_lo)}, 0, 0, -1 {pauses}
      UNION ALL
      SELECT subscription_id, {pause_hi}, 0, 0, 1 {pauses} AND {pause_hi} <= {last}
    ),
    kpi_steps AS (
      SELECT pos, COALESCE(LEAD(pos) OVER w, {last + 1}) AS nxt, SUM(dg) OVER w AS gross,
             SUM(dtax) OVER w AS tax, SUM(dn) OVER w AS n
      FROM kpi_ev WINDOW w AS (PARTITION BY sid ORDER BY pos)
    )
    SELECT {r.clip("a")}, {r.clip("b")}, price, tax, COUNT(*) FROM kpi_win
    WHERE cx = 0 AND a < b AND a <= {last} AND b > {first}
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT pos, nxt, gross, tax, COUNT(*) FROM kpi_steps
    WHERE n = 1 AND pos < nxt
    GROUP BY 1, 2, 3, 4"""
    params = [_day(r.last_day), _day(r.last_day), _day(r.first_day), *params]
    return [
        PriceRow(int(a), int(b), int(g), int(tax) // 2, bool(int(tax) % 2), int(n))
        for a, b, g, tax, n in _run(sql, params)
    ]


# Billing ---------------------------------------------------------------------------------


def _invoice_filter(r: Range, filters: Filters) -> tuple[str, str, list[Any]]:
    """Return (CTEs, condition on invoice i, parameters): regular, not cancelled, in the slice."""
    condition = (
        "i.kind <> 'credit_note' AND i.id NOT IN (SELECT c.corrects_id FROM billing_invoice c"
        " WHERE c.kind = 'credit_note' AND c.corrects_id IS NOT NULL)"
    )
    sw = _slice_windows(r, filters)
    if sw is None:
        return "", condition, []
    issued = r.sql.month("i.issue_date")
    line = (
        " AND EXISTS (SELECT 1 FROM billing_invoiceline l WHERE l.invoice_id = i.id"
        f" AND {_in_slice('l.subscription_id', issued)})"
    )
    return sw[0], condition + line, sw[1]


def revenue(r: Range, filters: Filters) -> dict[int, int]:
    """Return the net invoiced per month of issue (credit notes negative)."""
    s = r.sql
    days = [_day(r.first_day), _day(r.last_day)]
    sw = _slice_windows(r, filters)
    if sw is None:
        sql = (
            f"SELECT {s.month('issue_date')}, SUM(net_minor) FROM billing_invoice"
            " WHERE issue_date >= %s AND issue_date <= %s GROUP BY 1"
        )
        return {int(k): int(v) for k, v in _run(sql, days)}
    issued = s.month("i.issue_date")
    sql = f"""{_with(sw[0])}
    SELECT {issued}, SUM(l.net_minor) FROM billing_invoice i
    JOIN billing_invoiceline l ON l.invoice_id = i.id
    WHERE i.issue_date >= %s AND i.issue_date <= %s AND {_in_slice("l.subscription_id", issued)}
    GROUP BY 1"""
    return {int(k): int(v) for k, v in _run(sql, sw[1] + days)}


def collection(r: Range, filters: Filters) -> tuple[dict[int, int], dict[int, int]]:
    """Return per due month the gross of invoices due then and what was paid by its end."""
    s = r.sql
    cte, condition, params = _invoice_filter(r, filters)
    due = s.month("i.due_date")
    days = [_day(r.first_day), _day(r.last_day)]
    gross_sql = f"""{_with(cte)}
    SELECT {due}, SUM(i.gross_minor) FROM billing_invoice i
    WHERE i.due_date >= %s AND i.due_date <= %s AND {condition} GROUP BY 1"""
    paid_sql = f"""{_with(cte)}
    SELECT {due}, SUM(a.amount_minor) FROM billing_allocation a
    JOIN billing_invoice i ON i.id = a.invoice_id
    JOIN billing_payment p ON p.id = a.payment_id
    WHERE i.due_date >= %s AND i.due_date <= %s AND {condition}
      AND p.reversed_at IS NULL AND {s.month("p.received_on")} <= {due}
    GROUP BY 1"""
    gross = {int(k): int(v) for k, v in _run(gross_sql, params + days)}
    paid = {int(k): int(v) for k, v in _run(paid_sql, params + days)}
    return gross, paid


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def overdue(r: Range, filters: Filters) -> dict[int, int]:
    """Return the unpaid gross balance on each month's last day of invoices due before it.

    The SQL groups by due date (a few hundred dates) so that no date arithmetic runs per
    invoice; an invoice is overdue from the month holding the day after its due date.
    """
    s = r.sql
    cte, condition, params = _invoice_filter(r, filters)
    last_day = [_day(r.last_day)]
    owed_sql = f"""{_with(cte)}
    SELECT i.due_date, SUM(i.gross_minor) FROM billing_invoice i
    WHERE i.due_date < %s AND {condition} GROUP BY i.due_date"""
    paid_sql = f"""{_with(cte)}
    SELECT i.due_date, {s.month("p.received_on")}, SUM(a.amount_minor) FROM billing_allocation a
    JOIN billing_invoice i ON i.id = a.invoice_id
    JOIN billing_payment p ON p.id = a.payment_id
    WHERE i.due_date < %s AND {condition} AND p.reversed_at IS NULL
      AND p.received_on <= %s
    GROUP BY 1, 2"""

    def late(due: Any) -> int:
        return calc.month_number(Month.of(_date(due) + timedelta(days=1)))

    owed: dict[int, int] = defaultdict(int)
    for due, amount in _run(owed_sql, params + last_day):
        owed[late(due)] += int(amount)
    paid: dict[int, int] = defaultdict(int)
    for due, received, amount in _run(paid_sql, params + last_day + last_day):
        paid[max(late(due), int(received))] += int(amount)
    owed_by = calc.cumulative(owed, r.first, r.last)
    paid_by = calc.cumulative(paid, r.first, r.last)
    return {m: owed_by[m] - paid_by[m] for m in owed_by}


# Tickets and incidents -------------------------------------------------------------------


def _ticket_slice(r: Range, filters: Filters) -> tuple[str, list[Any], str, list[Any]]:
    """Return (CTEs, their parameters, condition on ticket t in month mo.k, its parameters)."""
    sw = _slice_windows(r, filters)
    if sw is None:
        return "", [], "1 = 1", []
    condition = f"(t.subscription_id IS NOT NULL AND {_in_slice('t.subscription_id', 'mo.k')})"
    if filters.as_dict().keys() != {"segment"}:
        return sw[0], sw[1], condition, []
    condition = (
        f"({condition} OR (t.subscription_id IS NULL AND EXISTS (SELECT 1 FROM"
        " customers_customer c WHERE c.id = t.customer_id AND c.segment = %s)))"
    )
    return sw[0], sw[1], condition, [filters.segment]


Number = Decimal | float | int


def tickets(
    r: Range, filters: Filters
) -> tuple[dict[int, tuple[int, int, Number]], dict[int, tuple[int, Number, int]]]:
    """Return per month: (opened, responded, response seconds), (resolved, seconds, in SLA)."""
    s = r.sql
    cte, cte_params, condition, condition_params = _ticket_slice(r, filters)
    months, month_params = r.months_cte()
    responded = "t.first_response_at IS NOT NULL"
    opened_sql = f"""{_with(cte, months)}
    SELECT mo.k, COUNT(*), SUM(CASE WHEN {responded} THEN 1 ELSE 0 END),
           SUM(CASE WHEN {responded} THEN {s.seconds("t.opened_at", "t.first_response_at")}
               ELSE 0 END)
    FROM kpi_mo mo JOIN support_ticket t ON t.opened_at >= mo.lo AND t.opened_at < mo.hi
    WHERE {condition} GROUP BY mo.k"""
    resolved_sql = f"""{_with(cte, months)}
    SELECT mo.k, COUNT(*), SUM({s.seconds("t.opened_at", "t.resolved_at")}),
           SUM(CASE WHEN t.resolution_due_at IS NOT NULL
                         AND t.resolved_at <= t.resolution_due_at THEN 1 ELSE 0 END)
    FROM kpi_mo mo JOIN support_ticket t ON t.resolved_at >= mo.lo AND t.resolved_at < mo.hi
    WHERE {condition} GROUP BY mo.k"""
    all_params = cte_params + month_params + condition_params
    opened = {int(k): (int(n), int(m), secs or 0) for k, n, m, secs in _run(opened_sql, all_params)}
    resolved = {
        int(k): (int(n), secs or 0, int(ok)) for k, n, secs, ok in _run(resolved_sql, all_params)
    }
    return opened, resolved


def incidents(
    r: Range, filters: Filters
) -> tuple[dict[int, int], dict[int, Number], dict[int, tuple[int, Number]]]:
    """Return per month: lines hit by incidents of >= 10 minutes that started in it, the
    outage seconds inside it times lines hit, and (incidents resolved in it, their seconds)."""
    s = r.sql
    sw = _slice_windows(r, filters)
    cte, params = sw if sw is not None else ("", [])
    hit = f"AND {_in_slice('im.subscription_id', 'mo.k')}" if sw is not None else ""
    months, month_params = r.months_cte()
    now = _moment(r.now)
    until = "COALESCE(i.resolved_at, %s)"
    failures_sql = f"""{_with(cte, months)}
    SELECT mo.k, COUNT(*) FROM kpi_mo mo
    JOIN support_incident i ON i.started_at >= mo.lo AND i.started_at < mo.hi
    JOIN support_incidentimpact im ON im.incident_id = i.id
    WHERE {s.lasted("i.started_at", until, TEN_MINUTES)} {hit}
    GROUP BY mo.k"""
    overlap = s.seconds(s.greatest("i.started_at", "mo.lo"), s.least(until, "mo.hi"))
    outage_sql = f"""{_with(cte, months)}
    SELECT mo.k, SUM({overlap}) FROM kpi_mo mo
    JOIN support_incident i ON i.started_at < mo.hi AND {until} > mo.lo
      AND {until} > i.started_at
    JOIN support_incidentimpact im ON im.incident_id = i.id
    WHERE 1 = 1 {hit}
    GROUP BY mo.k"""
    any_hit = (
        f"AND EXISTS (SELECT 1 FROM support_incidentimpact im WHERE im.incident_id = i.id {hit})"
        if sw is not None
        else ""
    )
    repaired_sql = f"""{_with(cte, months)}
    SELECT mo.k, COUNT(*), SUM({s.seconds("i.started_at", "i.resolved_at")}) FROM kpi_mo mo
    JOIN support_incident i ON i.resolved_at >= mo.lo AND i.resolved_at < mo.hi
    WHERE 1 = 1 {any_hit}
    GROUP BY mo.k"""
    base = params + month_params
    failures = {int(k): int(n) for k, n in _run(failures_sql, [*base, now])}
    # `until` appears three times in the outage statement (overlap end, join, join).
    outage = {int(k): v or 0 for k, v in _run(outage_sql, [*base, now, now, now])}
    repaired = {int(k): (int(n), secs or 0) for k, n, secs in _run(repaired_sql, base)}
    return failures, outage, repaired


def compute(first: Month, last: Month, filters: Filters, zone: ZoneInfo) -> calc.Raw:
    """Read every family for months first..last (one transaction: one consistent view)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The window and group steps over a million rows spill to disk with 4 MB.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '128MB'")
        return _compute(Range(first, last, zone, timezone.now()), filters)


def _compute(r: Range, filters: Filters) -> calc.Raw:
    due_gross, due_paid = collection(r, filters)
    opened, resolved = tickets(r, filters)
    failures, outage, repaired = incidents(r, filters)
    return calc.Raw(
        first=r.first,
        last=r.last,
        subscribers=calc.subscribers(subscriber_rows(r, filters), r.first, r.last),
        mrr_minor=calc.mrr(price_rows(r, filters), r.first, r.last),
        revenue_minor=revenue(r, filters),
        due_gross_minor=due_gross,
        due_paid_minor=due_paid,
        overdue_minor=overdue(r, filters),
        opened=opened,
        resolved=resolved,
        failures=failures,
        outage=outage,
        repaired=repaired,
        month_seconds=r.month_seconds(),
    )
