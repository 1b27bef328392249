"""The demo ISP's catalog: the six packages of the launch plan and their add-ons."""

from __future__ import annotations

from decimal import Decimal

from rota.billing.pricing import Phase
from rota.catalog.models import Feature, Segment, Technology
from rota.catalog.services import Term, VersionData

# Add-on prices are not in the launch plan; these are typical Polish market prices (net).
ADDONS: list[dict[str, object]] = [
    {
        "code": "static-ip",
        "name": "Static IP address",
        "price": 1500,
        "segments": "hb",
        "description": "A fixed public IPv4 address.",
    },
    {
        "code": "vpn",
        "name": "Business VPN",
        "price": 2500,
        "segments": "b",
        "description": "Site-to-site or remote-access VPN for the company network.",
    },
    {
        "code": "lte-backup",
        "name": "LTE backup link",
        "price": 3900,
        "segments": "b",
        "description": "Automatic failover to LTE when the main link is down.",
    },
    {
        "code": "sla",
        "name": "Guaranteed SLA",
        "price": 4900,
        "segments": "b",
        "description": "Repair within 8 business hours, with credits if missed.",
    },
    {
        "code": "monitoring-24-7",
        "name": "24/7 monitoring",
        "price": 2900,
        "segments": "b",
        "description": "Round-the-clock link monitoring with proactive alerts.",
    },
    {
        "code": "telephony",
        "name": "VoIP telephony",
        "price": 1999,
        "segments": "hb",
        "description": "A landline number over the internet connection.",
    },
    {
        "code": "firewall",
        "name": "Managed firewall",
        "price": 3500,
        "segments": "b",
        "description": "Firewall managed by the ISP's network team.",
    },
]

HOUSEHOLD_TERMS = (0,)
BUSINESS_TERMS = (12, 24)


def _terms(months: tuple[int, ...], *phases: tuple[int, int]) -> tuple[Term, ...]:
    return tuple(Term(m, tuple(Phase(f, p) for f, p in phases)) for m in months)


OFFERS: list[tuple[str, str, VersionData]] = [
    (
        "speedster",
        Segment.HOUSEHOLD,
        VersionData(
            name="Speedster",
            technology=Technology.FTTH,
            download_mbps=900,
            upload_mbps=300,
            tagline="Nic Cię nie zatrzyma",
            description="Dla osób, które kochają prędkość i streaming w jakości 4K.",
            features=(Feature.STREAMING_4K,),
            prices_include_tax=True,
            tax_rate=Decimal("0.23"),
            addons=("static-ip", "telephony"),
            terms=_terms(HOUSEHOLD_TERMS, (0, 8000)),
        ),
    ),
    (
        "domowy-komfort",
        Segment.HOUSEHOLD,
        VersionData(
            name="Domowy Komfort",
            technology=Technology.FTTH,
            download_mbps=300,
            upload_mbps=100,
            tagline="Internet, który rozumie Twój rytm",
            description="Idealny do pracy zdalnej, nauki i codziennego surfowania.",
            prices_include_tax=True,
            tax_rate=Decimal("0.23"),
            addons=("telephony",),
            terms=_terms(HOUSEHOLD_TERMS, (0, 6000)),
        ),
    ),
    (
        "gameon",
        Segment.HOUSEHOLD,
        VersionData(
            name="GameON",
            technology=Technology.FTTH,
            download_mbps=600,
            upload_mbps=200,
            tagline="Zero lagów. Tylko wygrane.",
            description="Oferta stworzona z myślą o graczach i streamerach – z niskim pingiem "
            "i priorytetem dla gier.",
            features=(Feature.GAMING_PRIORITY, Feature.LOW_PING),
            prices_include_tax=True,
            tax_rate=Decimal("0.23"),
            addons=("static-ip",),
            terms=_terms(HOUSEHOLD_TERMS, (0, 7000)),
        ),
    ),
    (
        "wszedzie-ty",
        Segment.HOUSEHOLD,
        VersionData(
            name="Wszędzie Ty",
            technology=Technology.FIVE_G,
            download_mbps=300,
            upload_mbps=50,
            tagline="Internet, który idzie za Tobą",
            description="Internet mobilny LTE / 5G z nielimitowanym pakietem danych, dla tych, "
            "którzy są w ciągłym ruchu.",
            features=(Feature.MOBILE,),
            prices_include_tax=True,
            tax_rate=Decimal("0.23"),
            terms=_terms(HOUSEHOLD_TERMS, (0, 12000)),
        ),
    ),
    (
        "4business",
        Segment.BUSINESS,
        VersionData(
            name="4Business",
            technology=Technology.FTTH,
            download_mbps=1000,
            upload_mbps=300,
            tagline="Dla biura, które nie może czekać, bo czas to pieniądz",
            description="Solidna i niezawodna usługa internetowa zaprojektowana z myślą o małych "
            "i średnich firmach. Zapewnia szybkie i stabilne połączenie, idealne do codziennej "
            "pracy biurowej, wideokonferencji, korzystania z systemów chmurowych oraz obsługi "
            "klientów online. Opcjonalnie z możliwością dodania stałego IP i VPN.",
            features=(Feature.DEDICATED_SUPPORT,),
            prices_include_tax=False,
            tax_rate=Decimal("0.23"),
            addons=("static-ip", "vpn"),
            terms=_terms(BUSINESS_TERMS, (0, 10500), (3, 9499)),
        ),
    ),
    (
        "4business-ultra",
        Segment.BUSINESS,
        VersionData(
            name="4Business Ultra",
            technology=Technology.FTTH,
            download_mbps=1000,
            upload_mbps=1000,
            symmetric=True,
            tagline="Bezpieczeństwo firmy leży w sile łącza",
            description="Profesjonalna usługa internetu dla firm, które nie uznają kompromisów. "
            "Oferuje najwyższą wydajność, symetryczne łącze, gwarantowane SLA, opcję backupu LTE "
            "i monitoring 24/7. Dedykowana dla dużych biur, serwerowni i zespołów IT.",
            features=(Feature.SLA, Feature.MONITORING_24_7, Feature.DEDICATED_SUPPORT),
            prices_include_tax=False,
            tax_rate=Decimal("0.23"),
            addons=("lte-backup", "static-ip", "vpn", "telephony", "firewall"),
            terms=_terms(BUSINESS_TERMS, (0, 11999), (6, 10000)),
        ),
    ),
]
