"""API shapes of billing runs and invoices. Money travels as decimal strings."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Schema
from pydantic import Field

from rota.billing.models import Invoice
from rota.billing.services import RunSummary
from rota.core.money import format_amount


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
    customer: int
    period: str
    issue_date: date
    due_date: date
    net: str
    tax: str
    gross: str
    currency: str
    lines: list[LineOut]

    @staticmethod
    def build(invoice: Invoice) -> dict[str, Any]:
        """Return the representation of an invoice (lines prefetched)."""
        return {
            "id": invoice.pk,
            "number": invoice.number,
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
