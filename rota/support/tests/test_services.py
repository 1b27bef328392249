"""Support services: exact timestamps and SLA due times, every transition and refusal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.core.errors import Conflict, DomainError, InvalidInput
from rota.support import services
from rota.support.models import Incident, IncidentImpact, SlaPolicy, Ticket, TicketMessage
from rota.support.selectors import Scope, ticket_list
from rota.support.tests.conftest import RADOM, WARSZAWA, Lines, utc

pytestmark = pytest.mark.django_db

OPENED = utc("2026-05-04 09:00")


@pytest.fixture(autouse=True)
def now() -> Iterator[Any]:
    with time_machine.travel("2026-05-10 12:00:00+00:00", tick=False) as traveller:
        yield traveller


def open_ticket(lines: Lines, actor: Actor, **kwargs: Any) -> Ticket:
    values: dict[str, Any] = {
        "customer": lines.firma,
        "subscription": lines.ultra,
        "category": "no_connection",
        "channel": "phone",
        "subject": "No internet in the office",
        "priority": "normal",
        "at": OPENED,
    }
    values.update(kwargs)
    return services.ticket_open(actor=actor, **values)


def state(ticket: Ticket) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.first_response_at,
        ticket.resolved_at,
        ticket.closed_at,
        ticket.priority,
        ticket.response_due_at,
        ticket.resolution_due_at,
        TicketMessage.objects.count(),
        AuditEvent.objects.count(),
    )


def errors_of(exc: pytest.ExceptionInfo[Any]) -> list[tuple[str, str]]:
    return [(e.field, e.message) for e in exc.value.errors]


# SLA due times -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "priority", "response", "resolution", "policy"),
    [
        ("ultra", "normal", "2026-05-04 13:00", "2026-05-05 09:00", "4Business Ultra: normal"),
        ("ultra", "urgent", "2026-05-04 10:00", "2026-05-04 13:00", "4Business Ultra: urgent"),
        ("business", "normal", "2026-05-04 17:00", "2026-05-06 09:00", "Business: normal"),
        ("business", "high", "2026-05-04 13:00", "2026-05-05 09:00", "Business: high"),
        ("firma", "normal", "2026-05-04 17:00", "2026-05-06 09:00", "Business: normal"),
        ("anna_gameon", "normal", "2026-05-05 09:00", "2026-05-08 09:00", "Households: normal"),
        ("anna", "low", "2026-05-06 09:00", "2026-05-11 09:00", "Households: low"),
    ],
)
def test_opening_stores_the_due_times_of_the_policy_that_applies(
    lines: Lines, actor: Actor, who: str, priority: str, response: str, resolution: str, policy: str
) -> None:
    target = getattr(lines, who)
    if who in ("firma", "anna"):
        ticket = open_ticket(lines, actor, customer=target, subscription=None, priority=priority)
    else:
        ticket = open_ticket(
            lines, actor, customer=target.customer, subscription=target, priority=priority
        )
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert ticket.opened_at == OPENED
    assert (ticket.response_due_at, ticket.resolution_due_at) == (utc(response), utc(resolution))
    assert ticket.sla_policy is not None and ticket.sla_policy.name == policy
    event = AuditEvent.objects.get(action="ticket.open")
    assert event.changes["resolution_due_at"] == utc(resolution).isoformat()


def test_households_have_a_best_effort_target_and_ultra_is_stricter(lines: Lines) -> None:
    household = SlaPolicy.objects.get(segment="household", priority="normal")
    business = SlaPolicy.objects.get(segment="business", priority="normal")
    ultra = SlaPolicy.objects.get(offer__code="4business-ultra", priority="normal")
    assert household.best_effort and not business.best_effort and not ultra.best_effort
    assert (ultra.response_hours, ultra.resolution_hours) == (4, 24)
    assert (business.response_hours, business.resolution_hours) == (8, 48)


def test_without_a_policy_a_ticket_has_no_due_times(lines: Lines, actor: Actor) -> None:
    SlaPolicy.objects.all().delete()
    ticket = open_ticket(lines, actor)
    assert (ticket.sla_policy, ticket.response_due_at, ticket.resolution_due_at) == (
        None,
        None,
        None,
    )


def test_a_new_priority_recomputes_the_due_times_from_the_opening(
    lines: Lines, actor: Actor
) -> None:
    ticket = open_ticket(lines, actor)
    services.ticket_update(
        ticket=ticket, changes={"priority": "urgent"}, at=utc("2026-05-04 09:30"), actor=actor
    )
    ticket.refresh_from_db()
    assert (ticket.response_due_at, ticket.resolution_due_at) == (
        utc("2026-05-04 10:00"),
        utc("2026-05-04 13:00"),
    )
    event = AuditEvent.objects.get(action="ticket.update")
    assert event.changes == {
        "priority": ["normal", "urgent"],
        "resolution_due_at": ["2026-05-05T09:00:00+00:00", "2026-05-04T13:00:00+00:00"],
    }


def test_assigning_a_new_ticket_opens_it(lines: Lines, actor: Actor, support_user: Any) -> None:
    ticket = open_ticket(lines, actor)
    services.ticket_update(
        ticket=ticket, changes={"assignee": support_user}, at=utc("2026-05-04 09:10"), actor=actor
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == ("open", support_user)
    assert AuditEvent.objects.get(action="ticket.update").changes == {
        "assignee": [None, "support"],
        "status": ["new", "open"],
    }


def test_an_update_that_changes_nothing_records_nothing(lines: Lines, actor: Actor) -> None:
    ticket = open_ticket(lines, actor)
    before = state(ticket)
    services.ticket_update(ticket=ticket, changes={"priority": "normal"}, at=OPENED, actor=actor)
    assert state(ticket) == before


def test_update_refusals_change_nothing(lines: Lines, actor: Actor, support_user: Any) -> None:
    ticket = open_ticket(lines, actor)
    before = state(ticket)
    support_user.is_active = False
    support_user.save()
    with pytest.raises(InvalidInput) as exc:
        services.ticket_update(
            ticket=ticket,
            changes={"priority": "asap", "assignee": support_user, "status": "closed"},
            at=OPENED,
            actor=actor,
        )
    assert errors_of(exc) == [
        ("status", "cannot be changed"),
        ("priority", "must be one of low, normal, high, urgent"),
        ("assignee", "support is not an active staff user"),
    ]
    assert state(ticket) == before


# Messages --------------------------------------------------------------------------------


def test_the_first_reply_records_the_first_response_and_notes_do_not(
    lines: Lines, actor: Actor
) -> None:
    ticket = open_ticket(lines, actor)
    services.ticket_add_message(
        ticket=ticket, kind="note", body="ONT shows LOS", at=utc("2026-05-04 09:05"), actor=actor
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.first_response_at) == ("new", None)
    services.ticket_add_message(
        ticket=ticket,
        kind="reply",
        body="A technician is on the way.",
        at=utc("2026-05-04 09:20"),
        actor=actor,
    )
    services.ticket_add_message(
        ticket=ticket, kind="reply", body="Fixed?", at=utc("2026-05-04 11:00"), actor=actor
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.first_response_at) == ("open", utc("2026-05-04 09:20"))
    assert list(ticket.messages.values_list("kind", "author_label", "created_at")) == [
        ("note", "system:test", utc("2026-05-04 09:05")),
        ("reply", "system:test", utc("2026-05-04 09:20")),
        ("reply", "system:test", utc("2026-05-04 11:00")),
    ]
    assert list(
        AuditEvent.objects.filter(object_type="support.ticket")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["ticket.open", "ticket.note", "ticket.reply", "ticket.reply"]


def test_replies_on_closed_tickets_are_refused_but_notes_are_kept(
    lines: Lines, actor: Actor
) -> None:
    ticket = open_ticket(lines, actor)
    services.ticket_transition(
        ticket=ticket, to="resolved", at=utc("2026-05-04 10:00"), actor=actor
    )
    services.ticket_transition(ticket=ticket, to="closed", at=utc("2026-05-07 10:00"), actor=actor)
    before = state(ticket)
    with pytest.raises(Conflict) as exc:
        services.ticket_add_message(
            ticket=ticket, kind="reply", body="Hello?", at=utc("2026-05-08 10:00"), actor=actor
        )
    assert exc.value.status == 409
    assert errors_of(exc) == [("status", "is closed; reopen the ticket to reply")]
    assert state(ticket) == before
    services.ticket_add_message(
        ticket=ticket,
        kind="note",
        body="Customer called again",
        at=utc("2026-05-08 10:00"),
        actor=actor,
    )
    assert TicketMessage.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "body", "at", "errors"),
    [
        ("memo", "x", "2026-05-04 10:00", [("kind", "must be one of reply, note")]),
        ("reply", "  ", "2026-05-04 10:00", [("body", "is required")]),
        (
            "reply",
            "x",
            "2026-05-04 08:59",
            [("at", "must not be before the ticket was opened (2026-05-04T09:00:00+00:00)")],
        ),
        ("reply", "x", "2026-05-10 12:01", [("at", "must not be in the future")]),
    ],
)
def test_message_refusals_change_nothing(
    lines: Lines, actor: Actor, kind: str, body: str, at: str, errors: list[tuple[str, str]]
) -> None:
    ticket = open_ticket(lines, actor)
    before = state(ticket)
    with pytest.raises(InvalidInput) as exc:
        services.ticket_add_message(ticket=ticket, kind=kind, body=body, at=utc(at), actor=actor)
    assert errors_of(exc) == errors
    assert state(ticket) == before


def test_a_moment_without_an_offset_is_refused(lines: Lines, actor: Actor) -> None:
    ticket = open_ticket(lines, actor)
    with pytest.raises(InvalidInput) as exc:
        services.ticket_add_message(
            ticket=ticket,
            kind="reply",
            body="x",
            at=utc("2026-05-04 10:00").replace(tzinfo=None),
            actor=actor,
        )
    assert errors_of(exc) == [("at", "must include a UTC offset, e.g. 2026-05-10T09:30:00+02:00")]


# Transitions -----------------------------------------------------------------------------


WALKS = [
    (["open"], "open", None, None),
    (["waiting_for_customer"], "waiting_for_customer", None, None),
    (["resolved"], "resolved", "2026-05-04 12:00", None),
    (["open", "waiting_for_customer"], "waiting_for_customer", None, None),
    (["open", "resolved"], "resolved", "2026-05-04 13:00", None),
    (["waiting_for_customer", "open"], "open", None, None),
    (["waiting_for_customer", "resolved"], "resolved", "2026-05-04 13:00", None),
    (["resolved", "closed"], "closed", "2026-05-04 12:00", "2026-05-04 13:00"),
    (["resolved", "open"], "open", None, None),
    (["resolved", "closed", "open"], "open", None, None),
]


@pytest.mark.parametrize(("steps", "status", "resolved", "closed"), WALKS)
def test_every_allowed_transition(
    lines: Lines,
    actor: Actor,
    steps: list[str],
    status: str,
    resolved: str | None,
    closed: str | None,
) -> None:
    ticket = open_ticket(lines, actor)
    for hour, to in enumerate(steps, start=12):
        services.ticket_transition(
            ticket=ticket, to=to, at=utc(f"2026-05-04 {hour}:00"), actor=actor
        )
    ticket.refresh_from_db()
    assert ticket.status == status
    assert ticket.resolved_at == (resolved and utc(resolved))
    assert ticket.closed_at == (closed and utc(closed))
    events = AuditEvent.objects.filter(action="ticket.transition").order_by("id")
    assert [e.changes["status"][1] for e in events] == steps


REFUSED = [
    ([], "new", "from new a ticket can move to open, waiting_for_customer, resolved"),
    ([], "closed", "from new a ticket can move to open, waiting_for_customer, resolved"),
    (["open"], "open", "from open a ticket can move to waiting_for_customer, resolved"),
    (["open"], "closed", "from open a ticket can move to waiting_for_customer, resolved"),
    (["open"], "new", "from open a ticket can move to waiting_for_customer, resolved"),
    (
        ["waiting_for_customer"],
        "closed",
        "from waiting_for_customer a ticket can move to open, resolved",
    ),
    (["resolved"], "resolved", "from resolved a ticket can move to closed, open"),
    (["resolved"], "waiting_for_customer", "from resolved a ticket can move to closed, open"),
    (["resolved", "closed"], "resolved", "from closed a ticket can move to open"),
    (["resolved", "closed"], "closed", "from closed a ticket can move to open"),
]


@pytest.mark.parametrize(("steps", "to", "message"), REFUSED)
def test_refused_transitions_conflict_and_change_nothing(
    lines: Lines, actor: Actor, steps: list[str], to: str, message: str
) -> None:
    ticket = open_ticket(lines, actor)
    for hour, step in enumerate(steps, start=12):
        services.ticket_transition(
            ticket=ticket, to=step, at=utc(f"2026-05-04 {hour}:00"), actor=actor
        )
    before = state(ticket)
    with pytest.raises(Conflict) as exc:
        services.ticket_transition(ticket=ticket, to=to, at=utc("2026-05-05 10:00"), actor=actor)
    assert errors_of(exc) == [("to", message)]
    assert state(ticket) == before


def test_reopening_clears_the_resolution_and_resolving_again_records_the_new_time(
    lines: Lines, actor: Actor
) -> None:
    ticket = open_ticket(lines, actor)
    services.ticket_transition(
        ticket=ticket, to="resolved", at=utc("2026-05-04 12:00"), actor=actor
    )
    services.ticket_transition(ticket=ticket, to="closed", at=utc("2026-05-06 12:00"), actor=actor)
    services.ticket_transition(ticket=ticket, to="open", at=utc("2026-05-07 08:00"), actor=actor)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at, ticket.closed_at) == ("open", None, None)
    services.ticket_transition(
        ticket=ticket, to="resolved", at=utc("2026-05-07 09:30"), actor=actor
    )
    ticket.refresh_from_db()
    assert ticket.resolved_at == utc("2026-05-07 09:30")
    assert AuditEvent.objects.filter(action="ticket.transition").order_by("id")[2].changes == {
        "status": ["closed", "open"],
        "at": "2026-05-07T08:00:00+00:00",
        "reopened": True,
    }


@pytest.mark.parametrize(
    ("to", "at", "errors"),
    [
        (
            "resolved",
            "2026-05-04 08:00",
            [("at", "must not be before the ticket was opened (2026-05-04T09:00:00+00:00)")],
        ),
        ("resolved", "2026-05-11 08:00", [("at", "must not be in the future")]),
        (
            "done",
            "2026-05-04 10:00",
            [("to", "must be one of new, open, waiting_for_customer, resolved, closed")],
        ),
    ],
)
def test_transition_input_refusals_change_nothing(
    lines: Lines, actor: Actor, to: str, at: str, errors: list[tuple[str, str]]
) -> None:
    ticket = open_ticket(lines, actor)
    before = state(ticket)
    with pytest.raises(InvalidInput) as exc:
        services.ticket_transition(ticket=ticket, to=to, at=utc(at), actor=actor)
    assert errors_of(exc) == errors
    assert state(ticket) == before


def test_closing_before_the_resolution_is_refused(lines: Lines, actor: Actor) -> None:
    ticket = open_ticket(lines, actor)
    services.ticket_transition(
        ticket=ticket, to="resolved", at=utc("2026-05-04 12:00"), actor=actor
    )
    before = state(ticket)
    with pytest.raises(InvalidInput) as exc:
        services.ticket_transition(
            ticket=ticket, to="closed", at=utc("2026-05-04 11:00"), actor=actor
        )
    assert errors_of(exc) == [
        ("at", "must not be before the ticket was resolved (2026-05-04T12:00:00+00:00)")
    ]
    assert state(ticket) == before


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"category": "outage"}, [("category", "must be one of no_connection, slow_speed, "
          "intermittent, billing, installation, relocation, equipment, other")]),
        ({"channel": "fax"}, [("channel", "must be one of phone, email, portal, on_site")]),
        ({"subject": " "}, [("subject", "is required")]),
        ({"at": utc("2026-05-11 00:00")}, [("opened_at", "must not be in the future")]),
    ],
)  # fmt: skip
def test_opening_refusals_write_nothing(
    lines: Lines, actor: Actor, changes: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as exc:
        open_ticket(lines, actor, **changes)
    assert errors_of(exc) == errors
    assert (Ticket.objects.count(), AuditEvent.objects.count()) == (0, events)


def test_a_subscription_of_another_customer_is_refused(lines: Lines, actor: Actor) -> None:
    with pytest.raises(InvalidInput) as exc:
        open_ticket(lines, actor, customer=lines.anna, subscription=lines.ultra)
    assert errors_of(exc) == [("subscription", f"{lines.ultra} belongs to another customer")]
    assert Ticket.objects.count() == 0


# The queue ---------------------------------------------------------------------------------


def test_the_queue_sorts_by_what_breaches_first_and_flags_breaches(
    lines: Lines, actor: Actor, now: Any
) -> None:
    household = open_ticket(
        lines,
        actor,
        customer=lines.anna,
        subscription=lines.anna_gameon,
        at=utc("2026-05-10 08:00"),
    )  # response due 05-11 08:00
    ultra = open_ticket(lines, actor, at=utc("2026-05-10 10:00"))  # response due 14:00
    late = open_ticket(lines, actor, at=utc("2026-05-10 06:00"))  # response due 10:00: breached
    answered = open_ticket(lines, actor, at=utc("2026-05-10 07:00"))
    services.ticket_add_message(
        ticket=answered, kind="reply", body="On it", at=utc("2026-05-10 07:30"), actor=actor
    )  # resolution due 05-11 07:00
    done = open_ticket(lines, actor, at=utc("2026-05-10 05:00"))
    services.ticket_transition(ticket=done, to="resolved", at=utc("2026-05-10 05:30"), actor=actor)
    queue: list[Any] = list(ticket_list(now=utc("2026-05-10 12:00")))
    assert [(t.pk, t.breached) for t in queue] == [
        (late.pk, True),
        (ultra.pk, False),
        (answered.pk, False),
        (household.pk, False),
        (done.pk, False),
    ]
    assert [t.pk for t in ticket_list(now=utc("2026-05-10 12:00"), breached=True)] == [late.pk]
    assert queue[0].next_due_at == utc("2026-05-10 10:00")


# Incidents -------------------------------------------------------------------------------


def incident(actor: Actor, scope: Scope, **kwargs: Any) -> Incident:
    values: dict[str, Any] = {
        "title": "Fibre cut on ul. Żeromskiego",
        "cause": "fibre_cut",
        "started_at": utc("2026-05-05 14:00"),
        "resolved_at": utc("2026-05-05 20:30"),
    }
    values.update(kwargs)
    return services.incident_create(scope=scope, actor=actor, **values)


def hit(found: Incident) -> list[tuple[int, int, str, str, bool]]:
    return list(
        IncidentImpact.objects.filter(incident=found)
        .order_by("subscription_id")
        .values_list("subscription_id", "customer_id", "segment", "offer", "has_sla")
    )


def test_a_municipality_hits_the_subscriptions_in_service_there(lines: Lines, actor: Actor) -> None:
    found = incident(actor, Scope(municipalities=(RADOM,)))
    # Not the suspended line, not the one that ended in March, not the one starting in June.
    assert hit(found) == [
        (lines.anna_gameon.pk, lines.anna.pk, "household", "gameon", False),
        (lines.ultra.pk, lines.firma.pk, "business", "4business-ultra", True),
    ]
    event = AuditEvent.objects.get(action="incident.create")
    assert (event.changes["subscriptions"], event.changes["customers"]) == (2, 2)
    assert event.changes["with_sla"] == 1


def test_a_technology_hits_its_subscriptions(lines: Lines, actor: Actor) -> None:
    found = incident(actor, Scope(technologies=("5g",)), cause="upstream")
    assert [row[0] for row in hit(found)] == [lines.anna_mobile.pk]


def test_an_offer_hits_its_subscriptions_and_fields_combine(lines: Lines, actor: Actor) -> None:
    found = incident(actor, Scope(offers=("4business", "gameon")))
    assert [row[0] for row in hit(found)] == [lines.anna_gameon.pk, lines.business.pk]
    both = incident(actor, Scope(offers=("4business", "gameon"), municipalities=(WARSZAWA,)))
    assert [row[0] for row in hit(both)] == [lines.business.pk]


def test_an_explicit_list_hits_exactly_those(lines: Lines, actor: Actor) -> None:
    found = incident(
        actor, Scope(subscriptions=(lines.business.pk, lines.ultra.pk)), cause="equipment"
    )
    assert [row[0] for row in hit(found)] == [lines.ultra.pk, lines.business.pk]
    assert found.scope_subscriptions == sorted([lines.ultra.pk, lines.business.pk])


@pytest.mark.parametrize(
    ("scope", "errors"),
    [
        (
            Scope(municipalities=(WARSZAWA,), technologies=("docsis",)),
            [
                ("municipalities", "together matches no subscription in service on 2026-05-05"),
                ("technologies", "together matches no subscription in service on 2026-05-05"),
            ],
        ),
        (
            Scope(municipalities=("1261011",)),
            [("municipalities", "together matches no subscription in service on 2026-05-05")],
        ),
        (
            Scope(),
            [("scope", "name municipalities, technologies or offers, or list the subscriptions")],
        ),
        (Scope(technologies=("fax",)), [("technologies", "unknown technology: fax")]),
        (Scope(offers=("turbo",)), [("offers", "unknown offer: turbo")]),
        (
            Scope(subscriptions=(1,), offers=("gameon",)),
            [
                (
                    "subscriptions",
                    "list subscriptions on their own, without municipalities, "
                    "technologies or offers",
                )
            ],
        ),
    ],
)
def test_a_scope_that_matches_nothing_is_refused(
    lines: Lines, actor: Actor, scope: Scope, errors: list[tuple[str, str]]
) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as exc:
        incident(actor, scope)
    assert errors_of(exc) == errors
    assert (Incident.objects.count(), IncidentImpact.objects.count()) == (0, 0)
    assert AuditEvent.objects.count() == events


def test_listed_subscriptions_out_of_service_are_named(lines: Lines, actor: Actor) -> None:
    with pytest.raises(InvalidInput) as exc:
        incident(actor, Scope(subscriptions=(lines.ultra.pk, lines.ended.pk, lines.suspended.pk)))
    numbers = ", ".join(str(s) for s in sorted([lines.ended, lines.suspended], key=lambda s: s.pk))
    assert errors_of(exc) == [("subscriptions", f"not in service on 2026-05-05: {numbers}")]
    assert Incident.objects.count() == 0


def test_an_incident_ending_before_it_starts_is_refused(lines: Lines, actor: Actor) -> None:
    with pytest.raises(InvalidInput) as exc:
        incident(actor, Scope(municipalities=(RADOM,)), resolved_at=utc("2026-05-05 13:59"))
    assert errors_of(exc) == [("resolved_at", "must not be before the incident started")]
    assert Incident.objects.count() == 0


def test_resolving_an_incident(lines: Lines, actor: Actor) -> None:
    found = incident(actor, Scope(municipalities=(RADOM,)), resolved_at=None)
    with pytest.raises(InvalidInput) as exc:
        services.incident_resolve(incident=found, at=utc("2026-05-05 13:00"), actor=actor)
    assert errors_of(exc) == [
        ("resolved_at", "must not be before the incident started (2026-05-05T14:00:00+00:00)")
    ]
    services.incident_resolve(incident=found, at=utc("2026-05-05 16:45"), actor=actor)
    found.refresh_from_db()
    assert found.resolved_at == utc("2026-05-05 16:45")
    with pytest.raises(Conflict):
        services.incident_resolve(incident=found, at=utc("2026-05-05 18:00"), actor=actor)
    found.refresh_from_db()
    assert found.resolved_at == utc("2026-05-05 16:45")
    assert AuditEvent.objects.filter(action="incident.resolve").count() == 1


def test_planned_maintenance_may_be_recorded_ahead(lines: Lines, actor: Actor) -> None:
    found = incident(
        actor,
        Scope(municipalities=(RADOM,)),
        cause="maintenance",
        planned=True,
        started_at=utc("2026-06-02 01:00"),
        resolved_at=utc("2026-06-02 03:00"),
    )
    # By June the speedster line has started too.
    assert [row[0] for row in hit(found)] == [
        lines.anna_gameon.pk,
        lines.ultra.pk,
        lines.later.pk,
    ]
    with pytest.raises(DomainError):
        incident(actor, Scope(municipalities=(RADOM,)), started_at=utc("2026-06-02 01:00"))


def test_a_ticket_can_be_linked_to_an_incident(lines: Lines, actor: Actor) -> None:
    found = incident(actor, Scope(municipalities=(RADOM,)))
    ticket = open_ticket(lines, actor)
    services.ticket_update(ticket=ticket, changes={"incident": found}, at=OPENED, actor=actor)
    ticket.refresh_from_db()
    assert ticket.incident == found
    assert AuditEvent.objects.get(action="ticket.update").changes == {
        "incident": [None, found.number]
    }
