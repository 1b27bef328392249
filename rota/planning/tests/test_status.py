"""The status rule of design/planning.md, branch by branch, with exact values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rota.planning.status import Direction, Mode, Status, Targets, expected, status

D = Decimal
# Baseline 100 on 1 Jan 2027; 130 on 1 Apr (90 days later), 150 on 1 Jul, 200 on 1 Jan 2028.
UP = Targets(date(2027, 1, 1), D(100), D(130), D(150), D(200))
# Ticket handling hours: lower is better, 10 h down to 9, 8 and 6.
DOWN = Targets(date(2027, 1, 1), D(10), D(9), D(8), D(6))


@pytest.mark.parametrize(
    ("day", "value"),
    [
        (date(2026, 12, 15), D(100)),  # before t0: the baseline
        (date(2027, 1, 1), D(100)),
        (date(2027, 2, 15), D(115)),  # 45 of 90 days from 100 to 130
        (date(2027, 4, 1), D(130)),
        (date(2027, 7, 1), D(150)),
        (date(2027, 10, 1), D(175)),  # 92 of 184 days from 150 to 200
        (date(2028, 1, 1), D(200)),
        (date(2028, 3, 1), D(200)),  # after t12: v12
    ],
)
def test_expected_is_linear_between_the_targets(day: date, value: Decimal) -> None:
    assert expected(UP, day) == value


def _up(actual: str, day: date = date(2027, 2, 15)) -> Status:
    return status(mode=Mode.TARGET, direction=Direction.UP, actual=D(actual), day=day, targets=UP)


def _down(actual: str, day: date = date(2027, 2, 15)) -> Status:
    return status(
        mode=Mode.TARGET, direction=Direction.DOWN, actual=D(actual), day=day, targets=DOWN
    )


@pytest.mark.parametrize(
    ("actual", "state"),
    [
        ("114", Status.ON_TRACK),  # r = 14 / 15 = 0.933
        ("113.5", Status.ON_TRACK),  # r = 0.9 exactly
        ("113.4", Status.AT_RISK),  # r = 0.893
        ("110", Status.AT_RISK),  # r = 0.667
        ("109", Status.AT_RISK),  # r = 0.6 exactly
        ("108.9", Status.OFF_TRACK),  # r = 0.593
        ("90", Status.OFF_TRACK),  # worse than the baseline: r < 0
        ("199.99", Status.ON_TRACK),
        ("200", Status.ACHIEVED),  # at least as good as the 12-month target
        ("250", Status.ACHIEVED),
    ],
)
def test_higher_is_better(actual: str, state: Status) -> None:
    assert _up(actual) == state


@pytest.mark.parametrize(
    ("actual", "state"),
    [
        # e = 10 + (9 - 10) x 45 / 90 = 9.5; both differences are negative.
        ("9.55", Status.ON_TRACK),  # r = -0.45 / -0.5 = 0.9
        ("9.65", Status.AT_RISK),  # r = 0.7
        ("9.7", Status.AT_RISK),  # r = 0.6
        ("9.8", Status.OFF_TRACK),  # r = 0.4
        ("11", Status.OFF_TRACK),  # worse than the baseline
        ("6", Status.ACHIEVED),
        ("5.5", Status.ACHIEVED),
    ],
)
def test_lower_is_better(actual: str, state: Status) -> None:
    assert _down(actual) == state


def test_when_nothing_is_expected_yet_the_baseline_decides() -> None:
    before = date(2026, 12, 31)  # e = b: only "at least as good as the baseline" counts
    assert _up("100", before) == Status.ON_TRACK
    assert _up("101", before) == Status.ON_TRACK
    assert _up("99.99", before) == Status.OFF_TRACK
    assert _down("10", before) == Status.ON_TRACK
    assert _down("9", before) == Status.ON_TRACK
    assert _down("10.5", before) == Status.OFF_TRACK


def test_after_the_twelve_month_target_the_line_stays_flat() -> None:
    late = date(2028, 6, 30)  # e = 200
    assert _up("180", late) == Status.AT_RISK  # r = 80 / 100 = 0.8
    assert _up("190", late) == Status.ON_TRACK  # r = 0.9


def test_stay_below_and_stay_above_hold_the_bound_itself() -> None:
    def below(actual: str) -> Status:
        return status(
            mode=Mode.STAY_BELOW,
            direction=Direction.DOWN,
            actual=D(actual),
            day=date(2027, 5, 1),
            bound=D(5),
        )

    def above(actual: str) -> Status:
        return status(
            mode=Mode.STAY_ABOVE,
            direction=Direction.UP,
            actual=D(actual),
            day=date(2027, 5, 1),
            bound=D("99.5"),
        )

    assert [below("4.9"), below("5"), below("5.01")] == [
        Status.ON_TRACK,
        Status.ON_TRACK,
        Status.OFF_TRACK,
    ]
    assert [above("99.9"), above("99.5"), above("99.49")] == [
        Status.ON_TRACK,
        Status.ON_TRACK,
        Status.OFF_TRACK,
    ]


def test_no_measurement_yet_is_no_data() -> None:
    assert (
        status(mode=Mode.TARGET, direction=Direction.UP, actual=None, day=date(2027, 5, 1))
        == Status.NO_DATA
    )
