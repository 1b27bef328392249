"""Installation settings: defaults, changes with audit, refusals."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.core.errors import InvalidInput
from rota.installation.selectors import installation_get, money_formatter
from rota.installation.services import installation_update

pytestmark = pytest.mark.django_db


def test_defaults_are_a_polish_isp() -> None:
    inst = installation_get()
    assert (inst.country, inst.currency, inst.default_tax_rate, inst.time_zone) == (
        "PL",
        "PLN",
        Decimal("0.2300"),
        "Europe/Warsaw",
    )
    assert (inst.invoice_prefix, inst.payment_terms_days) == ("FV", 14)
    assert money_formatter()(9499) == "94,99\xa0zł"


def test_switch_to_brazil(actor: Actor) -> None:
    installation_update(
        changes={"country": "BR", "currency": "BRL", "time_zone": "America/Sao_Paulo"},
        actor=actor,
    )
    assert money_formatter()(9499) == "R$\xa094,99"
    event = AuditEvent.objects.get()
    assert event.changes == {
        "country": ["PL", "BR"],
        "currency": ["PLN", "BRL"],
        "time_zone": ["Europe/Warsaw", "America/Sao_Paulo"],
    }


def test_bad_settings_are_refused_and_change_nothing(actor: Actor) -> None:
    with pytest.raises(InvalidInput) as exc:
        installation_update(
            changes={
                "currency": "ZZZ",
                "default_tax_rate": Decimal("1.2"),
                "time_zone": "Mars/Olympus",
                "invoice_prefix": "F V",
            },
            actor=actor,
        )
    assert [e.field for e in exc.value.errors] == [
        "currency",
        "default_tax_rate",
        "time_zone",
        "invoice_prefix",
    ]
    assert installation_get().currency == "PLN"
    assert AuditEvent.objects.count() == 0


def test_settings_page(admin_user: User, sales_user: User, login: Callable[[User], Client]) -> None:
    url = "/admin/installation/installation/1/change/"
    data = {
        "company_name": "Światłowód Kowalski",
        "country": "PL",
        "currency": "PLN",
        "default_tax_rate": "0.08",
        "time_zone": "Europe/Warsaw",
        "invoice_prefix": "FV",
        "payment_terms_days": "21",
    }
    assert login(sales_user).post(url, data).status_code == 403
    assert installation_get().company_name == "My ISP"
    assert login(admin_user).post(url, data).status_code == 302
    inst = installation_get()
    assert (inst.company_name, inst.default_tax_rate, inst.payment_terms_days) == (
        "Światłowód Kowalski",
        Decimal("0.0800"),
        21,
    )
    refused = login(admin_user).post(url, {**data, "currency": "XYZ"})
    assert "must be an ISO 4217 code such as PLN or BRL" in refused.content.decode()
    assert installation_get().currency == "PLN"


def test_settings_are_read_once_per_request(
    admin_user: User, login: Callable[[User], Client], demo_catalog: None
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/admin/catalog/addon/")
    assert page.status_code == 200
    reads = [q for q in queries.captured_queries if "installation_installation" in q["sql"]]
    assert len(reads) == 1
