"""Webhooks in the back office: endpoints with their secret, the delivery log, replays."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from rota.audit.actors import Actor
from rota.audit.admin import AuditedAdminMixin
from rota.core.errors import DomainError
from rota.integrations.models import (
    DeliveryStatus,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from rota.integrations.webhooks import (
    PREVIOUS_SECRET_GRACE,
    SIGNATURE_HEADER,
    body_of,
    delivery_replay,
    endpoint_create,
    endpoint_delete,
    endpoint_rotate_secret,
    endpoint_update,
    event_type_errors,
    url_errors,
)

STATUS_LABELS = {
    DeliveryStatus.PENDING: "warning",
    DeliveryStatus.DELIVERED: "success",
    DeliveryStatus.FAILED: "danger",
}


class WebhookEndpointForm(forms.ModelForm):
    url = forms.CharField(
        label="URL",
        max_length=500,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "https://crm.example.net/rota"}),
        help_text="Where Rota POSTs the events: an http:// or https:// address.",
    )
    event_types = forms.MultipleChoiceField(
        choices=EventType.choices,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text="The events this receiver is told about.",
    )
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        widget=UnfoldBooleanSwitchWidget,
        label="Active",
        help_text="Inactive: no new events, and waiting deliveries are held until reactivated.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "event_types", "is_active"]

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).strip()
        errors = url_errors(url)
        if errors:
            raise forms.ValidationError([e.message for e in errors])
        return url

    def clean_event_types(self) -> list[str]:
        chosen = list(self.cleaned_data["event_types"])
        errors = event_type_errors(chosen)
        if errors:
            raise forms.ValidationError([e.message for e in errors])
        return chosen


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AuditedAdminMixin, ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "description", "events", "state", "waiting", "failed", "created_at"]
    search_fields = ["url", "description"]
    actions = None
    actions_detail = ["rotate_action", "log_action"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookEndpoint]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_waiting=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
                n_failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
            )
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["url", "description", "event_types", "is_active"]
        if obj is None:
            return fields
        return [*fields, "secret_shown", "signature_scheme", "created_at", "created_by"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        readonly = ["secret_shown", "signature_scheme", "created_at", "created_by"]
        if not self.has_change_permission(request, obj):
            return ["url", "description", "event_types", "is_active", *readonly]
        return readonly

    @display(description="event types")
    def events(self, obj: WebhookEndpoint) -> str:
        if len(obj.event_types) == len(EventType.values):
            return "all"
        return ", ".join(obj.event_types)

    @display(description="state", label={"active": "success", "paused": "warning"})
    def state(self, obj: WebhookEndpoint) -> str:
        return "active" if obj.is_active else "paused"

    @display(description="waiting")
    def waiting(self, obj: WebhookEndpoint) -> int:
        return int(getattr(obj, "n_waiting", 0))

    @display(description="failed")
    def failed(self, obj: WebhookEndpoint) -> Any:
        count = int(getattr(obj, "n_failed", 0))
        if not count:
            return 0
        query = urlencode({"endpoint__id__exact": obj.pk, "status__exact": "failed"})
        url = f"{reverse('admin:integrations_webhookdelivery_changelist')}?{query}"
        return format_html('<a class="text-red-600 font-semibold" href="{}">{}</a>', url, count)

    @display(description="signing secret")
    def secret_shown(self, obj: WebhookEndpoint) -> str:
        text = f"{obj.secret_hint} (shown in full only when created or rotated)"
        if obj.previous_secret and obj.previous_secret_until:
            until = f"{obj.previous_secret_until:%Y-%m-%d %H:%M} UTC"
            text += f"; the previous secret still signs until {until}"
        return text

    @display(description="signature")
    def signature_scheme(self, obj: WebhookEndpoint) -> str:
        return (
            f"{SIGNATURE_HEADER}: t=<unix time>,v1=<hex HMAC-SHA256(secret, t + '.' + body)>; "
            "see docs/integration.md, Webhooks."
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        actor = Actor.for_user(request.user)
        if not change:
            endpoint, secret = endpoint_create(
                url=data["url"],
                event_types=data["event_types"],
                description=data.get("description", ""),
                is_active=data.get("is_active", False),
                actor=actor,
                created_by_id=request.user.pk,
            )
            obj.pk = endpoint.pk
            self.message_user(
                request,
                f"Webhook endpoint {endpoint.url} created. Give the receiver its signing secret "
                f"now; it is shown only once: {secret}",
                level=messages.WARNING,
            )
            return
        changes = {name: data[name] for name in form.changed_data if name in data}
        endpoint_update(endpoint=obj, changes=changes, actor=actor)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        endpoint_delete(endpoint=obj, actor=Actor.for_user(request.user))

    def log_deletions(self, request: HttpRequest, queryset: Any) -> None:
        """Skip Django's admin log: endpoint_delete recorded the audit event."""

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """Count the delivery log instead of listing it (it can run to millions of rows)."""
        endpoints = list(objs)
        logs = dict(
            WebhookDelivery.objects.filter(endpoint__in=endpoints)
            .values("endpoint")
            .annotate(n=Count("id"))
            .values_list("endpoint", "n")
        )
        shown: list[Any] = []
        for endpoint in endpoints:
            n = logs.get(endpoint.pk, 0)
            shown += [
                f"Webhook endpoint: {endpoint.url}",
                [f"{n} deliver{'y' if n == 1 else 'ies'} in its log"],
            ]
        counts = {"webhook endpoints": len(endpoints), "webhook deliveries": sum(logs.values())}
        return shown, counts, set(), []

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        return HttpResponseRedirect(
            reverse("admin:integrations_webhookendpoint_change", args=[obj.pk])
        )

    def has_rotate_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return bool(request.user.has_perm("integrations.change_webhookendpoint"))

    @action(description="Rotate secret", url_path="rotate", permissions=["rotate"], icon="key")
    def rotate_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        endpoint = get_object_or_404(WebhookEndpoint, pk=object_id)
        change_url = reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk])
        if request.method != "POST":
            return TemplateResponse(
                request,
                "integrations/webhook_rotate.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "title": f"Rotate the signing secret of {endpoint.url}?",
                    "endpoint": endpoint,
                    "cancel_url": change_url,
                },
            )
        keep = request.POST.get("keep") == "yes"
        secret = endpoint_rotate_secret(
            endpoint=endpoint,
            actor=Actor.for_user(request.user),
            keep_previous=PREVIOUS_SECRET_GRACE if keep else timedelta(0),
        )
        when = "for 24 hours" if keep else "no longer"
        self.message_user(
            request,
            f"New signing secret (the old one signs {when}). Copy it now, it is shown only "
            f"once: {secret}",
            level=messages.WARNING,
        )
        return HttpResponseRedirect(change_url)

    @action(description="Delivery log", url_path="log", icon="list_alt")
    def log_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        query = urlencode({"endpoint__id__exact": object_id})
        return HttpResponseRedirect(
            f"{reverse('admin:integrations_webhookdelivery_changelist')}?{query}"
        )


