"""Billing in the back office: run history with a run form and preview, invoices with lines."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from rota.audit.actors import Actor
from rota.audit.admin import AuditedAdminMixin
from rota.billing.forms import CreditNoteForm, PaymentForm, RunForm
from rota.billing.models import BillingRun, Invoice, InvoiceLine, Payment
from rota.billing.payments import invoice_status, payment_record, with_balance
from rota.billing.services import billing_run, credit_note_issue
from rota.core.admin import ReadOnlyAdmin
from rota.core.errors import DomainError, InvalidInput
from rota.core.forms import add_field_errors
from rota.core.money import parse_amount
from rota.core.periods import Month
from rota.installation.selectors import money_formatter


def _money(value: int) -> str:
    return money_formatter()(value)


class InvoiceLineInline(TabularInline):
    model = InvoiceLine
    fields = ["kind", "description", "subscription", "days", "net", "tax", "gross"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @display(description="net")
    def net(self, obj: InvoiceLine) -> str:
        return _money(obj.net_minor)

    @display(description="tax")
    def tax(self, obj: InvoiceLine) -> str:
        return f"{_money(obj.tax_minor)} ({obj.tax_rate * 100:.0f}%)"

    @display(description="gross")
    def gross(self, obj: InvoiceLine) -> str:
        return _money(obj.gross_minor)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "customer",
        "period",
        "issue_date",
        "due_date",
        "net",
        "gross",
        "balance",
        "status_badge",
    ]
    list_filter = ["kind", "period", "issue_date"]
    search_fields = ["number", "customer__last_name", "customer__company_name"]
    actions_detail = ["credit_note_action"]
    list_select_related = ["customer"]
    inlines = [InvoiceLineInline]
    fields = [
        "number",
        "kind",
        "corrects",
        "reason",
        "customer",
        "period",
        "issue_date",
        "due_date",
        "net",
        "tax",
        "gross",
        "balance",
        "status_badge",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return with_balance(super().get_queryset(request))

    @display(description="balance")
    def balance(self, obj: Invoice) -> str:
        return _money(getattr(obj, "balance_minor", obj.gross_minor))

    @display(
        description="status",
        label={
            "open": "info",
            "partially_paid": "warning",
            "paid": "success",
            "overdue": "danger",
            "credit": "info",
            "cancelled": "info",
        },
    )
    def status_badge(self, obj: Invoice) -> str:
        return invoice_status(obj, timezone.localdate())

    def has_credit_note_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        if not request.user.has_perm("billing.add_billingrun"):
            return False
        if object_id is None:
            return True
        invoice = Invoice.objects.filter(pk=object_id).first()
        return bool(
            invoice
            and invoice.kind == Invoice.Kind.REGULAR
            and not Invoice.objects.filter(corrects=invoice).exists()
        )

    @action(
        description="Issue credit note",
        url_path="credit-note",
        permissions=["credit_note"],
        icon="undo",
    )
    def credit_note_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        invoice = get_object_or_404(Invoice, pk=object_id)
        form = CreditNoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                note = credit_note_issue(
                    invoice=invoice,
                    reason=form.cleaned_data["reason"],
                    issue_date=form.cleaned_data["issue_date"],
                    actor=Actor.for_user(request.user),
                )
            except InvalidInput as exc:
                add_field_errors(form, exc.errors)
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, f"Credit note {note.number} issued for {invoice}.")
                return HttpResponseRedirect(reverse("admin:billing_invoice_change", args=[note.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Credit note for {invoice.number}",
            "form": form,
            "submit": "Issue credit note",
            "cancel_url": reverse("admin:billing_invoice_change", args=[invoice.pk]),
        }
        return TemplateResponse(request, "subscriptions/action_form.html", context)

    @display(description="net", ordering="net_minor")
    def net(self, obj: Invoice) -> str:
        return _money(obj.net_minor)

    @display(description="tax")
    def tax(self, obj: Invoice) -> str:
        return _money(obj.tax_minor)

    @display(description="gross", ordering="gross_minor")
    def gross(self, obj: Invoice) -> str:
        return _money(obj.gross_minor)


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdmin):
    list_display = [
        "period",
        "issue_date",
        "started_at",
        "actor_label",
        "invoices",
        "lines",
        "gross",
    ]
    change_list_template = "billing/run_list.html"

    @display(description="gross")
    def gross(self, obj: BillingRun) -> str:
        return _money(obj.gross_minor)

    def get_urls(self) -> list[Any]:
        return [
            path("run/", self.admin_site.admin_view(self.run_view), name="billing_run"),
            *super().get_urls(),
        ]

    def run_view(self, request: HttpRequest) -> HttpResponse:
        """Preview or run billing for a month."""
        if not request.user.has_perm("billing.add_billingrun"):
            raise PermissionDenied
        this_month = str(Month.of(timezone.localdate()))
        form = RunForm(request.POST or None, initial={"period": this_month, "dry_run": True})
        summary = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                summary = billing_run(
                    period=data["period"],
                    issue_date=data["issue_date"],
                    dry_run=data["dry_run"],
                    actor=Actor.for_user(request.user),
                )
            except InvalidInput as exc:
                add_field_errors(form, exc.errors)
            else:
                if not summary.dry_run:
                    messages.success(
                        request,
                        f"Billing {summary.period}: {summary.invoices} invoices, "
                        f"{_money(summary.gross_minor)} gross.",
                    )
                    return HttpResponseRedirect(reverse("admin:billing_billingrun_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Run billing",
            "form": form,
            "summary": summary,
            "money": {
                "net": summary and _money(summary.net_minor),
                "tax": summary and _money(summary.tax_minor),
                "gross": summary and _money(summary.gross_minor),
            },
        }
        return TemplateResponse(request, "billing/run.html", context)


@admin.register(Payment)
class PaymentAdmin(AuditedAdminMixin, ModelAdmin):
    form = PaymentForm
    list_display = ["received_on", "customer", "amount", "method", "reference", "allocated_to"]
    list_filter = ["method", "received_on"]
    search_fields = ["reference", "customer__last_name", "customer__company_name"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]
    actions = None

    @display(description="amount", ordering="amount_minor")
    def amount(self, obj: Payment) -> str:
        return _money(obj.amount_minor)

    @display(description="settled")
    def allocated_to(self, obj: Payment) -> str:
        return (
            ", ".join(
                f"{a.invoice.number} {_money(a.amount_minor)}"
                for a in obj.allocations.select_related("invoice")
            )
            or "customer credit"
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Payment, form: Any, change: bool) -> None:
        data = form.cleaned_data
        result = payment_record(
            customer=data["customer"],
            amount_minor=parse_amount(data["amount"], field="amount"),
            received_on=data["received_on"],
            method=data["method"],
            reference=data["reference"],
            actor=Actor.for_user(request.user),
        )
        obj.pk = result.payment.pk
