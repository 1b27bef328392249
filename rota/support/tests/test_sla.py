"""SLA arithmetic and the ticket life cycle (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rota.support import sla
from rota.support.models import Status

OPENED = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)


def test_due_times_count_hours_on_a_24_7_clock() -> None:
    # Over a weekend and the night the clocks change in Europe: plain elapsed hours in UTC.
    assert sla.due_times(OPENED, 4, 24) == (
        datetime(2026, 3, 29, 2, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 22, 30, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 min"), (59, "0 min"), (720, "12 min"), (12_000, "3 h 20 min"), (183_600, "2 d 3 h")],
)
def test_duration_text(seconds: int, text: str) -> None:
    assert sla.duration_text(seconds) == text


def test_countdown() -> None:
    due = datetime(2026, 5, 10, 14, 0, tzinfo=UTC)
    assert sla.countdown(due, datetime(2026, 5, 10, 10, 40, tzinfo=UTC)) == "due in 3 h 20 min"
    assert sla.countdown(due, datetime(2026, 5, 10, 15, 5, tzinfo=UTC)) == "overdue by 1 h 5 min"
    assert sla.countdown(None, due) == ""


def test_every_status_has_its_moves_and_finished_tickets_only_reopen() -> None:
    assert set(sla.TRANSITIONS) == set(Status.values)
    assert all(set(moves) <= set(Status.values) for moves in sla.TRANSITIONS.values())
    assert sla.TRANSITIONS[sla.CLOSED] == (sla.OPEN,)
    assert not any(sla.NEW in moves for moves in sla.TRANSITIONS.values())
