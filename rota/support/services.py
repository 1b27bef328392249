"""Support writes: open and work tickets, SLA policies, network incidents.

Every action takes the moment it happened (`at`), so a call taken an hour ago can be
recorded as such; the timestamps the KPIs need are set here, never typed in by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from rota.audit.actors import Actor
from rota.audit.services import audit_record
from rota.catalog.models import Offer, Segment, Technology
from rota.core.errors import Conflict, FieldError, InvalidInput
from rota.customers.models import Customer
from rota.integrations.webhooks import event_record
from rota.subscriptions.models import Subscription
from rota.support import sla
from rota.support.models import (
    Category,
    Cause,
    Channel,
    Incident,
    IncidentImpact,
    MessageKind,
    Priority,
    SlaPolicy,
    Status,
    Ticket,
    TicketMessage,
)
from rota.support.selectors import SCOPE_FIELDS, Scope, local_day, scope_hits, sla_policy_for

TICKET_FIELDS = ("assignee", "priority", "category", "incident")


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _moment_errors(name: str, at: datetime | None, *, future: bool = False) -> list[FieldError]:
    """Return an error if a moment has no UTC offset or (unless allowed) lies ahead."""
    if at is None:
        return []
    if timezone.is_naive(at):
        return [FieldError(name, "must include a UTC offset, e.g. 2026-05-10T09:30:00+02:00")]
    if not future and at > timezone.now():
        return [FieldError(name, "must not be in the future")]
    return []


def _choice_errors(name: str, value: str, choices: type[Any]) -> list[FieldError]:
    if value in choices.values:
        return []
    return [FieldError(name, f"must be one of {', '.join(choices.values)}")]


def _assignee_errors(assignee: User | None) -> list[FieldError]:
    if assignee is None or (assignee.is_active and assignee.is_staff):
        return []
    return [FieldError("assignee", f"{assignee.get_username()} is not an active staff user")]


def _refuse(detail: str, errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(detail=detail, errors=errors)


def _due(
    customer: Customer, subscription: Subscription | None, priority: str, opened_at: datetime
) -> dict[str, Any]:
    """Return the SLA fields of a ticket opened at `opened_at` with `priority`."""
    policy = sla_policy_for(
        customer=customer, subscription=subscription, priority=priority, day=local_day(opened_at)
    )
    if policy is None:
        return {"sla_policy": None, "response_due_at": None, "resolution_due_at": None}
    response, resolution = sla.due_times(opened_at, policy.response_hours, policy.resolution_hours)
    return {"sla_policy": policy, "response_due_at": response, "resolution_due_at": resolution}


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)


# Tickets ---------------------------------------------------------------------------------


@transaction.atomic
def ticket_open(
    *,
    customer: Customer,
    category: str,
    channel: str,
    subject: str,
    priority: str = Priority.NORMAL,
    description: str = "",
    subscription: Subscription | None = None,
    incident: Incident | None = None,
    assignee: User | None = None,
    at: datetime,
    actor: Actor,
) -> Ticket:
    """Open a ticket at `at`; the SLA policy that applies sets its due times.

    A ticket opened with an assignee is open at once; without one it waits as new.
    """
    errors = (
        _choice_errors("category", category, Category)
        + _choice_errors("priority", priority, Priority)
        + _choice_errors("channel", channel, Channel)
        + _moment_errors("opened_at", at)
        + _assignee_errors(assignee)
    )
    if not subject.strip():
        errors.append(FieldError("subject", "is required"))
    if len(subject.strip()) > 200:
        errors.append(FieldError("subject", "must be at most 200 characters"))
    if subscription is not None and subscription.customer_id != customer.pk:
        errors.append(FieldError("subscription", f"{subscription} belongs to another customer"))
    _refuse("The ticket cannot be opened.", errors)
    ticket = Ticket.objects.create(
        customer=customer,
        subscription=subscription,
        incident=incident,
        category=category,
        priority=priority,
        channel=channel,
        subject=subject.strip(),
        description=description.strip(),
        status=Status.OPEN if assignee else Status.NEW,
        assignee=assignee,
        opened_at=at,
        updated_at=at,
        **_due(customer, subscription, priority, at),
    )
    event_record(type="ticket.created", obj=ticket)
    audit_record(
        actor=actor,
        action="ticket.open",
        obj=ticket,
        changes={
            "customer": customer.pk,
            "subscription": subscription.pk if subscription else None,
            "incident": incident.pk if incident else None,
            "category": category,
            "priority": priority,
            "channel": channel,
            "subject": ticket.subject,
            "assignee": assignee.get_username() if assignee else None,
            "opened_at": at.isoformat(),
            "response_due_at": _iso(ticket.response_due_at),
            "resolution_due_at": _iso(ticket.resolution_due_at),
        },
    )
    return ticket


def _shown(name: str, value: Any) -> Any:
    if name == "assignee":
        return value.get_username() if value else None
    if name == "incident":
        return value.number if value else None
    return value


@transaction.atomic
def ticket_update(*, ticket: Ticket, changes: dict[str, Any], at: datetime, actor: Actor) -> Ticket:
    """Assign, re-prioritise, re-categorise or link a ticket to an incident.

    A new priority recomputes the due times from the opening; assigning a new ticket opens it.
    """
    unknown = sorted(set(changes) - set(TICKET_FIELDS))
    errors = [FieldError(name, "cannot be changed") for name in unknown]
    errors += _moment_errors("at", at)
    if "priority" in changes:
        errors += _choice_errors("priority", changes["priority"], Priority)
    if "category" in changes:
        errors += _choice_errors("category", changes["category"], Category)
    if "assignee" in changes:
        errors += _assignee_errors(changes["assignee"])
    _refuse("The ticket cannot be changed.", errors)
    ticket = _locked(ticket)
    before = {name: getattr(ticket, name) for name in changes}
    diff = {
        name: [_shown(name, before[name]), _shown(name, value)]
        for name, value in changes.items()
        if before[name] != value
    }
    if not diff:
        return ticket
    values: dict[str, Any] = {name: changes[name] for name in diff}
    if "priority" in diff:
        values.update(
            _due(ticket.customer, ticket.subscription, values["priority"], ticket.opened_at)
        )
        diff["resolution_due_at"] = [
            _iso(ticket.resolution_due_at),
            _iso(values["resolution_due_at"]),
        ]
    if values.get("assignee") is not None and ticket.status == Status.NEW:
        values["status"] = Status.OPEN
        diff["status"] = [Status.NEW, Status.OPEN]
    values["updated_at"] = max(at, ticket.updated_at)
    updated = Ticket.objects.filter(pk=ticket.pk, status=ticket.status).update(**values)
    if updated != 1:
        raise Conflict(detail=f"{ticket} changed meanwhile; try again.")
    ticket.refresh_from_db()
    audit_record(actor=actor, action="ticket.update", obj=ticket, changes=diff)
    return ticket


@transaction.atomic
def ticket_add_message(
    *, ticket: Ticket, kind: str, body: str, at: datetime, actor: Actor
) -> TicketMessage:
    """Reply to the customer or add an internal note.

    The first reply records the first response (and opens a new ticket); notes do neither.
    A closed ticket takes notes but no replies: reopen it first.
    """
    errors = _choice_errors("kind", kind, MessageKind) + _moment_errors("at", at)
    if not body.strip():
        errors.append(FieldError("body", "is required"))
    _refuse("The message cannot be added.", errors)
    ticket = _locked(ticket)
    if at < ticket.opened_at:
        raise InvalidInput.single(
            "at", f"must not be before the ticket was opened ({ticket.opened_at.isoformat()})"
        )
    if kind == MessageKind.REPLY and ticket.status == Status.CLOSED:
        raise Conflict(
            detail=f"{ticket} is closed; reopen it to reply to the customer.",
            errors=[FieldError("status", "is closed; reopen the ticket to reply")],
        )
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=kind,
        author_id=actor.user_id,
        author_label=actor.label[:200],
        body=body.strip(),
        created_at=at,
    )
    values: dict[str, Any] = {"updated_at": max(at, ticket.updated_at)}
    changes: dict[str, Any] = {"message": message.pk, "at": at.isoformat()}
    if kind == MessageKind.REPLY:
        if ticket.first_response_at is None or at < ticket.first_response_at:
            values["first_response_at"] = at
            changes["first_response_at"] = at.isoformat()
        if ticket.status == Status.NEW:
            values["status"] = Status.OPEN
            changes["status"] = [Status.NEW, Status.OPEN]
    Ticket.objects.filter(pk=ticket.pk).update(**values)
    audit_record(actor=actor, action=f"ticket.{kind}", obj=ticket, changes=changes)
    return message


@transaction.atomic
def ticket_transition(*, ticket: Ticket, to: str, at: datetime, actor: Actor) -> Ticket:
    """Move a ticket to another status; resolving records `resolved_at`, reopening clears it."""
    _refuse(
        "The ticket cannot change status.",
        _choice_errors("to", to, Status) + _moment_errors("at", at),
    )
    ticket = _locked(ticket)
    current = ticket.status
    allowed = sla.TRANSITIONS[current]
    if to not in allowed:
        names = ", ".join(allowed)
        raise Conflict(
            detail=f"{ticket} is {current}; it cannot move to {to}.",
            errors=[FieldError("to", f"from {current} a ticket can move to {names}")],
        )
    if at < ticket.opened_at:
        raise InvalidInput.single(
            "at", f"must not be before the ticket was opened ({ticket.opened_at.isoformat()})"
        )
    if to == Status.CLOSED and ticket.resolved_at and at < ticket.resolved_at:
        raise InvalidInput.single(
            "at", f"must not be before the ticket was resolved ({ticket.resolved_at.isoformat()})"
        )
    values: dict[str, Any] = {"status": to, "updated_at": max(at, ticket.updated_at)}
    changes: dict[str, Any] = {"status": [current, to], "at": at.isoformat()}
    if to == Status.RESOLVED:
        values["resolved_at"] = at
    elif to == Status.CLOSED:
        values["closed_at"] = at
    elif current in sla.DONE:
        values.update(resolved_at=None, closed_at=None)
        changes["reopened"] = True
    updated = Ticket.objects.filter(pk=ticket.pk, status=current).update(**values)
    if updated != 1:
        raise Conflict(detail=f"{ticket} changed meanwhile; try again.")
    ticket.refresh_from_db()
    if to == Status.RESOLVED:
        event_record(type="ticket.resolved", obj=ticket)
    audit_record(actor=actor, action="ticket.transition", obj=ticket, changes=changes)
    return ticket


# SLA policies ----------------------------------------------------------------------------

POLICY_FIELDS = (
    "name",
    "segment",
    "offer",
    "priority",
    "response_hours",
    "resolution_hours",
    "best_effort",
)


def _policy_errors(values: dict[str, Any], pk: int | None) -> list[FieldError]:
    errors = []
    segment, offer = values.get("segment") or "", values.get("offer")
    if not str(values.get("name", "")).strip():
        errors.append(FieldError("name", "is required"))
    if bool(segment) == bool(offer):
        errors.append(FieldError("offer", "give either a segment or an offer"))
    elif segment:
        errors += _choice_errors("segment", segment, Segment)
    errors += _choice_errors("priority", values.get("priority", ""), Priority)
    response, resolution = values.get("response_hours"), values.get("resolution_hours")
    if not isinstance(response, int) or response < 1:
        errors.append(FieldError("response_hours", "must be a whole number of hours, at least 1"))
    if not isinstance(resolution, int) or resolution < 1:
        errors.append(FieldError("resolution_hours", "must be a whole number of hours, at least 1"))
    elif isinstance(response, int) and resolution < response:
        errors.append(FieldError("resolution_hours", "must not be less than the response target"))
    if not errors:
        clash = SlaPolicy.objects.filter(priority=values["priority"])
        if pk is not None:
            clash = clash.exclude(pk=pk)
        clash = (
            clash.filter(offer=offer)
            if offer
            else clash.filter(offer__isnull=True, segment=segment)
        )
        if clash.exists():
            target = offer.code if offer else segment
            errors.append(
                FieldError("priority", f"{target} already has a policy for {values['priority']}")
            )
    return errors


def _policy_changes(policy: SlaPolicy) -> dict[str, Any]:
    return {
        name: (policy.offer.code if policy.offer else None)
        if name == "offer"
        else getattr(policy, name)
        for name in POLICY_FIELDS
    }


@transaction.atomic
def sla_policy_create(*, values: dict[str, Any], actor: Actor) -> SlaPolicy:
    """Add a policy: targets for one priority of a segment or an offer."""
    values = {name: values.get(name) for name in POLICY_FIELDS}
    values["segment"] = values["segment"] or ""
    values["best_effort"] = bool(values["best_effort"])
    _refuse("The SLA policy cannot be saved.", _policy_errors(values, None))
    policy = SlaPolicy.objects.create(**values)
    audit_record(
        actor=actor, action="sla_policy.create", obj=policy, changes=_policy_changes(policy)
    )
    return policy


@transaction.atomic
def sla_policy_update(*, policy: SlaPolicy, values: dict[str, Any], actor: Actor) -> SlaPolicy:
    """Change a policy; tickets opened before keep the due times they got."""
    merged = {name: values.get(name, getattr(policy, name)) for name in POLICY_FIELDS}
    merged["segment"] = merged["segment"] or ""
    _refuse("The SLA policy cannot be saved.", _policy_errors(merged, policy.pk))
    before = _policy_changes(policy)
    for name, value in merged.items():
        setattr(policy, name, value)
    policy.save()
    after = _policy_changes(policy)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit_record(actor=actor, action="sla_policy.update", obj=policy, changes=changes)
    return policy


@transaction.atomic
def sla_policy_delete(*, policy: SlaPolicy, actor: Actor) -> None:
    """Remove a policy; tickets keep the due times they got."""
    audit_record(
        actor=actor, action="sla_policy.delete", obj=policy, changes=_policy_changes(policy)
    )
    policy.delete()


def default_policies() -> list[dict[str, Any]]:
    """Return the demo ISP's policies: best effort for households, firm for business."""
    rows: list[tuple[str, str, str, int, int, bool]] = [
        # (segment or offer code, name, priority, response h, resolution h, best effort)
        (Segment.HOUSEHOLD, "Households", Priority.LOW, 48, 168, True),
        (Segment.HOUSEHOLD, "Households", Priority.NORMAL, 24, 96, True),
        (Segment.HOUSEHOLD, "Households", Priority.HIGH, 12, 48, True),
        (Segment.HOUSEHOLD, "Households", Priority.URGENT, 8, 24, True),
        (Segment.BUSINESS, "Business", Priority.LOW, 24, 72, False),
        (Segment.BUSINESS, "Business", Priority.NORMAL, 8, 48, False),
        (Segment.BUSINESS, "Business", Priority.HIGH, 4, 24, False),
        (Segment.BUSINESS, "Business", Priority.URGENT, 2, 12, False),
        ("4business-ultra", "4Business Ultra", Priority.LOW, 8, 48, False),
        ("4business-ultra", "4Business Ultra", Priority.NORMAL, 4, 24, False),
        ("4business-ultra", "4Business Ultra", Priority.HIGH, 2, 8, False),
        ("4business-ultra", "4Business Ultra", Priority.URGENT, 1, 4, False),
    ]
    return [
        {
            "name": f"{name}: {priority}",
            "segment": target if target in Segment.values else "",
            "offer": None if target in Segment.values else target,
            "priority": priority,
            "response_hours": response,
            "resolution_hours": resolution,
            "best_effort": best_effort,
        }
        for target, name, priority, response, resolution, best_effort in rows
    ]


