"""Support reads: the ticket queue with SLA state, incidents and whom they hit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.utils import timezone

from rota.catalog.models import Feature, OfferVersion, Segment
from rota.core.errors import NotFound
from rota.customers.models import Customer
from rota.installation.selectors import installation_zone
from rota.subscriptions.models import Plan, Subscription
from rota.subscriptions.selectors import State, plan_on, with_state
from rota.support.models import Incident, IncidentImpact, SlaPolicy, Ticket
from rota.support.sla import DONE


def local_day(at: datetime) -> date:
    """Return the installation's calendar day of a moment."""
    return timezone.localtime(at, installation_zone()).date()


def sla_policy_for(
    *, customer: Customer, subscription: Subscription | None, priority: str, day: date
) -> SlaPolicy | None:
    """Return the policy for a ticket: the offer's on `day` if it has one, else the segment's."""
    segment = customer.segment
    offer_id = None
    if subscription is not None:
        plan = plan_on(subscription, day)
        offer_id = plan.offer_version.offer_id
        segment = plan.offer_version.offer.segment
    policies = SlaPolicy.objects.filter(priority=priority).filter(
        Q(offer_id=offer_id, offer__isnull=False) | Q(offer__isnull=True, segment=segment)
    )
    # The offer's own policy (segment "") sorts before the segment's.
    return policies.order_by("segment").first()


