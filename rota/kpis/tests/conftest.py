"""The hand-built ISP of the KPI tests: twelve subscriptions, August to October 2026.

Every KPI of every month in `test_scenario.py` is worked out by hand from what is built
here; the comments say what each line of service does in those months. Times are UTC;
the installation's zone is Europe/Warsaw (UTC+2 until 25 October, then UTC+1).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from rota.audit.actors import Actor
from rota.billing.models import BillingRun, Invoice, InvoiceLine, Payment
from rota.billing.payments import payment_record, payment_reverse
from rota.billing.services import credit_note_issue
from rota.catalog.models import OfferVersion
from rota.customers.models import Customer
from rota.customers.services import CustomerData, customer_create
from rota.subscriptions import services as subs
from rota.subscriptions.models import Subscription
from rota.support.selectors import Scope
from rota.support.services import (
    incident_create,
    incident_resolve,
    sla_policy_create,
    ticket_add_message,
    ticket_open,
    ticket_transition,
)

RADOM = "1463011"
WARSZAWA = "1465011"
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(autouse=True)
def _november() -> Iterator[None]:
    """Run every KPI test on 20 November 2026: October is the last closed month."""
    with time_machine.travel(NOW, tick=True):
        yield


@dataclass
class Isp:
    s: dict[int, Subscription]
    customers: dict[str, Customer]
    invoices: dict[str, Invoice]
    payments: dict[str, Payment]


def _person(first: str, last: str, actor: Actor) -> Customer:
    data = CustomerData(
        kind="person",
        first_name=first,
        last_name=last,
        phone="501234567",
        street="ul. Lipowa",
        building="12",
        postal_code="26-600",
        city="Radom",
    )
    return customer_create(data=data, actor=actor, today=TODAY)


def _company(name: str, tax_id: str, actor: Actor) -> Customer:
    data = CustomerData(
        kind="company",
        company_name=name,
        tax_id=tax_id,
        street="ul. Rynek",
        building="1",
        postal_code="26-600",
        city="Radom",
    )
    return customer_create(data=data, actor=actor, today=TODAY)


def _sell(
    customer: Customer,
    offer: str,
    start: date,
    municipality: str,
    actor: Actor,
    *,
    term: int = 0,
    addons: list[str] | None = None,
) -> Subscription:
    city = "Radom" if municipality == RADOM else "Warszawa"
    return subs.subscription_sell(
        customer=customer,
        version=OfferVersion.objects.get(offer__code=offer, status="active"),
        term_months=term,
        start_date=start,
        address=subs.ServiceAddress("ul. Lipowa", "3", "26-600", city, "", municipality),
        addons=addons,
        actor=actor,
        today=TODAY,
    )


def _cancel(subscription: Subscription, last_day: date, reason: str, actor: Actor) -> None:
    subs.subscription_cancel(
        subscription=subscription,
        requested_on=last_day,
        last_day=last_day,
        reason=reason,
        actor=actor,
        today=TODAY,
    )


def _invoice(
    number: str,
    customer: Customer,
    subscription: Subscription,
    issued: date,
    due: date,
    net: int,
    tax: int,
) -> Invoice:
    period = f"{issued:%Y-%m}"
    run, _ = BillingRun.objects.get_or_create(
        period=period,
        defaults={"issue_date": issued, "started_at": NOW, "actor_label": "test"},
    )
    invoice = Invoice.objects.create(
        number=number,
        customer=customer,
        period=period,
        run=run,
        issue_date=issued,
        due_date=due,
        currency="PLN",
        net_minor=net,
        tax_minor=tax,
        gross_minor=net + tax,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        subscription=subscription,
        kind=InvoiceLine.Kind.SERVICE,
        description="Internet",
        service_start=issued,
        service_end=issued,
        days=1,
        monthly_price_minor=net,
        amount_minor=net,
        net_minor=net,
        tax_minor=tax,
        gross_minor=net + tax,
        tax_rate=Decimal("0.23"),
    )
    return invoice


@pytest.fixture
def isp(demo_catalog: None, actor: Actor) -> Isp:
    anna = _person("Anna", "Kowalska", actor)
    jan = _person("Jan", "Nowak", actor)
    ewa = _person("Ewa", "Wójcik", actor)
    firma = _company("Piekarnia Nowak sp. z o.o.", "5260001246", actor)
    biuro = _company("Biuro Rachunkowe sp. z o.o.", "7251801126", actor)
    s: dict[int, Subscription] = {}
    # Household offers are priced with 23% VAT inside: speedster 80.00 (net 65.04),
    # domowy-komfort 60.00 (48.78), gameon 70.00 (56.91), wszedzie-ty (5G) 120.00 (97.56).
    # 4business: 105.00 net in contract months 0-2, then 94.99; 4business-ultra: 119.99
    # in months 0-5, then 100.00; business prices are net.
    s[1] = _sell(anna, "speedster", date(2025, 1, 10), RADOM, actor)
    s[2] = _sell(anna, "wszedzie-ty", date(2026, 2, 1), WARSZAWA, actor)
    subs.subscription_suspend(
        subscription=s[2],
        start_date=date(2026, 9, 20),
        end_date=date(2026, 10, 5),
        actor=actor,
        today=TODAY,
    )
    s[3] = _sell(jan, "domowy-komfort", date(2026, 3, 1), WARSZAWA, actor)
    _cancel(s[3], date(2026, 9, 30), "price", actor)
    s[4] = _sell(jan, "gameon", date(2026, 8, 5), WARSZAWA, actor)
    _cancel(s[4], date(2026, 8, 25), "moving", actor)
    s[5] = _sell(ewa, "speedster", date(2026, 9, 14), RADOM, actor, addons=["telephony"])
    s[6] = _sell(ewa, "domowy-komfort", date(2026, 6, 1), RADOM, actor)
    subs.subscription_change_offer(
        subscription=s[6],
        version=OfferVersion.objects.get(offer__code="speedster", status="active"),
        on=date(2026, 10, 1),
        new_contract=True,
        term_months=0,
        actor=actor,
        today=TODAY,
    )
    s[7] = _sell(ewa, "gameon", date(2026, 5, 1), RADOM, actor)
    _cancel(s[7], date(2026, 10, 15), "non_payment", actor)
    s[8] = _sell(firma, "4business", date(2026, 7, 20), RADOM, actor, term=24, addons=["static-ip"])
    s[9] = _sell(biuro, "4business-ultra", date(2025, 12, 1), WARSZAWA, actor, term=12)
    subs.subscription_suspend(
        subscription=s[9], start_date=date(2026, 10, 31), actor=actor, today=TODAY
    )
    s[10] = _sell(biuro, "4business", date(2026, 10, 1), WARSZAWA, actor, term=12)
    s[11] = _sell(anna, "gameon", date(2026, 10, 31), RADOM, actor)
    s[12] = _sell(jan, "speedster", date(2024, 6, 1), WARSZAWA, actor)
    _cancel(s[12], date(2026, 8, 31), "competitor", actor)

    inv = {
        "I1": _invoice("FV/1", anna, s[1], date(2026, 8, 1), date(2026, 8, 15), 6504, 1496),
        "I2": _invoice("FV/2", firma, s[8], date(2026, 8, 1), date(2026, 8, 15), 12000, 2760),
        "I3": _invoice("FV/3", anna, s[1], date(2026, 9, 1), date(2026, 9, 15), 6504, 1496),
        "I4": _invoice("FV/4", firma, s[8], date(2026, 9, 1), date(2026, 9, 15), 12000, 2760),
        "I5": _invoice("FV/5", ewa, s[7], date(2026, 9, 1), date(2026, 9, 15), 5691, 1309),
        "I6": _invoice("FV/6", anna, s[1], date(2026, 10, 1), date(2026, 10, 15), 6504, 1496),
        "I7": _invoice("FV/7", biuro, s[10], date(2026, 10, 1), date(2026, 10, 31), 10500, 2415),
    }

    def pay(customer: Customer, amount: int, on: date) -> Payment:
        return payment_record(
            customer=customer, amount_minor=amount, received_on=on, actor=actor, today=TODAY
        ).payment

    pays = {
        "P1": pay(anna, 8000, date(2026, 8, 10)),  # settles I1
        "P2": pay(firma, 14760, date(2026, 9, 5)),  # settles I2, late
        "P4": pay(ewa, 3000, date(2026, 9, 10)),  # 30.00 of I5's 70.00
        "P6": pay(firma, 14760, date(2026, 9, 20)),  # settles I4 (cancelled below)
        "P3": pay(anna, 8000, date(2026, 10, 2)),  # settles I3, late
        "P5": pay(anna, 8000, date(2026, 10, 12)),  # settles I6, then bounces
    }
    payment_reverse(payment=pays["P5"], reason="bounced", actor=actor)
    inv["CN"] = credit_note_issue(
        invoice=inv["I4"],
        reason="wrong address",
        issue_date=date(2026, 10, 10),
        actor=actor,
        today=TODAY,
    )

    # Support: targets per segment, normal priority (hours on a 24/7 clock).
    for segment, response, resolution in (("household", 4, 48), ("business", 2, 8)):
        sla_policy_create(
            values={
                "name": segment,
                "segment": segment,
                "priority": "normal",
                "response_hours": response,
                "resolution_hours": resolution,
            },
            actor=actor,
        )

    def ticket(
        customer: Customer,
        subscription: Subscription | None,
        opened: str,
        reply: str | None,
        resolved: str | None,
    ) -> None:
        t = ticket_open(
            customer=customer,
            subscription=subscription,
            category="no_connection",
            channel="phone",
            subject="No internet",
            at=utc(opened),
            actor=actor,
        )
        if reply:
            ticket_add_message(ticket=t, kind="reply", body="On it", at=utc(reply), actor=actor)
        if resolved:
            ticket_transition(ticket=t, to="resolved", at=utc(resolved), actor=actor)

    # T1 August: 2 h to reply, resolved in 24 h (household target 48 h).
    ticket(anna, s[1], "2026-08-03 08:00", "2026-08-03 10:00", "2026-08-04 08:00")
    # T2 opened 1 September 00:30 local: a September ticket; 3 h, resolved in 14 h (> 8 h).
    ticket(firma, s[8], "2026-08-31 22:30", "2026-09-01 01:30", "2026-09-01 12:30")
    # T3 September, never answered.
    ticket(anna, s[2], "2026-09-10 09:00", None, None)
    # T4 September, no subscription (business customer); resolved in October after 264 h.
    ticket(biuro, None, "2026-09-20 10:00", "2026-09-20 11:00", "2026-10-01 10:00")
    # T5 October: 30 minutes, resolved in 24 h.
    ticket(ewa, s[6], "2026-10-05 07:00", "2026-10-05 07:30", "2026-10-06 07:00")
    # T6 opened 1 November 00:30 local: not an October ticket.
    ticket(biuro, s[10], "2026-10-31 23:30", None, None)

    # A: Radom, 31 Aug 23:00 to 1 Sep 01:00 local: 60 minutes in each month; hits S1, S6,
    # S7 and S8. B: S2 only, 5 minutes. C: both business offers, 6 hours: S8, S9, S10.
    # D: S11 from 31 Oct 23:00 local, still going: 60 minutes of October.
    a = incident_create(
        title="Fibre cut",
        cause="fibre_cut",
        started_at=utc("2026-08-31 21:00"),
        scope=Scope(municipalities=(RADOM,)),
        actor=actor,
    )
    incident_resolve(incident=a, at=utc("2026-08-31 23:00"), actor=actor)
    incident_create(
        title="Cell restart",
        cause="equipment",
        started_at=utc("2026-09-15 10:00"),
        resolved_at=utc("2026-09-15 10:05"),
        scope=Scope(subscriptions=(s[2].pk,)),
        actor=actor,
    )
    incident_create(
        title="Business switch down",
        cause="equipment",
        started_at=utc("2026-10-20 08:00"),
        resolved_at=utc("2026-10-20 14:00"),
        scope=Scope(offers=("4business", "4business-ultra")),
        actor=actor,
    )
    incident_create(
        title="Power out",
        cause="power",
        started_at=utc("2026-10-31 22:00"),
        scope=Scope(subscriptions=(s[11].pk,)),
        actor=actor,
    )
    customers = {"anna": anna, "jan": jan, "ewa": ewa, "firma": firma, "biuro": biuro}
    return Isp(s, customers, inv, pays)
