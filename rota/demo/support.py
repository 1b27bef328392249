"""The demo ISP's helpdesk and network: two years of incidents and tickets.

`generate` is pure: from a snapshot of the subscriptions (plain tuples) and the SLA
policies it returns rows in the column order of `COLUMNS`, the same rows for the same seed.
`demo_support_load` snapshots what the customer history wrote, then inserts the rows in
one transaction with primary keys assigned up front.

Incidents are mostly short outages of a street (an explicit list of subscriptions), with
a fibre cut across a municipality every other month, planned night maintenance, and an
upstream fault on the mobile network now and then; each is resolved into the
subscriptions in service (not suspended) on its day, as `incident_create` does. Tickets
come at a few per 100 subscriptions a month, more after incidents (linked to them);
handling gets slower over the first months (a short-staffed helpdesk), then steadily
better.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from time import perf_counter as time_counter
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from rota.catalog.models import Feature, Segment, Technology
from rota.core.bulk import BulkTable, next_id, reset_sequences
from rota.core.periods import add_months
from rota.installation.selectors import installation_zone
from rota.subscriptions.models import Plan, Subscription, Suspension
from rota.support.models import Incident, IncidentImpact, SlaPolicy, Ticket, TicketMessage

Row = tuple[Any, ...]

COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": (
        "id", "title", "cause", "description", "started_at", "resolved_at", "planned",
        "scope_municipalities", "scope_technologies", "scope_offers", "scope_subscriptions",
        "created_at",
    ),
    "impacts": ("incident_id", "subscription_id", "customer_id", "segment", "offer", "has_sla"),
    "tickets": (
        "id", "customer_id", "subscription_id", "incident_id", "category", "priority",
        "channel", "subject", "description", "status", "opened_at", "first_response_at",
        "resolved_at", "closed_at", "sla_policy_id", "response_due_at", "resolution_due_at",
        "updated_at",
    ),
    "messages": ("ticket_id", "kind", "author_label", "body", "created_at"),
}  # fmt: skip
MODELS: dict[str, type[models.Model]] = {
    "incidents": Incident,
    "impacts": IncidentImpact,
    "tickets": Ticket,
    "messages": TicketMessage,
}

# Tickets a month per subscription in service, by segment.
TICKET_RATE: dict[str, float] = {Segment.HOUSEHOLD: 0.025, Segment.BUSINESS: 0.04}
CATEGORIES = {
    "no_connection": 14, "slow_speed": 20, "intermittent": 15, "billing": 20,
    "installation": 8, "relocation": 5, "equipment": 13, "other": 5,
}  # fmt: skip
PRIORITIES: dict[str, dict[str, int]] = {
    Segment.HOUSEHOLD: {"low": 20, "normal": 65, "high": 15},
    Segment.BUSINESS: {"normal": 50, "high": 40, "urgent": 10},
}
CHANNELS = {"phone": 50, "email": 25, "portal": 20, "on_site": 5}
# Typical hours to the first reply (by priority) and to the resolution (by category).
RESPONSE_HOURS = {"urgent": 0.5, "high": 1.5, "normal": 5.0, "low": 12.0}
RESOLUTION_HOURS = {
    "no_connection": 8, "slow_speed": 30, "intermittent": 48, "billing": 20,
    "installation": 72, "relocation": 120, "equipment": 36, "other": 24,
}  # fmt: skip
PRIORITY_SPEED = {"urgent": 0.3, "high": 0.6, "normal": 1.0, "low": 1.4}
RECENT = timedelta(days=10)
CLOSE_AFTER = timedelta(days=3)  # resolved tickets are closed when the customer stays quiet
SUBJECTS: dict[str, tuple[str, ...]] = {
    "no_connection": ("No internet since the morning", "Router shows no connection",
                      "Connection down", "No signal on the ONT"),
    "slow_speed": ("Speed far below the plan", "Slow internet in the evenings",
                   "Downloads are slow", "Speed test shows a fraction of the plan"),
    "intermittent": ("Connection keeps dropping", "Video calls break up",
                     "Internet drops every few minutes", "Unstable connection"),
    "billing": ("Question about the invoice", "Charged twice this month",
                "Invoice amount differs from the offer", "Change of billing address"),
    "installation": ("Installation date", "Technician did not come",
                     "Cable in the wrong room"),
    "relocation": ("Moving to a new flat", "Service at the new office address"),
    "equipment": ("Router restarts by itself", "Wi-Fi does not reach the bedroom",
                  "Replacement router", "ONT power supply broken"),
    "other": ("Static IP configuration", "Parental controls", "Change of contact person"),
}  # fmt: skip
AGENTS = ("support:ewa.zielinska", "support:tomasz.krol", "support:marta.lis")
REPLIES = (
    "Thank you, we are looking into it.",
    "We have checked the line and a technician will call you.",
    "Could you restart the router and tell us if it helps?",
    "We have passed this on to our network team.",
)
NOTES = ("Line checked from the OLT: signal fine.", "Customer called again.", "Escalated.")
RESOLUTIONS = ("Fixed; please let us know if it happens again.", "Resolved as agreed.")


@dataclass(frozen=True)
class Line:
    """A subscription as the generator sees it."""

    id: int
    customer_id: int
    segment: str
    start: date
    end: date | None
    street: str
    city: str
    municipality: str
    # Plans from their first day: (valid_from ordinals, offer codes, technologies, has SLA).
    plan_from: tuple[int, ...]
    offers: tuple[str, ...]
    technologies: tuple[str, ...]
    sla: tuple[bool, ...]
    suspended: tuple[tuple[int, int], ...]  # inclusive ordinal ranges

    def plan_index(self, day: date) -> int:
        """Return the index of the plan in force on `day` (the first one before the start)."""
        return max(0, bisect_right(self.plan_from, day.toordinal()) - 1)

    def in_service(self, day: date) -> bool:
        """Return whether the line had service on `day` (started, not ended, not suspended)."""
        if day < self.start or (self.end is not None and day > self.end):
            return False
        n = day.toordinal()
        return not any(a <= n <= b for a, b in self.suspended)


@dataclass(frozen=True)
class Snapshot:
    """The subscriptions and the SLA policies: (offer code or segment, priority) -> policy."""

    lines: Sequence[Line]
    policies: Mapping[tuple[str, str], tuple[int, int, int]]  # id, response h, resolution h


@dataclass
class Rows:
    """The generated rows, table by table."""

    tables: dict[str, list[Row]] = field(default_factory=lambda: {n: [] for n in COLUMNS})


@dataclass
class SupportSummary:
    """How much was written, and how long it took."""

    incidents: int = 0
    impacts: int = 0
    tickets: int = 0
    messages: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        """Return the summary line the demo command prints."""
        return (
            f"Demo support: {self.incidents} incidents hitting {self.impacts} subscriptions, "
            f"{self.tickets} tickets, {self.messages} replies and notes in {self.seconds:.1f} s."
        )


def _weighted(weights: Mapping[str, int]) -> tuple[list[str], list[int]]:
    total, cumulative = 0, []
    for weight in weights.values():
        total += weight
        cumulative.append(total)
    return list(weights), cumulative


class _Generator:
    def __init__(
        self, snapshot: Snapshot, *, seed: int, now: datetime, months: int, zone: tzinfo
    ) -> None:
        self.snapshot = snapshot
        self.zone = zone
        self.rng = random.Random(f"support-{seed}")  # noqa: S311 (demo data, not secrets)
        self.now = now
        self.months = months
        self.first_month = add_months(now.date().replace(day=1), -months)
        self.rows = Rows()
        self.tickets: list[tuple[Any, ...]] = []  # specs, numbered after sorting by time
        self.categories = _weighted(CATEGORIES)
        self.priorities = {s: _weighted(w) for s, w in PRIORITIES.items()}
        self.channels = _weighted(CHANNELS)

    def pick(self, table: tuple[list[str], list[int]]) -> str:
        keys, cumulative = table
        return keys[bisect_right(cumulative, self.rng.random() * cumulative[-1])]

    def factor(self, at: datetime) -> float:
        """Return how slow the helpdesk is: worse until month 8, then better and better."""
        month = (at.year - self.first_month.year) * 12 + at.month - self.first_month.month
        if month <= 8:
            return 1.0 + 0.6 * month / 8
        return max(0.6, 1.6 - 1.0 * (month - 8) / max(1, self.months - 8))

    def moment(self, day: date, first_hour: int = 6, last_hour: int = 20) -> datetime:
        seconds = self.rng.randrange((last_hour - first_hour) * 3600)
        return datetime.combine(day, time(first_hour), UTC) + timedelta(seconds=seconds)

    # Incidents -------------------------------------------------------------------------

    def incidents(self) -> None:
        rng = self.rng
        lines = self.snapshot.lines
        incident_id = 0
        for m in range(self.months + 1):
            month = add_months(self.first_month, m)
            days = (add_months(month, 1) - month).days
            plans: list[tuple[str, str]] = [("street", "equipment")] * rng.randint(2, 5)
            if rng.random() < 0.5:
                plans.append(("municipality", "fibre_cut"))
            if rng.random() < 0.7:
                plans.append(("municipality", "maintenance"))
            if rng.random() < 0.25:
                plans.append(("technology", "upstream"))
            for kind, cause in plans:
                day = month + timedelta(days=rng.randrange(days))
                in_service = [line for line in lines if line.in_service(day)]
                if not in_service:
                    continue
                planned = cause == "maintenance"
                if planned:
                    started = datetime.combine(day, time(0), UTC) + timedelta(
                        minutes=rng.randrange(0, 120, 15)
                    )
                    minutes = rng.choice((60, 90, 120, 180))
                elif cause == "fibre_cut":
                    started = self.moment(day, 5, 21)
                    minutes = rng.randint(4 * 60, 20 * 60)
                else:
                    started = self.moment(day, 0, 24)
                    # Mostly short: a few minutes to a few hours.
                    minutes = max(5, int(rng.lognormvariate(math.log(50), 0.9)))
                    if kind == "street" and rng.random() < 0.5:
                        cause = rng.choice(("power", "equipment", "other"))
                ended = started + timedelta(minutes=minutes)
                if ended > self.now:
                    continue
                local = started.astimezone(self.zone).date()
                if local != day:
                    in_service = [line for line in lines if line.in_service(local)]
                hit, scope, title = self._scope(kind, cause, local, in_service)
                if not hit:
                    continue
                incident_id += 1
                self._incident(incident_id, cause, title, started, ended, planned, scope, hit)

    def _scope(
        self, kind: str, cause: str, day: date, in_service: list[Line]
    ) -> tuple[list[Line], tuple[list[str], list[str], list[int]], str]:
        rng = self.rng
        if kind == "street":
            first = rng.choice(in_service)
            hit = [x for x in in_service if x.street == first.street and x.city == first.city]
            hit = hit[:40]
            title = {
                "power": f"Power cut at the cabinet on {first.street}, {first.city}",
                "equipment": f"Switch failure serving {first.street}, {first.city}",
                "other": f"Outage on {first.street}, {first.city}",
            }[cause]
            return hit, ([], [], sorted(x.id for x in hit)), title
        if kind == "technology":
            technology = Technology.FIVE_G
            hit = [x for x in in_service if x.technologies[x.plan_index(day)] == technology]
            return hit, ([], [technology], []), "Upstream fault on the mobile core network"
        first = rng.choice(in_service)
        code = first.municipality
        hit = [x for x in in_service if x.municipality == code]
        title = (
            f"Planned maintenance in {first.city}"
            if cause == "maintenance"
            else f"Fibre cut on the trunk line to {first.city}"
        )
        return hit, ([code], [], []), title

    def _incident(
        self,
        pk: int,
        cause: str,
        title: str,
        started: datetime,
        ended: datetime,
        planned: bool,
        scope: tuple[list[str], list[str], list[int]],
        hit: list[Line],
    ) -> None:
        day = started.astimezone(self.zone).date()  # as incident_create resolves its scope
        municipalities, technologies, subscriptions = scope
        self.rows.tables["incidents"].append(
            (
                pk, title, cause, "", started, ended, planned, municipalities, technologies,
                [], subscriptions, started - timedelta(days=2) if planned else started,
            )
        )  # fmt: skip
        hours = (ended - started).total_seconds() / 3600
        chance = 0.01 if planned else min(0.2, 0.02 + 0.012 * hours)
        impacts = self.rows.tables["impacts"]
        for line in hit:
            i = line.plan_index(day)
            has_sla = line.segment == Segment.BUSINESS and line.sla[i]
            impacts.append((pk, line.id, line.customer_id, line.segment, line.offers[i], has_sla))
            if self.rng.random() < chance:
                delay = timedelta(minutes=self.rng.randint(5, max(6, min(120, int(hours * 60)))))
                opened = started + delay
                priority = (
                    "urgent" if has_sla else "high" if line.segment != "household" else "normal"
                )
                self._ticket(line, opened, "no_connection", priority, pk, ended)

    # Tickets ---------------------------------------------------------------------------

    def everyday_tickets(self) -> None:
        rng = self.rng
        for m in range(self.months + 1):
            month = add_months(self.first_month, m)
            days = (add_months(month, 1) - month).days
            for line in self.snapshot.lines:
                if rng.random() >= TICKET_RATE[line.segment]:
                    continue
                day = month + timedelta(days=rng.randrange(days))
                opened = self.moment(day)
                if opened > self.now or not line.in_service(day):
                    continue
                category = self.pick(self.categories)
                priority = self.pick(self.priorities[line.segment])
                self._ticket(line, opened, category, priority, None, None)

    def _ticket(
        self,
        line: Line,
        opened: datetime,
        category: str,
        priority: str,
        incident: int | None,
        incident_end: datetime | None,
    ) -> None:
        rng = self.rng
        if opened > self.now:
            return
        slow = self.factor(opened)
        business = 0.6 if line.segment == Segment.BUSINESS else 1.0
        response = RESPONSE_HOURS[priority] * slow * business * rng.lognormvariate(0, 0.6)
        first = opened + timedelta(minutes=max(3, int(response * 60)))
        if incident_end is not None:
            resolved = max(first, incident_end) + timedelta(minutes=rng.randint(5, 90))
        else:
            hours = (
                RESOLUTION_HOURS[category]
                * PRIORITY_SPEED[priority]
                * slow
                * business
                * rng.lognormvariate(0, 0.7)
            )
            resolved = first + timedelta(minutes=max(10, int(hours * 60)))
            if self.now - opened < RECENT and rng.random() < 0.7:
                # Last week's work is not all done yet: parts to order, customers to call back.
                resolved += timedelta(hours=rng.randint(24, 144))
        offer = line.offers[line.plan_index(opened.astimezone(self.zone).date())]
        policy = self.snapshot.policies.get((offer, priority)) or self.snapshot.policies.get(
            (line.segment, priority)
        )
        channel = "phone" if incident else self.pick(self.channels)
        subject = rng.choice(SUBJECTS[category])
        agent = rng.choice(AGENTS)
        note = rng.random() < 0.25
        self.tickets.append(
            (opened, line, incident, category, priority, channel, subject, first, resolved,
             policy, agent, note)
        )  # fmt: skip

    def numbered_tickets(self, first_id: int) -> None:
        """Write the tickets in the order they were opened, with their messages."""
        now = self.now
        tickets = self.rows.tables["tickets"]
        messages = self.rows.tables["messages"]
        self.tickets.sort(key=lambda t: (t[0], t[1].id))
        for pk, spec in enumerate(self.tickets, start=first_id):
            (opened, line, incident, category, priority, channel, subject, first, resolved,
             policy, agent, note) = spec  # fmt: skip
            first_at = first if first <= now else None
            resolved_at = resolved if resolved <= now else None
            closed_at = resolved + CLOSE_AFTER if resolved + CLOSE_AFTER <= now else None
            if closed_at:
                status = "closed"
            elif resolved_at:
                status = "resolved"
            elif first_at:
                status = "waiting_for_customer" if (now - first) > timedelta(days=1) else "open"
            else:
                status = "new"
            policy_id = response_due = resolution_due = None
            if policy is not None:
                policy_id = policy[0]
                response_due = opened + timedelta(hours=policy[1])
                resolution_due = opened + timedelta(hours=policy[2])
            updated = max(t for t in (opened, first_at, resolved_at, closed_at) if t is not None)
            tickets.append(
                (pk, line.customer_id, line.id, incident, category, priority, channel, subject,
                 "", status, opened, first_at, resolved_at, closed_at, policy_id, response_due,
                 resolution_due, updated)
            )  # fmt: skip
            if first_at:
                messages.append((pk, "reply", agent, self.rng.choice(REPLIES), first_at))
                if note:
                    at = first_at + (min(resolved, now) - first_at) / 2
                    messages.append((pk, "note", agent, self.rng.choice(NOTES), at))
            if resolved_at:
                messages.append((pk, "reply", agent, self.rng.choice(RESOLUTIONS), resolved_at))


def generate(
    snapshot: Snapshot,
    *,
    seed: int,
    now: datetime,
    months: int,
    first_ticket: int = 1,
    first_incident: int = 1,
    zone: tzinfo = UTC,
) -> Rows:
    """Return the incidents and tickets of the `months` months before `now` (pure)."""
    generator = _Generator(snapshot, seed=seed, now=now, months=months, zone=zone)
    generator.incidents()
    if first_incident != 1:
        generator.rows.tables["incidents"] = [
            (row[0] + first_incident - 1, *row[1:]) for row in generator.rows.tables["incidents"]
        ]
        generator.rows.tables["impacts"] = [
            (row[0] + first_incident - 1, *row[1:]) for row in generator.rows.tables["impacts"]
        ]
        generator.tickets = [
            (*t[:2], t[2] and t[2] + first_incident - 1, *t[3:]) for t in generator.tickets
        ]
    generator.everyday_tickets()
    generator.numbered_tickets(first_ticket)
    return generator.rows


# Reading and writing ---------------------------------------------------------------------


def _until(today: date | None) -> datetime:
    """Return the moment the generated history ends: now, or the end of a day before it."""
    now = timezone.now()
    if today is None:
        return now
    return min(now, datetime.combine(today, time(23, 59), UTC))


def snapshot() -> Snapshot:
    """Read every subscription with its plans and suspensions, and the SLA policies."""
    plans: dict[int, list[tuple[int, str, str, bool]]] = defaultdict(list)
    offer_policies = set(
        SlaPolicy.objects.filter(offer__isnull=False).values_list("offer__code", flat=True)
    )
    for sid, valid_from, offer, technology, features in Plan.objects.order_by(
        "subscription_id", "valid_from"
    ).values_list(
        "subscription_id",
        "valid_from",
        "offer_version__offer__code",
        "offer_version__technology",
        "offer_version__features",
    ):
        has_sla = Feature.SLA in (features or []) or offer in offer_policies
        plans[sid].append((valid_from.toordinal(), offer, technology, has_sla))
    suspended: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for sid, start, end in Suspension.objects.values_list(
        "subscription_id", "start_date", "end_date"
    ):
        suspended[sid].append((start.toordinal(), (end or date.max).toordinal()))
    lines = []
    for sid, customer, segment, start, end, street, city, municipality in (
        Subscription.objects.order_by("id").values_list(
            "id", "customer_id", "customer__segment", "start_date", "end_date", "street",
            "city", "municipality_code",
        )
    ):  # fmt: skip
        mine = plans.get(sid)
        if not mine:
            continue
        lines.append(
            Line(
                id=sid,
                customer_id=customer,
                segment=segment,
                start=start,
                end=end,
                street=street,
                city=city,
                municipality=municipality,
                plan_from=tuple(p[0] for p in mine),
                offers=tuple(p[1] for p in mine),
                technologies=tuple(p[2] for p in mine),
                sla=tuple(p[3] for p in mine),
                suspended=tuple(suspended.get(sid, ())),
            )
        )
    policies = {
        (offer or segment, priority): (pk, response, resolution)
        for pk, offer, segment, priority, response, resolution in SlaPolicy.objects.values_list(
            "pk", "offer__code", "segment", "priority", "response_hours", "resolution_hours"
        )
    }
    return Snapshot(lines=lines, policies=policies)


@transaction.atomic
def demo_support_load(
    *, seed: int, months: int, today: date | None = None
) -> SupportSummary | None:
    """Generate and insert the demo incidents and tickets up to `today` (default: now).

    Return what was written, or None when the database already had tickets or incidents.
    """
    if Ticket.objects.exists() or Incident.objects.exists():
        return None
    started = time_counter()
    rows = generate(
        snapshot(),
        seed=seed,
        now=_until(today),
        months=months,
        first_ticket=next_id(Ticket),
        first_incident=next_id(Incident),
        zone=installation_zone(),
    )
    with connection.cursor() as cursor:
        for name, columns in COLUMNS.items():
            BulkTable(MODELS[name], columns).insert(cursor, rows.tables[name])
        reset_sequences(cursor, [Incident, Ticket])
    t = rows.tables
    return SupportSummary(
        incidents=len(t["incidents"]),
        impacts=len(t["impacts"]),
        tickets=len(t["tickets"]),
        messages=len(t["messages"]),
        seconds=time_counter() - started,
    )
