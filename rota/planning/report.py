"""The progress report as people read it: figures with units, status changes, Markdown.

Plain values in, text out: everything here works on a `selectors.Report` that is already
loaded, so the back office, the download and the API give the same words and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.text import slugify

from rota.kpis.definitions import BY_CODE, Unit
from rota.planning.models import Action, KeyResult, KeyResultMode, Milestone
from rota.planning.selectors import Report
from rota.planning.status import LABELS, Status

# Worst to best; "no data" has no place on this scale.
RANK = {Status.OFF_TRACK: 0, Status.AT_RISK: 1, Status.ON_TRACK: 2, Status.ACHIEVED: 3}
UNIT_SUFFIX = {Unit.PERCENT: " %", Unit.HOURS: " h", Unit.PER_100: " per 100"}
NONE = "—"


def figure(value: Decimal | None, kr: KeyResult) -> str:
    """Return a key result's value with its unit: "7", "14.29 %", "72.60", "42 visits"."""
    if value is None:
        return NONE
    kpi = BY_CODE.get(kr.kpi_code)
    if kpi is not None and kpi.unit == Unit.MONEY:
        text = str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    elif value == value.to_integral_value():
        text = str(int(value))
    else:
        text = str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if kpi is not None:
        return text + UNIT_SUFFIX.get(kpi.unit, "")
    return f"{text} {kr.unit}" if kr.unit else text


def expected_text(expected: Decimal | None, kr: KeyResult) -> str:
    """Return the expected value, or the bound a stay-below/above key result keeps."""
    if kr.mode == KeyResultMode.STAY_BELOW:
        return f"at most {figure(kr.bound, kr)}"
    if kr.mode == KeyResultMode.STAY_ABOVE:
        return f"at least {figure(kr.bound, kr)}"
    return figure(expected, kr)


def status_label(status: str) -> str:
    """Return a status's label ("On track"), or the stored text if it is not a status."""
    try:
        return LABELS[Status(status)]
    except ValueError:
        return status


def change(now: str, before: str | None) -> str:
    """Return "up", "down" or "changed" when the status moved since `before`, else ""."""
    if before is None or before == now:
        return ""
    was, now_rank = RANK.get(Status(before)), RANK.get(Status(now))
    if was is None or now_rank is None:
        return "changed"
    return "up" if now_rank > was else "down"


@dataclass(frozen=True)
class KrLine:
    """One key result in the report."""

    key_result: KeyResult
    objective: str
    title: str
    actual: str
    expected: str
    as_of: str
    status: str
    label: str
    previous_label: str
    change: str  # "up", "down", "changed" or ""

    @property
    def status_text(self) -> str:
        """Return the status, after the status at the last review and an arrow if it moved."""
        return f"{self.previous_label} → {self.label}" if self.change else self.label


def kr_lines(report: Report) -> list[KrLine]:
    """Return the report's key results with their figures, statuses and changes."""
    lines = []
    for m in report.measures:
        kr = m.key_result
        before = report.previous_status.get(kr.pk)
        lines.append(
            KrLine(
                key_result=kr,
                objective=kr.objective.title,
                title=kr.title,
                actual=figure(m.actual, kr),
                expected=expected_text(m.expected, kr),
                as_of=str(m.month) if m.month else (m.as_of.isoformat() if m.as_of else ""),
                status=m.status,
                label=m.status_label,
                previous_label=status_label(before) if before else NONE,
                change=change(m.status, before) if report.last_review else "",
            )
        )
    return lines


def since_text(report: Report) -> str:
    """Return what the report counts from: the last review, or the plan's start."""
    if report.last_review is not None:
        return f"the review of {report.last_review.held_on.isoformat()}"
    return f"the start of the plan on {report.plan.starts_on.isoformat()} (no review yet)"


def counts_text(report: Report) -> str:
    """Return "2 on track, 1 at risk" in the order of the statuses; nothing counted: none."""
    parts = [
        f"{report.counts[status]} {LABELS[status].lower()}"
        for status in Status
        if report.counts.get(status)
    ]
    return ", ".join(parts) or "none yet"


