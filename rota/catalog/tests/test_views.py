"""The catalog in the back office: roles, forms that refuse bad input, lifecycle, price list."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from rota.audit.models import AuditEvent
from rota.catalog.models import AddOn, Offer, OfferVersion, PricePhase

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/catalog/offerversion/add/"
LIST_URL = "/admin/catalog/offerversion/"
PRICE_LIST_URL = "/admin/catalog/offerversion/price-list/"


def form_data(rows: list[tuple[str, str, str]], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "fiber-500",
        "segment": "household",
        "name": "Fiber 500",
        "tagline": "Fast and calm",
        "description": "",
        "technology": "ftth",
        "download_mbps": "500",
        "upload_mbps": "100",
        "data_cap_gb": "",
        "prices_include_tax": "on",
        "tax_rate": "0.23",
        "early_termination_rule": "none",
        "early_termination_amount": "0",
        "phases-TOTAL_FORMS": str(len(rows)),
        "phases-INITIAL_FORMS": "0",
        "phases-MIN_NUM_FORMS": "0",
        "phases-MAX_NUM_FORMS": "1000",
    }
    for i, (term, from_month, price) in enumerate(rows):
        data[f"phases-{i}-term_months"] = term
        data[f"phases-{i}-from_month"] = from_month
        data[f"phases-{i}-monthly_price"] = price
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def text(response: Any) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


def state() -> tuple[int, int, int, int]:
    return (
        Offer.objects.count(),
        OfferVersion.objects.count(),
        PricePhase.objects.count(),
        AuditEvent.objects.count(),
    )


def test_everything_is_behind_login(client: Client, demo_catalog: None) -> None:
    for url in ("/", LIST_URL, PRICE_LIST_URL, ADD_URL):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith("/admin/login/")


def test_admin_creates_an_offer_with_its_price_phases(
    admin_user: User, login: Callable[[User], Client], demo_catalog: None
) -> None:
    static_ip = AddOn.objects.get(code="static-ip")
    rows = [("24", "0", "79.99"), ("24", "6", "89.99"), ("0", "0", "99")]
    response = login(admin_user).post(ADD_URL, form_data(rows, addons=[str(static_ip.pk)]))
    assert response.status_code == 302
    version = OfferVersion.objects.get(offer__code="fiber-500")
    assert (version.number, version.status, version.name) == (1, "draft", "Fiber 500")
    assert list(version.phases.values_list("term_months", "from_month", "monthly_price_minor")) == [
        (0, 0, 9900),
        (24, 0, 7999),
        (24, 6, 8999),
    ]
    assert list(version.addons.values_list("code", flat=True)) == ["static-ip"]
    event = AuditEvent.objects.get(action="offer.create", object_id=str(version.pk))
    assert (event.actor_label, event.changes["code"]) == ("administrator", "fiber-500")
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.count() == 0  # the audit trail is the only log


@pytest.mark.parametrize(
    ("rows", "fields", "message"),
    [
        ([("24", "3", "79.99")], {}, "24-month term: the first phase must start at month 0."),
        ([("24", "0", "-1")], {}, "Ensure this value is greater than or equal to 0."),
        ([("24", "0", "abc")], {}, "Enter a number."),
        (
            [("24", "0", "10"), ("24", "0", "12")],
            {},
            "Please correct the duplicate data for term_months and from_month",
        ),
        (
            [("24", "0", "10")],
            {"code": "4business"},
            "an offer with code &#x27;4business&#x27; already exists",
        ),
        (
            [("24", "0", "10")],
            {"symmetric": "on"},
            "must equal download_mbps for a symmetric offer",
        ),
    ],
)
def test_bad_input_shows_the_error_and_saves_nothing(
    admin_user: User,
    login: Callable[[User], Client],
    demo_catalog: None,
    rows: list[tuple[str, str, str]],
    fields: dict[str, str],
    message: str,
) -> None:
    before = state()
    response = login(admin_user).post(ADD_URL, form_data(rows, **fields))
    assert response.status_code == 200
    assert message in text(response)
    assert state() == before


def test_publish_and_retire_through_confirmation_pages(
    admin_user: User, login: Callable[[User], Client], demo_catalog: None
) -> None:
    client = login(admin_user)
    client.post(ADD_URL, form_data([("0", "0", "99")]))
    version = OfferVersion.objects.get(offer__code="fiber-500")
    publish_url = f"/admin/catalog/offerversion/{version.pk}/publish/"

    confirm = client.get(publish_url)
    assert confirm.status_code == 200
    assert "Publish Fiber 500 (version 1)?" in text(confirm)
    version.refresh_from_db()
    assert version.status == "draft"

    assert client.post(publish_url).status_code == 302
    version.refresh_from_db()
    assert version.status == "active"
    assert client.get(publish_url).status_code == 403

    page = client.get(f"/admin/catalog/offerversion/{version.pk}/change/")
    assert page.status_code == 200
    assert "Fiber 500" in text(page)
    assert 'name="name"' not in page.content.decode()

    client.post(f"/admin/catalog/offerversion/{version.pk}/retire/")
    version.refresh_from_db()
    assert version.status == "retired"


def test_new_version_from_the_back_office(
    admin_user: User, login: Callable[[User], Client], demo_catalog: None
) -> None:
    client = login(admin_user)
    v1 = OfferVersion.objects.get(offer__code="gameon")
    response = client.post(f"/admin/catalog/offerversion/{v1.pk}/new-version/")
    draft = OfferVersion.objects.get(offer__code="gameon", number=2)
    assert response["Location"] == f"/admin/catalog/offerversion/{draft.pk}/change/"
    assert draft.status == "draft"
    edit = client.get(response["Location"])
    assert 'name="phases-0-monthly_price"' in edit.content.decode()
    assert 'value="70.00"' in edit.content.decode()


def test_price_list_shows_prices_over_time(
    sales_user: User, login: Callable[[User], Client], demo_catalog: None
) -> None:
    page = text(login(sales_user).get(PRICE_LIST_URL))
    assert "4Business 4business · v1 · FTTH 1000/300 Mb/s" in page
    assert "12 months 105,00 zł for 3 months, then 94,99 zł net" in page
    assert "24 months 119,99 zł for 6 months, then 100,00 zł net" in page
    assert "Speedster speedster · v1 · FTTH 900/300 Mb/s Nic Cię nie zatrzyma" in page
    assert "no commitment 80,00 zł" in page


@pytest.mark.parametrize(
    "persona", ["sales_user", "finance_user", "support_user", "planner_user", "auditor_user"]
)
def test_read_only_roles_cannot_change_the_catalog(
    persona: str,
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    demo_catalog: None,
) -> None:
    client = login(request.getfixturevalue(persona))
    version = OfferVersion.objects.get(offer__code="gameon")
    assert client.get(LIST_URL).status_code == 200
    assert client.get(PRICE_LIST_URL).status_code == 200
    before = state()
    assert client.get(ADD_URL).status_code == 403
    assert client.post(ADD_URL, form_data([("0", "0", "1")])).status_code == 403
    assert client.post(f"/admin/catalog/offerversion/{version.pk}/retire/").status_code == 403
    assert client.post(f"/admin/catalog/offerversion/{version.pk}/new-version/").status_code == 403
    assert state() == before


def test_audit_trail_is_for_administrators_and_auditors(
    admin_user: User,
    auditor_user: User,
    finance_user: User,
    login: Callable[[User], Client],
    demo_catalog: None,
) -> None:
    url = "/admin/audit/auditevent/"
    assert login(admin_user).get(url).status_code == 200
    auditor = login(auditor_user)
    assert auditor.get(url).status_code == 200
    event = AuditEvent.objects.first()
    assert event is not None
    assert auditor.post(f"{url}{event.pk}/delete/").status_code == 403
    assert login(finance_user).get(url).status_code == 403


def test_addon_admin(admin_user: User, login: Callable[[User], Client], demo_catalog: None) -> None:
    client = login(admin_user)
    response = client.post(
        "/admin/catalog/addon/add/",
        {
            "code": "tv",
            "name": "IPTV",
            "description": "",
            "monthly_price": "29.90",
            "for_household": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert AddOn.objects.get(code="tv").monthly_price_minor == 2990
    refused = client.post(
        "/admin/catalog/addon/add/",
        {"code": "x", "name": "X", "monthly_price": "1", "is_active": "on"},
    )
    assert "Choose at least one segment the add-on is sold to." in text(refused)
    assert not AddOn.objects.filter(code="x").exists()
