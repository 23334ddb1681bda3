"""How the rule router scores, on a small synthetic library (independent of playbook wording)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.conversation.rules import RuleRouter as Router
from tests.unit.conversation.helpers import library_from_text
from tests.unit.playbooks.sample import VALID

CONCEPTS = """\
staff:
  nl: [leraar, docent]
  en: [teacher]
pupil:
  nl: [leerling]
  en: [pupil]
message:
  nl: [bericht, appt]
  en: [message]
worry:
  nl: [nachts, raar]
  en: [at night]
"""

STAFF = VALID.replace("id: sample", "id: staff").replace(
    "triggers: {nl: [voorbeeldwoord], en: [sampleword]}",
    "triggers: {nl: [meldplicht collega], en: [reporting duty]}\n"
    "trigger_concepts:\n  - [staff, pupil, message, worry]",
)
WORDS = VALID.replace("id: sample", "id: words").replace(
    "triggers: {nl: [voorbeeldwoord], en: [sampleword]}",
    "triggers: {nl: [naaktfoto, pesten], en: [nude, bullying]}",
)


@pytest.fixture
def router(tmp_path: Path) -> Router:
    (tmp_path / "_concepts.yaml").write_text(CONCEPTS, encoding="utf-8")
    return Router(library_from_text(tmp_path, staff=STAFF, words=WORDS))


def ranked(router: Router, text: str) -> list[str]:
    return [m.playbook for m in router.rank(text)]


def test_a_complete_concept_combination_matches(router: Router) -> None:
    assert ranked(router, "de docent appt 's nachts met een leerling") == ["staff"]


def test_an_incomplete_combination_does_not_match(router: Router) -> None:
    assert ranked(router, "de docent appt een leerling over het huiswerk") == []


def test_concepts_combine_across_languages(router: Router) -> None:
    assert ranked(router, "teacher sends a pupil a message at night") == ["staff"]


def test_compounds_match_on_unstemmed_words(router: Router) -> None:
    # The Dutch stemmer cuts "muziekleraar" to "muziekler" but leaves "leraar" whole.
    assert ranked(router, "de muziekleraar appt een leerling raar") == ["staff"]
    assert ranked(router, "er gaan naaktfotos rond") == ["words"]


def test_typos_match_within_a_small_distance(router: Router) -> None:
    assert ranked(router, "er gaat een naakfoto rond") == ["words"]


def test_repeating_a_word_does_not_inflate_the_score(router: Router) -> None:
    once = router.rank("pesten")[0].score
    assert router.rank("pesten pesten pesten pesten")[0].score == once


def test_phrase_triggers_need_every_word(router: Router) -> None:
    assert ranked(router, "wat is de meldplicht") == []
    assert ranked(router, "meldplicht voor een collega") == ["staff"]


def test_pick_opens_only_a_clear_leader(router: Router) -> None:
    assert router.pick(router.rank("naaktfoto")) == "words"
    assert router.pick([]) is None