def days_late(planned: date, day: date) -> str:
    """Return "5 days late", "1 day early" or "on time" for `day` against `planned`."""
    days = (day - planned).days
    if days == 0:
        return "on time"
    word = "day" if abs(days) == 1 else "days"
    return f"{abs(days)} {word} {'late' if days > 0 else 'early'}"


def milestone_slip(m: Milestone, today: date) -> str:
    """Return how a milestone slipped: its dates and the days late."""
    if m.actual_on is not None:
        return f"planned {m.planned_on.isoformat()}, reached {m.actual_on.isoformat()}, " + (
            days_late(m.planned_on, m.actual_on)
        )
    shown = f"planned {m.planned_on.isoformat()}"
    if m.replanned_on is not None:
        shown += f", now {m.replanned_on.isoformat()}"
    if m.due_on < today:
        return f"{shown}, not reached, {days_late(m.planned_on, today)}"
    return f"{shown}, {days_late(m.planned_on, m.due_on)}"


def overdue_text(action: Action, today: date) -> str:
    """Return an overdue action's owner, due date and delay."""
    return (
        f"owner {action.owner.get_username()}, due {action.due_on.isoformat()}, "
        f"{days_late(action.due_on, today)}"
    )


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _items(lines: list[str]) -> list[str]:
    return [f"- {line}" for line in lines] if lines else ["None."]


def report_markdown(report: Report) -> str:
    """Return the progress report as Markdown, ready to send to the team."""
    today = report.today
    out = [
        f"# {report.plan.name}: progress report of {today.isoformat()}",
        "",
        f"Since {since_text(report)}. Plan owner: {report.plan.owner.get_username()}.",
        "",
        f"Key results: {counts_text(report)}.",
        "",
        "## Key results",
        "",
    ]
    lines = kr_lines(report)
    if lines:
        out += [
            "| Objective | Key result | Actual | Expected | Status |",
            "| --- | --- | --- | --- | --- |",
        ]
        for line in lines:
            actual = f"{line.actual} ({line.as_of})" if line.as_of else line.actual
            cells = [line.objective, line.title, actual, line.expected, line.status_text]
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    else:
        out.append("None.")
    sections: list[tuple[str, list[str]]] = [
        (
            "Overdue actions",
            [f"{a.title} ({a.objective.title}): {overdue_text(a, today)}" for a in report.overdue],
        ),
        (
            "Actions done since the last review",
            [
                f"{a.title}: done {a.done_on.isoformat()} by {a.owner.get_username()}"
                for a in report.done_since
                if a.done_on
            ],
        ),
        (
            "Switched to plan B",
            [
                f"{a.title}: active from {a.activated_on.isoformat()}, "
                f"owner {a.owner.get_username()}"
                for a in report.activated_since
                if a.activated_on
            ],
        ),
        ("Milestones slipped", [f"{m.title}: {milestone_slip(m, today)}" for m in report.slipped]),
        (
            "Milestones reached since the last review",
            [
                f"{m.title}: reached {m.actual_on.isoformat()} (planned {m.planned_on.isoformat()})"
                for m in report.reached_since
                if m.actual_on
            ],
        ),
        (
            "Check-ins since the last review",
            [
                f"{c.on.isoformat()}, {c.key_result.title}: {figure(c.value, c.key_result)}"
                + (f" by {c.by.get_username()}" if c.by else "")
                + (f" ({c.note})" if c.note else "")
                for c in report.check_ins_since
            ],
        ),
    ]
    for title, items in sections:
        out += ["", f"## {title}", "", *_items(items)]
    return "\n".join(out) + "\n"


def report_filename(report: Report) -> str:
    """Return the download's file name: <plan-name-slug>-report-<date>.md."""
    return f"{slugify(report.plan.name) or 'plan'}-report-{report.today.isoformat()}.md"
