"""Support: tickets with SLA due times, and network incidents with the subscriptions they hit.

Every timestamp a KPI needs is recorded by the services from what staff do anyway:
`opened_at` when a ticket is opened, `first_response_at` by the first reply to the
customer, `resolved_at` when it is resolved; an incident's impacts are resolved from its
scope once, at its start, and kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from rota.catalog.models import Offer, Segment
from rota.customers.models import Customer
from rota.subscriptions.models import Subscription


class Category(models.TextChoices):
    NO_CONNECTION = "no_connection", "No connection"
    SLOW_SPEED = "slow_speed", "Slow speed"
    INTERMITTENT = "intermittent", "Intermittent connection"
    BILLING = "billing", "Billing"
    INSTALLATION = "installation", "Installation"
    RELOCATION = "relocation", "Relocation"
    EQUIPMENT = "equipment", "Equipment"
    OTHER = "other", "Other"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    PORTAL = "portal", "Portal"
    ON_SITE = "on_site", "On site"


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    WAITING = "waiting_for_customer", "Waiting for customer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class MessageKind(models.TextChoices):
    REPLY = "reply", "Reply to the customer"
    NOTE = "note", "Internal note"


class Cause(models.TextChoices):
    FIBRE_CUT = "fibre_cut", "Fibre cut"
    POWER = "power", "Power"
    EQUIPMENT = "equipment", "Equipment"
    UPSTREAM = "upstream", "Upstream provider"
    MAINTENANCE = "maintenance", "Maintenance"
    OTHER = "other", "Other"


class SlaPolicy(models.Model):
    """Response and resolution targets for one priority, per segment or per offer.

    A policy for an offer wins over the policy for the offer's segment. Hours count on a
    24/7 clock from the moment the ticket was opened.
    """

    name = models.CharField(max_length=120)
    segment = models.CharField(max_length=16, choices=Segment.choices, blank=True)
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    priority = models.CharField(max_length=8, choices=Priority.choices)
    response_hours = models.PositiveIntegerField(help_text="First reply within (hours, 24/7)")
    resolution_hours = models.PositiveIntegerField(help_text="Resolved within (hours, 24/7)")
    best_effort = models.BooleanField(
        default=False, help_text="A target the ISP aims for, not a contractual promise"
    )

    class Meta:
        ordering = ["segment", "offer", "priority"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(segment__in=Segment.values, offer__isnull=True)
                | Q(segment="", offer__isnull=False),
                name="sla_policy_segment_or_offer",
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="sla_policy_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(response_hours__gt=0) & Q(resolution_hours__gte=F("response_hours")),
                name="sla_policy_hours_valid",
            ),
            models.UniqueConstraint(
                fields=["segment", "priority"],
                condition=Q(offer__isnull=True),
                name="sla_policy_one_per_segment_priority",
            ),
            models.UniqueConstraint(
                fields=["offer", "priority"],
                condition=Q(offer__isnull=False),
                name="sla_policy_one_per_offer_priority",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Incident(models.Model):
    """A network outage (or planned maintenance) and the scope it hit.

    The scope is kept as entered; `impacts` hold the subscriptions it resolved to at
    `started_at`.
    """

    title = models.CharField(max_length=200)
    cause = models.CharField(max_length=16, choices=Cause.choices)
    description = models.TextField(blank=True)
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    planned = models.BooleanField(default=False)
    scope_municipalities = models.JSONField(default=list, blank=True)
    scope_technologies = models.JSONField(default=list, blank=True)
    scope_offers = models.JSONField(default=list, blank=True)
    scope_subscriptions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["started_at"], name="incident_started_idx"),
            models.Index(fields=["resolved_at"], name="incident_resolved_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("started_at")),
                name="incident_resolved_after_start",
            ),
            models.CheckConstraint(
                condition=Q(cause__in=Cause.values), name="incident_cause_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"INC-{self.pk:05d}" if self.pk else "new incident"

    @property
    def number(self) -> str:
        """Return the incident number shown to staff."""
        return str(self)


class IncidentImpact(models.Model):
    """A subscription an incident hit, with what it was at the incident's start."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="impacts")
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    segment = models.CharField(max_length=16, choices=Segment.choices)
    offer = models.CharField(max_length=40, help_text="Offer code at the incident's start")
    has_sla = models.BooleanField(default=False, help_text="A business customer with an SLA")

    class Meta:
        ordering = ["incident", "subscription"]
        verbose_name = "incident impact"
        indexes = [models.Index(fields=["customer"], name="incident_impact_customer_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "subscription"], name="incident_impact_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident}: {self.subscription}"


class Ticket(models.Model):
    """A customer's request or complaint, from opening to closing."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    sla_policy = models.ForeignKey(
        SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status"], name="ticket_status_idx"),
            models.Index(fields=["customer"], name="ticket_customer_idx"),
            models.Index(fields=["opened_at"], name="ticket_opened_idx"),
            models.Index(fields=["resolved_at"], name="ticket_resolved_idx"),
            models.Index(fields=["resolution_due_at"], name="ticket_resolution_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="ticket_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="ticket_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="ticket_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="ticket_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True)
                | Q(first_response_at__gte=F("opened_at")),
                name="ticket_first_response_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[Status.RESOLVED, Status.CLOSED],
                    resolved_at__isnull=False,
                    resolved_at__gte=F("opened_at"),
                )
                | Q(status__in=[Status.NEW, Status.OPEN, Status.WAITING], resolved_at__isnull=True),
                name="ticket_resolved_when_resolved",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.CLOSED, closed_at__isnull=False)
                | ~Q(status=Status.CLOSED) & Q(closed_at__isnull=True),
                name="ticket_closed_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(response_due_at__isnull=True, resolution_due_at__isnull=True)
                | Q(
                    response_due_at__gte=F("opened_at"),
                    resolution_due_at__gte=F("response_due_at"),
                ),
                name="ticket_due_times_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"T-{self.pk:06d}" if self.pk else "new ticket"

    @property
    def number(self) -> str:
        """Return the ticket number shown to staff and customers."""
        return str(self)


class TicketMessage(models.Model):
    """A reply to the customer or an internal note on a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=8, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_label = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["ticket", "created_at", "id"]
        verbose_name = "ticket message"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MessageKind.values), name="ticket_message_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(body=""), name="ticket_message_has_body"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket} {self.kind} at {self.created_at:%Y-%m-%d %H:%M}"
