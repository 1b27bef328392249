"""Support fixtures: the demo SLA policies, a household and a business customer with lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from rota.audit.actors import Actor
from rota.catalog.models import OfferVersion
from rota.customers.models import Customer
from rota.customers.services import CustomerData, customer_create
from rota.subscriptions import services as subscriptions
from rota.subscriptions.models import Subscription
from rota.support.services import sla_policies_load_defaults

RADOM = "1463011"
WARSZAWA = "1465011"
TODAY = date(2026, 5, 10)


def utc(text: str) -> datetime:
    """Return a UTC moment from "2026-05-04 09:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def address(
    city: str, municipality: str, street: str = "ul. Rynek"
) -> subscriptions.ServiceAddress:
    postal = "26-600" if municipality == RADOM else "00-001"
    return subscriptions.ServiceAddress(
        street=street, building="1", postal_code=postal, city=city, municipality_code=municipality
    )


def sell(
    customer: Customer, offer: str, municipality: str, actor: Actor, start: date = date(2026, 1, 15)
) -> Subscription:
    version = OfferVersion.objects.get(offer__code=offer, status="active")
    term = 24 if version.offer.segment == "business" else 0
    city = "Radom" if municipality == RADOM else "Warszawa"
    return subscriptions.subscription_sell(
        customer=customer,
        version=version,
        term_months=term,
        start_date=start,
        address=address(city, municipality),
        actor=actor,
        today=TODAY,
    )


@dataclass
class Lines:
    """Customers and subscriptions the support tests work with."""

    anna: Customer
    firma: Customer
    anna_gameon: Subscription  # household FTTH, Radom
    anna_mobile: Subscription  # household 5G, Warszawa
    ultra: Subscription  # business, 4Business Ultra, Radom
    business: Subscription  # business, 4Business, Warszawa
    suspended: Subscription  # business, 4Business, Radom, suspended in May
    ended: Subscription  # household, Radom, ended in March
    later: Subscription  # household, Radom, starts in June


@pytest.fixture
def policies(demo_catalog: None, actor: Actor) -> None:
    sla_policies_load_defaults(actor=actor)


@pytest.fixture
def lines(policies: None, firma: Customer, actor: Actor) -> Lines:
    anna = customer_create(
        data=CustomerData(
            kind="person",
            first_name="Anna",
            last_name="Kowalska",
            phone="501234567",
            street="ul. Lipowa",
            building="12",
            postal_code="26-600",
            city="Radom",
        ),
        actor=actor,
    )
    suspended = sell(firma, "4business", RADOM, actor)
    subscriptions.subscription_suspend(
        subscription=suspended, start_date=date(2026, 5, 1), actor=actor, today=TODAY
    )
    ended = sell(anna, "domowy-komfort", RADOM, actor)
    subscriptions.subscription_cancel(
        subscription=ended,
        requested_on=date(2026, 3, 1),
        last_day=date(2026, 3, 31),
        reason="moving",
        actor=actor,
        today=TODAY,
    )
    return Lines(
        anna=anna,
        firma=firma,
        anna_gameon=sell(anna, "gameon", RADOM, actor),
        anna_mobile=sell(anna, "wszedzie-ty", WARSZAWA, actor),
        ultra=sell(firma, "4business-ultra", RADOM, actor),
        business=sell(firma, "4business", WARSZAWA, actor),
        suspended=suspended,
        ended=ended,
        later=sell(anna, "speedster", RADOM, actor, start=date(2026, 6, 1)),
    )
