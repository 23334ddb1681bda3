"""Taps and seconds from a teacher's first message to the coordinator's acknowledgement.

Drives the real simulator page in Debian's headless Chromium (360x740, like a phone) the
way a person would: type the question, tap the answers, tap [Meld bij coördinator], fill
in the form with initials only, tap [Melden]; then, as the vertrouwenspersoon, open the
DM and tap [Ik pak dit op]. It counts every tap (click or choice in the role list) and
every typed field, and times the journey from the first keystroke to the acknowledgement
on screen. Each run gets a fresh server on port 0 with a temporary SQLite database and
the demo school; the median of the runs is printed.

The seconds are the machine's: pages, server, database and delivery, with no human
reading or typing time (fields are filled at once). Waiting is only ever for the UI to
show what the next tap needs.

    python bench/simulator_journey.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright, expect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.web.app import bound_port, start_web  # noqa: E402
from bot.app import build_core  # noqa: E402
from bot.settings import Settings  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
QUESTION = "er gaat een naaktfoto rond van een leerling uit 3B, wat moet ik doen?"
#: Acute distress: no; minor: yes; staff: no; extortion: no; spread: class; perpetrator: our school.
TRIAGE = ["Nee", "Nee", "Ja", "Nee", "Nee", "Klas of jaarlaag", "Ja, leerling(en) van onze school"]
FORM = {"Wat is er gebeurd?": "Naaktfoto van leerling J.K. gaat rond",
        "Waar? (platform, groep of account)": "Snapchat, klassengroep",
        "Sinds wanneer?": "gisteravond"}


@dataclass
class Run:
    seconds: float = 0.0
    taps: dict[str, int] = field(default_factory=lambda: {"teacher": 0, "role switch": 0, "coordinator": 0})
    typed: dict[str, int] = field(default_factory=lambda: {"question": 0, "report form": 0})


async def journey(page: Page) -> Run:
    run = Run()
    chat = page.locator("#pane-chat")
    await page.goto("/")
    await expect(chat.locator(".msg.bot").last).to_contain_text("Waar gaat het over?")
    started = time.perf_counter()

    await page.get_by_role("textbox", name="Jouw bericht / Your message").fill(QUESTION)
    run.typed["question"] += 1
    await page.get_by_role("button", name="Verstuur").click()
    run.taps["teacher"] += 1
    for label in TRIAGE:
        message = chat.locator(".msg.bot").last
        first = message.locator(".choices button").first
        asked = await first.get_attribute("data-payload")
        await message.locator(".choices").get_by_role("button", name=label, exact=True).click()
        run.taps["teacher"] += 1
        await expect(first).not_to_have_attribute("data-payload", asked or "")
    await chat.get_by_role("button", name="Meld bij coördinator").click()
    run.taps["teacher"] += 1
    report = chat.locator(".msg.bot", has=page.locator("form.reply-form"))
    for label, value in FORM.items():
        await report.get_by_label(re.compile(f"^{re.escape(label)}")).fill(value)
        run.typed["report form"] += 1
    await report.get_by_role("button", name="Melden", exact=True).click()
    run.taps["teacher"] += 1
    await expect(chat.locator(".msg.bot").last).to_contain_text("is gemeld")

    # On a phone this is another person picking up theirs; here: the role list (one choice).
    await page.get_by_label("Rol / Role").select_option("vertrouwenspersoon")
    run.taps["role switch"] += 1
    take = chat.get_by_role("button", name="Ik pak dit op")
    await take.click()
    run.taps["coordinator"] += 1
    await expect(chat.locator(".msg.bot", has_text="Je bent eigenaar van incident")).to_be_visible()
    run.seconds = time.perf_counter() - started
    return run


async def one(browser: Browser) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/bench.db", playbooks_dir=ROOT / "playbooks",
                            school_config=Path(tmp) / "no-school.yaml")
        core = await build_core(settings, fallback_school=ROOT / "school.example.yaml")
        runner = await start_web(core, "127.0.0.1", 0)
        context = await browser.new_context(viewport={"width": 360, "height": 740},
                                            base_url=f"http://127.0.0.1:{bound_port(runner)}")
        try:
            return await journey(await context.new_page())
        finally:
            await context.close()
            await runner.cleanup()
            await core.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            runs = [await one(browser) for _ in range(args.runs)]
        finally:
            await browser.close()

    first = runs[0]
    assert all(r.taps == first.taps and r.typed == first.typed for r in runs), "runs differ in what was done"
    seconds = [r.seconds for r in runs]
    taps = sum(first.taps.values())
    typed = sum(first.typed.values())
    print(f"Simulator journey, teacher's first message -> coordinator's acknowledgement "
          f"({args.runs} runs, Chromium 360x740, demo school, naaktbeeld-sexting)")
    print(f"  taps:         {taps}  (" + ", ".join(f"{k} {v}" for k, v in first.taps.items()) + ")")
    print(f"  typed fields: {typed}  (" + ", ".join(f"{k} {v}" for k, v in first.typed.items()) + ")")
    print(f"  seconds:      median {statistics.median(seconds):.2f}  "
          f"(min {min(seconds):.2f}, max {max(seconds):.2f}; machine time, no human reading or typing)")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
