"""A small school running the real core with the real playbooks, a recording platform
and a fixed clock: the harness for the incident scenario tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Core, build_core
from bot.clock import Clock
from bot.events import ButtonPressed, ConversationKey, FormSubmitted, TextMessage, UserRef
from bot.incidents.reporting import RECEIPT
from bot.messages import Button, Reply
from bot.settings import Settings
from tests.conftest import PLAYBOOKS
from tests.fakes.platform import FakePlatform

SCHOOL_YAML = """\
school: OBS De Regenboog
jurisdiction: nl
language: nl
roles:
  vertrouwenspersoon: {name: "J. de Vries", web: [vp1, vp2]}
  zorgcoordinator: {name: "M. Bakker", web: [zorg1]}
  directie: {name: "A. Jansen", web: [dir1]}
  bestuur: {name: "Bestuurssecretariaat", web: [board1]}
  mentor: {name: "Mentoren", web: [mentor1]}
escalation: [vertrouwenspersoon, directie, bestuur]
channels:
  team: {web: team}
working_hours: {days: [mon, tue, wed, thu, fri], from: "08:00", to: "17:00", tz: Europe/Amsterdam}
"""

#: A Wednesday, 10:00 in Amsterdam.
SCHOOL_HOURS = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
#: A Wednesday, 21:00 in Amsterdam.
EVENING = datetime(2026, 11, 18, 20, 0, tzinfo=UTC)

NUMBER = re.compile(r"\b(\d{4}-\d{4})\b")


@dataclass
class School:
    core: Core
    platform: FakePlatform
    clock: Clock

    # -- acting ------------------------------------------------------------------------
    async def say(self, user: str, text: str) -> list[Reply]:
        return await self.core.handle(TextMessage(_key(user), UserRef("web", user, user.title()), text))

    async def press(self, user: str, payload: str) -> list[Reply]:
        return await self.core.handle(ButtonPressed(_key(user), UserRef("web", user, user.title()), payload))

    async def submit(self, user: str, payload: str, values: dict[str, str]) -> list[Reply]:
        return await self.core.handle(FormSubmitted(_key(user), UserRef("web", user, user.title()), payload, values))

    async def work(self) -> int:
        """One round of the background workers (escalations, then the outbox)."""
        assert self.core.workers is not None
        return await self.core.workers.run_once()

    async def later(self, **delta: float) -> int:
        self.clock.advance(timedelta(**delta))
        return await self.work()

    # -- the teacher's side ---------------------------------------------------------------
    async def triage(self, user: str, question: str, answers: dict[str, str]) -> Reply:
        """Ask, then answer every triage question (``answers`` by question id, else the
        first option) until the steps show; returns the steps reply."""
        [reply] = await self.say(user, question)
        while True:
            options = [b for b in reply.choices if ":ans:" in b.payload]
            if not options:
                return reply
            question_id = options[0].payload.split(":ans:")[1].split("=")[0]
            wanted = answers.get(question_id)
            chosen = next((b for b in options if b.payload.endswith(f"={wanted}")), options[0])
            [reply] = await self.press(user, chosen.payload)

    async def confirmation(self, user: str) -> Reply:
        """The reporter's confirmation, which comes through the outbox (exactly one)."""
        await self.work()
        found = [r for r in self.platform.to(user) if "is gemeld" in r.text or "has been reported" in r.text]
        assert len(found) == 1, [r.text for r in self.platform.to(user)]
        return found[0]

    async def report(self, user: str, question: str, answers: dict[str, str], values: dict[str, str]) -> str:
        """From the question to a reported incident; returns its number."""
        steps = await self.triage(user, question, answers)
        [form_reply] = await self.press(user, button(steps, "Meld bij coördinator").payload)
        assert form_reply.form is not None
        replies = await self.submit(user, form_reply.form.submit, values)
        # The receipt names no number (the confirmation right after it does, once): its meta has it.
        number = replies[-1].meta.get(RECEIPT, "")
        assert NUMBER.fullmatch(number), replies
        return number


def button(reply: Reply, label: str) -> Button:
    found = [b for b in reply.all_buttons() if label in b.label]
    if not found:
        for section in reply.sections:
            found += [item.action for item in section.checklist if item.action and label in item.action.label]
    assert found, f"no button '{label}' in {[b.label for b in reply.all_buttons()]}"
    return found[0]


def _key(user: str) -> ConversationKey:
    return ConversationKey("web", user, "dm")


async def open_school(tmp_path: Path, *, start: datetime = SCHOOL_HOURS, db: AsyncEngine | None = None,
                      platform: FakePlatform | None = None) -> School:
    school_file = tmp_path / "school.yaml"
    if not school_file.exists():
        school_file.write_text(SCHOOL_YAML, encoding="utf-8")
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/school.db", playbooks_dir=PLAYBOOKS,
                        school_config=school_file)
    clock = Clock(start)
    core = await build_core(settings, clock=clock, db=db)
    assert core.directory is not None, "the test school directory did not load"
    platform = platform or FakePlatform()
    core.add_platform(platform)
    core.make_workers()
    return School(core, platform, clock)
