"""The simulator in Chromium at phone size when the router is not sure: "Bedoel je…?" with the
likely protocols and "Iets anders", one tap from the right protocol and never a dead end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.adapters.web.conftest import no_horizontal_scroll, simulator

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[3]
SCREENSHOT = REPO / "test-artifacts" / "simulator-bedoel-je.png"
STAFF = "Medewerker: grensoverschrijdend online contact"
STRANGER = "Afpersing of chantage met beelden"


@pytest.fixture
async def base_url(tmp_path: Path) -> AsyncIterator[str]:
    async with simulator(tmp_path, demo_school=False) as url:
        yield url


async def test_an_ambiguous_word_asks_which_protocol_and_something_else_is_the_menu(page: Page) -> None:
    await page.goto("/")
    box = page.get_by_role("textbox")
    await box.fill("grooming")
    await box.press("Enter")
    latest = page.locator(".msg.bot").last
    await expect(latest).to_contain_text("Bedoel je een van deze protocollen?")
    choices = latest.locator(".choices button")
    await expect(choices.filter(has_text=STAFF)).to_have_count(1)
    await expect(choices.filter(has_text=STRANGER)).to_have_count(1)
    await expect(choices.last).to_have_text("Iets anders")
    await no_horizontal_scroll(page)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT))

    await choices.last.click()
    await expect(page.locator(".msg.bot").last).to_contain_text("Waar gaat het over?")


async def test_a_protocol_chosen_under_bedoel_je_opens_it(page: Page) -> None:
    await page.goto("/")
    box = page.get_by_role("textbox")
    await box.fill("grooming")
    await box.press("Enter")
    latest = page.locator(".msg.bot").last
    await latest.locator(".choices button").filter(has_text=STRANGER).click()
    await expect(page.locator(".msg.bot").last).to_contain_text("Afpersing")
