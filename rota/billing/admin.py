"""Billing in the back office: runs, invoices (printable), payments and reversals, arrears."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import SimpleListFilter
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import AutocompleteSelectFilter
from unfold.decorators import action, display

from rota.audit.actors import Actor
from rota.audit.admin import AuditedAdminMixin
from rota.billing.documents import invoice_document
from rota.billing.forms import ArrearsForm, CreditNoteForm, PaymentForm, ReversalForm, RunForm
from rota.billing.jobs import billing_job_start, job_progress
from rota.billing.models import BillingJob, BillingRun, Invoice, InvoiceLine, Payment
from rota.billing.payments import invoice_status, payment_record, payment_reverse, with_balance
from rota.billing.selectors import INVOICE_STATUSES, arrears_list, invoices_with_status
from rota.billing.services import billing_run, credit_note_issue
from rota.core.admin import ReadOnlyAdmin, action_form_page, form_call
from rota.core.errors import DomainError, InvalidInput
from rota.core.forms import add_field_errors
from rota.core.money import parse_amount
from rota.core.periods import Month
from rota.installation.selectors import installation_today, money_formatter


def _money(value: int) -> str:
    return money_formatter()(value)


class StatusFilter(SimpleListFilter):
    """Invoice status as of today, worked out in SQL so the list pages and counts stay right."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(s, s.replace("_", " ").capitalize()) for s in INVOICE_STATUSES]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() in INVOICE_STATUSES:
            return invoices_with_status(queryset, str(self.value()), installation_today())
        return queryset


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
    list_filter = [
        StatusFilter,
        ("customer", AutocompleteSelectFilter),
        "kind",
        "period",
        "issue_date",
    ]
    list_filter_submit = True
    search_fields = ["number", "customer__last_name", "customer__company_name"]
    actions_detail = ["print_action", "credit_note_action"]
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
        return invoice_status(obj, installation_today())

    @action(description="Print", url_path="print", icon="print")
    def print_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        """Open the printable invoice: seller, buyer, lines and the tax summary per rate."""
        invoice = get_object_or_404(
            with_balance(Invoice.objects.select_related("customer", "corrects")), pk=object_id
        )
        return TemplateResponse(request, "billing/invoice_print.html", invoice_document(invoice))

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
        note = form_call(
            form,
            request,
            lambda data: credit_note_issue(
                invoice=invoice,
                reason=data["reason"],
                issue_date=data["issue_date"],
                actor=Actor.for_user(request.user),
            ),
        )
        if note is not None:
            messages.success(request, f"Credit note {note.number} issued for {invoice}.")
            return HttpResponseRedirect(reverse("admin:billing_invoice_change", args=[note.pk]))
        back = reverse("admin:billing_invoice_change", args=[invoice.pk])
        title = f"Credit note for {invoice.number}"
        return action_form_page(
            self, request, form, title=title, submit="Issue credit note", back=back
        )

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
            path(
                "jobs/<int:job_id>/",
                self.admin_site.admin_view(self.job_view),
                name="billing_job",
            ),
            *super().get_urls(),
        ]

    def run_view(self, request: HttpRequest) -> HttpResponse:
        """Preview or run billing for a month."""
        if not request.user.has_perm("billing.add_billingrun"):
            raise PermissionDenied
        this_month = str(Month.of(installation_today()))
        form = RunForm(request.POST or None, initial={"period": this_month, "dry_run": True})
        summary = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            actor = Actor.for_user(request.user)
            try:
                if data["dry_run"]:
                    summary = billing_run(
                        period=data["period"],
                        issue_date=data["issue_date"],
                        dry_run=True,
                        actor=actor,
                    )
                else:
                    job = billing_job_start(
                        period=data["period"], issue_date=data["issue_date"], actor=actor
                    )
                    return HttpResponseRedirect(reverse("admin:billing_job", args=[job.pk]))
            except InvalidInput as exc:
                add_field_errors(form, exc.errors)
            except DomainError as exc:
                form.add_error(None, exc.detail)
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

    def job_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        """Follow a billing run started here: queued, running (with progress), done."""
        if not request.user.has_perm("billing.view_billingrun"):
            raise PermissionDenied
        job = get_object_or_404(BillingJob, pk=job_id)
        done, total = job_progress(job)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Billing {job.period}",
            "job": job,
            "active": job.status in (BillingJob.Status.QUEUED, BillingJob.Status.RUNNING),
            "done": done,
            "total": total,
            "percent": round(100 * done / total) if total else 0,
            "gross": _money(job.gross_minor),
        }
        partial = bool(getattr(request, "htmx", False))
        template = "billing/job.html#status" if partial else "billing/job.html"
        return TemplateResponse(request, template, context)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        active = BillingJob.objects.filter(
            status__in=[BillingJob.Status.QUEUED, BillingJob.Status.RUNNING]
        )
        return super().changelist_view(request, {**(extra_context or {}), "jobs": active})


