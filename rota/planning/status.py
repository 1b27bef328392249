"""The status of a key result: expected value on a day, and the rule of design/planning.md.

Pure calculation, no database. A key result has a baseline b at the plan's start t0 and
targets v3, v6, v12 at t0 + 3, 6 and 12 months. The expected value e(t) is linear (by
days) between (t0, b), (t3, v3), (t6, v6), (t12, v12), and v12 after t12 (b before t0).

- If e = b: on track when the actual a is at least as good as b, else off track.
- Otherwise r = (a - b) / (e - b): on track r >= 0.9, at risk 0.6 <= r < 0.9, off track
  r < 0.6. The ratio works for "lower is better" too: both differences change sign.
- Achieved when a is at least as good as v12 (checked first).
- A "stay below/above X" key result is on track while a is within the bound (X itself
  included), off track otherwise.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from rota.core.periods import add_months

ON_TRACK_RATIO = Decimal("0.9")
AT_RISK_RATIO = Decimal("0.6")


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


class Mode(StrEnum):
    TARGET = "target"
    STAY_BELOW = "stay_below"
    STAY_ABOVE = "stay_above"


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    ACHIEVED = "achieved"
    NO_DATA = "no_data"


LABELS = {
    Status.ON_TRACK: "On track",
    Status.AT_RISK: "At risk",
    Status.OFF_TRACK: "Off track",
    Status.ACHIEVED: "Achieved",
    Status.NO_DATA: "No data yet",
}


@dataclass(frozen=True)
class Targets:
    """Baseline at `start` and the targets 3, 6 and 12 months later."""

    start: date
    baseline: Decimal
    at_3: Decimal
    at_6: Decimal
    at_12: Decimal

    def points(self) -> list[tuple[date, Decimal]]:
        """Return the four (day, value) points the expected line runs through."""
        return [
            (self.start, self.baseline),
            (add_months(self.start, 3), self.at_3),
            (add_months(self.start, 6), self.at_6),
            (add_months(self.start, 12), self.at_12),
        ]


def expected(targets: Targets, day: date) -> Decimal:
    """Return e(day): linear by days between the points, flat before t0 and after t12."""
    points = targets.points()
    if day <= points[0][0]:
        return targets.baseline
    for (d0, v0), (d1, v1) in itertools.pairwise(points):
        if day <= d1:
            return v0 + (v1 - v0) * Decimal((day - d0).days) / Decimal((d1 - d0).days)
    return targets.at_12


def _at_least_as_good(a: Decimal, than: Decimal, direction: Direction) -> bool:
    return a >= than if direction == Direction.UP else a <= than


def status(
    *,
    mode: Mode,
    direction: Direction,
    actual: Decimal | None,
    day: date,
    targets: Targets | None = None,
    bound: Decimal | None = None,
) -> Status:
    """Return the status of a key result whose actual value on `day` is `actual`."""
    if actual is None:
        return Status.NO_DATA
    if mode == Mode.STAY_BELOW:
        if bound is None:
            raise ValueError("a stay-below key result needs a bound")
        return Status.ON_TRACK if actual <= bound else Status.OFF_TRACK
    if mode == Mode.STAY_ABOVE:
        if bound is None:
            raise ValueError("a stay-above key result needs a bound")
        return Status.ON_TRACK if actual >= bound else Status.OFF_TRACK
    if targets is None:
        raise ValueError("a target key result needs a baseline and targets")
    if _at_least_as_good(actual, targets.at_12, direction):
        return Status.ACHIEVED
    e = expected(targets, day)
    b = targets.baseline
    if e == b:
        return Status.ON_TRACK if _at_least_as_good(actual, b, direction) else Status.OFF_TRACK
    ratio = (actual - b) / (e - b)
    if ratio >= ON_TRACK_RATIO:
        return Status.ON_TRACK
    if ratio >= AT_RISK_RATIO:
        return Status.AT_RISK
    return Status.OFF_TRACK
