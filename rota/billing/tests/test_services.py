"""The billing run on the database: the worked example end to end, numbering, re-runs."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from rota.audit.actors import Actor
from rota.billing.models import BillingRun, Invoice, InvoiceLine
from rota.billing.services import billing_run
from rota.catalog.models import OfferVersion
from rota.core.errors import InvalidInput
from rota.customers.models import Customer
from rota.subscriptions import services as subs

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


def sell_4business(customer: Customer, actor: Actor) -> subs.Subscription:
    OfferVersion.objects.filter(offer__code="4business").update(
        early_termination_rule="fixed", early_termination_amount_minor=30000
    )
    return subs.subscription_sell(
        customer=customer,
        version=OfferVersion.objects.get(offer__code="4business", status="active"),
        term_months=24,
        start_date=date(2026, 1, 15),
        address=subs.ServiceAddress("ul. Rynek", "1", "26-600", "Radom"),
        actor=actor,
        today=date(2026, 1, 10),
    )


def bill(period: str, actor: Actor, issue: str | None = None) -> None:
    billing_run(
        period=period,
        actor=actor,
        issue_date=date.fromisoformat(issue or f"{period}-28"),
        today=TODAY,
    )


def lines(period: str) -> list[tuple[str, str | None, str | None, int, int, int]]:
    return [
        (
            line.kind,
            line.service_start.isoformat() if line.service_start else None,
            line.service_end.isoformat() if line.service_end else None,
            line.amount_minor,
            line.tax_minor,
            line.gross_minor,
        )
        for line in InvoiceLine.objects.filter(invoice__period=period).order_by("id")
    ]


def test_the_worked_example_through_the_database(firma: Customer, actor: Actor) -> None:
    sub = sell_4business(firma, actor)
    for period in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05"):
        bill(period, actor)
    assert lines("2026-01") == [("service", "2026-01-15", "2026-01-31", 5758, 1324, 7082)]
    assert lines("2026-04") == [
        ("service", "2026-04-01", "2026-04-14", 4900, 1127, 6027),
        ("service", "2026-04-15", "2026-04-30", 5066, 1165, 6231),
    ]
    april = Invoice.objects.get(period="2026-04")
    assert (april.number, april.net_minor, april.tax_minor, april.gross_minor) == (
        "FV/2026/000004",
        9966,
        2292,
        12258,
    )
    assert (april.issue_date, april.due_date) == (date(2026, 4, 28), date(2026, 5, 12))

    subs.subscription_cancel(
        subscription=sub,
        requested_on=date(2026, 5, 10),
        last_day=date(2026, 4, 19),
        reason="competitor",
        actor=actor,
        today=date(2026, 5, 10),
    )
    bill("2026-06", actor, issue="2026-06-01")
    assert lines("2026-06") == [
        ("credit", "2026-04-20", "2026-04-30", -3483, -801, -4284),
        ("credit", "2026-05-01", "2026-05-31", -9499, -2185, -11684),
        ("fee", None, None, 30000, 6900, 36900),
    ]
    june = Invoice.objects.get(period="2026-06")
    assert (june.number, june.net_minor) == ("FV/2026/000006", 17018)
    credit = InvoiceLine.objects.filter(kind="credit").first()
    assert credit is not None and credit.credits_line is not None
    assert credit.credits_line.service_start == date(2026, 4, 15)


def test_rerun_and_dry_run_write_nothing(firma: Customer, actor: Actor) -> None:
    sell_4business(firma, actor)
    summary = billing_run(period="2026-02", actor=actor, dry_run=True, today=TODAY)
    assert (summary.invoices, summary.lines, summary.gross_minor) == (1, 2, 7082 + 12915)
    assert (Invoice.objects.count(), BillingRun.objects.count()) == (0, 0)
    bill("2026-02", actor)
    again = billing_run(period="2026-02", actor=actor, today=TODAY)
    assert (again.invoices, again.lines) == (0, 0)
    assert Invoice.objects.count() == 1


def test_numbering_restarts_each_year_without_gaps(firma: Customer, actor: Actor) -> None:
    sell_4business(firma, actor)
    bill("2026-01", actor, issue="2026-12-30")
    bill("2026-02", actor, issue="2027-01-02")
    bill("2026-03", actor, issue="2027-01-03")
    assert list(Invoice.objects.order_by("id").values_list("number", flat=True)) == [
        "FV/2026/000001",
        "FV/2027/000001",
        "FV/2027/000002",
    ]


def test_bad_periods_are_refused(firma: Customer, actor: Actor) -> None:
    with pytest.raises(InvalidInput) as exc:
        billing_run(period="2026-13", actor=actor, today=TODAY)
    assert exc.value.errors[0].field == "period"
    with pytest.raises(InvalidInput) as exc:
        billing_run(period="2026-08", actor=actor, today=TODAY)
    assert [(e.field, e.message) for e in exc.value.errors] == [
        ("period", "must not be later than next month")
    ]
    assert BillingRun.objects.count() == 0


def test_bill_command_prints_a_summary(firma: Customer, actor: Actor) -> None:
    sell_4business(firma, actor)
    out = io.StringIO()
    call_command("bill", "--period", "2026-01", "--issue-date", "2026-02-01", stdout=out)
    text = out.getvalue()
    assert "57.58" in text and "70.82" in text and "FV/2026/000001" in text
    with pytest.raises(CommandError):
        call_command("bill", "--period", "26-01", stdout=io.StringIO())


def test_credit_note_reverses_an_invoice_and_the_next_run_bills_it_again(
    firma: Customer, actor: Actor
) -> None:
    from rota.billing.services import credit_note_issue
    from rota.core.errors import Conflict

    sell_4business(firma, actor)
    bill("2026-01", actor)
    bill("2026-02", actor)
    february = Invoice.objects.get(period="2026-02")
    note = credit_note_issue(
        invoice=february, reason="Wrong price agreed", actor=actor, issue_date=date(2026, 3, 3)
    )
    assert (note.number, note.kind, note.corrects, note.gross_minor) == (
        "FV/2026/000003",
        "credit_note",
        february,
        -12915,
    )
    assert [(line.kind, line.amount_minor, line.credits_line_id) for line in note.lines.all()] == [
        ("credit", -10500, february.lines.get().pk)
    ]
    with pytest.raises(Conflict):
        credit_note_issue(invoice=february, reason="again", actor=actor)
    bill("2026-03", actor)
    assert lines("2026-03") == [
        ("service", "2026-02-01", "2026-02-28", 10500, 2415, 12915),
        ("service", "2026-03-01", "2026-03-31", 10500, 2415, 12915),
    ]


def test_credit_note_of_an_invoice_with_credits_leaves_everything_consistent(
    firma: Customer, actor: Actor
) -> None:
    from rota.billing.services import credit_note_issue

    sub = sell_4business(firma, actor)
    for period in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05"):
        bill(period, actor)
    subs.subscription_cancel(
        subscription=sub,
        requested_on=date(2026, 5, 10),
        last_day=date(2026, 4, 19),
        reason="competitor",
        actor=actor,
        today=date(2026, 5, 10),
    )
    bill("2026-06", actor, issue="2026-06-01")
    june = Invoice.objects.get(period="2026-06", kind="regular")
    credit_note_issue(invoice=june, reason="Fee waived", actor=actor, issue_date=date(2026, 6, 2))
    # Re-billing would credit the same days again; the fee, once cancelled, is not charged again.
    summary = billing_run(period="2026-07", actor=actor, today=date(2026, 6, 20))
    assert (summary.invoices, summary.gross_minor) == (1, -4284 - 11684)
    total = sum(i.gross_minor for i in Invoice.objects.filter(customer=firma))
    # Exactly the service days 15 Jan - 19 Apr stay billed (the fee was waived).
    assert total == 7082 + 12915 + 12915 + 6027 + 6231 - 4284


def test_billing_an_earlier_month_after_a_later_one_adds_nothing(
    firma: Customer, actor: Actor
) -> None:
    sell_4business(firma, actor)
    bill("2026-03", actor)  # catches up January and February too
    summary = billing_run(period="2026-02", actor=actor, today=TODAY, dry_run=True)
    assert (summary.invoices, summary.lines) == (0, 0)


def test_issue_date_is_bounded(firma: Customer, actor: Actor) -> None:
    with pytest.raises(InvalidInput) as exc:
        billing_run(period="2026-01", actor=actor, issue_date=date(9999, 12, 31), today=TODAY)
    assert [(e.field, e.message) for e in exc.value.errors] == [
        ("issue_date", "must be between 2000-01-01 and 2099-12-31")
    ]
