"""The catalog as a user drives it in a real browser: create, publish, read the price list."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from rota.accounts.roles import ADMINISTRATOR, SALES
from rota.audit.actors import Actor
from rota.billing.pricing import Phase
from rota.catalog import services
from rota.catalog.models import OfferVersion, VersionStatus
from rota.installation.models import Installation

PASSWORD = "browser-test-pass-1"

# The live server runs in another thread and commits: the test needs a real (flushed)
# database. serialized_rollback restores what the data migrations created (role groups,
# the installation row) before each test, since the flush after a test wipes them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def text(value: str) -> str:
    """Normalise babel's non-breaking spaces and surrounding whitespace."""
    return " ".join(value.replace("\xa0", " ").split())


def staff_user(username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def installation() -> Installation:
    """The settings row (Poland, PLN) that money formatting reads."""
    row, _ = Installation.objects.get_or_create(pk=1)
    assert (row.country, row.currency) == ("PL", "PLN")
    return row


@pytest.fixture
def static_ip(installation: Installation) -> Any:
    return services.addon_create(
        code="static-ip",
        values={
            "name": "Static IP address",
            "description": "A public IPv4 address that never changes",
            "monthly_price_minor": 1500,
            "for_household": True,
            "for_business": True,
        },
        actor=Actor.system("test"),
    )


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/admin/")


def sidebar(page: Page, title: str) -> None:
    """Click a sidebar entry (its accessible name also holds the icon's ligature text)."""
    page.locator("#nav-sidebar a", has=page.get_by_text(title, exact=True)).click()


def fill_phase(page: Page, row: int, term: str, from_month: str, price: str) -> None:
    page.locator(f"#id_phases-{row}-term_months").fill(term)
    page.locator(f"#id_phases-{row}-from_month").fill(from_month)
    page.locator(f"#id_phases-{row}-monthly_price").fill(price)


def test_administrator_creates_publishes_and_sees_the_price_list(
    page: Page, live_server: Any, static_ip: Any
) -> None:
    base = live_server.url
    staff_user("olga", ADMINISTRATOR)
    log_in(page, base, "olga")

    sidebar(page, "Offers")
    expect(page).to_have_url(f"{base}/admin/catalog/offerversion/")
    page.get_by_title("Add offer").click()
    expect(page).to_have_url(f"{base}/admin/catalog/offerversion/add/")

    page.locator("#id_code").fill("fiber-500")
    page.locator("#id_segment").select_option(label="Household")
    page.locator("#id_name").fill("Fiber 500")
    page.locator("#id_tagline").fill("Fast fibre for the whole family")
    page.locator("#id_technology").select_option(label="FTTH")
    page.locator("#id_download_mbps").fill("500")
    page.locator("#id_upload_mbps").fill("100")
    page.locator("#id_tax_rate").fill("0.23")
    page.get_by_label("Static IP address (static-ip)").check()

    # The inline shows two empty rows; a third comes from "Add another".
    fill_phase(page, 0, "24", "0", "79.99")
    fill_phase(page, 1, "24", "6", "89.99")
    page.get_by_role("link", name="Add another Price phase").click()
    fill_phase(page, 2, "0", "0", "99.00")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(f"{base}/admin/catalog/offerversion/")
    expect(page.get_by_text("was added successfully")).to_be_visible()

    page.locator("#result_list").get_by_role("link", name="Fiber 500", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/catalog/offerversion/\d+/change/$"))
    page.get_by_role("link", name="Publish").click()
    expect(page).to_have_url(re.compile(r"/admin/catalog/offerversion/\d+/publish/$"))
    expect(page.get_by_text("Publish Fiber 500 (version 1)?")).to_be_visible()
    page.get_by_role("button", name="Yes, publish").click()
    expect(page).to_have_url(re.compile(r"/admin/catalog/offerversion/\d+/change/$"))
    expect(page.get_by_text("publish done.")).to_be_visible()

    sidebar(page, "Price list")
    expect(page).to_have_url(f"{base}/admin/catalog/offerversion/price-list/")
    rows = page.locator('#price-list-household tr[data-offer="fiber-500"]')
    expect(rows).to_have_count(2)
    cells = [[text(c) for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(2)]
    # Terms are listed shortest first: no commitment, then the 24-month contract.
    assert cells[0][0].startswith("Fiber 500")
    assert cells[0][1:3] == ["500/100 Mb/s", "Fast fibre for the whole family"]
    assert cells[0][3:5] == ["no commitment", "99,00 zł"]
    assert cells[0][5] == "Static IP address (15,00 zł)"
    assert cells[1] == ["24 months", "79,99 zł for 6 months, then 89,99 zł"]

    version = OfferVersion.objects.get(offer__code="fiber-500")
    assert version.status == VersionStatus.ACTIVE
    assert version.published_at is not None
    assert version.offer.segment == "household"
    assert (version.name, version.technology) == ("Fiber 500", "ftth")
    assert (version.download_mbps, version.upload_mbps) == (500, 100)
    assert list(version.addons.values_list("code", flat=True)) == ["static-ip"]
    phases = version.phases.order_by("term_months", "from_month")
    assert [(p.term_months, p.from_month, p.monthly_price_minor) for p in phases] == [
        (0, 0, 9900),
        (24, 0, 7999),
        (24, 6, 8999),
    ]


def test_sales_reads_the_catalog_but_cannot_add_offers(
    page: Page, live_server: Any, installation: Installation
) -> None:
    base = live_server.url
    actor = Actor.system("test")
    draft = services.offer_create(
        code="radio-100",
        segment="household",
        data=services.VersionData(
            name="Radio 100",
            technology="radio",
            download_mbps=100,
            upload_mbps=20,
            terms=(services.Term(12, (Phase(0, 5900),)),),
        ),
        actor=actor,
    )
    services.offer_publish(version=draft, actor=actor)
    staff_user("sam", SALES)
    log_in(page, base, "sam")

    sidebar(page, "Price list")
    expect(page).to_have_url(f"{base}/admin/catalog/offerversion/price-list/")
    row = page.locator('#price-list-household tr[data-offer="radio-100"]')
    expect(row).to_have_count(1)
    assert [text(c) for c in row.locator("td").all_inner_texts()][3:5] == [
        "12 months",
        "59,00 zł",
    ]

    sidebar(page, "Offers")
    expect(page).to_have_url(f"{base}/admin/catalog/offerversion/")
    expect(page.get_by_role("link", name="Radio 100")).to_be_visible()
    expect(page.get_by_title("Add offer")).to_have_count(0)
    expect(page.locator('a[href$="/catalog/offerversion/add/"]')).to_have_count(0)

    response = page.goto(f"{base}/admin/catalog/offerversion/add/")
    assert response is not None
    assert response.status == 403
