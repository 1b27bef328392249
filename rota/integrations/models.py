"""Webhooks: endpoints that other systems register, the outbox of events, deliveries and attempts.

See docs/adr/0010-webhooks-outbox.md: an event is written in the transaction of the change
that caused it, with one delivery per active endpoint subscribed to its type; a worker sends
the deliveries, signed, retrying with backoff, in order per object and endpoint.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EventType(models.TextChoices):
    OFFER_PUBLISHED = "offer.published", "offer.published"
    OFFER_RETIRED = "offer.retired", "offer.retired"
    OFFER_VERSION_CREATED = "offer.version_created", "offer.version_created"
    CUSTOMER_CREATED = "customer.created", "customer.created"
    CUSTOMER_UPDATED = "customer.updated", "customer.updated"
    SUBSCRIPTION_CREATED = "subscription.created", "subscription.created"
    SUBSCRIPTION_CHANGED = "subscription.changed", "subscription.changed"
    SUBSCRIPTION_CANCELLED = "subscription.cancelled", "subscription.cancelled"
    INVOICE_ISSUED = "invoice.issued", "invoice.issued"
    PAYMENT_RECEIVED = "payment.received", "payment.received"
    TICKET_CREATED = "ticket.created", "ticket.created"
    TICKET_RESOLVED = "ticket.resolved", "ticket.resolved"
    INCIDENT_OPENED = "incident.opened", "incident.opened"
    INCIDENT_RESOLVED = "incident.resolved", "incident.resolved"


class WebhookEndpoint(models.Model):
    """A URL of another system that wants to be told about some event types."""

    url = models.URLField(max_length=500, help_text="http:// or https:// address of the receiver")
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, help_text="The event types sent to this URL")
    is_active = models.BooleanField(
        default=True, help_text="An inactive endpoint gets no new events; waiting ones are held"
    )
    # Kept in clear: every delivery is signed with it. Shown once, when created or rotated.
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField(editable=False)

    class Meta:
        ordering = ["url", "id"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.url

    @property
    def secret_hint(self) -> str:
        """The secret's first characters, to tell which one a receiver holds."""
        return f"{self.secret[:12]}…" if self.secret else ""


class WebhookEvent(models.Model):
    """One event in the outbox, written in the transaction of the change it reports."""

    type = models.CharField(max_length=40, choices=EventType.choices, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    # The object as the API shows it. Null for events written set-based (a billing run's
    # invoices): rendered once, on the first delivery attempt, and kept from then on.
    data = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "webhook event"

    def __str__(self) -> str:
        return f"evt_{self.pk} {self.type} {self.object_type}:{self.object_id}"

    @property
    def public_id(self) -> str:
        """The event's id in its envelope and in the Rota-Event-Id header."""
        return f"evt_{self.pk}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    DELIVERED = "delivered", "delivered"
    FAILED = "failed", "failed"


class WebhookDelivery(models.Model):
    """One event to send to one endpoint, until it is delivered or given up."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # "<object_type>:<object_id>": the deliveries of one object to one endpoint go in order.
    object_key = models.CharField(max_length=140)
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx"),
            models.Index(fields=["endpoint", "object_key", "id"], name="webhook_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.object_key} → {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One try at sending a delivery, with what the receiver answered."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = "webhook attempt"

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
