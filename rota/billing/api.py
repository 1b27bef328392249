"""Billing endpoints: run a month, read invoices."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from rota.accounts.api_auth import actor_of, scoped
from rota.billing.models import Invoice
from rota.billing.payments import customer_credit, payment_record, with_balance
from rota.billing.schemas import InvoiceList, InvoiceOut, PaymentIn, PaymentOut, RunIn, RunOut
from rota.billing.services import billing_run, credit_note_issue
from rota.core.errors import NotFound
from rota.core.money import format_amount, parse_amount
from rota.core.problems import ERRORS, PageQuery, page
from rota.customers.selectors import customer_get
from rota.installation.selectors import installation_get, installation_today

router = Router(tags=["billing"])
READ = scoped("billing:read")
WRITE = scoped("billing:write")


@router.post("/billing/runs", response={200: RunOut, **ERRORS}, auth=WRITE)
def run(request: HttpRequest, payload: RunIn) -> dict[str, Any]:
    """Bill a month (or preview it with dry_run) and return the run's summary."""
    summary = billing_run(
        period=payload.period,
        issue_date=payload.issue_date,
        dry_run=payload.dry_run,
        actor=actor_of(request),
    )
    return RunOut.build(summary, installation_get().currency)


class InvoiceFilter(PageQuery):
    customer: int | None = Field(None, ge=1, le=2**63 - 1)
    period: str | None = None
    number: str | None = None


def _invoices() -> Any:
    return with_balance(
        Invoice.objects.select_related("corrects").prefetch_related("lines")
    ).order_by("id")


@router.get("/invoices", response={200: InvoiceList, **ERRORS}, auth=READ)
def list_invoices(request: HttpRequest, filters: Query[InvoiceFilter]) -> dict[str, Any]:
    """List invoices with their lines, filtered by customer, period or number."""
    invoices = _invoices()
    for name in ("customer", "period", "number"):
        value = getattr(filters, name)
        if value is not None:
            invoices = invoices.filter(**{name: value})
    rows = invoices[page(filters.limit, filters.offset)]
    today = installation_today()
    return {"items": [InvoiceOut.build(i, today) for i in rows], "count": invoices.count()}


@router.get("/invoices/{invoice_id}", response={200: InvoiceOut, **ERRORS}, auth=READ)
def get_invoice(request: HttpRequest, invoice_id: int) -> dict[str, Any]:
    """Get one invoice with its lines."""
    invoice = _invoices().filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(detail=f"There is no invoice {invoice_id}.")
    return InvoiceOut.build(invoice, installation_today())


class CreditNoteIn(Schema):
    reason: str = Field(max_length=200)
    issue_date: date | None = None


@router.post("/invoices/{invoice_id}/credit-note", response={201: InvoiceOut, **ERRORS}, auth=WRITE)
def credit_note(
    request: HttpRequest, invoice_id: int, payload: CreditNoteIn
) -> Status[dict[str, Any]]:
    """Cancel an invoice with a credit note; the next run bills its days again as they are."""
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(detail=f"There is no invoice {invoice_id}.")
    note = credit_note_issue(
        invoice=invoice,
        reason=payload.reason,
        issue_date=payload.issue_date,
        actor=actor_of(request),
    )
    return Status(201, InvoiceOut.build(_invoices().get(pk=note.pk), installation_today()))


@router.post("/payments", response={201: PaymentOut, **ERRORS}, auth=WRITE)
def record_payment(request: HttpRequest, payload: PaymentIn) -> Status[dict[str, Any]]:
    """Record a payment; it settles the customer's open invoices oldest first."""
    result = payment_record(
        customer=customer_get(payload.customer),
        amount_minor=parse_amount(payload.amount, field="amount"),
        received_on=payload.received_on,
        method=payload.method,
        reference=payload.reference,
        actor=actor_of(request),
    )
    payment = result.payment
    return Status(
        201,
        {
            "id": payment.pk,
            "customer": payment.customer_id,
            "amount": format_amount(payment.amount_minor),
            "currency": installation_get().currency,
            "received_on": payment.received_on,
            "method": payment.method,
            "reference": payment.reference,
            "allocations": [
                {"invoice": number, "amount": format_amount(amount)}
                for number, amount in result.allocations
            ],
            "customer_credit": format_amount(customer_credit(payment.customer_id)),
        },
    )
