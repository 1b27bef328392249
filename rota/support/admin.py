"""Support in the back office: the ticket queue, tickets, incidents and SLA policies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import SimpleListFilter
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from rota.audit.actors import Actor
from rota.audit.admin import AuditedAdminMixin, AuditHistoryMixin
from rota.core.admin import action_form_page, form_call
from rota.customers.models import Customer
from rota.support import selectors, services
from rota.support.forms import (
    IncidentForm,
    MessageForm,
    ResolveForm,
    TicketForm,
    TicketUpdateForm,
    TransitionForm,
)
from rota.support.models import (
    Incident,
    MessageKind,
    SlaPolicy,
    Status,
    Ticket,
)
from rota.support.sla import countdown, duration_text

STATUS_BADGES = {
    Status.NEW: "info",
    Status.OPEN: "primary",
    Status.WAITING: "warning",
    Status.RESOLVED: "success",
    Status.CLOSED: "info",
}
PRIORITY_BADGES = {"low": "info", "normal": "info", "high": "warning", "urgent": "danger"}


def _run(
    form: forms.Form, request: HttpRequest, call: Callable[[dict[str, Any], Actor], str]
) -> str | None:
    """Call the service as the signed-in user with the form's data (see `form_call`)."""
    return form_call(form, request, lambda data: call(data, Actor.for_user(request.user)))


class BreachedFilter(SimpleListFilter):
    title, parameter_name = "SLA", "sla"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("breached", "Breached"), ("on_time", "On time")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(**{"breached": value == "breached"})


class WorkFilter(SimpleListFilter):
    """Show tickets still being worked on unless the user asks for the others."""

    title, parameter_name = "queue", "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("done", "Resolved and closed"), ("all", "All")]

    def choices(self, changelist: Any) -> Any:
        for choice in super().choices(changelist):
            if choice["display"] == "All" and choice["query_string"].endswith("?"):
                choice["display"] = "Being worked on"
            yield choice

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "all":
            return queryset
        if value == "done":
            return queryset.filter(status__in=[Status.RESOLVED, Status.CLOSED])
        return queryset.exclude(status__in=[Status.RESOLVED, Status.CLOSED])


