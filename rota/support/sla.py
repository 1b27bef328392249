"""SLA arithmetic and the ticket life cycle: plain values in, plain values out."""

from __future__ import annotations

from datetime import datetime, timedelta

NEW = "new"
OPEN = "open"
WAITING = "waiting_for_customer"
RESOLVED = "resolved"
CLOSED = "closed"

# Where a ticket may go from each status; resolved or closed tickets go back to open (reopen).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    NEW: (OPEN, WAITING, RESOLVED),
    OPEN: (WAITING, RESOLVED),
    WAITING: (OPEN, RESOLVED),
    RESOLVED: (CLOSED, OPEN),
    CLOSED: (OPEN,),
}
DONE = (RESOLVED, CLOSED)


def due_times(
    opened_at: datetime, response_hours: int, resolution_hours: int
) -> tuple[datetime, datetime]:
    """Return when the first reply and the resolution are due (24/7 clock)."""
    return (
        opened_at + timedelta(hours=response_hours),
        opened_at + timedelta(hours=resolution_hours),
    )


def duration_text(seconds: float) -> str:
    """Return a duration the way staff say it: "2 d 3 h", "3 h 20 min", "12 min"."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def countdown(due: datetime | None, now: datetime) -> str:
    """Return "due in 3 h 20 min" or "overdue by 1 h 5 min" (empty without a due time)."""
    if due is None:
        return ""
    left = (due - now).total_seconds()
    if left >= 0:
        return f"due in {duration_text(left)}"
    return f"overdue by {duration_text(left)}"
