"""Taps and seconds from a teacher's first message to the coordinator's acknowledgement,
and how each playbook's first answer and steps fit on a phone.

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

Then, per playbook (Dutch, opened with its button in the menu so that routing does not
matter), what a teacher sees on a 360x740 screen (issue #15):

* the height of the first answer (the whole reply: title, do-now, first question and its
  buttons); goal: one screen, 740 px;
* the words of that reply a teacher reads before its first button; goal: 150;
* tapping the first option of every question until the steps come: how far the
  [Meld bij coördinator] button is from the top of that message (to the button's bottom
  edge, so all of it is in view), in px and in screens of 740 px; goal: 1.5 screens.

Screenshots of the first answer and the steps of naaktbeeld-sexting and cyberpesten, as
the screen shows them, go to test-artifacts/. The bench reports; it exits 0 whatever it
measures (2 only without Chromium).

    python bench/simulator_journey.py [--runs 5] [--no-layout]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, Locator, Page, async_playwright, expect

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

    await page.get_by_role("textbox", name="Jouw bericht").fill(QUESTION)
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
    await chat.get_by_role("button", name="Meld bij coördinator").first.click()  # above the steps
    run.taps["teacher"] += 1
    report = chat.locator(".msg.bot", has=page.locator("form.reply-form"))
    for label, value in FORM.items():
        await report.get_by_label(re.compile(f"^{re.escape(label)}")).fill(value)
        run.typed["report form"] += 1
    await report.get_by_role("button", name="Melden", exact=True).click()
    run.taps["teacher"] += 1
    await expect(chat.locator(".msg.bot").last).to_contain_text("is gemeld")

    # On a phone this is another person picking up theirs; here: the role list (one choice).
    await page.get_by_label("Rol", exact=True).select_option("vertrouwenspersoon")
    run.taps["role switch"] += 1
    take = chat.get_by_role("button", name="Ik pak dit op")
    await take.click()
    run.taps["coordinator"] += 1
    await expect(chat.locator(".msg.bot", has_text="Je bent eigenaar van incident")).to_be_visible()
    run.seconds = time.perf_counter() - started
    return run


@asynccontextmanager
async def served() -> AsyncIterator[tuple[str, list[str]]]:
    """A fresh simulator with the demo school: its address and the playbooks' ids."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/bench.db", playbooks_dir=ROOT / "playbooks",
                            school_config=Path(tmp) / "no-school.yaml")
        core = await build_core(settings, fallback_school=ROOT / "school.example.yaml")
        runner = await start_web(core, "127.0.0.1", 0)
        try:
            yield f"http://127.0.0.1:{bound_port(runner)}", core.library.ids()
        finally:
            await runner.cleanup()
            await core.close()


async def one(browser: Browser) -> Run:
    async with served() as (url, _ids):
        context = await browser.new_context(viewport={"width": WIDTH, "height": SCREEN}, base_url=url)
        try:
            return await journey(await context.new_page())
        finally:
            await context.close()


# -- how the first answer and the steps fit on a phone ----------------------------------
WIDTH, SCREEN = 360, 740
GOAL_FIRST_PX = SCREEN
GOAL_WORDS = 150
GOAL_SCREENS = 1.5
SCREENSHOTS = ["naaktbeeld-sexting", "cyberpesten"]
ARTIFACTS = ROOT / "test-artifacts"
#: Payload verbs (bot/conversation/payloads.py): an answer to a triage question, the report button.
ANSWER = re.compile(r"^pw1:\d+:ans:")
REPORT = re.compile(r"^pw1:\d+:report(:|$)")

#: The visible words of a reply above its first button (a closed <details> shows only its summary).
WORDS_ABOVE_BUTTONS = """(article) => {
  let text = "";
  for (const child of article.children) {
    if (child.matches(".choices, .actions") || child.querySelector(".choices button")) break;
    text += " " + child.innerText;
  }
  return text.split(/\\s+/).filter((word) => /[\\p{L}\\p{N}]/u.test(word)).length;
}"""


@dataclass
class Fit:
    playbook: str
    first_px: float = 0.0
    words: int = 0
    taps: int = 0
    report_px: float | None = None  # None: no steps with a report button were reached
    note: str = ""


async def payloads(message: Locator) -> list[str]:
    return [str(p) for p in await message.locator("button[data-payload]").evaluate_all(
        "(buttons) => buttons.map((button) => button.dataset.payload)")]


async def fit(page: Page, playbook: str) -> Fit:
    """Open ``playbook`` from the menu, measure its first answer, tap the first option of
    each question until the steps, measure where the report button is."""
    result = Fit(playbook)
    chat = page.locator("#pane-chat")
    await page.goto("/")
    menu = chat.locator(".msg.bot").last
    await expect(menu).to_contain_text("Waar gaat het over?")
    pick = menu.locator(f'.choices button[data-payload$=":pick:{playbook}"]')
    if await pick.count() != 1:
        result.note = "not in the menu"
        return result
    await pick.click()
    await expect(pick).to_have_count(0)
    message = chat.locator(".msg.bot").last
    await expect(message.locator(".choices button").first).to_be_focused()
    result.first_px = (await message.bounding_box() or {"height": 0.0})["height"]
    result.words = int(await message.evaluate(WORDS_ABOVE_BUTTONS))
    if playbook in SCREENSHOTS:
        await page.screenshot(path=str(ARTIFACTS / f"first-answer-{playbook}.png"))
        await whole(page, message, ARTIFACTS / f"first-answer-{playbook}-whole.png")
    for _ in range(20):
        shown = await payloads(message)
        if any(REPORT.match(p) for p in shown):
            break
        answers = [p for p in shown if ANSWER.match(p)]
        if not answers:
            result.note = "steps without a report button"
            return result
        await message.locator(f'button[data-payload="{answers[0]}"]').click()
        result.taps += 1
        await expect(page.locator(f'button[data-payload="{answers[0]}"]')).to_have_count(0)
        message = chat.locator(".msg.bot").last
    else:
        result.note = "no steps after 20 taps"
        return result
    boxes = await message.locator("button[data-payload]").evaluate_all(
        """(buttons) => buttons.filter((button) => /^pw1:\\d+:report(:|$)/.test(button.dataset.payload))
                               .map((button) => button.getBoundingClientRect().bottom)""")
    top = await message.evaluate("(article) => article.getBoundingClientRect().top")
    result.report_px = min(boxes) - top
    if playbook in SCREENSHOTS:
        await page.screenshot(path=str(ARTIFACTS / f"steps-{playbook}.png"))
        await whole(page, message, ARTIFACTS / f"steps-{playbook}-whole.png")
    return result


