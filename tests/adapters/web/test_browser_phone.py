"""The simulator's own frame on a phone (issue #15), in Chromium with the real playbooks:
a header that fits at 320 px, its own words in the conversation's language, a favicon,
notices above the input bar (and gone once stale), the next question in view after a tap,
steps that open behind "Meer"."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, Response, Route, expect

from tests.adapters.web.conftest import HEIGHT, no_horizontal_scroll, simulator
from tests.adapters.web.test_browser_incident import FORM, TRIAGE

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts"
QUESTION = "er gaat een naaktfoto rond van een leerling uit 3B, wat moet ik doen?"
HEADER = ["h1", ".subtitle", "#new-conversation", ".persona label", "#persona", "#clock-time", "#clock-hours",
          ".clock-step"]


@pytest.fixture
async def base_url(tmp_path: Path) -> AsyncIterator[str]:
    async with simulator(tmp_path, demo_school=True) as url:
        yield url


def latest_bot(page: Page) -> Locator:
    return page.locator("#pane-chat .msg.bot").last


async def boxes(page: Page, selectors: list[str]) -> list[dict[str, Any]]:
    """The rectangles of everything ``selectors`` match, with what matched, page at the top."""
    await page.evaluate("window.scrollTo(0, 0)")
    return list(await page.evaluate(
        """(selectors) => selectors.flatMap((selector) => Array.from(document.querySelectorAll(selector),
             (element, i) => { const r = element.getBoundingClientRect();
               return {name: `${selector}[${i}] ${element.textContent.trim()}`,
                       left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }))""", selectors))


def overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


async def header_fits(page: Page, width: int) -> None:
    drawn = await boxes(page, HEADER)
    assert len(drawn) == len(HEADER) + 2  # three clock steps
    for i, a in enumerate(drawn):
        assert 0 <= a["left"] and a["right"] <= width, f"{a['name']} sticks out at {width}px: {a}"
        for b in drawn[i + 1:]:
            assert not overlap(a, b), f"at {width}px {a['name']!r} overlaps {b['name']!r}"
    scrolled = await page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, f"the page is {scrolled}px wide on a {width}px screen"


async def in_view(page: Page, element: Locator) -> None:
    """``element`` is on screen between the sticky tabs and the composer (when shown)."""
    box = await element.bounding_box()
    assert box, "not drawn"
    tabs = await page.locator(".tabs").bounding_box()
    composer = await page.locator("#composer").bounding_box() if await page.locator("#composer").is_visible() \
        else None
    top = tabs["y"] + tabs["height"] if tabs else 0
    bottom = composer["y"] if composer else HEIGHT
    assert top - 1 <= box["y"] and box["y"] + box["height"] <= bottom + 1, \
        f"{box} is not between the tabs ({top}) and the composer ({bottom})"


async def tap_and_wait(page: Page, button: Locator) -> None:
    """Tap an answer and wait until the message shows the next one."""
    payload = await button.get_attribute("data-payload")
    await button.click()
    await expect(page.locator(f'button[data-payload="{payload}"]')).to_have_count(0)


# -- 1, 2, 3: the frame -----------------------------------------------------------------------
async def test_the_header_fits_at_320_and_360_px_in_dutch_and_english(page: Page) -> None:
    await page.goto("/")
    await expect(latest_bot(page)).to_contain_text("Waar gaat het over?")
    await expect(page.locator("#clock-hours")).not_to_have_text("")
    for width in (320, 360):
        await page.set_viewport_size({"width": width, "height": HEIGHT})
        await header_fits(page, width)
    clock, plus15 = await boxes(page, ["#clock-time"]), await boxes(page, [".clock-step"])
    assert not overlap(clock[0], plus15[0])

    await latest_bot(page).get_by_role("button", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    for width in (320, 360):
        await page.set_viewport_size({"width": width, "height": HEIGHT})
        await header_fits(page, width)
    await page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "simulator-header-320-en.png"), clip={
        "x": 0, "y": 0, "width": 360, "height": 220})


async def test_the_page_s_own_words_follow_the_conversation_s_language(page: Page) -> None:
    await page.goto("/")
    await expect(latest_bot(page)).to_contain_text("Waar gaat het over?")
    await expect(page.get_by_role("tab", name="Incidentruimte")).to_be_visible()
    await expect(page.get_by_role("button", name="Verstuur")).to_be_visible()

    await latest_bot(page).get_by_role("button", name="English").click()
    await expect(latest_bot(page)).to_contain_text("What is it about?")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    for name in ("Chat", "Incident space", "Team channel"):
        await expect(page.get_by_role("tab", name=name, exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name="New chat", exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name="Clock 15 minutes ahead")).to_have_text("+15 min")
    await expect(page.get_by_role("button", name="Clock 1 hour ahead")).to_have_text("+1 hour")
    await expect(page.get_by_role("button", name="Clock 1 day ahead")).to_have_text("+1 day")
    await expect(page.get_by_role("textbox", name="Your message")).to_have_attribute(
        "placeholder", "Describe what is going on…")
    await expect(page.get_by_label("Role", exact=True).locator("option:checked")).to_have_text("Teacher")
    await expect(page.locator("#clock-time")).to_have_text(
        re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d-\d\d \d\d:\d\d$"))
    await expect(page.locator("#clock-hours")).to_have_text(re.compile("^(working hours|out of hours)$"))
    await expect(page).to_have_title("Protocolwijzer – local simulator")
    await page.get_by_role("tab", name="Incident space").click()
    await expect(page.locator("#spaces-empty")).to_have_text("You are not in any incident space (yet).")
    await page.get_by_role("tab", name="Chat").click()

    async def cut(route: Route) -> None:
        await route.abort("connectionrefused")

    await page.route("**/api/event", cut)
    await page.get_by_role("textbox").fill("a nude picture of a pupil is going round")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".notice.error")).to_have_text(
        "No connection to the simulator; your message was not sent. Please try again.")
    await page.unroute("**/api/event", cut)

    await latest_bot(page).get_by_role("button", name="Nederlands").click()  # and back
    await expect(page.locator("html")).to_have_attribute("lang", "nl")
    await expect(page.get_by_role("button", name="Verstuur", exact=True)).to_be_visible()
    await expect(page.get_by_role("tab", name="Teamkanaal")).to_be_visible()
    await expect(page.locator(".notice.error")).to_have_count(0)  # a request went through since


async def test_the_favicon_is_served(page: Page) -> None:
    missing: list[str] = []

    def note(response: Response) -> None:
        if response.status >= 400:
            missing.append(f"{response.status} {response.url}")

    page.on("response", note)
    await page.goto("/")
    await expect(latest_bot(page)).to_contain_text("Waar gaat het over?")
    await expect(page.locator('link[rel="icon"]')).to_have_count(2)
    ico = await page.request.get("/favicon.ico")
    assert ico.status == 200 and ico.headers["content-type"].startswith("image/")
    assert (await ico.body())[:4] == b"\x00\x00\x01\x00"  # an icon file
    svg = await page.request.get("/static/favicon.svg")
    assert svg.status == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert missing == []


# -- 5, 6, 7: notices, scrolling, steps -------------------------------------------------------
async def test_after_a_tap_the_next_question_and_its_buttons_are_in_view(page: Page) -> None:
    await page.goto("/")
    await expect(latest_bot(page)).to_contain_text("Waar gaat het over?")
    await page.get_by_role("textbox").fill(QUESTION)
    await page.keyboard.press("Enter")
    first = latest_bot(page)
    await expect(first.get_by_role("heading", name=re.compile(r"^Vraag 1 van \d+$"))).to_be_attached()
    await in_view(page, first.locator("h2.headline"))  # a first answer starts at its top

    for number in (2, 3):
        await tap_and_wait(page, latest_bot(page).locator(".choices button").first)
        message = latest_bot(page)
        await expect(message.get_by_role("heading", name=re.compile(rf"^Vraag {number} van \d+$"))).to_be_visible()
        await in_view(page, message.get_by_role("heading", name=re.compile(rf"^Vraag {number} van \d+$")))
        for button in await message.locator(".choices button").all():
            await in_view(page, button)
    await page.screenshot(path=str(ARTIFACTS / "simulator-next-question.png"))


async def test_a_notice_stands_above_the_input_bar_and_goes_once_stale(page: Page) -> None:
    await page.goto("/")
    await page.get_by_role("textbox").fill(QUESTION)
    await page.keyboard.press("Enter")
    answer = latest_bot(page).locator(".choices button").first
    await expect(answer).to_be_focused()

    async def cut(route: Route) -> None:
        await route.abort("connectionrefused")

    await page.route("**/api/event", cut)
    await answer.click()
    error = page.locator(".notice.error")
    await expect(error).to_contain_text("je bericht is niet verstuurd")
    await in_view(page, error)
    await page.unroute("**/api/event", cut)
    await tap_and_wait(page, answer)
    await expect(latest_bot(page).get_by_role("heading", name=re.compile(r"^Vraag 2 van \d+$"))).to_be_visible()
    await expect(error).to_have_count(0)


async def test_steps_open_behind_meer_with_the_report_button_above_them(page: Page) -> None:
    await page.goto("/")
    await page.get_by_role("textbox").fill(QUESTION)
    await page.keyboard.press("Enter")
    for label in TRIAGE:
        await tap_and_wait(page, latest_bot(page).locator(".choices").get_by_role("button", name=label, exact=True))
    steps = latest_bot(page)
    await expect(steps.locator("h2.headline")).to_contain_text("Stappen die passen bij jouw antwoorden")
    await in_view(page, steps.locator("h2.headline"))  # a new view starts at its top
    step = steps.locator("section.step", has=page.locator("summary h3", has_text=re.compile(r"^1\. ")))
    summary = step.locator("summary")
    await expect(summary.locator("h3")).to_have_text(re.compile(r"^1\. .+ · .+"))  # the title with its role
    await expect(summary.locator(".more")).to_have_text("Meer")
    body = step.locator(".step-body")
    await expect(body).to_be_hidden()
    await summary.click()
    await expect(body).to_be_visible()
    await expect(step.locator("details")).to_have_attribute("open", "")
    report = steps.get_by_role("button", name="Meld bij coördinator")
    await expect(report).to_have_count(2)  # above the steps and below them
    first_step = await step.bounding_box()
    above = await report.first.bounding_box()
    assert first_step and above and above["y"] < first_step["y"]
    await no_horizontal_scroll(page)


async def test_a_refused_briefing_is_said_in_view_and_the_refusal_goes_once_it_is_sent(page: Page) -> None:
    """The briefing editor's refusal ("…niet verstuurd") lands in view; once the briefing
    went out, nothing is left saying it was not sent."""
    await page.goto("/")
    chat = page.locator("#pane-chat")
    await page.get_by_role("textbox").fill(QUESTION)
    await page.keyboard.press("Enter")
    for label in TRIAGE:
        await tap_and_wait(page, latest_bot(page).locator(".choices").get_by_role("button", name=label, exact=True))
    await latest_bot(page).get_by_role("button", name="Meld bij coördinator").first.click()
    report = chat.locator(".msg.bot", has=page.locator("form.reply-form"))
    for label, value in FORM.items():
        await report.get_by_label(re.compile(f"^{re.escape(label)}")).fill(value)
    await report.get_by_role("button", name="Melden", exact=True).click()
    await expect(latest_bot(page)).to_contain_text("is gemeld")

    await page.get_by_label("Rol", exact=True).select_option("vertrouwenspersoon")
    await chat.get_by_role("button", name="Ik pak dit op").click()
    await page.get_by_role("tab", name=re.compile("^Incidentruimte")).click()
    space = page.locator("#pane-spaces")
    await space.get_by_role("button", name="Teambriefing voorbereiden").click()
    await space.get_by_role("button", name="Aanpassen").click()
    editor = space.locator(".msg.bot", has=page.locator("form.reply-form")).last
    text = editor.get_by_label(re.compile("^Tekst van de briefing"))
    draft = await text.input_value()
    await text.fill(draft + "\n- J.K. uit de klas heeft het gemeld.")  # initials from the report
    await editor.get_by_role("button", name="Voorbeeld bekijken").click()
    refusal = space.locator(".notice", has_text="niet verstuurd")
    await expect(refusal).to_be_visible()
    await in_view(page, refusal)
    await page.screenshot(path=str(ARTIFACTS / "simulator-briefing-refused.png"))

    await text.fill(draft)
    await editor.get_by_role("button", name="Voorbeeld bekijken").click()
    await expect(refusal).to_have_count(0)  # the same message answered: the refusal is stale
    await space.get_by_role("button", name="Versturen naar het team").last.click()  # the preview just saved
    await expect(space.locator(".msg.bot", has_text="is verstuurd")).to_be_visible()
    await expect(page.locator(".notice", has_text="niet verstuurd")).to_have_count(0)
