"""The demo ISP's incidents and tickets: deterministic, consistent with the services' rules."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import F, Q

from rota.audit.actors import Actor
from rota.demo import support
from rota.demo.history import demo_history_load
from rota.support.models import Incident, IncidentImpact, SlaPolicy, Ticket, TicketMessage
from rota.support.selectors import Scope, local_day, scope_hits
from rota.support.services import sla_policies_load_defaults

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 10)


@pytest.fixture
def demo(demo_catalog: None, actor: Actor) -> support.SupportSummary:
    sla_policies_load_defaults(actor=actor)
    demo_history_load(customers=400, months=12, seed=3, today=TODAY, actor=actor)
    summary = support.demo_support_load(seed=3, months=12, today=TODAY)
    assert summary is not None
    return summary


def test_the_same_seed_gives_the_same_rows(demo: support.SupportSummary) -> None:
    snapshot = support.snapshot()
    until = support._until(TODAY)
    first = support.generate(snapshot, seed=3, now=until, months=12)
    again = support.generate(snapshot, seed=3, now=until, months=12)
    other = support.generate(snapshot, seed=4, now=until, months=12)
    assert first.tables == again.tables
    assert first.tables["tickets"] != other.tables["tickets"]
    assert support.demo_support_load(seed=3, months=12, today=TODAY) is None


def test_what_was_written(demo: support.SupportSummary) -> None:
    assert demo.tickets == Ticket.objects.count() > 100
    assert demo.incidents == Incident.objects.count() > 30
    assert demo.impacts == IncidentImpact.objects.count()
    assert demo.messages == TicketMessage.objects.count()
    assert demo.line().startswith(f"Demo support: {demo.incidents} incidents hitting ")
    # Tickets fall inside the window, and none is resolved before it was opened.
    assert not Ticket.objects.filter(opened_at__date__lt=date(2025, 5, 1)).exists()
    assert not Ticket.objects.filter(opened_at__date__gt=TODAY).exists()
    assert not Ticket.objects.filter(resolved_at__lt=F("opened_at")).exists()
    # Every ticket got its policy's due times; some are still being worked on.
    assert not Ticket.objects.filter(sla_policy__isnull=True).exists()
    assert Ticket.objects.filter(status__in=["new", "open", "waiting_for_customer"]).exists()
    assert Ticket.objects.filter(status="closed").count() > demo.tickets // 2
    # Some breach their targets, most do not.
    breached = Ticket.objects.filter(resolved_at__gt=F("resolution_due_at")).count()
    assert 0 < breached < demo.tickets // 2


def test_incidents_hit_what_their_scope_resolves_to(demo: support.SupportSummary) -> None:
    for incident in Incident.objects.all():
        scope = Scope(
            municipalities=tuple(incident.scope_municipalities),
            technologies=tuple(incident.scope_technologies),
            offers=tuple(incident.scope_offers),
            subscriptions=tuple(incident.scope_subscriptions),
        )
        expected = {
            (h.subscription_id, h.customer_id, h.segment, h.offer, h.has_sla)
            for h in scope_hits(scope, local_day(incident.started_at))
        }
        written = set(
            IncidentImpact.objects.filter(incident=incident).values_list(
                "subscription_id", "customer_id", "segment", "offer", "has_sla"
            )
        )
        assert written == expected, incident
        assert incident.resolved_at is not None and incident.resolved_at >= incident.started_at
    assert Incident.objects.filter(planned=True, cause="maintenance").exists()
    assert Incident.objects.filter(cause="fibre_cut").exists()


def test_tickets_after_incidents_are_linked_to_them(demo: support.SupportSummary) -> None:
    linked = Ticket.objects.filter(incident__isnull=False).select_related("incident")
    assert linked.exists()
    for ticket in linked:
        assert IncidentImpact.objects.filter(
            incident=ticket.incident, subscription=ticket.subscription
        ).exists()
        assert ticket.incident is not None
        assert ticket.opened_at >= ticket.incident.started_at
        assert ticket.category == "no_connection"
    ultra = SlaPolicy.objects.get(offer__code="4business-ultra", priority="urgent")
    assert (
        not Ticket.objects.filter(sla_policy=ultra)
        .filter(~Q(subscription__offer__code="4business-ultra"))
        .exists()
    )
