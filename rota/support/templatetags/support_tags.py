"""The customer page's support sections: tickets, and incidents that touched the customer."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from rota.customers.models import Customer
from rota.support.selectors import customer_incidents, customer_tickets, incident_duration_seconds
from rota.support.sla import countdown, duration_text

register = template.Library()


@register.inclusion_tag("support/customer_sections.html", takes_context=True)
def customer_support(context: Any, customer: Customer) -> dict[str, Any]:
    """Render the customer's tickets and incidents for those allowed to read them."""
    user = context["request"].user
    if not user.has_perm("support.view_ticket"):
        return {"allowed": False}
    now = timezone.now()
    tickets = [
        (ticket, countdown(getattr(ticket, "next_due_at", None), now))
        for ticket in customer_tickets(customer.pk, now)[:100]
    ]
    incidents = [
        (incident, numbers, duration_text(incident_duration_seconds(incident, now)))
        for incident, numbers in customer_incidents(customer.pk)[:100]
    ]
    return {
        "allowed": True,
        "customer": customer,
        "tickets": tickets,
        "incidents": incidents,
        "can_open": user.has_perm("support.add_ticket"),
    }
