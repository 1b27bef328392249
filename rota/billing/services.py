"""The billing run: turn every customer's uncovered service days into one invoice per period.

The run reads subscriptions in chunks of customers (a handful of queries per chunk, never
one per subscription), asks the pure engine for each subscription's new lines, and writes
invoices and lines with bulk inserts, all in one transaction: a crash leaves nothing, and
a re-run finds the days covered and adds nothing. Invoice numbers are taken from a locked
per-year sequence in ascending customer order, so they are gapless and never repeat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from rota.audit.actors import Actor
from rota.audit.services import audit_record
from rota.billing.engine import (
    AddOnFacts,
    BilledLine,
    NewLine,
    PlanFacts,
    SubscriptionFacts,
    lines_for,
)
from rota.billing.models import BillingRun, Invoice, InvoiceLine, InvoiceSequence
from rota.billing.payments import allocations_release, credit_settle
from rota.billing.pricing import Phase
from rota.core.bulk import BulkTable, next_id, reset_sequences
from rota.core.errors import Conflict, InvalidInput
from rota.core.money import format_amount
from rota.core.periods import EARLIEST, LATEST, DateRange, Month
from rota.customers.models import Customer
from rota.installation.models import Installation
from rota.installation.selectors import installation_get, installation_today
from rota.subscriptions.models import (
    Plan,
    PlanPhase,
    Subscription,
    SubscriptionAddOn,
    Suspension,
)

CHUNK = 2000
INVOICE_COLUMNS = (
    "id", "number", "kind", "reason", "customer", "period", "run", "issue_date", "due_date",
    "currency", "net_minor", "tax_minor", "gross_minor",
)  # fmt: skip
LINE_COLUMNS = (
    "invoice", "subscription", "addon", "kind", "description", "service_start", "service_end",
    "days", "monthly_price_minor", "amount_minor", "net_minor", "tax_minor", "gross_minor",
    "tax_rate", "credits_line",
)  # fmt: skip


@dataclass(frozen=True)
class RunSummary:
    """What a run created (or would create, for a dry run)."""

    period: str
    issue_date: date
    dry_run: bool
    invoices: int
    lines: int
    net_minor: int
    tax_minor: int
    gross_minor: int
    first_number: str | None
    last_number: str | None


def _period(text: str, today: date) -> Month:
    period = Month.parse(text, field="period")
    if period > Month.of(today).next():
        raise InvalidInput.single("period", "must not be later than next month")
    return period


def billing_run_check(*, period: str, issue_date: date | None, today: date) -> tuple[Month, date]:
    """Check a run's month and issue date before anything is written; return them parsed."""
    month = _period(period, today)
    issue = issue_date or today
    if not EARLIEST <= issue <= LATEST:
        raise InvalidInput.single("issue_date", f"must be between {EARLIEST} and {LATEST}")
    return month, issue