def with_sla(queryset: QuerySet[Ticket], now: datetime) -> QuerySet[Ticket]:
    """Annotate `next_due_at` (the next target to meet) and `breached` (a target missed)."""
    moment = Value(now, output_field=DateTimeField())
    return queryset.annotate(
        next_due_at=Case(
            When(status__in=DONE, then=Value(None, output_field=DateTimeField())),
            When(first_response_at__isnull=True, then=F("response_due_at")),
            default=F("resolution_due_at"),
            output_field=DateTimeField(),
        ),
        breached=Case(
            When(response_due_at__isnull=True, then=Value(False)),
            # A ticket resolved without a reply was answered by its resolution.
            When(
                first_response_at__isnull=True,
                resolved_at__isnull=True,
                response_due_at__lt=moment,
                then=Value(True),
            ),
            When(
                first_response_at__isnull=True,
                resolved_at__gt=F("response_due_at"),
                then=Value(True),
            ),
            When(first_response_at__gt=F("response_due_at"), then=Value(True)),
            When(resolved_at__isnull=True, resolution_due_at__lt=moment, then=Value(True)),
            When(resolved_at__gt=F("resolution_due_at"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def queue_order() -> list[object]:
    """Return the queue's order: what breaches first on top, finished tickets last."""
    return [F("next_due_at").asc(nulls_last=True), "opened_at", "id"]


def ticket_list(
    *,
    now: datetime,
    status: str | None = None,
    customer: int | None = None,
    priority: str | None = None,
    assignee: str | None = None,
    breached: bool | None = None,
    incident: int | None = None,
) -> QuerySet[Ticket]:
    """Return tickets with their SLA state at `now`, what breaches first on top."""
    queryset = with_sla(
        Ticket.objects.select_related(
            "customer", "subscription", "assignee", "incident", "sla_policy"
        ),
        now,
    )
    filters = {
        "status": status,
        "customer_id": customer,
        "priority": priority,
        "assignee__username": assignee,
        "breached": breached,
        "incident_id": incident,
    }
    queryset = queryset.filter(**{k: v for k, v in filters.items() if v not in (None, "")})
    return queryset.order_by(*queue_order())  # type: ignore[arg-type]


def ticket_get(pk: int, now: datetime) -> Ticket:
    """Return one ticket with its SLA state and messages, or raise NotFound."""
    found = (
        with_sla(
            Ticket.objects.select_related("customer", "subscription", "assignee", "sla_policy"),
            now,
        )
        .prefetch_related("messages")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(detail=f"There is no ticket {pk}.")
    return found


def customer_tickets(customer_id: int, now: datetime) -> QuerySet[Ticket]:
    """Return a customer's tickets, newest first."""
    return with_sla(
        Ticket.objects.filter(customer_id=customer_id).select_related(
            "subscription", "assignee", "incident"
        ),
        now,
    ).order_by("-opened_at", "-id")


# Incidents -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What an incident hit: municipalities, technologies and offers, or a list of subscriptions.

    Within a field any value matches; across fields all must (FTTH in Radom).
    """

    municipalities: tuple[str, ...] = ()
    technologies: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    subscriptions: tuple[int, ...] = ()

    def fields(self) -> list[str]:
        """Return the names of the fields given."""
        return [name for name in SCOPE_FIELDS if getattr(self, name)]


SCOPE_FIELDS = ("municipalities", "technologies", "offers", "subscriptions")


@dataclass(frozen=True)
class Hit:
    """A subscription in service when an incident started."""

    subscription_id: int
    customer_id: int
    segment: str
    offer: str
    has_sla: bool


def scope_hits(scope: Scope, day: date) -> list[Hit]:
    """Return the active (not suspended) subscriptions the scope matches on `day`."""
    version = Plan.objects.filter(
        subscription=OuterRef("pk"),
        valid_from__lte=Greatest(Value(day, output_field=DateField()), OuterRef("start_date")),
    ).order_by("-valid_from")
    queryset = with_state(Subscription.objects.all(), day).annotate(
        current_version=Subquery(version.values("offer_version_id")[:1])
    )
    filters: dict[str, object] = {"state": State.ACTIVE}
    if scope.subscriptions:
        filters["pk__in"] = scope.subscriptions
    if scope.municipalities:
        filters["municipality_code__in"] = scope.municipalities
    if scope.technologies:
        filters["current_technology__in"] = scope.technologies
    if scope.offers:
        filters["current_offer__in"] = scope.offers
    queryset = queryset.filter(**filters)
    rows = list(
        queryset.order_by("pk").values_list(
            "pk", "customer_id", "customer__segment", "current_offer", "current_version"
        )
    )
    with_sla_feature = {
        pk
        for pk, features in OfferVersion.objects.filter(
            pk__in={row[4] for row in rows}
        ).values_list("pk", "features")
        if Feature.SLA in (features or [])
    }
    offers_with_policy = set(
        SlaPolicy.objects.filter(offer__isnull=False).values_list("offer__code", flat=True)
    )
    return [
        Hit(
            subscription_id=pk,
            customer_id=customer_id,
            segment=segment,
            offer=offer or "",
            has_sla=segment == Segment.BUSINESS
            and (version_id in with_sla_feature or offer in offers_with_policy),
        )
        for pk, customer_id, segment, offer, version_id in rows
    ]


def with_counts(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Annotate how many subscriptions, and how many with an SLA, an incident hit."""
    return queryset.annotate(
        affected=Count("impacts"),
        affected_sla=Count("impacts", filter=Q(impacts__has_sla=True)),
    )


def incident_list(
    *,
    ongoing: bool | None = None,
    cause: str | None = None,
    planned: bool | None = None,
    customer: int | None = None,
) -> QuerySet[Incident]:
    """Return incidents, latest first, with the number of subscriptions each hit."""
    queryset = Incident.objects.all()
    if ongoing is not None:
        queryset = queryset.filter(resolved_at__isnull=ongoing)
    if cause:
        queryset = queryset.filter(cause=cause)
    if planned is not None:
        queryset = queryset.filter(planned=planned)
    if customer is not None:
        queryset = queryset.filter(
            pk__in=IncidentImpact.objects.filter(customer_id=customer).values("incident_id")
        )
    return with_counts(queryset).order_by("-started_at", "-id")


def incident_get(pk: int) -> Incident:
    """Return one incident with its counts, or raise NotFound."""
    found = with_counts(Incident.objects.filter(pk=pk)).first()
    if found is None:
        raise NotFound(detail=f"There is no incident {pk}.")
    return found


def incident_impacts(incident: Incident) -> QuerySet[IncidentImpact]:
    """Return whom an incident hit: customers with an SLA first."""
    return (
        IncidentImpact.objects.filter(incident=incident)
        .select_related("subscription", "customer")
        .order_by("-has_sla", "customer_id", "subscription_id")
    )


def customer_incidents(customer_id: int) -> list[tuple[Incident, list[str]]]:
    """Return the incidents that hit a customer, latest first, each with their subscriptions."""
    impacts = (
        IncidentImpact.objects.filter(customer_id=customer_id)
        .select_related("incident", "subscription")
        .order_by("-incident__started_at", "-incident_id", "subscription_id")
    )
    found: dict[int, tuple[Incident, list[str]]] = {}
    for impact in impacts:
        entry = found.setdefault(impact.incident_id, (impact.incident, []))
        entry[1].append(impact.subscription.number)
    return list(found.values())


def incident_duration_seconds(incident: Incident, now: datetime) -> float:
    """Return how long an incident lasted (so far, while it is ongoing)."""
    return ((incident.resolved_at or now) - incident.started_at).total_seconds()
