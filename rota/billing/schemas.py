"""API shapes of billing runs and invoices. Money travels as decimal strings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from rota.billing.models import Invoice, Payment
from rota.billing.payments import customer_credit, invoice_status
from rota.billing.selectors import Arrears
from rota.billing.services import RunSummary
from rota.core.money import format_amount
from rota.installation.selectors import installation_get


class RunIn(Schema):
    period: str = Field(description="YYYY-MM", examples=["2026-04"])
    issue_date: date | None = Field(None, description="Default: today")
    dry_run: bool = False


class RunOut(Schema):
    period: str
    issue_date: date
    dry_run: bool
    invoices: int
    lines: int
    net: str
    tax: str
    gross: str
    currency: str
    first_number: str | None
    last_number: str | None

    @staticmethod
    def build(summary: RunSummary, currency: str) -> dict[str, Any]:
        """Return the representation of a run's summary."""
        return {
            "period": summary.period,
            "issue_date": summary.issue_date,
            "dry_run": summary.dry_run,
            "invoices": summary.invoices,
            "lines": summary.lines,
            "net": format_amount(summary.net_minor),
            "tax": format_amount(summary.tax_minor),
            "gross": format_amount(summary.gross_minor),
            "currency": currency,
            "first_number": summary.first_number,
            "last_number": summary.last_number,
        }


class LineOut(Schema):
    id: int
    kind: str
    description: str
    subscription: int
    service_start: date | None
    service_end: date | None
    days: int
    monthly_price: str
    net: str
    tax: str
    gross: str
    tax_rate: str
    credits_line: int | None


class InvoiceOut(Schema):
    id: int
    number: str
    kind: str = Field(description="regular or credit_note")
    corrects: str | None = Field(description="Number of the invoice a credit note cancels")
    reason: str
    customer: int
    period: str
    issue_date: date
    due_date: date
    net: str
    tax: str
    gross: str
    currency: str
    paid: str
    balance: str
    status: str = Field(description="open, partially_paid, paid, overdue or credit")
    lines: list[LineOut]

    @staticmethod
    def build(invoice: Invoice, today: date) -> dict[str, Any]:
        """Return the representation of an invoice (annotated by with_balance, lines prefetched)."""
        paid = getattr(invoice, "paid_minor", 0)
        return {
            "paid": format_amount(paid),
            "balance": format_amount(invoice.gross_minor - paid),
            "status": invoice_status(invoice, today),
            "id": invoice.pk,
            "number": invoice.number,
            "kind": invoice.kind,
            "corrects": invoice.corrects.number if invoice.corrects else None,
            "reason": invoice.reason,
            "customer": invoice.customer_id,
            "period": invoice.period,
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
            "net": format_amount(invoice.net_minor),
            "tax": format_amount(invoice.tax_minor),
            "gross": format_amount(invoice.gross_minor),
            "currency": invoice.currency,
            "lines": [
                {
                    "id": line.pk,
                    "kind": line.kind,
                    "description": line.description,
                    "subscription": line.subscription_id,
                    "service_start": line.service_start,
                    "service_end": line.service_end,
                    "days": line.days,
                    "monthly_price": format_amount(line.monthly_price_minor),
                    "net": format_amount(line.net_minor),
                    "tax": format_amount(line.tax_minor),
                    "gross": format_amount(line.gross_minor),
                    "tax_rate": format(line.tax_rate.normalize(), "f"),
                    "credits_line": line.credits_line_id,
                }
                for line in invoice.lines.all()
            ],
        }


class InvoiceList(Schema):
    items: list[InvoiceOut]
    count: int


class PaymentIn(Schema):
    customer: int = Field(ge=1, le=2**63 - 1)
    amount: str = Field(description="Decimal string, e.g. '122.58'")
    received_on: date
    method: str = "transfer"
    reference: str = Field("", max_length=140)


class AllocationOut(Schema):
    invoice: str
    amount: str


class PaymentOut(Schema):
    id: int
    customer: int
    amount: str
    currency: str
    received_on: date
    method: str
    reference: str
    allocations: list[AllocationOut]
    customer_credit: str = Field(description="The customer's money not used by any invoice")
    reversed_at: datetime | None
    reversal_reason: str

    @staticmethod
    def build(payment: Payment) -> dict[str, Any]:
        """Shape a payment (allocations prefetched) for the API."""
        return {
            "id": payment.pk,
            "customer": payment.customer_id,
            "amount": format_amount(payment.amount_minor),
            "currency": installation_get().currency,
            "received_on": payment.received_on,
            "method": payment.method,
            "reference": payment.reference,
            "allocations": [
                {"invoice": a.invoice.number, "amount": format_amount(a.amount_minor)}
                for a in sorted(payment.allocations.all(), key=lambda a: a.pk)
            ],
            "customer_credit": format_amount(customer_credit(payment.customer_id)),
            "reversed_at": payment.reversed_at,
            "reversal_reason": payment.reversal_reason,
        }


class PaymentList(Schema):
    items: list[PaymentOut]
    count: int


class ArrearsOut(Schema):
    customer: int
    name: str
    segment: str
    invoices: int = Field(description="Overdue invoices")
    overdue: str
    currency: str
    oldest_due_date: date
    days_overdue: int
    last_payment: date | None

    @staticmethod
    def build(arrears: Arrears, currency: str) -> dict[str, Any]:
        """Shape one customer's arrears for the API."""
        return {
            "customer": arrears.customer_id,
            "name": arrears.name,
            "segment": arrears.segment,
            "invoices": arrears.invoices,
            "overdue": format_amount(arrears.overdue_minor),
            "currency": currency,
            "oldest_due_date": arrears.oldest_due,
            "days_overdue": arrears.days_overdue,
            "last_payment": arrears.last_payment,
        }


class ArrearsList(Schema):
    items: list[ArrearsOut]
    count: int