#: The sticky tabs and composer would be drawn across a screenshot taller than the screen.
STICKY = "(hide) => { for (const bar of document.querySelectorAll('.tabs, .composer')) " \
         "bar.style.visibility = hide ? 'hidden' : ''; }"


async def whole(page: Page, message: Locator, path: Path) -> None:
    """All of ``message`` in one picture (the screen shows a part of it at a time)."""
    await page.evaluate(STICKY, True)
    try:
        await message.screenshot(path=str(path))
    finally:
        await page.evaluate(STICKY, False)


async def fits(browser: Browser) -> list[Fit]:
    ARTIFACTS.mkdir(exist_ok=True)
    results = []
    async with served() as (url, ids):
        for playbook in ids:
            context = await browser.new_context(viewport={"width": WIDTH, "height": SCREEN}, base_url=url)
            try:
                results.append(await fit(await context.new_page(), playbook))
            except Exception as exc:  # a bench reports what it could not measure and goes on
                results.append(Fit(playbook, note=f"failed: {type(exc).__name__}"))
            finally:
                await context.close()
    return results


def mark(ok: bool) -> str:
    return "ok  " if ok else "OVER"


def print_fits(results: list[Fit]) -> None:
    print(f"\nFirst answer and steps per playbook (Dutch, Chromium {WIDTH}x{SCREEN}, opened from the menu, "
          f"first option of every question)")
    print(f"  goals: first answer <= {GOAL_FIRST_PX} px; <= {GOAL_WORDS} words before its first button; "
          f"[Meld bij coördinator] within {GOAL_SCREENS} screens of the top of the steps")
    header = f"  {'playbook':<32} {'first answer':<13} {'words':<8} {'taps':>4}  {'report button':<27} note"
    print(header)
    print("  " + "-" * (len(header) - 2))
    met = 0
    for r in results:
        if not r.first_px:
            print(f"  {r.playbook:<32} {'-':<13} {'-':<8} {'-':>4}  {'-':<27} {r.note}")
            continue
        first_ok, words_ok = r.first_px <= GOAL_FIRST_PX, r.words <= GOAL_WORDS
        first = f"{r.first_px:>4.0f} px {mark(first_ok)}"
        words = f"{r.words:>3} {mark(words_ok)}"
        if r.report_px is None:
            report, report_ok = "-", True
        else:
            screens = r.report_px / SCREEN
            report_ok = screens <= GOAL_SCREENS
            report = f"{r.report_px:>4.0f} px = {screens:4.2f} screens {mark(report_ok)}"
        met += first_ok and words_ok and report_ok
        print(f"  {r.playbook:<32} {first:<13} {words:<8} {r.taps:>4}  {report:<27} {r.note}")
    print(f"  {met} of {len(results)} playbooks meet every goal")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="journeys to time (0: none)")
    parser.add_argument("--no-layout", action="store_true", help="only the journey, not the per-playbook fit")
    parser.add_argument("--screenshots", default=",".join(SCREENSHOTS),
                        help="playbooks whose first answer and steps are saved in test-artifacts/ (comma-separated)")
    args = parser.parse_args()
    SCREENSHOTS[:] = [name for name in args.screenshots.split(",") if name]
    if not CHROMIUM.exists():
        print("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            runs = [await one(browser) for _ in range(args.runs)]
            results = [] if args.no_layout else await fits(browser)
        finally:
            await browser.close()

    if runs:
        print_journey(runs)
    if results:
        print_fits(results)
    return 0


def print_journey(runs: list[Run]) -> None:
    first = runs[0]
    assert all(r.taps == first.taps and r.typed == first.typed for r in runs), "runs differ in what was done"
    seconds = [r.seconds for r in runs]
    taps = sum(first.taps.values())
    typed = sum(first.typed.values())
    print(f"Simulator journey, teacher's first message -> coordinator's acknowledgement "
          f"({len(runs)} runs, Chromium {WIDTH}x{SCREEN}, demo school, naaktbeeld-sexting)")
    print(f"  taps:         {taps}  (" + ", ".join(f"{k} {v}" for k, v in first.taps.items()) + ")")
    print(f"  typed fields: {typed}  (" + ", ".join(f"{k} {v}" for k, v in first.typed.items()) + ")")
    print(f"  seconds:      median {statistics.median(seconds):.2f}  "
          f"(min {min(seconds):.2f}, max {max(seconds):.2f}; machine time, no human reading or typing)")


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
