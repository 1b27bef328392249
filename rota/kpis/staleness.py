"""Which months a recorded change reaches back into: read from the audit trail.

Every service records its change as an audit event; the dates in the event (an effective
date, a last day, a received-on date, a ticket's or incident's timestamps) say how far
back it reaches. A few events name what changed instead of dating it: a payment reversal
(its payment's received-on date), invoice numbers in credit notes and applied credit
(their issue dates), a reopened ticket (its opening: the resolution it undid came later).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from rota.billing.models import Invoice, Payment
from rota.support.models import Ticket

_DAY = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(.*)$")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def dates_in(changes: Any) -> list[date]:
    """Return the days named in an event's changes; a timestamp's day minus one (any zone)."""
    out = []
    for text in _strings(changes):
        match = _DAY.match(text)
        if not match:
            continue
        try:
            day = date.fromisoformat(match[1])
        except ValueError:
            continue
        out.append(day - timedelta(days=1) if match[2] else day)
    return out


# A payment counts from the day it was received: the invoices it names change no earlier.
PAYMENT_DATED = ("payment.record", "payment.reverse")

Event = tuple[int, str, str, str, Any, datetime]  # id, action, object type, object id, changes, at


def earliest_days(events: Iterable[Event]) -> list[tuple[int, date]]:
    """Return (event id, earliest day it changes) for each event."""
    events = list(events)
    numbers = {
        text
        for _, action, _, _, changes, _ in events
        if action.startswith(("payment.", "invoice.", "billing.")) and action not in PAYMENT_DATED
        for text in _strings(changes)
    }
    issued = dict(
        Invoice.objects.filter(number__in=numbers).values_list("number", "issue_date")
        if numbers
        else []
    )
    payments = [int(oid) for _, action, _, oid, _, _ in events if action == "payment.reverse"]
    received = dict(Payment.objects.filter(pk__in=payments).values_list("pk", "received_on"))
    reopened = [
        int(oid)
        for _, action, _, oid, changes, _ in events
        if action == "ticket.transition" and isinstance(changes, dict) and changes.get("reopened")
    ]
    opened = dict(Ticket.objects.filter(pk__in=reopened).values_list("pk", "opened_at"))
    out = []
    for pk, action, _, oid, changes, at in events:
        days = dates_in(changes)
        days.append(at.astimezone(UTC).date() - timedelta(days=1))
        if action not in PAYMENT_DATED:
            days += [issued[text] for text in _strings(changes) if text in issued]
        if action == "payment.reverse" and int(oid) in received:
            days.append(received[int(oid)])
        if action == "ticket.transition" and oid.isdigit() and int(oid) in opened:
            days.append(opened[int(oid)].astimezone(UTC).date() - timedelta(days=1))
        out.append((pk, min(days)))
    return out
