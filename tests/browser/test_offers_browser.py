"""The public offers page in a real browser: no login, filter by segment, framed by a site."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rota.audit.actors import Actor
from rota.demo.services import demo_catalog_load

# The live server runs in another thread and commits: the test needs a real (flushed)
# database; serialized_rollback restores the installation row the money format reads.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def text(value: str) -> str:
    return " ".join(value.replace("\xa0", " ").split())


@pytest.fixture
def catalog() -> None:
    demo_catalog_load(actor=Actor.system("test"))


def test_a_visitor_filters_the_offers_by_segment(
    page: Page, live_server: Any, catalog: None
) -> None:
    base = live_server.url
    page.goto(f"{base}/offers/")
    offers = page.locator("article.offer")
    expect(offers).to_have_count(6)
    expect(page.get_by_role("link", name="All")).to_have_attribute("aria-current", "page")

    page.get_by_role("link", name="Business").click()
    expect(page).to_have_url(f"{base}/offers/?segment=business")
    expect(offers).to_have_count(2)
    expect(page.get_by_role("link", name="Business")).to_have_attribute("aria-current", "page")
    first = offers.first
    expect(first.get_by_role("heading")).to_have_text("4Business")
    prices = [text(t) for t in first.locator(".terms li").all_inner_texts()]
    assert prices == [
        "12-month contract 105,00 zł for 3 months, then 94,99 zł a month",
        "24-month contract 105,00 zł for 3 months, then 94,99 zł a month",
    ]

    page.get_by_role("link", name="Household").click()
    expect(page).to_have_url(f"{base}/offers/?segment=household")
    expect(offers).to_have_count(4)
    names = [text(t) for t in page.locator("article.offer h2").all_inner_texts()]
    assert names == ["Domowy Komfort", "GameON", "Speedster", "Wszędzie Ty"]

    page.get_by_role("link", name="All").click()
    expect(offers).to_have_count(6)


def test_the_page_fits_a_phone_and_shows_inside_another_sites_frame(
    page: Page, live_server: Any, catalog: None
) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/offers/?segment=business")
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], "the page scrolls sideways on a phone"

    page.set_content(
        f'<iframe id="offers" src="{live_server.url}/offers/" width="800" height="600"></iframe>'
    )
    frame = page.frame_locator("#offers")
    expect(frame.locator("article.offer")).to_have_count(6)
    expect(frame.get_by_role("heading", name="GameON")).to_be_visible()
