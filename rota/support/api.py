"""Support endpoints: tickets (replies, notes, transitions) and network incidents."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status
from pydantic import Field

from rota.accounts.api_auth import actor_of, scoped
from rota.core.errors import InvalidInput
from rota.core.problems import ERRORS, PageQuery, page
from rota.customers.selectors import customer_get
from rota.subscriptions.models import Subscription
from rota.support import selectors, services
from rota.support.models import Cause, Incident, Priority
from rota.support.models import Status as TicketStatus
from rota.support.schemas import (
    MAX_ID,
    ImpactOut,
    IncidentDetail,
    IncidentIn,
    IncidentList,
    IncidentOut,
    MessageIn,
    MessageOut,
    ResolveIn,
    TicketDetail,
    TicketIn,
    TicketList,
    TicketOut,
    TicketPatch,
    TransitionIn,
)

router = Router(tags=["support"])
READ = scoped("support:read")
WRITE = scoped("support:write")


class TicketFilter(PageQuery):
    status: TicketStatus | None = None
    customer: int | None = Field(None, ge=1, le=MAX_ID)
    priority: Priority | None = None
    assignee: str | None = None
    breached: bool | None = None
    incident: int | None = Field(None, ge=1, le=MAX_ID)


class IncidentFilter(PageQuery):
    ongoing: bool | None = None
    cause: Cause | None = None
    planned: bool | None = None
    customer: int | None = Field(None, ge=1, le=MAX_ID)


def _assignee(username: str | None, field: str = "assignee") -> User | None:
    if username is None:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise InvalidInput.single(field, f"there is no staff user {username!r}")
    return user


def _subscription(pk: int | None) -> Subscription | None:
    if pk is None:
        return None
    found = Subscription.objects.filter(pk=pk).first()
    if found is None:
        raise InvalidInput.single("subscription", f"there is no subscription {pk}")
    return found


def _incident(pk: int | None) -> Incident | None:
    if pk is None:
        return None
    found = Incident.objects.filter(pk=pk).first()
    if found is None:
        raise InvalidInput.single("incident", f"there is no incident {pk}")
    return found


def _ticket(pk: int) -> dict[str, Any]:
    return TicketDetail.build(selectors.ticket_get(pk, timezone.now()))


@router.get("/tickets", response={200: TicketList, **ERRORS}, auth=READ)
def list_tickets(request: HttpRequest, filters: Query[TicketFilter]) -> dict[str, Any]:
    """List tickets, the one that breaches its SLA first on top; finished ones last."""
    query = filters.model_dump(exclude={"limit", "offset"})
    tickets = selectors.ticket_list(now=timezone.now(), **query)
    rows = tickets[page(filters.limit, filters.offset)]
    return {"items": [TicketOut.build(t) for t in rows], "count": tickets.count()}


@router.post("/tickets", response={201: TicketDetail, **ERRORS}, auth=WRITE)
def open_ticket(request: HttpRequest, payload: TicketIn) -> Status[dict[str, Any]]:
    """Open a ticket for a customer (and optionally one of their subscriptions)."""
    ticket = services.ticket_open(
        customer=customer_get(payload.customer),
        subscription=_subscription(payload.subscription),
        incident=_incident(payload.incident),
        category=payload.category,
        priority=payload.priority,
        channel=payload.channel,
        subject=payload.subject,
        description=payload.description,
        assignee=_assignee(payload.assignee),
        at=payload.opened_at or timezone.now(),
        actor=actor_of(request),
    )
    return Status(201, _ticket(ticket.pk))


@router.get("/tickets/{ticket_id}", response={200: TicketDetail, **ERRORS}, auth=READ)
def get_ticket(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    """Get a ticket with its due times, replies and notes."""
    return _ticket(ticket_id)


@router.patch("/tickets/{ticket_id}", response={200: TicketDetail, **ERRORS}, auth=WRITE)
def update_ticket(request: HttpRequest, ticket_id: int, payload: TicketPatch) -> dict[str, Any]:
    """Assign, re-prioritise (due times follow), re-categorise or link to an incident."""
    given = payload.model_dump(exclude_unset=True)
    for name in ("priority", "category"):
        if name in given and given[name] is None:
            raise InvalidInput.single(name, "must not be null")
    changes: dict[str, Any] = {k: v for k, v in given.items() if k in ("priority", "category")}
    if "assignee" in given:
        changes["assignee"] = _assignee(given["assignee"])
    if "incident" in given:
        changes["incident"] = _incident(given["incident"])
    services.ticket_update(
        ticket=selectors.ticket_get(ticket_id, timezone.now()),
        changes=changes,
        at=timezone.now(),
        actor=actor_of(request),
    )
    return _ticket(ticket_id)


@router.post("/tickets/{ticket_id}/messages", response={201: MessageOut, **ERRORS}, auth=WRITE)
def add_message(request: HttpRequest, ticket_id: int, payload: MessageIn) -> Status[dict[str, Any]]:
    """Reply to the customer (the first reply is the first response) or add an internal note."""
    message = services.ticket_add_message(
        ticket=selectors.ticket_get(ticket_id, timezone.now()),
        kind=payload.kind,
        body=payload.body,
        at=payload.at or timezone.now(),
        actor=actor_of(request),
    )
    return Status(201, MessageOut.build(message))


@router.post("/tickets/{ticket_id}/transitions", response={200: TicketDetail, **ERRORS}, auth=WRITE)
def transition(request: HttpRequest, ticket_id: int, payload: TransitionIn) -> dict[str, Any]:
    """Move a ticket to another status: open, waiting_for_customer, resolved, closed."""
    services.ticket_transition(
        ticket=selectors.ticket_get(ticket_id, timezone.now()),
        to=payload.to,
        at=payload.at or timezone.now(),
        actor=actor_of(request),
    )
    return _ticket(ticket_id)


# Incidents -------------------------------------------------------------------------------


def _incident_detail(pk: int) -> dict[str, Any]:
    incident = selectors.incident_get(pk)
    return {
        **IncidentOut.build(incident),
        "affected": [ImpactOut.build(i) for i in selectors.incident_impacts(incident)],
    }


@router.get("/incidents", response={200: IncidentList, **ERRORS}, auth=READ)
def list_incidents(request: HttpRequest, filters: Query[IncidentFilter]) -> dict[str, Any]:
    """List network incidents, latest first, with how many subscriptions each hit."""
    query = filters.model_dump(exclude={"limit", "offset"})
    incidents = selectors.incident_list(**query)
    rows = incidents[page(filters.limit, filters.offset)]
    return {"items": [IncidentOut.build(i) for i in rows], "count": incidents.count()}


@router.post("/incidents", response={201: IncidentDetail, **ERRORS}, auth=WRITE)
def create_incident(request: HttpRequest, payload: IncidentIn) -> Status[dict[str, Any]]:
    """Record an incident; its scope is resolved into the subscriptions in service at its start."""
    scope = payload.scope
    incident = services.incident_create(
        title=payload.title,
        cause=payload.cause,
        description=payload.description,
        planned=payload.planned,
        started_at=payload.started_at,
        resolved_at=payload.resolved_at,
        scope=selectors.Scope(
            municipalities=tuple(scope.municipalities),
            technologies=tuple(scope.technologies),
            offers=tuple(scope.offers),
            subscriptions=tuple(scope.subscriptions),
        ),
        actor=actor_of(request),
    )
    return Status(201, _incident_detail(incident.pk))


@router.get("/incidents/{incident_id}", response={200: IncidentDetail, **ERRORS}, auth=READ)
def get_incident(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    """Get an incident with every subscription it hit (customers with an SLA first)."""
    return _incident_detail(incident_id)


@router.post(
    "/incidents/{incident_id}/resolve", response={200: IncidentDetail, **ERRORS}, auth=WRITE
)
def resolve_incident(request: HttpRequest, incident_id: int, payload: ResolveIn) -> dict[str, Any]:
    """Record when service came back."""
    services.incident_resolve(
        incident=selectors.incident_get(incident_id),
        at=payload.resolved_at or timezone.now(),
        actor=actor_of(request),
    )
    return _incident_detail(incident_id)
