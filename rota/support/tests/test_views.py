"""Support in the back office: the customer page, the queue, ticket and incident pages, roles."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from rota.audit.actors import Actor
from rota.support import services
from rota.support.models import Incident, Ticket, TicketMessage
from rota.support.selectors import Scope
from rota.support.tests.conftest import RADOM, Lines, utc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now() -> Iterator[Any]:
    with time_machine.travel("2026-05-10 12:00:00+00:00", tick=False) as traveller:
        yield traveller


def text(response: Any) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


def customer_url(pk: int) -> str:
    return f"/admin/customers/customer/{pk}/change/"


@pytest.fixture
def history(lines: Lines, actor: Actor) -> tuple[Ticket, Incident]:
    incident = services.incident_create(
        title="Fibre cut on ul. Żeromskiego",
        cause="fibre_cut",
        started_at=utc("2026-05-05 14:00"),
        resolved_at=utc("2026-05-05 20:30"),
        scope=Scope(municipalities=(RADOM,)),
        actor=actor,
    )
    ticket = services.ticket_open(
        customer=lines.firma,
        subscription=lines.ultra,
        incident=incident,
        category="no_connection",
        channel="phone",
        subject="Office offline",
        at=utc("2026-05-10 06:00"),
        actor=actor,
    )
    return ticket, incident


def test_customer_page_shows_tickets_and_incidents(
    history: tuple[Ticket, Incident],
    lines: Lines,
    login: Callable[[User], Client],
    support_user: User,
) -> None:
    ticket, incident = history
    page = text(login(support_user).get(customer_url(lines.firma.pk)))
    assert "Tickets Open a ticket" in page
    assert (
        f"{ticket.number} 2026-05-10 08:00 Office offline · {lines.ultra.number} · "
        f"{incident.number} Normal New breached overdue by 2 h 0 min" in page
    )
    assert "Incidents that touched this customer" in page
    assert (
        f"{incident.number} Fibre cut on ul. Żeromskiego Fibre cut 2026-05-05 16:00 "
        f"2026-05-05 22:30 6 h 30 min {lines.ultra.number}" in page
    )
    anna = text(login(support_user).get(customer_url(lines.anna.pk)))
    assert "No tickets." in anna
    assert lines.anna_gameon.number in anna.split("Incidents that touched this customer")[1]


def test_sales_sees_tickets_but_cannot_open_one(
    history: tuple[Ticket, Incident],
    lines: Lines,
    login: Callable[[User], Client],
    sales_user: User,
) -> None:
    client = login(sales_user)
    page = text(client.get(customer_url(lines.firma.pk)))
    assert "Incidents that touched this customer" in page
    assert "Open a ticket" not in page
    assert client.get("/admin/support/ticket/").status_code == 200
    response = client.post(
        f"/admin/support/ticket/add/?customer={lines.firma.pk}",
        {"customer": lines.firma.pk, "category": "billing", "channel": "phone", "subject": "x"},
    )
    assert response.status_code == 403
    ticket = history[0]
    reply = client.post(f"/admin/support/ticket/{ticket.pk}/reply/", {"body": "hi"})
    assert reply.status_code == 403
    assert (Ticket.objects.count(), TicketMessage.objects.count()) == (1, 0)


def test_open_reply_and_resolve_through_the_pages(
    lines: Lines, login: Callable[[User], Client], support_user: User
) -> None:
    client = login(support_user)
    form = client.get(f"/admin/support/ticket/add/?customer={lines.firma.pk}")
    assert form.status_code == 200
    response = client.post(
        f"/admin/support/ticket/add/?customer={lines.firma.pk}",
        {
            "customer": lines.firma.pk,
            "subscription": lines.ultra.pk,
            "category": "slow_speed",
            "priority": "high",
            "channel": "email",
            "subject": "Only 100 Mb/s in the evenings",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/support/ticket/{ticket.pk}/change/"
    assert (ticket.opened_at, ticket.response_due_at) == (
        utc("2026-05-10 12:00"),
        utc("2026-05-10 14:00"),
    )
    page = text(client.get(response["Location"]))
    assert (
        "4Business Ultra: high; first reply due 2026-05-10 16:00 (due in 2 h 0 min); "
        "resolution due 2026-05-10 22:00 (due in 8 h 0 min)" in page
    )
    client.post(f"/admin/support/ticket/{ticket.pk}/reply/", {"body": "We are measuring."})
    client.post(f"/admin/support/ticket/{ticket.pk}/note/", {"body": "Congested OLT port"})
    done = client.post(f"/admin/support/ticket/{ticket.pk}/status/", {"to": "resolved"})
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.first_response_at, ticket.resolved_at) == (
        "resolved",
        utc("2026-05-10 12:00"),
        utc("2026-05-10 12:00"),
    )
    page = text(client.get(f"/admin/support/ticket/{ticket.pk}/change/"))
    assert "We are measuring." in page and "internal note" in page
    assert "first reply due 2026-05-10 16:00 (met)" in page
    refused = client.post(
        f"/admin/support/ticket/{ticket.pk}/status/", {"to": "waiting_for_customer"}
    )
    assert refused.status_code == 200
    assert "it cannot move to waiting_for_customer" in text(refused)


def test_the_queue_flags_breaches(
    history: tuple[Ticket, Incident], login: Callable[[User], Client], support_user: User
) -> None:
    page = text(login(support_user).get("/admin/support/ticket/"))
    assert "breached" in page
    assert "2026-05-10 12:00 (overdue by 2 h 0 min)" in page


def test_record_an_incident_through_the_page(
    lines: Lines, login: Callable[[User], Client], support_user: User
) -> None:
    client = login(support_user)
    data = {
        "title": "Power cut at the Radom POP",
        "cause": "power",
        "started_at_0": "2026-05-09",
        "started_at_1": "22:00",
        "municipalities": RADOM,
    }
    response = client.post("/admin/support/incident/add/", data)
    incident = Incident.objects.get()
    assert response["Location"] == f"/admin/support/incident/{incident.pk}/change/"
    page = text(client.get(response["Location"]))
    assert "Who was hit (2 subscriptions, 16 h 0 min so far)" in page
    assert "SLA customer" in page
    nothing = client.post("/admin/support/incident/add/", {**data, "municipalities": "1261011"})
    assert "together matches no subscription in service on 2026-05-09" in text(nothing)
    resolved = client.post(
        f"/admin/support/incident/{incident.pk}/resolve/",
        {"resolved_at_0": "2026-05-10", "resolved_at_1": "01:30"},
    )
    assert resolved.status_code == 302
    incident.refresh_from_db()
    assert incident.resolved_at == utc("2026-05-09 23:30")
    assert Incident.objects.count() == 1


def test_sidebar_shows_support_by_permission(
    login: Callable[[User], Client], support_user: User, finance_user: User, db: None
) -> None:
    page = login(support_user).get("/admin/").content.decode()
    assert "Network incidents" in page and "SLA policies" in page
    assert (
        "/admin/support/slapolicy/add/"
        not in login(support_user).get("/admin/support/slapolicy/").content.decode()
    )