@admin.register(Ticket)
class TicketAdmin(AuditHistoryMixin, ModelAdmin):
    list_display = [
        "number",
        "customer_name",
        "subject",
        "priority_badge",
        "status_badge",
        "assignee",
        "opened_at",
        "next_due",
        "sla_badge",
    ]
    list_filter = [WorkFilter, BreachedFilter, "status", "priority", "category", "channel"]
    search_fields = ["subject", "customer__last_name", "customer__company_name"]
    search_help_text = "Subject or customer name"
    list_select_related = ["customer", "assignee"]
    list_per_page = 50
    actions = None
    actions_detail = ["reply_action", "note_action", "status_action", "update_action"]
    change_form_template = "support/ticket_change_form.html"
    readonly_fields = [
        "number",
        "customer_link",
        "subscription_link",
        "incident_link",
        "status_shown",
        "category",
        "priority",
        "channel",
        "subject",
        "description",
        "assignee",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "sla_shown",
    ]
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return selectors.with_sla(super().get_queryset(request), timezone.now())

    def get_ordering(self, request: HttpRequest) -> Any:
        return selectors.queue_order()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("support.add_ticket")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_act_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return request.user.has_perm("support.change_ticket")

    def has_message_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return request.user.has_perm("support.add_ticketmessage")

    @display(description="number", ordering="id")
    def number(self, obj: Ticket) -> str:
        return obj.number

    @display(description="customer", ordering="customer__last_name")
    def customer_name(self, obj: Ticket) -> str:
        return obj.customer.display_name

    @display(description="customer")
    def customer_link(self, obj: Ticket) -> str:
        url = reverse("admin:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a>', url, obj.customer.display_name)

    @display(description="subscription")
    def subscription_link(self, obj: Ticket) -> str:
        if obj.subscription is None:
            return "-"
        url = reverse("admin:subscriptions_subscription_change", args=[obj.subscription_id])
        return format_html(
            '<a href="{}">{}</a> {}', url, obj.subscription.number, obj.subscription.address_line
        )

    @display(description="incident")
    def incident_link(self, obj: Ticket) -> str:
        if obj.incident is None:
            return "-"
        url = reverse("admin:support_incident_change", args=[obj.incident_id])
        return format_html('<a href="{}">{} {}</a>', url, obj.incident.number, obj.incident.title)

    @display(description="priority", label=PRIORITY_BADGES, ordering="priority")
    def priority_badge(self, obj: Ticket) -> Any:
        return obj.priority, obj.get_priority_display()

    @display(description="status", label=STATUS_BADGES, ordering="status")
    def status_badge(self, obj: Ticket) -> Any:
        return obj.status, obj.get_status_display()

    @display(description="status")
    def status_shown(self, obj: Ticket) -> str:
        return obj.get_status_display()

    @display(description="next due", ordering="next_due_at")
    def next_due(self, obj: Ticket) -> str:
        due = getattr(obj, "next_due_at", None)
        if due is None:
            return "-"
        return f"{timezone.localtime(due):%Y-%m-%d %H:%M} ({countdown(due, timezone.now())})"

    @display(description="SLA", label={"breached": "danger", "on time": "success"})
    def sla_badge(self, obj: Ticket) -> str:
        if obj.response_due_at is None:
            return ""
        return "breached" if getattr(obj, "breached", False) else "on time"

    @display(description="SLA")
    def sla_shown(self, obj: Ticket) -> str:
        if obj.sla_policy_id is None and obj.response_due_at is None:
            return "No SLA policy applies"
        now = timezone.now()
        parts = [obj.sla_policy.name if obj.sla_policy else "policy since removed"]
        if obj.response_due_at:
            met = obj.first_response_at or obj.resolved_at
            response = f"first reply due {timezone.localtime(obj.response_due_at):%Y-%m-%d %H:%M}"
            parts.append(
                response
                + (
                    f" ({'met' if met <= obj.response_due_at else 'missed'})"
                    if met
                    else f" ({countdown(obj.response_due_at, now)})"
                )
            )
        if obj.resolution_due_at:
            done = obj.resolved_at
            resolution = (
                f"resolution due {timezone.localtime(obj.resolution_due_at):%Y-%m-%d %H:%M}"
            )
            parts.append(
                resolution
                + (
                    f" ({'met' if done <= obj.resolution_due_at else 'missed'})"
                    if done
                    else f" ({countdown(obj.resolution_due_at, now)})"
                )
            )
        return "; ".join(parts)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = dict(extra_context or {})
        context["ticket_messages"] = (
            Ticket.objects.get(pk=object_id).messages.order_by("created_at", "id")
            if object_id.isdigit() and Ticket.objects.filter(pk=object_id).exists()
            else []
        )
        return super().change_view(request, object_id, form_url, context)

    # Opening: a form of its own, started from the customer page.
    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        raw = request.POST.get("customer") or request.GET.get("customer") or ""
        customer = Customer.objects.filter(pk=int(raw) if raw.isdigit() else 0).first()
        if customer is None:
            messages.error(request, "Open a customer and use 'Open a ticket' there.")
            return HttpResponseRedirect(reverse("admin:customers_customer_changelist"))
        initial = {"customer": customer.pk, "subscription": request.GET.get("subscription")}
        form = TicketForm(request.POST or None, initial=initial, customer_id=customer.pk)

        def call(data: dict[str, Any], actor: Actor) -> str:
            ticket = services.ticket_open(
                customer=customer,
                subscription=data["subscription"],
                incident=data["incident"],
                category=data["category"],
                priority=data["priority"],
                channel=data["channel"],
                subject=data["subject"],
                description=data["description"],
                assignee=data["assignee"],
                at=timezone.now(),
                actor=actor,
            )
            return str(ticket.pk)

        created = _run(form, request, call)
        if created:
            messages.success(request, f"Ticket T-{int(created):06d} opened for {customer}.")
            return HttpResponseRedirect(reverse("admin:support_ticket_change", args=[created]))
        back = reverse("admin:customers_customer_change", args=[customer.pk])
        return action_form_page(
            self, request, form, title=f"Open a ticket for {customer}", submit="Open", back=back
        )

    def _act(
        self,
        request: HttpRequest,
        object_id: Any,
        form: forms.Form,
        title: str,
        call: Callable[[Ticket, dict[str, Any], Actor], str],
    ) -> HttpResponse:
        ticket = get_object_or_404(Ticket.objects.select_related("customer"), pk=object_id)
        back = reverse("admin:support_ticket_change", args=[ticket.pk])
        done = _run(form, request, lambda data, actor: call(ticket, data, actor))
        if done:
            messages.success(request, done)
            return HttpResponseRedirect(back)
        heading = f"{title}: {ticket} {ticket.subject} ({ticket.customer})"
        return action_form_page(self, request, form, title=heading, submit=title, back=back)

    def _message(self, request: HttpRequest, object_id: Any, kind: str) -> HttpResponse:
        def call(ticket: Ticket, data: dict[str, Any], actor: Actor) -> str:
            services.ticket_add_message(
                ticket=ticket, kind=kind, body=data["body"], at=timezone.now(), actor=actor
            )
            return f"{'Reply sent' if kind == MessageKind.REPLY else 'Note added'} on {ticket}."

        title = "Reply to the customer" if kind == MessageKind.REPLY else "Add an internal note"
        return self._act(request, object_id, MessageForm(request.POST or None), title, call)

    @action(description="Reply", url_path="reply", permissions=["message"], icon="reply")
    def reply_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._message(request, object_id, MessageKind.REPLY)

    @action(description="Add note", url_path="note", permissions=["message"], icon="edit_note")
    def note_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._message(request, object_id, MessageKind.NOTE)

    @action(description="Change status", url_path="status", permissions=["act"], icon="swap_horiz")
    def status_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        def call(ticket: Ticket, data: dict[str, Any], actor: Actor) -> str:
            done = services.ticket_transition(
                ticket=ticket, to=data["to"], at=timezone.now(), actor=actor
            )
            return f"{ticket} is now {done.get_status_display().lower()}."

        form = TransitionForm(request.POST or None)
        return self._act(request, object_id, form, "Change status", call)

    @action(description="Assign / priority", url_path="update", permissions=["act"], icon="person")
    def update_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        ticket = get_object_or_404(Ticket, pk=object_id)
        initial = {
            "assignee": ticket.assignee_id,
            "priority": ticket.priority,
            "category": ticket.category,
            "incident": ticket.incident_id,
        }

        def call(ticket: Ticket, data: dict[str, Any], actor: Actor) -> str:
            services.ticket_update(ticket=ticket, changes=data, at=timezone.now(), actor=actor)
            return f"{ticket} updated."

        form = TicketUpdateForm(request.POST or None, initial=initial)
        return self._act(request, object_id, form, "Assign / priority", call)


class OngoingFilter(SimpleListFilter):
    title, parameter_name = "ongoing", "ongoing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Ongoing"), ("no", "Resolved")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(resolved_at__isnull=value == "yes")


