"""API shapes of tickets, their messages and transitions, and network incidents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from rota.catalog.models import Technology
from rota.support.models import (
    Category,
    Cause,
    Channel,
    Incident,
    IncidentImpact,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketMessage,
)

MAX_ID = 2**63 - 1


class MessageOut(Schema):
    id: int
    kind: MessageKind
    author: str
    body: str
    created_at: datetime

    @staticmethod
    def build(message: TicketMessage) -> dict[str, Any]:
        """Return the representation of a reply or note."""
        return {
            "id": message.pk,
            "kind": message.kind,
            "author": message.author_label,
            "body": message.body,
            "created_at": message.created_at,
        }


class TicketOut(Schema):
    id: int
    number: str
    customer: int
    subscription: int | None
    incident: int | None
    category: Category
    priority: Priority
    channel: Channel
    subject: str
    description: str
    status: Status
    assignee: str | None = Field(description="Username of the staff member working on it")
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    sla_policy: str | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    next_due_at: datetime | None = Field(description="The next target to meet; null when done")
    breached: bool = Field(description="A response or resolution target was missed")

    @staticmethod
    def build(ticket: Ticket) -> dict[str, Any]:
        """Return the representation of a ticket annotated by `with_sla`."""
        return {
            "id": ticket.pk,
            "number": ticket.number,
            "customer": ticket.customer_id,
            "subscription": ticket.subscription_id,
            "incident": ticket.incident_id,
            "category": ticket.category,
            "priority": ticket.priority,
            "channel": ticket.channel,
            "subject": ticket.subject,
            "description": ticket.description,
            "status": ticket.status,
            "assignee": ticket.assignee.get_username() if ticket.assignee else None,
            "opened_at": ticket.opened_at,
            "first_response_at": ticket.first_response_at,
            "resolved_at": ticket.resolved_at,
            "closed_at": ticket.closed_at,
            "sla_policy": ticket.sla_policy.name if ticket.sla_policy else None,
            "response_due_at": ticket.response_due_at,
            "resolution_due_at": ticket.resolution_due_at,
            "next_due_at": getattr(ticket, "next_due_at", None),
            "breached": bool(getattr(ticket, "breached", False)),
        }


class TicketDetail(TicketOut):
    messages: list[MessageOut]

    @staticmethod
    def build(ticket: Ticket) -> dict[str, Any]:
        """Return a ticket with its replies and notes, oldest first."""
        return {
            **TicketOut.build(ticket),
            "messages": [MessageOut.build(m) for m in ticket.messages.all()],
        }


class TicketList(Schema):
    items: list[TicketOut]
    count: int


class TicketIn(Schema):
    customer: int = Field(ge=1, le=MAX_ID)
    subscription: int | None = Field(None, ge=1, le=MAX_ID)
    incident: int | None = Field(None, ge=1, le=MAX_ID)
    category: Category
    priority: Priority = Priority.NORMAL
    channel: Channel
    subject: str = Field(max_length=200)
    description: str = ""
    assignee: str | None = Field(None, description="Username of a staff member")
    opened_at: datetime | None = Field(None, description="When the customer got in touch; now")


class TicketPatch(Schema):
    assignee: str | None = Field(None, description="Username; null to unassign")
    priority: Priority | None = None
    category: Category | None = None
    incident: int | None = Field(None, ge=1, le=MAX_ID, description="null to unlink")


class MessageIn(Schema):
    kind: MessageKind = Field(description="reply (to the customer) or note (internal)")
    body: str
    at: datetime | None = Field(None, description="When it was sent or written; now")


class TransitionIn(Schema):
    to: Status
    at: datetime | None = Field(None, description="When it happened; now")


class ImpactOut(Schema):
    subscription: int
    subscription_number: str
    customer: int
    customer_name: str
    segment: str
    offer: str
    has_sla: bool

    @staticmethod
    def build(impact: IncidentImpact) -> dict[str, Any]:
        """Return one affected subscription."""
        return {
            "subscription": impact.subscription_id,
            "subscription_number": impact.subscription.number,
            "customer": impact.customer_id,
            "customer_name": impact.customer.display_name,
            "segment": impact.segment,
            "offer": impact.offer,
            "has_sla": impact.has_sla,
        }


class ScopeSchema(Schema):
    municipalities: list[str] = Field([], description="TERYT / IBGE codes")
    technologies: list[Technology] = []
    offers: list[str] = Field([], description="Offer codes")
    subscriptions: list[int] = Field([], description="Subscription ids, on their own")


class IncidentOut(Schema):
    id: int
    number: str
    title: str
    cause: Cause
    description: str
    planned: bool
    started_at: datetime
    resolved_at: datetime | None
    duration_minutes: int | None = Field(description="Null while ongoing")
    scope: ScopeSchema
    affected_subscriptions: int
    affected_customers_with_sla: int

    @staticmethod
    def build(incident: Incident) -> dict[str, Any]:
        """Return the representation of an incident annotated by `with_counts`."""
        end = incident.resolved_at
        return {
            "id": incident.pk,
            "number": incident.number,
            "title": incident.title,
            "cause": incident.cause,
            "description": incident.description,
            "planned": incident.planned,
            "started_at": incident.started_at,
            "resolved_at": end,
            "duration_minutes": int((end - incident.started_at).total_seconds() // 60)
            if end
            else None,
            "scope": {
                "municipalities": incident.scope_municipalities,
                "technologies": incident.scope_technologies,
                "offers": incident.scope_offers,
                "subscriptions": incident.scope_subscriptions,
            },
            "affected_subscriptions": getattr(incident, "affected", 0),
            "affected_customers_with_sla": getattr(incident, "affected_sla", 0),
        }


class IncidentDetail(IncidentOut):
    affected: list[ImpactOut]


class IncidentList(Schema):
    items: list[IncidentOut]
    count: int


class IncidentIn(Schema):
    title: str = Field(max_length=200)
    cause: Cause
    description: str = ""
    planned: bool = False
    started_at: datetime
    resolved_at: datetime | None = None
    scope: ScopeSchema


class ResolveIn(Schema):
    resolved_at: datetime | None = Field(None, description="When service came back; now")
