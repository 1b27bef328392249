"""Read a bank statement CSV into payments; every bad row is reported with its line number.

Columns (header row required): `date` (YYYY-MM-DD), `amount` (decimal, dot or comma),
`reference` (the transfer title; an invoice number in it identifies the customer) and,
optionally, `customer` (a customer id, which wins over the reference).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from rota.audit.actors import Actor
from rota.billing.models import Invoice, Payment
from rota.billing.payments import PaymentResult, payment_record
from rota.core.errors import InvalidInput
from rota.core.money import parse_amount
from rota.core.periods import EARLIEST
from rota.customers.models import Customer
from rota.installation.selectors import installation_today

NUMBER = re.compile(r"[A-Z0-9-]{1,20}/\d{4}/\d{6}")
REQUIRED = ("date", "amount", "reference")


@dataclass(frozen=True)
class StatementRow:
    """One good row of a statement."""

    line: int
    received_on: date
    amount_minor: int
    reference: str
    customer_id: int


@dataclass(frozen=True)
class StatementError:
    """One bad row: its line number in the file and what is wrong."""

    line: int
    message: str


def read_statement(
    text: str, today: date | None = None
) -> tuple[list[StatementRow], list[StatementError]]:
    """Parse a statement; return the good rows and an error for every bad one.

    A row already recorded (same customer, date, amount and reference) is reported too,
    so importing the same file twice records nothing twice.
    """
    today = today or installation_today()
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        return [], [StatementError(1, f"the header lacks the column(s) {', '.join(missing)}")]
    rows: list[StatementRow] = []
    errors: list[StatementError] = []
    numbers: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        problems = []
        try:
            received = date.fromisoformat((record.get("date") or "").strip())
            if not EARLIEST <= received <= today:
                problems.append(f"date must be between {EARLIEST} and today")
        except ValueError:
            problems.append("date must be YYYY-MM-DD")
            received = date.min
        raw_amount = (record.get("amount") or "").strip().replace(" ", "").replace(",", ".")
        try:
            amount = parse_amount(raw_amount, field="amount")
            if amount == 0:
                problems.append("amount must be more than 0")
        except InvalidInput as exc:
            problems.append(f"amount {exc.errors[0].message}")
            amount = 0
        reference = (record.get("reference") or "").strip()
        customer_id = _customer(record.get("customer"), reference, numbers)
        if customer_id is None:
            problems.append("no customer: give a customer id or an invoice number in the reference")
        if (
            not problems
            and customer_id is not None
            and Payment.objects.filter(
                customer_id=customer_id,
                received_on=received,
                amount_minor=amount,
                reference=reference[:140],
            ).exists()
        ):
            problems.append("already recorded (same customer, date, amount and reference)")
        if problems:
            errors.append(StatementError(line, "; ".join(problems)))
        else:
            assert customer_id is not None
            rows.append(StatementRow(line, received, amount, reference, customer_id))
    return rows, errors


def _customer(raw: str | None, reference: str, cache: dict[str, int]) -> int | None:
    text = (raw or "").strip()
    if text:
        if text.isdigit() and Customer.objects.filter(pk=int(text)).exists():
            return int(text)
        return None
    match = NUMBER.search(reference.upper())
    if not match:
        return None
    number = match.group(0)
    if number not in cache:
        found = Invoice.objects.filter(number=number).values_list("customer_id", flat=True).first()
        if found is None:
            return None
        cache[number] = found
    return cache[number]


@transaction.atomic
def statement_import(
    *, rows: list[StatementRow], actor: Actor, today: date | None = None
) -> list[PaymentResult]:
    """Record every row as a payment, all or nothing."""
    customers = Customer.objects.in_bulk({row.customer_id for row in rows})
    return [
        payment_record(
            customer=customers[row.customer_id],
            amount_minor=row.amount_minor,
            received_on=row.received_on,
            method="transfer",
            reference=row.reference[:140],
            actor=actor,
            today=today,
        )
        for row in rows
    ]