@admin.register(Incident)
class IncidentAdmin(AuditHistoryMixin, ModelAdmin):
    list_display = [
        "number",
        "title",
        "cause",
        "planned",
        "started_at",
        "resolved_at",
        "duration",
        "affected_count",
        "sla_count",
    ]
    list_filter = [OngoingFilter, "cause", "planned"]
    search_fields = ["title", "description"]
    date_hierarchy = "started_at"
    list_per_page = 50
    actions = None
    actions_detail = ["resolve_action"]
    change_form_template = "support/incident_change_form.html"
    readonly_fields = [
        "number",
        "title",
        "cause",
        "planned",
        "description",
        "started_at",
        "resolved_at",
        "duration",
        "scope_shown",
        "affected_count",
        "sla_count",
    ]
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Incident]:
        return selectors.with_counts(super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("support.add_incident")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_resolve_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        if not request.user.has_perm("support.change_incident"):
            return False
        if object_id is None:
            return True
        return Incident.objects.filter(pk=object_id, resolved_at__isnull=True).exists()

    @display(description="number", ordering="id")
    def number(self, obj: Incident) -> str:
        return obj.number

    @display(description="lasted")
    def duration(self, obj: Incident) -> str:
        text = duration_text(selectors.incident_duration_seconds(obj, timezone.now()))
        return text if obj.resolved_at else f"{text} so far"

    @display(description="subscriptions hit", ordering="affected")
    def affected_count(self, obj: Incident) -> int:
        return int(getattr(obj, "affected", 0))

    @display(
        description="with SLA", ordering="affected_sla", label={"none": "info", "some": "danger"}
    )
    def sla_count(self, obj: Incident) -> Any:
        count = int(getattr(obj, "affected_sla", 0))
        return ("some" if count else "none"), str(count)

    @display(description="scope")
    def scope_shown(self, obj: Incident) -> str:
        parts = []
        if obj.scope_municipalities:
            parts.append("municipalities " + ", ".join(obj.scope_municipalities))
        if obj.scope_technologies:
            parts.append("technologies " + ", ".join(obj.scope_technologies))
        if obj.scope_offers:
            parts.append("offers " + ", ".join(obj.scope_offers))
        if obj.scope_subscriptions:
            parts.append(
                "subscriptions " + ", ".join(f"S-{pk:06d}" for pk in obj.scope_subscriptions)
            )
        return "; ".join(parts)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = dict(extra_context or {})
        incident = Incident.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if incident is not None:
            context["impacts"] = selectors.incident_impacts(incident)
            context["lasted"] = self.duration(incident)
            context["linked_tickets"] = incident.tickets.select_related("customer").order_by(
                "opened_at"
            )
        return super().change_view(request, object_id, form_url, context)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IncidentForm(request.POST or None)

        def call(data: dict[str, Any], actor: Actor) -> str:
            incident = services.incident_create(
                title=data["title"],
                cause=data["cause"],
                description=data["description"],
                planned=data["planned"],
                started_at=data["started_at"],
                resolved_at=data["resolved_at"],
                scope=selectors.Scope(
                    municipalities=data["municipalities"],
                    technologies=tuple(data["technologies"]),
                    offers=tuple(o.code for o in data["offers"]),
                    subscriptions=data["subscriptions"],
                ),
                actor=actor,
            )
            return str(incident.pk)

        created = _run(form, request, call)
        if created:
            messages.success(request, f"Incident INC-{int(created):05d} recorded.")
            return HttpResponseRedirect(reverse("admin:support_incident_change", args=[created]))
        back = reverse("admin:support_incident_changelist")
        return action_form_page(
            self, request, form, title="Record a network incident", submit="Record", back=back
        )

    @action(description="Resolve", url_path="resolve", permissions=["resolve"], icon="check_circle")
    def resolve_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        incident = get_object_or_404(Incident, pk=object_id)
        form = ResolveForm(request.POST or None, initial={"resolved_at": timezone.now()})

        def call(data: dict[str, Any], actor: Actor) -> str:
            services.incident_resolve(incident=incident, at=data["resolved_at"], actor=actor)
            return f"{incident} resolved."

        done = _run(form, request, call)
        back = reverse("admin:support_incident_change", args=[incident.pk])
        if done:
            messages.success(request, done)
            return HttpResponseRedirect(back)
        return action_form_page(
            self, request, form, title=f"Resolve {incident}", submit="Resolve", back=back
        )


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "segment",
            "offer",
            "priority",
            "response_hours",
            "resolution_hours",
            "best_effort",
        ]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedAdminMixin, ModelAdmin):
    form = SlaPolicyForm
    list_display = [
        "name",
        "segment",
        "offer",
        "priority",
        "response_hours",
        "resolution_hours",
        "best_effort",
    ]
    list_filter = ["segment", "offer", "priority", "best_effort"]
    list_select_related = ["offer"]
    actions = None

    def save_model(self, request: HttpRequest, obj: SlaPolicy, form: Any, change: bool) -> None:
        actor = Actor.for_user(request.user)
        values = {name: form.cleaned_data.get(name) for name in services.POLICY_FIELDS}
        if change:
            saved = services.sla_policy_update(
                policy=SlaPolicy.objects.get(pk=obj.pk), values=values, actor=actor
            )
        else:
            saved = services.sla_policy_create(values=values, actor=actor)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: SlaPolicy) -> None:
        services.sla_policy_delete(policy=obj, actor=Actor.for_user(request.user))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """SLA policies have no related objects saved through this form."""
