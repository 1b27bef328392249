"""Subscription reads: state on a day, filtered lists, a customer's story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Case,
    CharField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from rota.audit.models import AuditEvent
from rota.billing.pricing import commitment_end
from rota.core.errors import NotFound
from rota.customers.models import Customer
from rota.subscriptions.models import Plan, Subscription, Suspension


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
    """Annotate each subscription with its state on `day`."""
    suspended = Suspension.objects.filter(subscription=OuterRef("pk"), start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    return queryset.annotate(
        state=Case(
            When(start_date__gt=day, then=Value(State.PENDING)),
            When(end_date__lt=day, then=Value(State.ENDED)),
            When(Exists(suspended), then=Value(State.SUSPENDED)),
            default=Value(State.ACTIVE),
            output_field=CharField(),
        )
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
    """Return subscriptions with their state on `day`, filtered."""
    queryset = with_state(Subscription.objects.select_related("customer", "offer"), day).order_by(
        "id"
    )
    if customer is not None:
        queryset = queryset.filter(customer_id=customer)
    if offer:
        queryset = queryset.filter(offer__code=offer)
    if segment:
        queryset = queryset.filter(offer__segment=segment)
    if technology:
        current = Plan.objects.filter(subscription=OuterRef("pk"), valid_from__lte=day).order_by(
            "-valid_from"
        )
        queryset = queryset.annotate(
            technology=Subquery(current.values("offer_version__technology")[:1])
        ).filter(technology=technology)
    if state:
        queryset = queryset.filter(state=state)  # type: ignore[misc]
    if municipality_code:
        queryset = queryset.filter(municipality_code=municipality_code)
    if cancel_reason:
        queryset = queryset.filter(cancel_reason=cancel_reason)
    return queryset


def subscription_get(pk: int, day: date) -> Subscription:
    """Return one subscription with its state on `day`, or raise NotFound."""
    found = (
        with_state(Subscription.objects.select_related("customer", "offer"), day)
        .filter(pk=pk)
        .first()
    )
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
    plans = list(
        subscription.plans.select_related("offer_version__offer").prefetch_related("phases")
    )
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
