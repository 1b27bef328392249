"""The demo catalog holds exactly the six packages of the launch plan."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from rota.catalog.models import AddOn, OfferVersion
from rota.catalog.selectors import terms_of

pytestmark = pytest.mark.django_db


def test_demo_catalog_is_the_launch_plan() -> None:
    out = io.StringIO()
    call_command("demo", "--customers", "0", stdout=out)
    assert out.getvalue().strip() == "Demo catalog: 6 offers and 7 add-ons created."
    rows = {
        v.offer.code: (
            v.name,
            v.offer.segment,
            v.download_mbps,
            v.upload_mbps,
            v.symmetric,
            v.tagline,
            v.prices_include_tax,
            {m: [tuple(p) for p in ph] for m, ph in terms_of(v).items()},
            sorted(a.code for a in v.addons.all()),
            v.status,
        )
        for v in OfferVersion.objects.select_related("offer").prefetch_related("phases", "addons")
    }
    assert rows == {
        "speedster": (
            "Speedster", "household", 900, 300, False, "Nic Cię nie zatrzyma", True,
            {0: [(0, 8000)]}, ["static-ip", "telephony"], "active",
        ),
        "domowy-komfort": (
            "Domowy Komfort", "household", 300, 100, False,
            "Internet, który rozumie Twój rytm", True, {0: [(0, 6000)]}, ["telephony"], "active",
        ),
        "gameon": (
            "GameON", "household", 600, 200, False, "Zero lagów. Tylko wygrane.", True,
            {0: [(0, 7000)]}, ["static-ip"], "active",
        ),
        "wszedzie-ty": (
            "Wszędzie Ty", "household", 300, 50, False, "Internet, który idzie za Tobą", True,
            {0: [(0, 12000)]}, [], "active",
        ),
        "4business": (
            "4Business", "business", 1000, 300, False,
            "Dla biura, które nie może czekać, bo czas to pieniądz", False,
            {12: [(0, 10500), (3, 9499)], 24: [(0, 10500), (3, 9499)]},
            ["static-ip", "vpn"], "active",
        ),
        "4business-ultra": (
            "4Business Ultra", "business", 1000, 1000, True,
            "Bezpieczeństwo firmy leży w sile łącza", False,
            {12: [(0, 11999), (6, 10000)], 24: [(0, 11999), (6, 10000)]},
            ["firewall", "lte-backup", "static-ip", "telephony", "vpn"], "active",
        ),
    }  # fmt: skip
    gameon = OfferVersion.objects.get(offer__code="gameon")
    assert gameon.features == ["gaming_priority", "low_ping"]
    ultra = OfferVersion.objects.get(offer__code="4business-ultra")
    assert ultra.features == ["sla", "monitoring_24_7", "dedicated_support"]
    assert OfferVersion.objects.get(offer__code="wszedzie-ty").technology == "5g"
    assert sorted(AddOn.objects.values_list("code", "monthly_price_minor")) == [
        ("firewall", 3500),
        ("lte-backup", 3900),
        ("monitoring-24-7", 2900),
        ("sla", 4900),
        ("static-ip", 1500),
        ("telephony", 1999),
        ("vpn", 2500),
    ]


def test_demo_runs_again_without_duplicates() -> None:
    call_command("demo", "--customers", "0", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo", "--customers", "0", stdout=out)
    assert out.getvalue().strip() == "Demo catalog: 0 offers and 0 add-ons created."
    assert OfferVersion.objects.count() == 6
