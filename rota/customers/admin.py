"""Customers in the back office: search, edit, and the page that tells the whole story."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from unfold.admin import ModelAdmin
from unfold.decorators import display

from rota.audit.actors import Actor
from rota.audit.admin import AuditedAdminMixin
from rota.billing.selectors import customer_invoices
from rota.customers.forms import CustomerForm
from rota.customers.models import Customer
from rota.customers.selectors import search_customers
from rota.customers.services import customer_create, customer_update
from rota.customers.validation import format_tax_id
from rota.installation.selectors import installation_today, money_formatter
from rota.subscriptions.selectors import customer_story


@admin.register(Customer)
class CustomerAdmin(AuditedAdminMixin, ModelAdmin):
    form = CustomerForm
    list_display = ["id", "name", "kind", "segment", "city", "phone", "email", "tax_id_shown"]
    list_display_links = ["id", "name"]
    list_filter = ["segment", "kind", "marketing_consent"]
    search_fields = ["last_name"]
    search_help_text = "Name, email, phone, tax id or address"
    actions = None
    list_per_page = 50
    change_form_template = "customers/change_form.html"
    fieldsets = [
        (None, {"fields": ["kind", ("first_name", "last_name"), "company_name", "segment"]}),
        (
            "Contact",
            {"fields": ["email", "phone", "marketing_consent", "marketing_consent_changed_on"]},
        ),
        ("Identity", {"fields": ["tax_id", "regon"]}),
        (
            "Billing address",
            {"fields": [("street", "building", "apartment"), ("postal_code", "city")]},
        ),
        ("Notes", {"fields": ["tags", "notes"]}),
    ]
    readonly_fields = ["marketing_consent_changed_on"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # The read-only view shows tags as text, not as the stored list.
            return [
                (
                    name,
                    {**opts, "fields": ["tag_list" if f == "tags" else f for f in opts["fields"]]},
                )
                for name, opts in fieldsets
            ]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "tag_list"] if obj is not None else fields

    @display(description="tags")
    def tag_list(self, obj: Customer) -> str:
        return ", ".join(obj.tags) or "-"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        if not search_term.strip():
            return queryset, False
        return queryset.filter(pk__in=search_customers(search_term).values("pk")), False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @display(description="name", ordering="last_name")
    def name(self, obj: Customer) -> str:
        return obj.display_name

    @display(description="tax id")
    def tax_id_shown(self, obj: Customer) -> str:
        return format_tax_id(obj.tax_id, country=obj.country, kind=obj.kind)

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        data = form.customer_data()
        actor = Actor.for_user(request.user)
        if change:
            values = asdict(data)
            values.pop("kind")
            saved = customer_update(customer=obj, changes=values, actor=actor)
        else:
            saved = customer_create(data=data, actor=actor)
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Customers have no related objects saved through this form."""

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        customer = Customer.objects.filter(pk=object_id).first()
        context = dict(extra_context or {})
        if customer is not None:
            context["story"] = customer_story(customer, installation_today(), money_formatter())
            context["can_sell"] = request.user.has_perm("subscriptions.add_subscription")
            if request.user.has_perm("billing.view_invoice"):
                money = money_formatter()
                context["invoices"] = [
                    (invoice, money(invoice.gross_minor))
                    for invoice in customer_invoices(customer.pk)
                ]
        return super().change_view(request, object_id, form_url, context)
