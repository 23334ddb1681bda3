"""The whole incident journey in a real headless Chromium, phone-sized, with the demo school.

A teacher asks about a nude image going round, answers the triage, reports with initials
only; the vertrouwenspersoon takes it from the escalation DM, ticks steps on the card in
the incident space, edits and sends the team briefing and closes the incident; the team
channel shows the briefing without anything typed into the form; the teacher hears that
it was taken and closed. The naaktbeeld path is urgent, so the escalation goes out at
once whatever the real time of day (no working-hours wait to simulate).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from tests.adapters.web.conftest import no_horizontal_scroll, simulator

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[3]
SCREENSHOT = REPO / "test-artifacts" / "simulator-incident.png"
QUESTION = "er gaat een naaktfoto rond van een leerling uit 3B, wat moet ik doen?"
#: Acute distress: no; minor: yes; staff: no; extortion: no; spread: class; perpetrator: our school.
TRIAGE = ["Nee", "Nee", "Ja", "Nee", "Nee", "Klas of jaarlaag", "Ja, leerling(en) van onze school"]
FORM = {"Wat is er gebeurd?": "Naaktfoto van leerling J.K. gaat rond",
        "Waar? (platform, groep of account)": "Snapchat, groep Brugklas-B",
        "Sinds wanneer?": "gisteravond"}
INCIDENT = re.compile(r"Incident (\d{4}-\d{4})")


@pytest.fixture
async def base_url(tmp_path: Path) -> AsyncIterator[str]:
    async with simulator(tmp_path, demo_school=True) as url:
        yield url


def pane(page: Page, name: str) -> Locator:
    return page.locator(f"#pane-{name}")


async def switch_to(page: Page, persona: str) -> None:
    """Pick a role: the page shows its Chat, with its DMs and its own conversation."""
    await page.get_by_label("Rol", exact=True).select_option(persona)
    await expect(page.get_by_role("tab", name="Chat")).to_have_attribute("aria-selected", "true")
    await expect(pane(page, "chat").locator(".msg.bot").last).to_be_visible()


async def tab(page: Page, name: str) -> None:
    await page.get_by_role("tab", name=re.compile(f"^{name}")).click()
    await expect(page.get_by_role("tab", name=re.compile(f"^{name}"))).to_have_attribute("aria-selected", "true")


async def test_report_escalate_take_brief_close(page: Page) -> None:
    # -- the teacher asks and reports ---------------------------------------------------
    await page.goto("/")
    chat = pane(page, "chat")
    await expect(chat.locator(".msg.bot").last).to_contain_text("Waar gaat het over?")
    await expect(page.locator("#clock-time")).to_have_text(re.compile(r"^(ma|di|wo|do|vr|za|zo) \d\d-\d\d \d\d:\d\d$"))
    box = page.get_by_role("textbox", name="Jouw bericht")
    await box.fill(QUESTION)
    await box.press("Enter")
    for label in TRIAGE:
        message = chat.locator(".msg.bot").last
        first = message.locator(".choices button").first
        asked = await first.get_attribute("data-payload")
        await message.locator(".choices").get_by_role("button", name=label, exact=True).click()
        await expect(first).not_to_have_attribute("data-payload", asked or "")  # the next question
    steps = chat.locator(".msg.bot").last
    await expect(steps.locator("h2.headline")).to_contain_text("Stappen die passen bij jouw antwoorden")
    await steps.get_by_role("button", name="Meld bij coördinator").first.click()  # above the steps

    report = chat.locator(".msg.bot").last
    await expect(report.locator("h2.headline")).to_have_text("Melden bij de coördinator")
    await expect(report).to_contain_text("Gebruik initialen of een omschrijving, geen namen.")
    await expect(report.get_by_label(re.compile("^Wat is er gebeurd"))).to_be_focused()
    await expect(report.locator("textarea")).to_have_attribute("maxlength", "2000")
    for label, value in FORM.items():
        await report.get_by_label(re.compile(f"^{re.escape(label)}")).fill(value)
    await no_horizontal_scroll(page)
    await report.get_by_role("button", name="Melden", exact=True).click()
    confirmation = chat.locator(".msg.bot").last
    await expect(confirmation).to_contain_text(re.compile(r"Incident \d{4}-\d{4} is gemeld"))
    found = INCIDENT.search(await confirmation.inner_text())
    assert found
    number = found.group(1)
    await expect(chat.locator("form.reply-form")).to_have_count(0)  # the form was replaced ...
    await expect(chat.locator(".msg.bot").nth(-2)).to_contain_text("Je melding is verstuurd.")
    await expect(chat.locator(".msg.bot").nth(-2)).not_to_contain_text(number)  # the number once, below
    await page.screenshot(path=str(SCREENSHOT.with_name("simulator-reported.png")))  # ... by the receipt

    await tab(page, "Incidentruimte")
    await expect(pane(page, "spaces")).to_contain_text("Je zit (nog) in geen incidentruimte.")  # not the teacher's

    # -- the vertrouwenspersoon takes it from the DM ---------------------------------------
    await switch_to(page, "vertrouwenspersoon")
    dm = chat.locator(".msg.bot", has_text=f"Urgent incident {number}")
    await expect(dm).to_contain_text("Naakt- of seksueel beeld van een leerling gaat rond")  # what kind
    await expect(dm).to_contain_text("Voor jou als vertrouwenspersoon")
    await dm.get_by_role("button", name="Ik pak dit op").click()
    await expect(chat.locator(".msg.bot", has_text=f"Je bent eigenaar van incident {number}")).to_be_visible()
    await expect(chat.get_by_role("button", name="Ik pak dit op")).to_have_count(0)

    # -- the incident space: the card, ticking steps -----------------------------------------
    await expect(page.get_by_role("tab", name=re.compile("^Incidentruimte")).locator(".badge")).to_have_text("1")
    await page.get_by_role("tab", name="Chat").focus()
    await page.keyboard.press("ArrowRight")  # keyboard: the tabs follow the arrow keys
    await expect(page.get_by_role("tab", name=re.compile("^Incidentruimte"))).to_be_focused()
    space = pane(page, "spaces")
    await expect(space.get_by_role("heading", name=f"#incident-{number}")).to_be_visible()
    card = space.locator(".msg.bot", has=page.locator("h2.headline", has_text=f"Incident {number} —"))
    await expect(card).to_contain_text("Opgepakt")
    await expect(card).to_contain_text("J.K.")  # the report is for the incident's members only
    for step in (1, 2):
        await card.get_by_role("button", name=f"{step}. Gedaan", exact=True).click()
        await expect(card.get_by_role("button", name=f"{step}. Ongedaan", exact=True)).to_be_visible()
        await expect(card.get_by_role("button", name=f"{step}. Ongedaan", exact=True)).to_be_focused()
    await expect(card.locator(".checklist li.done")).to_have_count(2)
    await expect(card).to_contain_text("stap afgevinkt")
    await no_horizontal_scroll(page)

    # -- the team briefing: prepare, edit, send ----------------------------------------------
    await card.get_by_role("button", name="Teambriefing voorbereiden").click()
    preview = space.locator(".msg.bot", has_text=f"Voorbeeld teambriefing (incident {number})").last
    await expect(preview.get_by_role("button", name="Versturen naar het team")).to_be_visible()
    await preview.get_by_role("button", name="Aanpassen").click()
    editor = space.locator(".msg.bot", has=page.locator("form.reply-form")).last
    text = editor.get_by_label(re.compile("^Tekst van de briefing"))
    await expect(text).to_be_focused()
    draft = await text.input_value()
    assert "J.K." not in draft and draft.strip()
    await text.fill(draft + "\n- Vragen? Loop even binnen bij de vertrouwenspersoon.")
    await editor.get_by_role("button", name="Voorbeeld bekijken").click()
    edited = space.locator(".msg.bot", has_text="Loop even binnen bij de vertrouwenspersoon")
    await expect(edited.get_by_role("button", name="Versturen naar het team")).to_be_visible()
    await edited.get_by_role("button", name="Versturen naar het team").click()
    await expect(space.locator(".msg.bot", has_text=f"De teambriefing voor incident {number} is verstuurd")) \
        .to_be_visible()
    await page.evaluate("window.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)

    await tab(page, "Teamkanaal")
    posted = pane(page, "team").locator(".msg.bot")
    await expect(posted).to_have_count(1)
    await expect(posted).to_contain_text("Loop even binnen bij de vertrouwenspersoon")
    briefing = await posted.inner_text()
    for typed in ("J.K.", "Snapchat", "Brugklas", "gisteravond", "3B"):
        assert typed not in briefing, f"the team briefing carries {typed!r} from the report"
    await no_horizontal_scroll(page)

    # -- closing with an outcome --------------------------------------------------------------
    await tab(page, "Incidentruimte")
    await card.get_by_role("button", name="Incident sluiten").click()
    outcome = space.locator(".msg.bot", has_text=f"Met welke uitkomst sluit je incident {number}?")
    await outcome.get_by_role("button", name="Opgelost").click()
    await expect(space.locator(".msg.bot", has_text=f"Incident {number} is gesloten: opgelost.")).to_be_visible()
    await expect(card).to_contain_text("Gesloten: opgelost")
    await expect(card.locator("button")).to_have_count(0)  # a closed incident has nothing left to press

    # -- the others: directie's DM says who took it; the teacher heard both ----------------------
    await switch_to(page, "directie")
    await expect(chat.locator(".msg.bot", has_text=f"Incident {number} is opgepakt door J. de Vries")).to_be_visible()
    await switch_to(page, "teacher")
    await expect(chat.locator(".msg.bot", has_text=f"Incident {number} is opgepakt door J. de Vries")).to_be_visible()
    await expect(chat.locator(".msg.bot", has_text=f"Incident {number} is afgerond")).to_be_visible()
    await no_horizontal_scroll(page)

    # The simulated clock: one tap moves it an hour on.
    clock = page.locator("#clock-time")
    before = datetime.fromisoformat(str(await clock.get_attribute("datetime")))
    await page.get_by_role("button", name=re.compile("^Klok 1 uur vooruit")).click()
    await expect(clock).not_to_have_attribute("datetime", before.isoformat(timespec="minutes"))
    moved = datetime.fromisoformat(str(await clock.get_attribute("datetime"))) - before
    assert timedelta(hours=1) <= moved <= timedelta(hours=1, minutes=1)  # real time goes on too
