"""Billing test fixtures."""

from __future__ import annotations

from datetime import date

import pytest

from rota.audit.actors import Actor
from rota.billing.services import billing_run
from rota.catalog.models import OfferVersion
from rota.customers.models import Customer
from rota.subscriptions import services as subs

TODAY = date(2026, 4, 20)


@pytest.fixture
def billed(firma: Customer, actor: Actor) -> Customer:
    """The bakery with 4Business from 15 January, billed for January to March."""
    customer = firma
    subs.subscription_sell(
        customer=customer,
        version=OfferVersion.objects.get(offer__code="4business", status="active"),
        term_months=24,
        start_date=date(2026, 1, 15),
        address=subs.ServiceAddress("ul. Rynek", "1", "26-600", "Radom"),
        actor=actor,
        today=date(2026, 1, 10),
    )
    for period in ("2026-01", "2026-02", "2026-03"):
        billing_run(
            period=period,
            actor=actor,
            issue_date=date.fromisoformat(f"{period}-28"),
            today=TODAY,
        )
    return customer
