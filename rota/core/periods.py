"""Calendar arithmetic: clamped month addition, calendar months and half-open date ranges."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from rota.core.errors import InvalidInput

_ONE_DAY = timedelta(days=1)
# Business dates outside this window are typing mistakes, not contracts or payments.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
_MONTH_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)


def add_months(d: date, n: int) -> date:
    """Add `n` calendar months to `d`, clamping the day to the target month's length.

    Plain integer arithmetic: billing calls this for every charge segment, and it must give
    exactly what dateutil's relativedelta(months=n) gives (a test holds them equal).
    """
    months = d.year * 12 + (d.month - 1) + n
    year, month = divmod(months, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True, order=True)
class DateRange:
    """The days `start <= day < end` (half-open; `end` is the first day not included)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        """Reject a range that ends before it starts."""
        if self.end < self.start:
            raise ValueError(f"date range ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def from_inclusive(cls, start: date, last_day: date) -> DateRange:
        """Build the range from its first and last day, both included."""
        return cls(start, last_day + _ONE_DAY)

    @property
    def last_day(self) -> date:
        """Return the last day included; an empty range has none."""
        if self.is_empty:
            raise ValueError("an empty date range has no last day")
        return self.end - _ONE_DAY

    @property
    def days(self) -> int:
        """Return the number of days in the range."""
        return (self.end - self.start).days

    @property
    def is_empty(self) -> bool:
        """Tell whether the range holds no day."""
        return self.start == self.end

    def __contains__(self, day: object) -> bool:
        """Tell whether `day` falls inside the range."""
        return isinstance(day, date) and self.start <= day < self.end

    def intersect(self, other: DateRange) -> DateRange | None:
        """Return the days in both ranges, or None when there are none."""
        start = max(self.start, other.start)
        end = min(self.end, other.end)
        return DateRange(start, end) if start < end else None


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, the billing period."""

    year: int
    month: int

    def __post_init__(self) -> None:
        """Reject a month that is not on the calendar."""
        if not (1 <= self.year <= 9999 and 1 <= self.month <= 12):
            raise ValueError(f"not a calendar month: {self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str, *, field: str = "period") -> Month:
        """Parse "YYYY-MM"; raise InvalidInput naming `field` otherwise."""
        match = _MONTH_TEXT.fullmatch(text.strip())
        year, month = (int(match[1]), int(match[2])) if match else (0, 0)
        if not (1 <= year <= 9999 and 1 <= month <= 12):
            raise InvalidInput.single(field, "must be a month in the form YYYY-MM, such as 2026-04")
        return cls(year, month)

    @classmethod
    def of(cls, d: date) -> Month:
        """Return the month holding `d`."""
        return cls(d.year, d.month)

    @property
    def start(self) -> date:
        """Return the first day of the month."""
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """Return the first day of the next month (exclusive end)."""
        return self.next().start

    @property
    def days(self) -> int:
        """Return the number of days in the month."""
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def range(self) -> DateRange:
        """Return the month's days as a half-open range."""
        return DateRange(self.start, self.end)

    def next(self) -> Month:
        """Return the following month."""
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> Month:
        """Return the preceding month."""
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def __str__(self) -> str:
        """Return the month as "YYYY-MM"."""
        return f"{self.year:04d}-{self.month:02d}"
