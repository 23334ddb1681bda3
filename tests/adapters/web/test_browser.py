"""The simulator in a real headless Chromium on a phone-sized screen, with the real playbooks.

What a teacher does: type the question, press Enter, read what to do now, tap through the
triage, get the steps. Checked on the way: the no-copy rule shows first, focus follows
the conversation (keyboard only works), nothing scrolls sideways at 360 px, a reload
resumes, an error keeps the typed text, and a double tap sends once. The page may only
talk to 127.0.0.1; any other request is aborted and fails the test.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, Request, Route, expect

from tests.adapters.web.conftest import no_horizontal_scroll, simulator

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[3]
SCREENSHOT = REPO / "test-artifacts" / "simulator-steps.png"
QUESTION = "er gaat een naaktfoto rond van een leerling uit 3B, wat moet ik doen?"
STEPS_HEADLINE = "Stappen die passen bij jouw antwoorden"


@pytest.fixture
async def base_url(tmp_path: Path) -> AsyncIterator[str]:
    async with simulator(tmp_path, demo_school=False) as url:
        yield url


def latest_bot(page: Page) -> Locator:
    return page.locator(".msg.bot").last


async def answer(page: Page, *, key: str | None = None) -> None:
    """Answer the open question with its first option (by keyboard when ``key`` is given)
    and wait until the message has been updated in place."""
    first = latest_bot(page).locator(".choices button").first
    await expect(first).to_be_focused()
    payload = await first.get_attribute("data-payload")
    if key:
        await page.keyboard.press(key)
    else:
        await first.click()
    await expect(page.locator(f'button[data-payload="{payload}"]')).to_have_count(0)


async def test_from_question_to_steps_on_a_phone(page: Page) -> None:
    await page.goto("/")
    await expect(page.get_by_role("heading", name="Protocolwijzer")).to_be_visible()
    await expect(page.get_by_text("Lokale simulator")).to_be_visible()
    await expect(latest_bot(page)).to_contain_text("Waar gaat het over?")  # resume on load: the menu

    box = page.get_by_role("textbox")
    await box.fill(QUESTION)
    await box.press("Enter")
    await expect(page.locator(".msg.user")).to_have_text(QUESTION)
    await expect(box).to_have_value("")

    message = latest_bot(page)
    do_now = message.locator("section.tone-warning", has=page.get_by_role("heading", name="Doe nu", exact=True))
    await expect(do_now).to_be_visible()
    rule = (await do_now.inner_text()).lower()
    assert "niet" in rule and re.search(r"doorsturen|stuur het niet door|kopiëren|kopieer", rule), rule
    await expect(message.get_by_role("heading", name=re.compile(r"^Vraag 1 van \d+$"))).to_be_visible()
    await expect(message).to_have_attribute("lang", "nl")
    await no_horizontal_scroll(page)

    # Keyboard only: focus sits on the first answer; Enter and Space both answer.
    await answer(page, key="Enter")
    await expect(latest_bot(page).get_by_role("heading", name=re.compile(r"^Vraag 2 van \d+$"))).to_be_visible()
    await answer(page, key=" ")
    await expect(page.locator(".msg.bot")).to_have_count(2)  # answers update in place

    headline = latest_bot(page).locator("h2.headline")
    for _ in range(12):
        if STEPS_HEADLINE in await headline.inner_text():
            break
        await answer(page)
    await expect(headline).to_contain_text(STEPS_HEADLINE)
    steps = latest_bot(page)
    await expect(steps.locator("h3", has_text=re.compile(r"^1\. "))).to_be_visible()
    await expect(steps.get_by_role("heading", name="Jouw antwoorden", exact=True)).to_be_visible()
    await no_horizontal_scroll(page)

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)
    print(f"screenshot: {SCREENSHOT}")

    # A reload asks the server to resume: the steps come back, the typed text does not.
    await page.reload()
    await expect(latest_bot(page).locator("h2.headline")).to_contain_text(STEPS_HEADLINE)
    await expect(page.locator(".msg.user")).to_have_count(0)

    await page.get_by_role("button", name="Nieuw gesprek").click()
    await expect(page.locator(".msg.bot")).to_have_count(1)
    await expect(latest_bot(page)).to_contain_text("Waar gaat het over?")


async def test_errors_keep_the_text_and_a_double_tap_sends_once(page: Page) -> None:
    await page.goto("/")
    await expect(latest_bot(page)).to_contain_text("Waar gaat het over?")

    async def fail(route: Route) -> None:
        await route.fulfill(status=500, content_type="application/json", body='{"error": "Internal server error."}')

    await page.route("**/api/event", fail)
    box = page.get_by_role("textbox")
    await box.fill(QUESTION)
    await page.get_by_role("button", name="Verstuur").click()
    await expect(page.locator(".notice.error")).to_have_text("Er ging iets mis in de simulator. Probeer het opnieuw.")
    await expect(box).to_have_value(QUESTION)
    await expect(page.locator(".msg.user")).to_have_count(0)
    await page.unroute("**/api/event", fail)

    async def cut(route: Route) -> None:
        await route.abort("connectionrefused")

    await page.route("**/api/event", cut)
    await box.press("Enter")
    await expect(page.locator(".notice.error").last).to_contain_text("Geen verbinding")
    await expect(box).to_have_value(QUESTION)
    await page.unroute("**/api/event", cut)

    await box.press("Enter")
    await expect(latest_bot(page).locator(".choices button").first).to_be_focused()
    await expect(page.locator(".notice.error")).to_have_count(0)  # sent now: "niet verstuurd" is stale

    # Hold the first button press so that a second tap lands while it is in flight.
    release = asyncio.Event()
    presses: list[str] = []

    async def hold(route: Route, request: Request) -> None:
        if '"button"' in (request.post_data or ""):
            presses.append(request.post_data or "")
            await release.wait()
        await route.fallback()

    await page.route("**/api/event", hold)
    message = latest_bot(page)
    first = message.locator(".choices button").first
    await first.click()
    await expect(message.locator("button").first).to_be_disabled()
    await expect(message.locator("button").last).to_be_disabled()
    await first.click(force=True)  # a second tap on the disabled button
    release.set()
    await expect(latest_bot(page).get_by_role("heading", name=re.compile(r"^Vraag 2 van \d+$"))).to_be_visible()
    assert len(presses) == 1
    await page.unroute("**/api/event", hold)