@transaction.atomic
def sla_policies_load_defaults(*, actor: Actor) -> int:
    """Create the default policies that are missing (offers not in the catalog are skipped).

    Return how many were created.
    """
    offers = {o.code: o for o in Offer.objects.all()}
    created = 0
    for values in default_policies():
        code = values["offer"]
        if code is not None:
            if code not in offers:
                continue
            values = {**values, "offer": offers[code]}
        existing = SlaPolicy.objects.filter(priority=values["priority"])
        if code is None:
            existing = existing.filter(offer__isnull=True, segment=values["segment"])
        else:
            existing = existing.filter(offer=values["offer"])
        if existing.exists():
            continue
        sla_policy_create(values=values, actor=actor)
        created += 1
    return created


# Incidents -------------------------------------------------------------------------------


def _scope_errors(scope: Scope) -> list[FieldError]:
    given = scope.fields()
    if not given:
        return [
            FieldError(
                "scope", "name municipalities, technologies or offers, or list the subscriptions"
            )
        ]
    errors = []
    if scope.subscriptions and len(given) > 1:
        errors.append(
            FieldError(
                "subscriptions",
                "list subscriptions on their own, without municipalities, technologies or offers",
            )
        )
    unknown = sorted(set(scope.technologies) - set(Technology.values))
    if unknown:
        errors.append(FieldError("technologies", f"unknown technology: {', '.join(unknown)}"))
    known = set(Offer.objects.filter(code__in=scope.offers).values_list("code", flat=True))
    missing = sorted(set(scope.offers) - known)
    if missing:
        errors.append(FieldError("offers", f"unknown offer: {', '.join(missing)}"))
    blank = [m for m in scope.municipalities if not m.strip()]
    if blank:
        errors.append(FieldError("municipalities", "a municipality code is empty"))
    return errors


