"""Subscriptions in the back office: sell, list, and act on one (cancel, suspend...)."""

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
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from rota.audit.actors import Actor
from rota.audit.admin import AuditHistoryMixin
from rota.billing.pricing import Phase
from rota.catalog.models import Offer, Segment, Technology
from rota.catalog.selectors import describe_schedule
from rota.core.admin import ReadOnlyAdmin, action_form_page
from rota.core.errors import DomainError, FieldError, InvalidInput
from rota.core.forms import add_field_errors
from rota.core.money import format_amount
from rota.customers.models import Customer
from rota.installation.selectors import installation_today, money_formatter
from rota.subscriptions import services
from rota.subscriptions.forms import (
    AttachAddOnForm,
    CancelForm,
    ChangeOfferForm,
    DetachAddOnForm,
    ResumeForm,
    SellForm,
    SuspendForm,
)
from rota.subscriptions.models import Cancellation, Subscription
from rota.subscriptions.selectors import (
    STATE_LABELS,
    State,
    plans_of,
    with_details,
    with_state,
)

STATE_BADGES = {
    State.PENDING: "info",
    State.ACTIVE: "success",
    State.SUSPENDED: "warning",
    State.ENDED: "danger",
}


class _TodayFilter(SimpleListFilter):
    """Filter on a value that `with_state` works out for today (state, offer, segment...)."""

    annotation = ""
    options: Callable[[], list[tuple[str, str]]] = staticmethod(list)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return self.options()

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(**{self.annotation: value}) if value else queryset


class StateFilter(_TodayFilter):
    title, parameter_name, annotation = "state today", "state", "state"
    options = staticmethod(lambda: list(State.choices))


class OfferFilter(_TodayFilter):
    title, parameter_name, annotation = "offer today", "offer", "current_offer"
    options = staticmethod(
        lambda: [(o.code, o.code) for o in Offer.objects.order_by("segment", "code")]
    )


class SegmentFilter(_TodayFilter):
    title, parameter_name, annotation = "segment", "segment", "current_segment"
    options = staticmethod(lambda: list(Segment.choices))


class TechnologyFilter(_TodayFilter):
    title, parameter_name, annotation = "technology", "technology", "current_technology"
    options = staticmethod(lambda: list(Technology.choices))


