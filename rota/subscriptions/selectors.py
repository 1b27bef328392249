"""Subscription reads: state on a day, filtered lists, a customer's story."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Greatest

from rota.audit.models import AuditEvent
from rota.billing.pricing import Phase, commitment_end, early_termination_fee
from rota.catalog.selectors import describe_schedule
from rota.core.errors import InvalidInput, NotFound
from rota.core.money import parse_amount
from rota.customers.models import Customer
from rota.subscriptions.models import Plan, PlanPhase, Subscription, SubscriptionAddOn, Suspension


class State:
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"

    choices = [
        (PENDING, "Pending (starts later)"),
        (ACTIVE, "Active"),
        (SUSPENDED, "Suspended"),
        (ENDED, "Ended"),
    ]


def with_state(queryset: QuerySet[Subscription], day: date) -> QuerySet[Subscription]:
    """Annotate each subscription with its state and its plan's offer on `day`.

    `current_offer`, `current_segment` and `current_technology` come from the plan in force
    on `day` (for a subscription that has not started yet, the plan it starts with), so a
    planned offer change shows from its date on, everywhere.
    """
    suspended = Suspension.objects.filter(subscription=OuterRef("pk"), start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    in_force = Plan.objects.filter(
        subscription=OuterRef("pk"),
        valid_from__lte=Greatest(Value(day, output_field=DateField()), OuterRef("start_date")),
    ).order_by("-valid_from")
    return queryset.annotate(
        state=Case(
            When(start_date__gt=day, then=Value(State.PENDING)),
            When(end_date__lt=day, then=Value(State.ENDED)),
            When(Exists(suspended), then=Value(State.SUSPENDED)),
            default=Value(State.ACTIVE),
            output_field=CharField(),
        ),
        current_offer=Subquery(in_force.values("offer_version__offer__code")[:1]),
        current_segment=Subquery(in_force.values("offer_version__offer__segment")[:1]),
        current_technology=Subquery(in_force.values("offer_version__technology")[:1]),
    )


def with_details(queryset: QuerySet[Subscription]) -> QuerySet[Subscription]:
    """Fetch plans (with phases), add-ons and suspensions for a whole page in a few queries."""
    return queryset.select_related("customer", "offer").prefetch_related(
        Prefetch(
            "plans",
            queryset=Plan.objects.select_related("offer_version__offer")
            .prefetch_related(Prefetch("phases", queryset=PlanPhase.objects.order_by("from_month")))
            .order_by("valid_from"),
        ),
        Prefetch(
            "addons",
            queryset=SubscriptionAddOn.objects.select_related("addon").order_by("start_date", "id"),
        ),
        Prefetch("suspensions", queryset=Suspension.objects.order_by("start_date")),
    )


def subscription_list(
    *,
    day: date,
    customer: int | None = None,
    offer: str | None = None,
    segment: str | None = None,
    technology: str | None = None,
    state: str | None = None,
    municipality_code: str | None = None,
    cancel_reason: str | None = None,
) -> QuerySet[Subscription]:
    """Return subscriptions with their state on `day`, filtered by their plan on that day."""
    queryset = with_state(with_details(Subscription.objects.all()), day).order_by("id")
    filters = {
        "customer_id": customer,
        "current_offer": offer,
        "current_segment": segment,
        "current_technology": technology,
        "state": state,
        "municipality_code": municipality_code,
        "cancel_reason": cancel_reason,
    }
    return queryset.filter(**{k: v for k, v in filters.items() if v not in (None, "")})


def subscription_get(pk: int, day: date) -> Subscription:
    """Return one subscription with its state on `day`, or raise NotFound."""
    found = with_state(with_details(Subscription.objects.all()), day).filter(pk=pk).first()
    if found is None:
        raise NotFound(detail=f"There is no subscription {pk}.")
    return found


@dataclass(frozen=True)
class PlanView:
    """A plan as the customer page shows it."""

    plan: Plan
    valid_until: date | None
    phases: list[tuple[int, int]]
    commitment_end: date | None


def plans_of(subscription: Subscription) -> list[PlanView]:
    """Return the subscription's plans in order, each with the last day it applies."""
    plans = list(subscription.plans.all())  # ordered by valid_from (Meta, or with_details)
    views = []
    for i, plan in enumerate(plans):
        until = plans[i + 1].valid_from if i + 1 < len(plans) else None
        last = until and date.fromordinal(until.toordinal() - 1)
        views.append(
            PlanView(
                plan=plan,
                valid_until=last or subscription.end_date,
                phases=[(p.from_month, p.monthly_price_minor) for p in plan.phases.all()],
                commitment_end=commitment_end(plan.contract_start, plan.term_months),
            )
        )
    return views


def timeline(customer: Customer) -> QuerySet[AuditEvent]:
    """Return every recorded event of a customer and their subscriptions, newest first."""
    subscription_ids = [str(pk) for pk in customer.subscriptions.values_list("pk", flat=True)]
    return AuditEvent.objects.filter(
        Q(object_type="customers.customer", object_id=str(customer.pk))
        | Q(object_type="subscriptions.subscription", object_id__in=subscription_ids)
    ).order_by("-at", "-id")


def plan_on(subscription: Subscription, day: date) -> Plan:
    """Return the plan in force on a day (the first plan for days before the start)."""
    plan = subscription.plans.filter(valid_from__lte=day).order_by("-valid_from").first()
    return plan or subscription.plans.order_by("valid_from").first()  # type: ignore[return-value]