@admin.register(Payment)
class PaymentAdmin(AuditedAdminMixin, ModelAdmin):
    form = PaymentForm
    list_display = [
        "received_on",
        "customer",
        "amount",
        "method",
        "reference",
        "allocated_to",
        "state",
    ]
    list_filter = ["method", "received_on", ("reversed_at", admin.EmptyFieldListFilter)]
    search_fields = ["reference", "customer__last_name", "customer__company_name"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]
    actions = None
    actions_detail = ["reverse_action"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("allocations__invoice")

    def get_fields(self, request: HttpRequest, obj: Payment | None = None) -> Any:
        if obj is None:
            return ["customer", "amount", "received_on", "method", "reference"]
        return [
            "customer",
            "amount",
            "received_on",
            "method",
            "reference",
            "allocated_to",
            "state",
            "reversal_reason",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Payment | None = None) -> Any:
        return self.get_fields(request, obj) if obj else []

    @display(description="amount", ordering="amount_minor")
    def amount(self, obj: Payment) -> str:
        return _money(obj.amount_minor)

    @display(description="settled")
    def allocated_to(self, obj: Payment) -> str:
        if obj.is_reversed:
            return "—"
        return (
            ", ".join(
                f"{a.invoice.number} {_money(a.amount_minor)}"
                for a in sorted(obj.allocations.all(), key=lambda a: a.pk)
            )
            or "customer credit"
        )

    @display(description="state", label={"received": "success", "reversed": "danger"})
    def state(self, obj: Payment) -> str:
        return "reversed" if obj.is_reversed else "received"

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

    def has_reverse_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        if not request.user.has_perm("billing.add_payment"):
            return False
        if object_id is None:
            return True
        return Payment.objects.filter(pk=object_id, reversed_at__isnull=True).exists()

    @action(
        description="Reverse payment",
        url_path="reverse",
        permissions=["reverse"],
        icon="undo",
    )
    def reverse_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        payment = get_object_or_404(Payment, pk=object_id)
        form = ReversalForm(request.POST or None)
        back = reverse("admin:billing_payment_change", args=[payment.pk])
        done = form_call(
            form,
            request,
            lambda data: payment_reverse(
                payment=payment, reason=data["reason"], actor=Actor.for_user(request.user)
            ),
        )
        amount = _money(payment.amount_minor)
        if done is not None:
            messages.success(request, f"Payment of {amount} reversed; its invoices reopened.")
            return HttpResponseRedirect(back)
        title = f"Reverse {amount} from {payment.customer}"
        return action_form_page(
            self, request, form, title=title, submit="Reverse payment", back=back
        )

    def get_urls(self) -> list[Any]:
        return [
            path("arrears/", self.admin_site.admin_view(self.arrears_view), name="billing_arrears"),
            *super().get_urls(),
        ]

    def arrears_view(self, request: HttpRequest) -> HttpResponse:
        """List the customers with overdue invoices, longest overdue first."""
        if not request.user.has_perm("billing.view_invoice"):
            raise PermissionDenied
        form = ArrearsForm(request.GET or None)
        segment, min_days = None, 0
        if form.is_valid():
            segment = form.cleaned_data["segment"] or None
            min_days = form.cleaned_data["min_days"] or 0
        today = installation_today()
        rows = arrears_list(today, segment=segment, min_days=min_days)
        paginator = Paginator(rows, 100)
        page_obj = paginator.get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Arrears",
            "form": form,
            "today": today,
            "page_obj": page_obj,
            "rows": [(a, _money(a.overdue_minor)) for a in page_obj],
            "count": len(rows),
            "total": _money(sum(a.overdue_minor for a in rows)),
            "query": request.GET.copy(),
        }
        return TemplateResponse(request, "billing/arrears.html", context)
