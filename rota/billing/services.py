"""The billing run: turn every customer's uncovered service days into one invoice per period.

Regular months (most subscriptions, most months) are priced set-based in SQL; the others
go through the pure engine in chunks (a handful of queries per chunk, never one per
subscription). Both are staged per subscription (runs of days to bill, or the engine's
lines), from which the invoices and lines are written with one INSERT ... SELECT each,
pricing the regular months as they are written, all in one transaction: a crash leaves
nothing, and a re-run finds the days covered and adds nothing. Invoice numbers are taken
from a locked per-year sequence in ascending customer order, so they are gapless and never
repeat. See rota/billing/regular.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from rota.audit.actors import Actor
from rota.audit.services import audit_record
from rota.billing.engine import (
    AddOnFacts,
    BilledLine,
    PlanFacts,
    SubscriptionFacts,
    lines_for,
)
from rota.billing.models import BillingRun, Invoice, InvoiceLine, InvoiceSequence
from rota.billing.payments import allocations_release, credit_settle
from rota.billing.pricing import Phase
from rota.billing.regular import RunTables
from rota.core.bulk import next_id, reset_sequences
from rota.core.errors import Conflict, InvalidInput
from rota.core.money import format_amount
from rota.core.periods import EARLIEST, LATEST, DateRange, Month
from rota.installation.models import Installation
from rota.installation.selectors import installation_get, installation_today
from rota.integrations.webhooks import event_record, invoice_events_record
from rota.subscriptions.models import (
    Plan,
    PlanPhase,
    Subscription,
    SubscriptionAddOn,
    Suspension,
)

CHUNK = 2000


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


def _facts(sub_ids: list[int]) -> dict[int, SubscriptionFacts]:
    """Load what the engine needs for these subscriptions, in a few queries."""
    subs = list(
        Subscription.objects.filter(pk__in=sub_ids)
        .order_by("pk")
        .values_list("pk", "start_date", "end_date", "bill_from")
    )
    # Plain rows, not model instances: this runs for every irregular subscription.
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
    for row in (
        SubscriptionAddOn.objects.filter(subscription_id__in=sub_ids)
        .order_by("subscription_id", "start_date", "pk")
        .values_list(
            "subscription_id", "pk", "addon__name", "start_date", "end_date", "monthly_price_minor"
        )
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
    return {
        sid: SubscriptionFacts(
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
        for sid, start, end, bill_from in subs
    }


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
    set_based: bool = True,
) -> RunSummary:
    """Bill a calendar month; with `dry_run`, compute everything and write nothing.

    `set_based=False` sends every subscription through the pure engine, as a check on the
    set-based path for regular months (the results must be identical).
    """
    today = today or installation_today()
    month, issue = billing_run_check(period=period, issue_date=issue_date, today=today)
    with transaction.atomic():
        # One run at a time: a second one waits here, then finds the invoices and adds nothing.
        settings = Installation.objects.select_for_update().get(pk=1)
        run = BillingRun.objects.create(
            period=str(month), issue_date=issue, started_at=timezone.now(), actor_label=actor.label
        )
        totals, numbers = _bill(month, issue, run, settings, set_based, progress)
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
            gross_minor=totals[2] + totals[3],
            first_number=numbers[0],
            last_number=numbers[1],
        )
        if dry_run:
            transaction.set_rollback(True)
            return summary
        # Customers with unused credit (overpaid, or paid an invoice later cancelled) have it
        # applied to their new invoices in the same transaction.
        credit_settle(actor=actor)
        # invoice.issued for each new invoice, set-based, only if an endpoint wants it.
        invoice_events_record(run_id=run.pk)
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


def _bill(
    month: Month,
    issue: date,
    run: BillingRun,
    settings: object,
    set_based: bool,
    progress: Callable[[int, int], None] | None,
) -> tuple[tuple[int, int, int, int], tuple[str | None, str | None]]:
    """Bill the period through staging tables; give SQLite's page cache back in any case.

    Return (invoices, lines, net, tax) and the first and last invoice number.
    """
    with connection.cursor() as cursor:
        tables = RunTables(cursor, month, str(month))
        try:
            return _bill_staged(tables, month, issue, run, settings, set_based, progress)
        finally:
            tables.restore()


def _bill_staged(
    tables: RunTables,
    month: Month,
    issue: date,
    run: BillingRun,
    settings: object,
    set_based: bool,
    progress: Callable[[int, int], None] | None,
) -> tuple[tuple[int, int, int, int], tuple[str | None, str | None]]:
    """Stage what to bill, then write the invoices and lines from the staging tables."""
    tables.create()
    tables.select(set_based=set_based)
    tables.price_regular()
    slow = tables.slow_subscriptions()
    chunks = [slow[i : i + CHUNK] for i in range(0, len(slow), CHUNK)]
    steps = len(chunks) + 1
    for done, chunk in enumerate(chunks, start=1):
        facts = _facts([sid for _, sid in chunk])
        tables.stage(
            (cid, sid, position, line)
            for cid, sid in chunk
            for position, line in enumerate(lines_for(facts[sid], month))
        )
        if progress:
            progress(done, steps)
    invoices, lines, net, tax = tables.count_invoices()
    numbers: tuple[str | None, str | None] = (None, None)
    if invoices:
        first = _next_numbers(issue.year, invoices)
        head = f"{getattr(settings, 'invoice_prefix', 'FV')}/{issue.year}/"
        numbers = (f"{head}{first:06d}", f"{head}{first + invoices - 1:06d}")
        tables.write(
            first_id=next_id(Invoice),
            first_number=first,
            head=head,
            invoice={
                "run": run.pk,
                "issue": issue,
                "due": issue + timedelta(days=getattr(settings, "payment_terms_days", 14)),
                "currency": getattr(settings, "currency", "PLN"),
            },
        )
    tables.drop()
    if progress:
        progress(steps, steps)
    return (invoices, lines, net, tax), numbers


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
    event_record(type="invoice.issued", obj=note)
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
