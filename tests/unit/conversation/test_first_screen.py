"""The first answer fits one phone screen (issue #15): the do-now block at most 5 bullets and
90 words in Dutch, and the whole first screen (title, 112 line, do-now, first question) at most
150 words before its buttons, for every playbook, language and jurisdiction."""

from __future__ import annotations

import re

import pytest

from bot.conversation import views
from bot.conversation.state import ConversationState, View
from bot.messages import Reply
from bot.playbooks.library import load_library
from tests.conftest import PLAYBOOKS

LIBRARY, _ = load_library(PLAYBOOKS)
MAX_BULLETS = 5
MAX_DO_NOW_WORDS = {"nl": 90, "en": 100}
MAX_FIRST_SCREEN_WORDS = {"nl": 150, "en": 165}


def words(text: str) -> int:
    return len(re.findall(r"\w+", text.replace("**", "")))


def screen_words(reply: Reply) -> int:
    """Everything above the buttons: headline, section titles, texts and fields."""
    return words(reply.text) + sum(
        words(s.title) + words(s.text) + sum(words(f.label) + words(f.value) for f in s.fields)
        for s in reply.sections)


def first_screen(playbook_id: str, lang: str, jurisdiction: str | None) -> Reply:
    state = ConversationState(lang=lang, jurisdiction=jurisdiction, view=View.QUESTION, playbook=playbook_id)
    return views.render(state, LIBRARY)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("jurisdiction", [None, "nl", "vl"])
def test_every_first_screen_fits_a_phone(lang: str, jurisdiction: str | None) -> None:
    problems = []
    for playbook in LIBRARY.for_jurisdiction(jurisdiction):
        do_now = playbook.do_now.get(lang, jurisdiction)
        bullets = sum(1 for line in do_now.splitlines() if line.lstrip().startswith("- "))
        if bullets > MAX_BULLETS:
            problems.append(f"{playbook.id}: {bullets} do-now bullets")
        if words(do_now) > MAX_DO_NOW_WORDS[lang]:
            problems.append(f"{playbook.id}: do-now {words(do_now)} words")
        reply = first_screen(playbook.id, lang, jurisdiction)
        if screen_words(reply) > MAX_FIRST_SCREEN_WORDS[lang]:
            problems.append(f"{playbook.id}: first screen {screen_words(reply)} words")
        if sum(s.text.count("112") for s in reply.sections) != 1:
            problems.append(f"{playbook.id}: 112 not exactly once")
        if not reply.choices:
            problems.append(f"{playbook.id}: no buttons on the first screen")
    assert not problems, problems
