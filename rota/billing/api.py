"""Billing endpoints: run a month, read invoices, record and reverse payments, arrears."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from rota.accounts.api_auth import actor_of, scoped
from rota.billing.models import Invoice, Payment
from rota.billing.payments import payment_record, payment_reverse, with_balance
from rota.billing.schemas import (
    ArrearsList,
    ArrearsOut,
    InvoiceList,
    InvoiceOut,
    PaymentIn,
    PaymentList,
    PaymentOut,
    RunIn,
    RunOut,
)
from rota.billing.selectors import arrears_list, invoices_with_status
from rota.billing.services import billing_run, credit_note_issue
from rota.catalog.models import Segment
from rota.core.errors import InvalidInput, NotFound
from rota.core.money import parse_amount
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
    status: str | None = Field(
        None, description="open, partially_paid, paid, overdue, credit or cancelled (as of today)"
    )


def _invoices() -> Any:
    return with_balance(
        Invoice.objects.select_related("corrects").prefetch_related("lines")
    ).order_by("id")


@router.get("/invoices", response={200: InvoiceList, **ERRORS}, auth=READ)
def list_invoices(request: HttpRequest, filters: Query[InvoiceFilter]) -> dict[str, Any]:
    """List invoices with their lines, filtered by customer, period, number or status."""
    invoices = _invoices()
    for name in ("customer", "period", "number"):
        value = getattr(filters, name)
        if value is not None:
            invoices = invoices.filter(**{name: value})
    today = installation_today()
    if filters.status is not None:
        invoices = invoices_with_status(invoices, filters.status, today)
    rows = invoices[page(filters.limit, filters.offset)]
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
    return Status(201, PaymentOut.build(_payment(result.payment.pk)))


class PaymentFilter(PageQuery):
    customer: int | None = Field(None, ge=1, le=2**63 - 1)
    reversed: bool | None = None


def _payment(payment_id: int) -> Payment:
    payment = Payment.objects.prefetch_related("allocations__invoice").filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(detail=f"There is no payment {payment_id}.")
    return payment


@router.get("/payments", response={200: PaymentList, **ERRORS}, auth=READ)
def list_payments(request: HttpRequest, filters: Query[PaymentFilter]) -> dict[str, Any]:
    """List payments, newest first, with the invoices each one settled."""
    payments = Payment.objects.prefetch_related("allocations__invoice").order_by(
        "-received_on", "-id"
    )
    if filters.customer is not None:
        payments = payments.filter(customer_id=filters.customer)
    if filters.reversed is not None:
        payments = payments.filter(reversed_at__isnull=not filters.reversed)
    rows = payments[page(filters.limit, filters.offset)]
    return {"items": [PaymentOut.build(p) for p in rows], "count": payments.count()}


@router.get("/payments/{payment_id}", response={200: PaymentOut, **ERRORS}, auth=READ)
def get_payment(request: HttpRequest, payment_id: int) -> dict[str, Any]:
    """Get one payment with the invoices it settled."""
    return PaymentOut.build(_payment(payment_id))


class ReversalIn(Schema):
    reason: str = Field(max_length=200, description="Why, e.g. 'Direct debit returned by the bank'")


@router.post("/payments/{payment_id}/reversal", response={200: PaymentOut, **ERRORS}, auth=WRITE)
def reverse_payment(request: HttpRequest, payment_id: int, payload: ReversalIn) -> dict[str, Any]:
    """Reverse a payment (bounced or entered by mistake); the invoices it paid reopen."""
    payment_reverse(payment=_payment(payment_id), reason=payload.reason, actor=actor_of(request))
    return PaymentOut.build(_payment(payment_id))


class ArrearsFilter(PageQuery):
    segment: str | None = Field(None, description="household or business")
    min_days: int = Field(
        0, ge=0, le=36500, description="Oldest overdue invoice at least this late"
    )


@router.get("/billing/arrears", response={200: ArrearsList, **ERRORS}, auth=READ)
def list_arrears(request: HttpRequest, filters: Query[ArrearsFilter]) -> dict[str, Any]:
    """List the customers with overdue invoices, longest overdue first."""
    if filters.segment is not None and filters.segment not in Segment.values:
        raise InvalidInput.single("segment", f"must be one of {', '.join(Segment.values)}")
    rows = arrears_list(installation_today(), segment=filters.segment, min_days=filters.min_days)
    currency = installation_get().currency
    window = rows[filters.offset : filters.offset + filters.limit]
    return {"items": [ArrearsOut.build(a, currency) for a in window], "count": len(rows)}