class AttemptInline(TabularInline):
    model = WebhookAttempt
    fields = ["number", "at", "status_code", "duration_ms", "error", "response_body"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "attempts"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AuditedAdminMixin, ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "object_key",
        "endpoint",
        "status_label",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["endpoint", "status", "event_type"]
    list_filter_submit = True
    list_select_related = ["endpoint"]
    search_fields = ["object_key"]
    inlines = [AttemptInline]
    actions = ["replay_selected"]
    actions_detail = ["replay_action"]
    fields = [
        "event_name",
        "event_type",
        "object_key",
        "endpoint",
        "status_label",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
        "body",
    ]
    readonly_fields = fields

    @display(description="event")
    def event_name(self, obj: WebhookDelivery) -> str:
        return f"evt_{obj.event_id}"

    @display(description="status", label=STATUS_LABELS, ordering="status")
    def status_label(self, obj: WebhookDelivery) -> str:
        return obj.status

    @display(description="body sent")
    def body(self, obj: WebhookDelivery) -> Any:
        event = obj.event
        if event.data is None:
            return "Rendered at the first attempt (invoice of a billing run)."
        pretty = json.dumps(json.loads(body_of(event)), indent=2, ensure_ascii=False)
        return format_html('<pre class="text-xs whitespace-pre-wrap">{}</pre>', pretty)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_replay_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        if not request.user.has_perm("integrations.change_webhookdelivery"):
            return False
        if object_id is None:
            return True
        return WebhookDelivery.objects.filter(pk=object_id, status=DeliveryStatus.FAILED).exists()

    def _replay(self, request: HttpRequest, deliveries: Any) -> int:
        actor = Actor.for_user(request.user)
        count = 0
        for delivery in deliveries:
            try:
                delivery_replay(delivery=delivery, actor=actor)
            except DomainError:
                continue
            count += 1
        return count

    @action(description="Replay failed deliveries", permissions=["replay"], icon="replay")
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        failed = queryset.filter(status=DeliveryStatus.FAILED).order_by("id")
        count = self._replay(request, failed)
        skipped = queryset.count() - count
        text = f"{count} failed deliveries queued again."
        if skipped:
            text += f" {skipped} not failed, left as they are."
        self.message_user(request, text, level=messages.SUCCESS if count else messages.WARNING)

    @action(description="Replay", url_path="replay", permissions=["replay"], icon="replay")
    def replay_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        delivery = get_object_or_404(WebhookDelivery, pk=object_id)
        change_url = reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk])
        if request.method != "POST":
            return TemplateResponse(
                request,
                "integrations/webhook_replay.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "title": f"Send evt_{delivery.event_id} to {delivery.endpoint.url} again?",
                    "delivery": delivery,
                    "cancel_url": change_url,
                },
            )
        if self._replay(request, [delivery]):
            self.message_user(request, "Queued again; the worker sends it now.", messages.SUCCESS)
        else:
            self.message_user(request, "Only a failed delivery can be replayed.", messages.ERROR)
        return HttpResponseRedirect(change_url)
