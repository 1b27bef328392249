"""Support API: status codes and bodies, refusals that change nothing, scopes and roles."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from rota.audit.models import AuditEvent
from rota.support.models import Incident, IncidentImpact, Ticket, TicketMessage
from rota.support.tests.conftest import RADOM, Lines

pytestmark = pytest.mark.django_db

NOW = "2026-05-10T12:00:00Z"


@pytest.fixture(autouse=True)
def now() -> Iterator[Any]:
    with time_machine.travel("2026-05-10 12:00:00+00:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(make_token: Callable[..., str]) -> Client:
    secret = make_token("support:read", "support:write", name="helpdesk")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def send(client: Client, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def counts() -> tuple[int, ...]:
    return (
        Ticket.objects.count(),
        TicketMessage.objects.count(),
        Incident.objects.count(),
        IncidentImpact.objects.count(),
        AuditEvent.objects.count(),
    )


def ticket_body(lines: Lines, **changes: Any) -> dict[str, Any]:
    return {
        "customer": lines.firma.pk,
        "subscription": lines.ultra.pk,
        "category": "no_connection",
        "priority": "high",
        "channel": "phone",
        "subject": "Office offline since 9:00",
        "description": "All lights on the ONT are red.",
        "opened_at": "2026-05-10T11:00:00+02:00",
        **changes,
    }


def test_open_a_ticket_and_read_it_back(desk: Client, lines: Lines, support_user: User) -> None:
    response = send(desk, "post", "/api/v1/tickets", ticket_body(lines, assignee="support"))
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    expected = {
        "id": ticket.pk,
        "number": ticket.number,
        "customer": lines.firma.pk,
        "subscription": lines.ultra.pk,
        "incident": None,
        "category": "no_connection",
        "priority": "high",
        "channel": "phone",
        "subject": "Office offline since 9:00",
        "description": "All lights on the ONT are red.",
        "status": "open",
        "assignee": "support",
        "opened_at": "2026-05-10T09:00:00Z",
        "first_response_at": None,
        "resolved_at": None,
        "closed_at": None,
        "sla_policy": "4Business Ultra: high",
        "response_due_at": "2026-05-10T11:00:00Z",
        "resolution_due_at": "2026-05-10T17:00:00Z",
        "next_due_at": "2026-05-10T11:00:00Z",
        "breached": True,
        "messages": [],
    }
    assert response.json() == expected
    assert desk.get(f"/api/v1/tickets/{ticket.pk}").json() == expected


def test_list_filters_and_pages(desk: Client, lines: Lines) -> None:
    send(desk, "post", "/api/v1/tickets", ticket_body(lines))
    send(
        desk,
        "post",
        "/api/v1/tickets",
        ticket_body(
            lines, customer=lines.anna.pk, subscription=None, priority="low", category="billing"
        ),
    )
    everything = desk.get("/api/v1/tickets").json()
    assert everything["count"] == 2
    # The business ticket breaches first (its response was due at 11:00).
    assert [t["priority"] for t in everything["items"]] == ["high", "low"]
    assert desk.get("/api/v1/tickets?priority=low").json()["count"] == 1
    assert desk.get(f"/api/v1/tickets?customer={lines.anna.pk}").json()["count"] == 1
    assert desk.get("/api/v1/tickets?breached=true").json()["count"] == 1
    assert desk.get("/api/v1/tickets?status=resolved").json() == {"items": [], "count": 0}
    second = desk.get("/api/v1/tickets?limit=1&offset=1").json()
    assert (second["count"], [t["priority"] for t in second["items"]]) == (2, ["low"])
    bad = desk.get("/api/v1/tickets?status=done")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"


def test_reply_note_and_transitions(desk: Client, lines: Lines) -> None:
    ticket_id = send(desk, "post", "/api/v1/tickets", ticket_body(lines)).json()["id"]
    note = send(
        desk, "post", f"/api/v1/tickets/{ticket_id}/messages", {"kind": "note", "body": "LOS"}
    )
    assert note.status_code == 201
    reply = send(
        desk,
        "post",
        f"/api/v1/tickets/{ticket_id}/messages",
        {"kind": "reply", "body": "A technician is on the way."},
    )
    assert reply.status_code == 201
    assert reply.json() == {
        "id": reply.json()["id"],
        "kind": "reply",
        "author": "token:helpdesk",
        "body": "A technician is on the way.",
        "created_at": NOW,
    }
    resolved = send(desk, "post", f"/api/v1/tickets/{ticket_id}/transitions", {"to": "resolved"})
    assert resolved.status_code == 200
    body = resolved.json()
    assert (body["status"], body["first_response_at"], body["resolved_at"]) == (
        "resolved",
        NOW,
        NOW,
    )
    assert [m["kind"] for m in body["messages"]] == ["note", "reply"]
    assert (body["next_due_at"], body["breached"]) == (None, True)


def test_refused_transition_is_409_and_changes_nothing(desk: Client, lines: Lines) -> None:
    ticket_id = send(desk, "post", "/api/v1/tickets", ticket_body(lines)).json()["id"]
    before = counts()
    response = send(desk, "post", f"/api/v1/tickets/{ticket_id}/transitions", {"to": "closed"})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://rota.example/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": f"T-{ticket_id:06d} is new; it cannot move to closed.",
        "instance": f"/api/v1/tickets/{ticket_id}/transitions",
        "errors": [
            {"field": "to", "message": "from new a ticket can move to open, "
             "waiting_for_customer, resolved"}
        ],
    }  # fmt: skip
    assert counts() == before
    assert Ticket.objects.get().status == "new"


def test_reply_on_a_closed_ticket_is_409_naming_the_status(desk: Client, lines: Lines) -> None:
    ticket_id = send(desk, "post", "/api/v1/tickets", ticket_body(lines)).json()["id"]
    url = f"/api/v1/tickets/{ticket_id}"
    send(desk, "post", f"{url}/transitions", {"to": "resolved"})
    send(desk, "post", f"{url}/transitions", {"to": "closed"})
    before = counts()
    response = send(desk, "post", f"{url}/messages", {"kind": "reply", "body": "Hi"})
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"field": "status", "message": "is closed; reopen the ticket to reply"}
    ]
    assert counts() == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"category": "outage"}, "category", None),
        ({"opened_at": "2026-05-11T09:00:00+00:00"}, "opened_at", "must not be in the future"),
        ({"subject": "  "}, "subject", "is required"),
        ({"assignee": "nobody"}, "assignee", "there is no staff user 'nobody'"),
        ({"subscription": 999999}, "subscription", "there is no subscription 999999"),
    ],
)
def test_bad_ticket_input_is_422_naming_the_field(
    desk: Client, lines: Lines, changes: dict[str, Any], field: str, message: str | None
) -> None:
    before = counts()
    response = send(desk, "post", "/api/v1/tickets", ticket_body(lines, **changes))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[0]["field"] == field
    if message:
        assert errors == [{"field": field, "message": message}]
    assert counts() == before


def test_resolving_before_opening_is_422(desk: Client, lines: Lines) -> None:
    ticket_id = send(desk, "post", "/api/v1/tickets", ticket_body(lines)).json()["id"]
    before = counts()
    response = send(
        desk,
        "post",
        f"/api/v1/tickets/{ticket_id}/transitions",
        {"to": "resolved", "at": "2026-05-10T08:00:00Z"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "at", "message": "must not be before the ticket was opened "
         "(2026-05-10T09:00:00+00:00)"}
    ]  # fmt: skip
    assert counts() == before


def test_patch_priority_moves_the_due_times_and_links_an_incident(
    desk: Client, lines: Lines
) -> None:
    ticket_id = send(desk, "post", "/api/v1/tickets", ticket_body(lines)).json()["id"]
    incident_id = send(desk, "post", "/api/v1/incidents", incident_body()).json()["id"]
    response = send(
        desk,
        "patch",
        f"/api/v1/tickets/{ticket_id}",
        {"priority": "urgent", "incident": incident_id},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["response_due_at"], body["resolution_due_at"], body["incident"]) == (
        "2026-05-10T10:00:00Z",
        "2026-05-10T13:00:00Z",
        incident_id,
    )
    assert desk.get(f"/api/v1/tickets?incident={incident_id}").json()["count"] == 1
    null = send(desk, "patch", f"/api/v1/tickets/{ticket_id}", {"priority": None})
    assert null.status_code == 422
    assert desk.get("/api/v1/tickets/999999").status_code == 404


def incident_body(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Fibre cut on ul. Żeromskiego",
        "cause": "fibre_cut",
        "started_at": "2026-05-05T16:00:00+02:00",
        "resolved_at": "2026-05-05T22:30:00+02:00",
        "scope": {"municipalities": [RADOM]},
        **changes,
    }


def test_record_an_incident_and_see_whom_it_hit(desk: Client, lines: Lines) -> None:
    response = send(desk, "post", "/api/v1/incidents", incident_body())
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    expected = {
        "id": incident.pk,
        "number": incident.number,
        "title": "Fibre cut on ul. Żeromskiego",
        "cause": "fibre_cut",
        "description": "",
        "planned": False,
        "started_at": "2026-05-05T14:00:00Z",
        "resolved_at": "2026-05-05T20:30:00Z",
        "duration_minutes": 390,
        "scope": {
            "municipalities": [RADOM],
            "technologies": [],
            "offers": [],
            "subscriptions": [],
        },
        "affected_subscriptions": 2,
        "affected_customers_with_sla": 1,
        "affected": [
            {
                "subscription": lines.ultra.pk,
                "subscription_number": lines.ultra.number,
                "customer": lines.firma.pk,
                "customer_name": "Piekarnia Nowak sp. z o.o.",
                "segment": "business",
                "offer": "4business-ultra",
                "has_sla": True,
            },
            {
                "subscription": lines.anna_gameon.pk,
                "subscription_number": lines.anna_gameon.number,
                "customer": lines.anna.pk,
                "customer_name": "Anna Kowalska",
                "segment": "household",
                "offer": "gameon",
                "has_sla": False,
            },
        ],
    }
    assert response.json() == expected
    assert desk.get(f"/api/v1/incidents/{incident.pk}").json() == expected
    listed = desk.get(f"/api/v1/incidents?customer={lines.anna.pk}").json()
    assert listed["count"] == 1
    assert "affected" not in listed["items"][0]
    assert desk.get("/api/v1/incidents?ongoing=true").json()["count"] == 0


def test_resolve_an_ongoing_incident(desk: Client, lines: Lines) -> None:
    incident_id = send(desk, "post", "/api/v1/incidents", incident_body(resolved_at=None)).json()[
        "id"
    ]
    assert desk.get("/api/v1/incidents?ongoing=true").json()["count"] == 1
    early = send(
        desk,
        "post",
        f"/api/v1/incidents/{incident_id}/resolve",
        {"resolved_at": "2026-05-05T13:00:00Z"},
    )
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "resolved_at"
    done = send(desk, "post", f"/api/v1/incidents/{incident_id}/resolve", {})
    assert done.status_code == 200
    assert (done.json()["resolved_at"], done.json()["duration_minutes"]) == (NOW, 7080)
    again = send(desk, "post", f"/api/v1/incidents/{incident_id}/resolve", {})
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"scope": {"municipalities": ["1261011"]}}, ["municipalities"]),
        ({"scope": {}}, ["scope"]),
        ({"resolved_at": "2026-05-05T15:00:00+02:00"}, ["resolved_at"]),
        ({"scope": {"technologies": ["fax"]}}, ["scope.technologies[0]"]),
    ],
)
def test_bad_incidents_are_422_and_write_nothing(
    desk: Client, lines: Lines, changes: dict[str, Any], fields: list[str]
) -> None:
    before = counts()
    response = send(desk, "post", "/api/v1/incidents", incident_body(**changes))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == fields
    assert counts() == before


def test_scopes_and_roles(
    lines: Lines,
    make_token: Callable[..., str],
    login: Callable[[User], Client],
    sales_user: User,
    support_user: User,
    auditor_user: User,
) -> None:
    reader = Client(headers={"Authorization": f"Bearer {make_token('support:read')}"})
    customers = Client(
        headers={"Authorization": f"Bearer {make_token('customers:read', name='crm')}"}
    )
    before = counts()
    assert reader.get("/api/v1/tickets").status_code == 200
    refused = send(reader, "post", "/api/v1/tickets", ticket_body(lines))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This token lacks the scope 'support:write'."
    assert customers.get("/api/v1/tickets").status_code == 403
    assert Client().get("/api/v1/tickets").status_code == 401
    sales = login(sales_user)
    assert sales.get("/api/v1/incidents").status_code == 200
    denied = send(sales, "post", "/api/v1/tickets", ticket_body(lines))
    assert denied.status_code == 403
    assert denied.json()["detail"] == "Your role does not allow 'support:write'."
    assert (
        send(login(auditor_user), "post", "/api/v1/incidents", incident_body()).status_code == 403
    )
    assert counts() == before
    created = send(login(support_user), "post", "/api/v1/tickets", ticket_body(lines))
    assert created.status_code == 201
    assert AuditEvent.objects.filter(action="ticket.open").get().actor_label == "support"