@transaction.atomic
def incident_create(
    *,
    title: str,
    cause: str,
    started_at: datetime,
    scope: Scope,
    resolved_at: datetime | None = None,
    planned: bool = False,
    description: str = "",
    actor: Actor,
) -> Incident:
    """Record an incident and the subscriptions its scope hit when it started.

    Only subscriptions in service and not suspended on the day it started are hit. Planned
    maintenance may be recorded ahead of time.
    """
    errors = _choice_errors("cause", cause, Cause)
    if not title.strip():
        errors.append(FieldError("title", "is required"))
    errors += _moment_errors("started_at", started_at, future=planned)
    errors += _moment_errors("resolved_at", resolved_at, future=planned)
    if resolved_at is not None and not errors and resolved_at < started_at:
        errors.append(FieldError("resolved_at", "must not be before the incident started"))
    errors += _scope_errors(scope)
    _refuse("The incident cannot be recorded.", errors)
    day = local_day(started_at)
    hits = scope_hits(scope, day)
    if scope.subscriptions:
        found = {hit.subscription_id for hit in hits}
        absent = [pk for pk in scope.subscriptions if pk not in found]
        if absent:
            numbers = ", ".join(str(Subscription(pk=pk)) for pk in sorted(set(absent)))
            raise InvalidInput.single("subscriptions", f"not in service on {day}: {numbers}")
    if not hits:
        raise InvalidInput(
            detail="The incident's scope matches no subscription.",
            errors=[
                FieldError(name, f"together matches no subscription in service on {day}")
                for name in scope.fields()
            ],
        )
    incident = Incident.objects.create(
        title=title.strip(),
        cause=cause,
        description=description.strip(),
        started_at=started_at,
        resolved_at=resolved_at,
        planned=planned,
        scope_municipalities=sorted(set(scope.municipalities)),
        scope_technologies=sorted(set(scope.technologies)),
        scope_offers=sorted(set(scope.offers)),
        scope_subscriptions=sorted(set(scope.subscriptions)),
        created_at=timezone.now(),
    )
    IncidentImpact.objects.bulk_create(
        (
            IncidentImpact(
                incident=incident,
                subscription_id=hit.subscription_id,
                customer_id=hit.customer_id,
                segment=hit.segment,
                offer=hit.offer,
                has_sla=hit.has_sla,
            )
            for hit in hits
        ),
        batch_size=1000,
    )
    event_record(type="incident.opened", obj=incident)
    if resolved_at is not None:  # recorded after the fact
        event_record(type="incident.resolved", obj=incident)
    audit_record(
        actor=actor,
        action="incident.create",
        obj=incident,
        changes={
            "title": incident.title,
            "cause": cause,
            "planned": planned,
            "started_at": started_at.isoformat(),
            "resolved_at": _iso(resolved_at),
            "scope": {name: list(getattr(scope, name)) for name in SCOPE_FIELDS},
            "subscriptions": len(hits),
            "customers": len({hit.customer_id for hit in hits}),
            "with_sla": sum(hit.has_sla for hit in hits),
        },
    )
    return incident


@transaction.atomic
def incident_resolve(*, incident: Incident, at: datetime, actor: Actor) -> Incident:
    """Record when service came back."""
    _refuse("The incident cannot be resolved.", _moment_errors("resolved_at", at))
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.resolved_at is not None:
        raise Conflict(
            detail=f"{incident} was already resolved at {incident.resolved_at.isoformat()}."
        )
    if at < incident.started_at:
        raise InvalidInput.single(
            "resolved_at",
            f"must not be before the incident started ({incident.started_at.isoformat()})",
        )
    updated = Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(
        resolved_at=at
    )
    if updated != 1:
        raise Conflict(detail=f"{incident} was already resolved.")
    incident.refresh_from_db()
    event_record(type="incident.resolved", obj=incident)
    audit_record(
        actor=actor,
        action="incident.resolve",
        obj=incident,
        changes={"resolved_at": at.isoformat()},
    )
    return incident
