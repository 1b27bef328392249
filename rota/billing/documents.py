"""The printable invoice: what the page shows, worked out from the stored invoice and lines."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from rota.billing.models import Invoice, InvoiceLine
from rota.billing.payments import invoice_status
from rota.installation.selectors import installation_get, installation_today, money_formatter


def tax_summary(lines: list[InvoiceLine]) -> list[tuple[Decimal, int, int, int]]:
    """Return (rate, net, tax, gross) per tax rate, highest rate first, summed from the lines.

    Tax is rounded per line (billing rules), so the summary adds the lines' own tax.
    """
    sums: dict[Decimal, list[int]] = defaultdict(lambda: [0, 0, 0])
    for line in lines:
        total = sums[line.tax_rate]
        total[0] += line.net_minor
        total[1] += line.tax_minor
        total[2] += line.gross_minor
    return [(rate, *sums[rate]) for rate in sorted(sums, reverse=True)]  # type: ignore[misc]


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def invoice_document(invoice: Invoice) -> dict[str, Any]:
    """Return the template context of the printable invoice (with_balance annotations used)."""
    seller = installation_get()
    money = money_formatter(seller)
    lines = list(invoice.lines.order_by("pk"))
    customer = invoice.customer
    return {
        "invoice": invoice,
        "title": ("Credit note " if invoice.kind == Invoice.Kind.CREDIT_NOTE else "Invoice ")
        + invoice.number,
        "seller": {
            "name": seller.company_name,
            "address": seller.seller_address.splitlines(),
            "tax_id": seller.seller_tax_id,
            "bank_account": seller.bank_account,
        },
        "buyer": {
            "name": customer.display_name,
            "address": customer.address_line,
            "tax_id": customer.tax_id,
            "number": customer.pk,
        },
        "lines": [
            {
                "description": line.description,
                "service": (line.service_start, line.service_end),
                "days": line.days,
                "monthly_price": money(line.monthly_price_minor)
                if line.monthly_price_minor
                else "",
                "net": money(line.net_minor),
                "rate": _percent(line.tax_rate),
                "tax": money(line.tax_minor),
                "gross": money(line.gross_minor),
            }
            for line in lines
        ],
        "taxes": [
            {"rate": _percent(rate), "net": money(net), "tax": money(tax), "gross": money(gross)}
            for rate, net, tax, gross in tax_summary(lines)
        ],
        "totals": {
            "net": money(invoice.net_minor),
            "tax": money(invoice.tax_minor),
            "gross": money(invoice.gross_minor),
            "paid": money(getattr(invoice, "paid_minor", 0)),
            "balance": money(getattr(invoice, "balance_minor", invoice.gross_minor)),
        },
        "status": invoice_status(invoice, installation_today()).replace("_", " "),
        "currency": seller.currency,
    }