def _customers_to_bill(period: Month) -> Iterator[list[int]]:
    """Yield chunks of ids of customers with billable subscriptions and no invoice for P."""
    invoiced = Invoice.objects.filter(
        customer=OuterRef("pk"), period=str(period), kind=Invoice.Kind.REGULAR
    )
    billable = Subscription.objects.filter(customer=OuterRef("pk"), bill_from__lt=period.end)
    ids = list(
        Customer.objects.filter(Exists(billable))
        .exclude(Exists(invoiced))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _facts(customer_ids: list[int], period: Month) -> dict[int, list[SubscriptionFacts]]:
    """Load what the engine needs for these customers' subscriptions, in a few queries."""
    subs = list(
        Subscription.objects.filter(customer_id__in=customer_ids, bill_from__lt=period.end)
        .order_by("pk")
        .values_list("pk", "customer_id", "start_date", "end_date", "bill_from")
    )
    sub_ids = [s[0] for s in subs]
    # Plain rows, not model instances: this runs for every subscription of the month.
    phases: dict[int, list[Phase]] = defaultdict(list)
    for plan_id, from_month, price in (
        PlanPhase.objects.filter(plan__subscription_id__in=sub_ids)
        .order_by("plan_id", "from_month")
        .values_list("plan_id", "from_month", "monthly_price_minor")
    ):
        phases[plan_id].append(Phase(from_month, price))
    plans: dict[int, list[PlanFacts]] = defaultdict(list)
    for (
        plan_id,
        sid,
        valid_from,
        contract_start,
        term,
        gross,
        rate,
        rule,
        fee,
        name,
    ) in (
        Plan.objects.filter(subscription_id__in=sub_ids)
        .order_by("subscription_id", "valid_from")
        .values_list(
            "pk",
            "subscription_id",
            "valid_from",
            "contract_start",
            "term_months",
            "prices_include_tax",
            "tax_rate",
            "early_termination_rule",
            "early_termination_amount_minor",
            "offer_version__name",
        )
    ):
        plans[sid].append(
            PlanFacts(
                valid_from=valid_from,
                contract_start=contract_start,
                term_months=term,
                phases=tuple(phases[plan_id]),
                prices_include_tax=gross,
                tax_rate=rate,
                early_termination_rule=rule,
                early_termination_amount_minor=fee,
                name=name,
            )
        )
    suspensions: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for sid, start, end in Suspension.objects.filter(subscription_id__in=sub_ids).values_list(
        "subscription_id", "start_date", "end_date"
    ):
        suspensions[sid].append((start, end))
    addons: dict[int, list[AddOnFacts]] = defaultdict(list)
    for row in SubscriptionAddOn.objects.filter(subscription_id__in=sub_ids).values_list(
        "subscription_id", "pk", "addon__name", "start_date", "end_date", "monthly_price_minor"
    ):
        addons[row[0]].append(AddOnFacts(*row[1:]))
    credited: dict[int, list[DateRange]] = defaultdict(list)
    billed: dict[int, list[tuple[int, str, int | None, DateRange, int]]] = defaultdict(list)
    fees: set[int] = set()
    for lid, sid, kind, addon_id, first, last, amount, credits in (
        InvoiceLine.objects.filter(subscription_id__in=sub_ids).order_by("pk")
    ).values_list(
        "pk",
        "subscription_id",
        "kind",
        "addon_id",
        "service_start",
        "service_end",
        "amount_minor",
        "credits_line_id",
    ):
        if kind == InvoiceLine.Kind.FEE or first is None or last is None:
            fees.add(sid)
            continue
        covers = DateRange(first, last + timedelta(days=1))
        if kind == InvoiceLine.Kind.CREDIT:
            credited[credits].append(covers)
        else:
            billed[sid].append((lid, kind, addon_id, covers, amount))
    result: dict[int, list[SubscriptionFacts]] = defaultdict(list)
    for sid, customer_id, start, end, bill_from in subs:
        result[customer_id].append(
            SubscriptionFacts(
                id=sid,
                start=start,
                end=end,
                bill_from=bill_from,
                plans=tuple(plans[sid]),
                suspensions=tuple(suspensions[sid]),
                addons=tuple(addons[sid]),
                billed=tuple(
                    BilledLine(lid, kind, addon_id, covers, amount, tuple(credited[lid]))
                    for lid, kind, addon_id, covers, amount in billed[sid]
                ),
                fee_billed=sid in fees,
            )
        )
    return result


def _next_numbers(year: int, count: int) -> int:
    """Reserve `count` numbers of `year` under a row lock; return the first one."""
    InvoiceSequence.objects.get_or_create(year=year)
    sequence = InvoiceSequence.objects.select_for_update().get(year=year)
    first = sequence.last_number + 1
    sequence.last_number += count
    sequence.save(update_fields=["last_number"])
    return first


def billing_run(
    *,
    period: str,
    actor: Actor,
    issue_date: date | None = None,
    dry_run: bool = False,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """Bill a calendar month; with `dry_run`, compute everything and write nothing."""
    today = today or installation_today()
    month, issue = billing_run_check(period=period, issue_date=issue_date, today=today)
    with transaction.atomic():
        # One run at a time: a second one waits here, then finds the invoices and adds nothing.
        settings = Installation.objects.select_for_update().get(pk=1)
        run = BillingRun.objects.create(
            period=str(month), issue_date=issue, started_at=timezone.now(), actor_label=actor.label
        )
        chunks = list(_customers_to_bill(month))
        totals = [0, 0, 0, 0, 0]
        numbers: list[str] = []
        for done, chunk in enumerate(chunks, start=1):
            _bill_chunk(chunk, month, issue, run, settings, totals, numbers)
            if progress:
                progress(done, len(chunks))
        with connection.cursor() as cursor:
            # Invoices came with their own keys: move PostgreSQL's sequence past them once.
            reset_sequences(cursor, [Invoice])
        summary = RunSummary(
            period=str(month),
            issue_date=issue,
            dry_run=dry_run,
            invoices=totals[0],
            lines=totals[1],
            net_minor=totals[2],
            tax_minor=totals[3],
            gross_minor=totals[4],
            first_number=numbers[0] if numbers else None,
            last_number=numbers[-1] if numbers else None,
        )
        if dry_run:
            transaction.set_rollback(True)
            return summary
        # Customers with unused credit (overpaid, or paid an invoice later cancelled) have it
        # applied to their new invoices in the same transaction.
        credit_settle(actor=actor)
        BillingRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(),
            invoices=summary.invoices,
            lines=summary.lines,
            net_minor=summary.net_minor,
            tax_minor=summary.tax_minor,
            gross_minor=summary.gross_minor,
        )
        audit_record(
            actor=actor,
            action="billing.run",
            obj=run,
            changes={
                "period": str(month),
                "issue_date": issue.isoformat(),
                "invoices": summary.invoices,
                "numbers": [summary.first_number, summary.last_number],
            },
        )
    return summary


def _bill_chunk(
    chunk: list[int],
    month: Month,
    issue: date,
    run: BillingRun,
    settings: object,
    totals: list[int],
    numbers: list[str],
) -> None:
    facts = _facts(chunk, month)
    per_customer: list[tuple[int, list[tuple[int, NewLine]]]] = []
    for customer_id in chunk:
        lines = [(f.id, line) for f in facts.get(customer_id, []) for line in lines_for(f, month)]
        if lines:
            per_customer.append((customer_id, lines))
    if not per_customer:
        return
    first = _next_numbers(issue.year, len(per_customer))
    prefix = getattr(settings, "invoice_prefix", "FV")
    due = issue + timedelta(days=getattr(settings, "payment_terms_days", 14))
    currency = getattr(settings, "currency", "PLN")
    # Rows are written as plain tuples with their own invoice ids (the run holds the lock
    # that serialises billing, so the ids are free): no model instances on this hot path.
    invoice_id = next_id(Invoice)
    invoices: list[tuple[object, ...]] = []
    rows: list[tuple[object, ...]] = []
    for offset, (customer_id, lines) in enumerate(per_customer):
        number = f"{prefix}/{issue.year}/{first + offset:06d}"
        numbers.append(number)
        net = sum(line.net_minor for _, line in lines)
        tax = sum(line.tax_minor for _, line in lines)
        invoices.append(
            (invoice_id, number, Invoice.Kind.REGULAR, "", customer_id, str(month), run.pk,
             issue, due, currency, net, tax, net + tax)
        )  # fmt: skip
        for sid, line in lines:
            covers = line.covers
            rows.append(
                (invoice_id, sid, line.addon_id, line.kind, line.description[:200],
                 covers.start if covers else None, covers.last_day if covers else None,
                 line.days, line.monthly_price_minor, line.amount_minor, line.net_minor,
                 line.tax_minor, line.gross_minor, line.tax_rate, line.credits_line_id)
            )  # fmt: skip
        invoice_id += 1
        totals[2] += net
        totals[3] += tax
        totals[4] += net + tax
    with connection.cursor() as cursor:
        BulkTable(Invoice, INVOICE_COLUMNS).insert(cursor, invoices)
        BulkTable(InvoiceLine, LINE_COLUMNS).insert(cursor, rows)
    totals[0] += len(invoices)
    totals[1] += len(rows)


@transaction.atomic
def credit_note_issue(
    *,
    invoice: Invoice,
    reason: str,
    actor: Actor,
    issue_date: date | None = None,
    today: date | None = None,
) -> Invoice:
    """Cancel an issued invoice with a credit note that reverses what is left of its lines.

    The days its lines covered are no longer covered, so the next run bills them again as
    they should be: the credit note and that run together are the correction.
    """
    today = today or installation_today()
    issue = issue_date or today
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != Invoice.Kind.REGULAR:
        raise InvalidInput.single("invoice", f"{invoice.number} is a credit note itself")
    if Invoice.objects.filter(corrects=invoice).exists():
        raise Conflict(detail=f"{invoice.number} already has a credit note.")
    if not reason.strip():
        raise InvalidInput.single("reason", "say why the invoice is cancelled")
    if not invoice.issue_date <= issue <= LATEST:
        raise InvalidInput.single(
            "issue_date", f"must be between {invoice.issue_date} and {LATEST}"
        )
    settings = installation_get()
    rows = [_reversal(line) for line in invoice.lines.prefetch_related("credits").order_by("pk")]
    rows = [row for row in rows if row.gross_minor or row.net_minor]
    first = _next_numbers(issue.year, 1)
    note = Invoice.objects.create(
        number=f"{settings.invoice_prefix}/{issue.year}/{first:06d}",
        kind=Invoice.Kind.CREDIT_NOTE,
        corrects=invoice,
        reason=reason.strip()[:200],
        customer_id=invoice.customer_id,
        period=invoice.period,
        run=invoice.run,
        issue_date=issue,
        due_date=issue,
        currency=invoice.currency,
        net_minor=sum(r.net_minor for r in rows),
        tax_minor=sum(r.tax_minor for r in rows),
        gross_minor=sum(r.gross_minor for r in rows),
    )
    for row in rows:
        row.invoice = note
    InvoiceLine.objects.bulk_create(rows)
    # Money paid on the cancelled invoice becomes credit and settles the customer's others.
    resettled = allocations_release(invoice)
    audit_record(
        actor=actor,
        action="invoice.credit_note",
        obj=note,
        changes={
            "corrects": invoice.number,
            "gross": format_amount(note.gross_minor),
            "credit_applied": [[n, format_amount(a)] for n, a in resettled],
        },
        note=reason.strip(),
    )
    return note


def _reversal(line: InvoiceLine) -> InvoiceLine:
    """Return the line that reverses what is left of `line`, to the cent (no re-rounding).

    A charge is credited for what later credits did not already take back, so its days are
    no longer covered; a credit is reversed by charging its days again (the next run credits
    them once more if they are still not service days); a fee is simply cancelled.
    """
    left_net, left_tax, left_gross, left_amount = (
        line.net_minor,
        line.tax_minor,
        line.gross_minor,
        line.amount_minor,
    )
    if line.kind in (InvoiceLine.Kind.SERVICE, InvoiceLine.Kind.ADDON):
        for credit in line.credits.all():
            left_net += credit.net_minor
            left_tax += credit.tax_minor
            left_gross += credit.gross_minor
            left_amount += credit.amount_minor
        kind, credits = InvoiceLine.Kind.CREDIT, line.pk
    elif line.kind == InvoiceLine.Kind.CREDIT:
        original = InvoiceLine.objects.only("kind").get(pk=line.credits_line_id or 0)
        kind, credits = InvoiceLine.Kind(original.kind), None
    else:
        kind, credits = InvoiceLine.Kind.FEE, None
    return InvoiceLine(
        subscription_id=line.subscription_id,
        addon_id=line.addon_id,
        kind=kind,
        description=f"Reversal of {line.description}"[:200],
        service_start=line.service_start,
        service_end=line.service_end,
        days=line.days,
        monthly_price_minor=line.monthly_price_minor,
        amount_minor=-left_amount,
        net_minor=-left_net,
        tax_minor=-left_tax,
        gross_minor=-left_gross,
        tax_rate=line.tax_rate,
        credits_line_id=credits,
    )