def cancellation_fee(subscription: Subscription, last_day: date) -> int:
    """Return the early-termination fee if service ends after `last_day`."""
    plan = plan_on(subscription, last_day)
    return early_termination_fee(
        rule=plan.early_termination_rule,
        amount_minor=plan.early_termination_amount_minor,
        contract_start=plan.contract_start,
        term_months=plan.term_months,
        last_day=last_day,
    )


STATE_LABELS = dict(State.choices)


@dataclass(frozen=True)
class PlanRow:
    """A plan as the customer page lists it."""

    valid_from: date
    valid_until: date | None
    offer: str
    version: int
    term_months: int
    contract_start: date
    commitment_end: date | None
    schedule: str


@dataclass(frozen=True)
class SubscriptionStory:
    """One subscription on the customer page."""

    subscription: Subscription
    state_label: str
    plans: list[PlanRow]
    addons: list[str]
    suspensions: list[str]
    cancellation_fee: str


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a customer's timeline."""

    at: Any
    who: str
    title: str
    details: str
    backdated: bool


@dataclass(frozen=True)
class CustomerStory:
    """Everything the customer page shows below the customer's details."""

    subscriptions: list[SubscriptionStory]
    timeline: list[TimelineEntry]


def _schedule_text(phases: list[tuple[int, int]], money: Callable[[int], str]) -> str:
    return describe_schedule([Phase(m, p) for m, p in phases], money)


def _money_text(value: Any, money: Callable[[int], str]) -> str:
    """Format a decimal string from the audit trail in the installation's currency."""
    try:
        return money(parse_amount(str(value), field="amount", allow_negative=True))
    except InvalidInput:
        return str(value)


def _entry_title(
    event: AuditEvent, numbers: dict[str, str], money: Callable[[int], str]
) -> tuple[str, str]:
    """Return a readable title and details for an audit event."""
    c = event.changes
    subject = numbers.get(event.object_id, event.object_repr)
    titles: dict[str, Callable[[], tuple[str, str]]] = {
        "customer.create": lambda: ("Customer created", ""),
        "customer.update": lambda: ("Details changed", ", ".join(sorted(c))),
        "subscription.sell": lambda: (
            f"{subject} sold: {c.get('offer')} v{c.get('version')}, "
            f"{c.get('term_months')} months, from {c.get('effective')}",
            "; ".join(f"from month {m}: {_money_text(p, money)}" for m, p in c.get("schedule", [])),
        ),
        "subscription.cancel": lambda: (
            f"{subject} cancelled ({c.get('reason')}), last day {c.get('last_day')}",
            f"requested {c.get('requested_on')}; early-termination fee "
            f"{_money_text(c.get('early_termination_fee'), money)}"
            + (f"; {event.note}" if event.note else "")
            + (
                f"; withdrawn offer changes: {', '.join(c['withdrawn_offer_changes'])}"
                if c.get("withdrawn_offer_changes")
                else ""
            ),
        ),
        "subscription.suspend": lambda: (
            f"{subject} suspended from {c.get('from')} to {c.get('to') or 'resume'}",
            c.get("reason", ""),
        ),
        "subscription.resume": lambda: (f"{subject} resumed on {c.get('effective')}", ""),
        "subscription.change_offer": lambda: (
            f"{subject} changed offer {' → '.join(c.get('offer', []))} from {c.get('effective')}",
            "new contract" if c.get("new_contract") else "contract kept",
        ),
        "subscription.attach_addon": lambda: (
            f"{subject}: {c.get('addon')} added from {c.get('effective')}",
            f"{_money_text(c.get('monthly_price'), money)} a month",
        ),
        "subscription.detach_addon": lambda: (
            f"{subject}: {c.get('addon')} removed after {c.get('last_day')}",
            "",
        ),
    }
    make = titles.get(event.action)
    return make() if make else (event.action, "")


def customer_story(customer: Customer, day: date, money: Callable[[int], str]) -> CustomerStory:
    """Return a customer's subscriptions (state on `day`) and timeline, newest first."""
    subscriptions = list(
        with_state(with_details(customer.subscriptions.all()), day).order_by("-start_date")
    )
    stories = []
    for subscription in subscriptions:
        plans = [
            PlanRow(
                valid_from=view.plan.valid_from,
                valid_until=view.valid_until,
                offer=view.plan.offer_version.offer.code,
                version=view.plan.offer_version.number,
                term_months=view.plan.term_months,
                contract_start=view.plan.contract_start,
                commitment_end=view.commitment_end,
                schedule=_schedule_text(view.phases, money),
            )
            for view in plans_of(subscription)
        ]
        addons = [
            f"{a.addon.name} {money(a.monthly_price_minor)} from {a.start_date}"
            + (f" to {a.end_date}" if a.end_date else "")
            for a in subscription.addons.all()
        ]
        suspensions = [
            f"{s.start_date} – {s.end_date or 'until resumed'}"
            for s in subscription.suspensions.all()
        ]
        state = getattr(subscription, "state", "")
        end = subscription.end_date
        fee = money(cancellation_fee(subscription, end)) if end else ""
        stories.append(
            SubscriptionStory(
                subscription, STATE_LABELS.get(state, state), plans, addons, suspensions, fee
            )
        )
    numbers = {str(s.pk): s.number for s in subscriptions}
    entries = []
    for event in timeline(customer)[:200]:
        title, details = _entry_title(event, numbers, money)
        entries.append(
            TimelineEntry(
                at=event.at,
                who=event.actor_label,
                title=title,
                details=details,
                backdated=bool(event.changes.get("backdated")),
            )
        )
    return CustomerStory(stories, entries)