@admin.register(Subscription)
class SubscriptionAdmin(AuditHistoryMixin, ModelAdmin):
    list_display = [
        "number",
        "customer_name",
        "offer_now",
        "state_badge",
        "start_date",
        "end_date",
        "city",
        "municipality_code",
    ]
    list_filter = [
        StateFilter,
        OfferFilter,
        SegmentFilter,
        TechnologyFilter,
        "area",
        "cancel_reason",
    ]
    search_fields = [
        "customer__last_name",
        "customer__company_name",
        "street",
        "city",
        "municipality_code",
        "postal_code",
    ]
    search_help_text = "Customer name, service address or municipality code"
    list_select_related = ["customer"]
    list_per_page = 50
    actions = None
    actions_detail = [
        "cancel_action",
        "suspend_action",
        "resume_action",
        "change_offer_action",
        "attach_addon_action",
        "detach_addon_action",
    ]
    readonly_fields = [
        "number",
        "customer_link",
        "offer_now",
        "state_shown",
        "start_date",
        "end_date",
        "bill_from",
        "service_address",
        "municipality_code",
        "area",
        "plans_shown",
        "addons_shown",
        "suspensions_shown",
        "cancellation_shown",
    ]
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subscription]:
        return with_state(with_details(super().get_queryset(request)), installation_today())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subscriptions.add_subscription")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_act_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return request.user.has_perm("subscriptions.change_subscription")

    @display(description="number", ordering="id")
    def number(self, obj: Subscription) -> str:
        return obj.number

    @display(description="customer", ordering="customer__last_name")
    def customer_name(self, obj: Subscription) -> str:
        return obj.customer.display_name

    @display(description="customer")
    def customer_link(self, obj: Subscription) -> str:
        url = reverse("admin:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a>', url, obj.customer.display_name)

    @display(description="offer today")
    def offer_now(self, obj: Subscription) -> str:
        return getattr(obj, "current_offer", "") or ""

    @display(description="state today", label=STATE_BADGES)
    def state_badge(self, obj: Subscription) -> str:
        return getattr(obj, "state", "")

    @display(description="state today")
    def state_shown(self, obj: Subscription) -> str:
        return STATE_LABELS.get(getattr(obj, "state", ""), "")

    @display(description="service address")
    def service_address(self, obj: Subscription) -> str:
        return obj.address_line

    @display(description="plans and prices")
    def plans_shown(self, obj: Subscription) -> str:
        money = money_formatter()
        lines = []
        for view in plans_of(obj):
            until = f" to {view.valid_until}" if view.valid_until else ""
            term = f"{view.plan.term_months} months" if view.plan.term_months else "no commitment"
            commitment = f", commitment ends {view.commitment_end}" if view.commitment_end else ""
            schedule = describe_schedule([Phase(m, p) for m, p in view.phases], money)
            lines.append(
                f"{view.plan.valid_from}{until}: {view.plan.offer_version.offer.code} "
                f"v{view.plan.offer_version.number}, {term}{commitment}; {schedule}"
            )
        return " | ".join(lines)

    @display(description="add-ons")
    def addons_shown(self, obj: Subscription) -> str:
        return (
            "; ".join(
                f"{a.addon.code} {format_amount(a.monthly_price_minor)} from {a.start_date}"
                + (f" to {a.end_date}" if a.end_date else "")
                for a in obj.addons.all()
            )
            or "-"
        )

    @display(description="suspensions")
    def suspensions_shown(self, obj: Subscription) -> str:
        return (
            "; ".join(
                f"{s.start_date} – {s.end_date or 'until resumed'}" for s in obj.suspensions.all()
            )
            or "-"
        )

    @display(description="cancellation")
    def cancellation_shown(self, obj: Subscription) -> str:
        if obj.end_date is None:
            return "-"
        note = f" — {obj.cancel_note}" if obj.cancel_note else ""
        return (
            f"requested {obj.cancel_requested_on}, last day {obj.end_date}: "
            f"{obj.get_cancel_reason_display()}{note}"
        )

    # Selling: a form of its own instead of the model form.
    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        customer_id = request.POST.get("customer") or request.GET.get("customer") or ""
        customer = Customer.objects.filter(
            pk=int(customer_id) if customer_id.isdigit() else 0
        ).first()
        initial: dict[str, Any] = {"customer": customer_id, "start_date": installation_today()}
        if customer is not None:
            # The service address is usually the billing address: offer it as a start.
            for name in ("street", "building", "apartment", "postal_code", "city"):
                initial[name] = getattr(customer, name)
        form = SellForm(request.POST or None, initial=initial)
        if customer is None:
            messages.error(request, "Open a customer and use 'Sell a subscription' there.")
            return HttpResponseRedirect(reverse("admin:customers_customer_changelist"))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                subscription = services.subscription_sell(
                    customer=customer,
                    version=data["version"],
                    term_months=data["term_months"],
                    start_date=data["start_date"],
                    address=services.ServiceAddress(
                        **{k: data[k] or "" for k in (*services.ADDRESS_FIELDS, "area")}
                    ),
                    addons=[a.code for a in data["addons"]],
                    actor=Actor.for_user(request.user),
                )
            except InvalidInput as exc:
                add_field_errors(form, _form_names(exc, {"offer": "version"}))
            else:
                messages.success(request, f"{subscription} sold to {customer}.")
                return HttpResponseRedirect(
                    reverse("admin:customers_customer_change", args=[customer.pk])
                )
        return self._render_form(
            request,
            form,
            f"Sell a subscription to {customer}",
            "Sell",
            cancel_url=reverse("admin:customers_customer_change", args=[customer.pk]),
        )

    def _render_form(
        self, request: HttpRequest, form: forms.Form, title: str, submit: str, cancel_url: str
    ) -> HttpResponse:
        return action_form_page(self, request, form, title=title, submit=submit, back=cancel_url)

    def _act(
        self,
        request: HttpRequest,
        object_id: Any,
        form_class: type[forms.Form],
        title: str,
        run: Callable[[Subscription, dict[str, Any], Actor], str],
        rename: dict[str, str] | None = None,
    ) -> HttpResponse:
        if not self.has_act_permission(request):
            raise PermissionDenied
        subscription = get_object_or_404(Subscription, pk=object_id)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                message = run(subscription, form.cleaned_data, Actor.for_user(request.user))
            except InvalidInput as exc:
                add_field_errors(form, _form_names(exc, rename or {}))
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(
                    reverse("admin:subscriptions_subscription_change", args=[subscription.pk])
                )
        cancel_url = reverse("admin:subscriptions_subscription_change", args=[subscription.pk])
        return self._render_form(
            request, form, f"{title}: {subscription} ({subscription.customer})", title, cancel_url
        )

    @action(description="Cancel", url_path="cancel", permissions=["act"], icon="cancel")
    def cancel_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        def run(sub: Subscription, data: dict[str, Any], actor: Actor) -> str:
            result = services.subscription_cancel(
                subscription=sub,
                requested_on=data["requested_on"],
                last_day=data["last_day"],
                reason=data["reason"],
                note=data["note"],
                actor=actor,
            )
            fee = money_formatter()(result.fee_minor)
            return f"{sub} cancelled; early-termination fee: {fee}."

        return self._act(request, object_id, CancelForm, "Cancel", run)

    @action(description="Suspend", url_path="suspend", permissions=["act"], icon="pause")
    def suspend_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        def run(sub: Subscription, data: dict[str, Any], actor: Actor) -> str:
            services.subscription_suspend(
                subscription=sub,
                start_date=data["start_date"],
                end_date=data["end_date"],
                reason=data["reason"],
                actor=actor,
            )
            return f"{sub} suspended."

        return self._act(request, object_id, SuspendForm, "Suspend", run)

    @action(description="Resume", url_path="resume", permissions=["act"], icon="play_arrow")
    def resume_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        def run(sub: Subscription, data: dict[str, Any], actor: Actor) -> str:
            services.subscription_resume(subscription=sub, on=data["on"], actor=actor)
            return f"{sub} resumed."

        return self._act(request, object_id, ResumeForm, "Resume", run)

    @action(
        description="Change offer", url_path="change-offer", permissions=["act"], icon="swap_horiz"
    )
    def change_offer_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        def run(sub: Subscription, data: dict[str, Any], actor: Actor) -> str:
            services.subscription_change_offer(
                subscription=sub,
                version=data["version"],
                on=data["on"],
                new_contract=data["new_contract"],
                term_months=data["term_months"],
                actor=actor,
            )
            return f"{sub} moves to {data['version'].offer.code} on {data['on']}."

        return self._act(
            request, object_id, ChangeOfferForm, "Change offer", run, {"offer": "version"}
        )

    @action(description="Add add-on", url_path="attach-addon", permissions=["act"], icon="add")
    def attach_addon_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        def run(sub: Subscription, data: dict[str, Any], actor: Actor) -> str:
            services.subscription_attach_addon(
                subscription=sub, code=data["addon"].code, on=data["on"], actor=actor
            )
            return f"{data['addon'].name} added to {sub}."

        return self._act(
            request, object_id, AttachAddOnForm, "Add add-on", run, {"addons": "addon"}
        )

    @action(
        description="Remove add-on", url_path="detach-addon", permissions=["act"], icon="remove"
    )
    def detach_addon_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        def run(sub: Subscription, data: dict[str, Any], actor: Actor) -> str:
            services.subscription_detach_addon(
                subscription=sub, code=data["addon"].code, last_day=data["last_day"], actor=actor
            )
            return f"{data['addon'].name} removed from {sub}."

        return self._act(
            request, object_id, DetachAddOnForm, "Remove add-on", run, {"addons": "addon"}
        )


def _form_names(exc: InvalidInput, rename: dict[str, str]) -> list[FieldError]:
    """Return the error's field errors with service names mapped to form field names."""
    names = [e.field.removeprefix("service_address.") for e in exc.errors]
    return [FieldError(rename.get(n, n), e.message) for n, e in zip(names, exc.errors, strict=True)]


@admin.register(Cancellation)
class CancellationAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "customer_name",
        "offer",
        "cancel_requested_on",
        "end_date",
        "cancel_reason",
        "cancel_note",
    ]
    list_filter = ["cancel_reason", "offer__segment", "offer"]
    search_fields = ["customer__last_name", "customer__company_name", "cancel_note"]
    date_hierarchy = "end_date"
    list_select_related = ["customer", "offer"]
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cancellation]:
        return super().get_queryset(request).filter(end_date__isnull=False)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("subscriptions.view_subscription")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @display(description="number", ordering="id")
    def number(self, obj: Subscription) -> str:
        return obj.number

    @display(description="customer", ordering="customer__last_name")
    def customer_name(self, obj: Subscription) -> str:
        return obj.customer.display_name

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        return HttpResponseRedirect(
            reverse("admin:subscriptions_subscription_change", args=[object_id])
        )
