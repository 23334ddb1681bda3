"""Walk every answer path of every playbook through the real engine and collect what a
teacher would read, per language and jurisdiction."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from bot.conversation.engine import Engine
from bot.conversation.router import Router
from bot.conversation.state import ConversationState
from bot.events import ButtonPressed, Command, ConversationKey, UserRef
from bot.messages import Reply
from bot.playbooks import paths
from bot.playbooks.library import PlaybookLibrary, load_library
from tests.conftest import PLAYBOOKS

KEY = ConversationKey("test", "U1", "D1")
USER = UserRef("test", "U1")
LANGS = ("nl", "en")
JURISDICTIONS = ("nl", "vl")


@cache
def library() -> PlaybookLibrary:
    loaded, problems = load_library(PLAYBOOKS)
    assert problems == [], problems
    return loaded


@cache
def engine(jurisdiction: str | None) -> Engine:
    return Engine(library(), Router(library()), jurisdiction=jurisdiction)


@dataclass(frozen=True)
class Walk:
    playbook: str
    lang: str
    jurisdiction: str
    answers: tuple[tuple[str, str], ...]
    replies: tuple[Reply, ...]

    @property
    def first(self) -> Reply:
        return self.replies[0]

    @property
    def final(self) -> Reply:
        return self.replies[-1]

    def label(self) -> str:
        chosen = ", ".join(f"{q}={o}" for q, o in self.answers)
        return f"{self.playbook} [{self.lang}/{self.jurisdiction}] {chosen}"


def walks(playbook_id: str, lang: str, jurisdiction: str) -> Iterator[Walk]:
    """One walk per complete answer path, pressing the buttons a teacher would press."""
    playbook = library().get(playbook_id)
    assert playbook is not None
    eng = engine(jurisdiction)
    preset = {"jurisdiction": jurisdiction}
    for answers in paths.all_paths_from(playbook, preset):
        decision = eng.decide(ConversationState(lang=lang), ButtonPressed(KEY, USER, f"pw1:0:pick:{playbook_id}"))
        replies = [decision.replies[0]]
        chosen = [(q, o) for q, o in answers.items() if q not in preset]
        for question_id, option_id in chosen:
            wanted = f":ans:{question_id}={option_id}"
            payload = next(b.payload for b in replies[-1].choices if b.payload.endswith(wanted))
            decision = eng.decide(decision.state, ButtonPressed(KEY, USER, payload))
            replies.append(decision.replies[0])
        all_steps = eng.decide(decision.state, Command(KEY, USER, "all")).replies[0]
        yield Walk(playbook_id, lang, jurisdiction, tuple(chosen), (*replies, all_steps))


def every_walk() -> Iterator[Walk]:
    for playbook_id in library().ids():
        for lang in LANGS:
            for jurisdiction in JURISDICTIONS:
                yield from walks(playbook_id, lang, jurisdiction)


@cache
def all_walks() -> tuple[Walk, ...]:
    """Every walk, computed once per test session (the safety modules share it)."""
    return tuple(every_walk())


def reply_text(reply: Reply) -> str:
    parts = [reply.text]
    for section in reply.sections:
        parts += [section.title, section.text, section.footnote]
        parts += [f"{f.label}: {f.value}" for f in section.fields]
    parts += [b.label for b in reply.all_buttons()]
    return "\n".join(p for p in parts if p)


def section_texts(reply: Reply) -> Iterator[str]:
    for section in reply.sections:
        yield "\n".join(p for p in (section.title, section.text) if p)


_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+|(?<=:)\s+(?=[A-Z*])")


def sentences(text: str) -> list[str]:
    return [s.strip(" -*") for s in _SPLIT.split(text) if s.strip(" -*")]


@dataclass(frozen=True)
class Shown:
    """One distinct piece of text a teacher can see, and where."""

    playbook: str
    lang: str
    jurisdiction: str
    text: str


@cache
def shown_sections() -> frozenset[Shown]:
    """Every distinct section (title + text) and button label on any path."""
    out = set()
    for walk in all_walks():
        for reply in walk.replies:
            for text in section_texts(reply):
                out.add(Shown(walk.playbook, walk.lang, walk.jurisdiction, text))
            for button in reply.all_buttons():
                out.add(Shown(walk.playbook, walk.lang, walk.jurisdiction, button.label))
            out.add(Shown(walk.playbook, walk.lang, walk.jurisdiction, reply.text))
    return frozenset(out)
