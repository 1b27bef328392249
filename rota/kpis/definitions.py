"""The KPI registry: one canonical definition per code (docs/kpis.md explains each one).

Plain data: the calculators (`calc.py`) compute the values, the API, the command line and
the dashboard show them with these names, units and formulas.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    COUNT = "count"
    MONEY = "money"
    PERCENT = "%"
    PER_100 = "per 100"
    HOURS = "hours"


class Better(StrEnum):
    UP = "up"
    DOWN = "down"


class Family(StrEnum):
    SUBSCRIBERS = "subscribers"
    REVENUE = "revenue"
    COLLECTION = "collection"
    TICKETS = "tickets"
    INCIDENTS = "incidents"


@dataclass(frozen=True)
class Kpi:
    """One KPI: what it is called, how it is measured and which way is good."""

    code: str
    name: str
    unit: Unit
    better: Better
    family: Family
    formula: str

    @property
    def decimals(self) -> int:
        """Return the decimal places of the value in the API (counts have none)."""
        return {Unit.COUNT: 0, Unit.MONEY: 2}.get(self.unit, 4)


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "active_subscribers",
        "Active subscribers",
        Unit.COUNT,
        Better.UP,
        Family.SUBSCRIBERS,
        "Subscriptions in service on the last day of the month that go on after it",
    ),
    Kpi(
        "opening_subscribers",
        "Opening subscribers",
        Unit.COUNT,
        Better.UP,
        Family.SUBSCRIBERS,
        "Subscriptions in service at the end of the day before the month starts",
    ),
    Kpi(
        "gross_adds",
        "Gross adds",
        Unit.COUNT,
        Better.UP,
        Family.SUBSCRIBERS,
        "Subscriptions whose first day of service is in the month",
    ),
    Kpi(
        "churned",
        "Churned",
        Unit.COUNT,
        Better.DOWN,
        Family.SUBSCRIBERS,
        "Subscriptions whose last day of service is in the month (an offer change is not churn)",
    ),
    Kpi(
        "churned_voluntary",
        "Churned (voluntary)",
        Unit.COUNT,
        Better.DOWN,
        Family.SUBSCRIBERS,
        "Churned with any reason but non-payment",
    ),
    Kpi(
        "churned_involuntary",
        "Churned (involuntary)",
        Unit.COUNT,
        Better.DOWN,
        Family.SUBSCRIBERS,
        "Churned for non-payment",
    ),
    Kpi(
        "net_adds",
        "Net adds",
        Unit.COUNT,
        Better.UP,
        Family.SUBSCRIBERS,
        "Gross adds − churned (active = opening + net adds)",
    ),
    Kpi(
        "churn_rate",
        "Churn rate",
        Unit.PERCENT,
        Better.DOWN,
        Family.SUBSCRIBERS,
        "Churned / opening subscribers × 100 (0 when there were none)",
    ),
    Kpi(
        "mrr",
        "MRR",
        Unit.MONEY,
        Better.UP,
        Family.REVENUE,
        "Monthly price net of tax on the last day of the month (current price phase plus "
        "add-ons, rounded per subscription) over active subscriptions that are not suspended",
    ),
    Kpi(
        "arpu",
        "ARPU",
        Unit.MONEY,
        Better.UP,
        Family.REVENUE,
        "MRR / active subscribers (0 when there are none)",
    ),
    Kpi(
        "revenue_invoiced",
        "Revenue invoiced",
        Unit.MONEY,
        Better.UP,
        Family.REVENUE,
        "Net total of the invoices issued in the month, credit notes negative",
    ),
    Kpi(
        "collection_rate",
        "Collection rate",
        Unit.PERCENT,
        Better.UP,
        Family.COLLECTION,
        "Paid by the month's end of the invoices due in the month / their gross total × 100",
    ),
    Kpi(
        "overdue_amount",
        "Overdue amount",
        Unit.MONEY,
        Better.DOWN,
        Family.COLLECTION,
        "Unpaid gross balance on the month's last day of invoices due before that day",
    ),
    Kpi(
        "tickets_opened",
        "Tickets opened",
        Unit.COUNT,
        Better.DOWN,
        Family.TICKETS,
        "Tickets opened in the month",
    ),
    Kpi(
        "tickets_per_100",
        "Tickets per 100 subscribers",
        Unit.PER_100,
        Better.DOWN,
        Family.TICKETS,
        "Tickets opened / active subscribers × 100",
    ),
    Kpi(
        "avg_ticket_handling_hours",
        "Ticket handling time",
        Unit.HOURS,
        Better.DOWN,
        Family.TICKETS,
        "Mean hours from opening to resolution of the tickets resolved in the month",
    ),
    Kpi(
        "first_response_hours",
        "First response time",
        Unit.HOURS,
        Better.DOWN,
        Family.TICKETS,
        "Mean hours from opening to the first reply of the tickets opened in the month "
        "that have one",
    ),
    Kpi(
        "sla_compliance",
        "SLA compliance",
        Unit.PERCENT,
        Better.UP,
        Family.TICKETS,
        "Tickets resolved in the month by their resolution due time / tickets resolved in "
        "the month × 100",
    ),
    Kpi(
        "link_failure_rate",
        "Link failure rate",
        Unit.PER_100,
        Better.DOWN,
        Family.INCIDENTS,
        "Subscriptions hit by incidents that started in the month and lasted at least 10 "
        "minutes / active subscribers × 100",
    ),
    Kpi(
        "availability",
        "Availability",
        Unit.PERCENT,
        Better.UP,
        Family.INCIDENTS,
        "100 × (1 − Σ incident minutes in the month × subscriptions hit / (minutes in the "
        "month × active subscribers))",
    ),
    Kpi(
        "mttr_hours",
        "Mean time to repair",
        Unit.HOURS,
        Better.DOWN,
        Family.INCIDENTS,
        "Mean duration in hours of the incidents resolved in the month",
    ),
)

BY_CODE: dict[str, Kpi] = {kpi.code: kpi for kpi in KPIS}
CODES: tuple[str, ...] = tuple(BY_CODE)
