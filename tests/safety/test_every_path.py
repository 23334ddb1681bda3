"""Safety rules checked on the rendered text of every path, both languages, both
jurisdictions (issue 3; DESIGN "Non-negotiable safety rules"; research A.3/A.4).

Each test collects every violation before failing, so one run shows them all.
"""

from __future__ import annotations

import re

import pytest

from bot.playbooks import contacts
from tests.conftest import PLAYBOOKS
from tests.safety.walk import all_walks, library, reply_text, sentences, shown_sections, walks

SEXUAL_IMAGE_PLAYBOOKS = ("naaktbeeld-sexting", "sextortion-chantage")

NEGATION = re.compile(r"\b(niet|geen|nooit|niets|nergens|zonder|not|never|no|nothing|nowhere|don't|neither|nor|"
                      r"without)\b", re.IGNORECASE)
#: Ways of keeping an image "as evidence" (C-01).
KEEPING = re.compile(r"maak(t)? (een |geen )?(screenshot|schermafbeelding)|(screenshot|schermafbeelding)s? "
                     r"(maken|nemen|met|van (het|de|dat|die|een))|neem (een )?screenshot|take (a )?screenshots?|"
                     r"screenshots? (it|them|the|with|of (it|the|this|that))|\busb\b|\bprint|uitprint|opslaan|"
                     r"\bsla\b.*\bop\b|bewaar|kopie|kopieer|\bsave|\bstore|\bcopy|\bcopies\b|"
                     r"\bkeep (the |a )?(image|photo|picture|video|material|messages?|screenshots?|chat)|"
                     r"\bkeep (it|them) as evidence", re.IGNORECASE)
NON_SEXUAL = re.compile(r"niet-seksueel|niet seksueel|non-sexual|not sexual", re.IGNORECASE)
SEXUAL_WORD = re.compile(r"naakt|seksue|bloot|nude|naked|sexual", re.IGNORECASE)


def excludes_sexual_images(section: str) -> bool:
    """The section limits its advice to non-sexual material, or forbids it for sexual images."""
    parts = sentences(section)
    pairs = [" ".join(parts[i:i + 2]) for i in range(len(parts))]  # "Naaktbeeld? Dan geen screenshot."
    return bool(NON_SEXUAL.search(section)) or any(SEXUAL_WORD.search(p) and NEGATION.search(p) for p in pairs)


def test_there_are_ten_playbooks_and_many_paths() -> None:
    assert len(library().ids()) >= 3
    assert len(all_walks()) > 100


@pytest.mark.parametrize("playbook_id", SEXUAL_IMAGE_PLAYBOOKS)
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("jurisdiction", ["nl", "vl"])
def test_first_answer_carries_the_no_copy_rule(playbook_id: str, lang: str, jurisdiction: str) -> None:
    if library().get(playbook_id) is None:
        pytest.fail(f"{playbook_id} is missing")
    required = {
        "nl": ["kopieer", "screenshot", "stuur", "print", "bewaar", "ook niet als bewijs"],
        "en": ["copy", "screenshot", "forward", "print", "store", "not even as evidence"],
    }[lang]
    walk = next(walks(playbook_id, lang, jurisdiction))
    do_now = next(s for s in walk.first.sections if s.title in ("Doe nu", "Do now")).text.lower()
    missing = [word for word in required if word not in do_now]
    assert not missing, f"{walk.label()}: the first answer lacks {missing}"


def test_no_path_advises_keeping_a_sexual_image_of_a_minor() -> None:
    """In the sexual-image playbooks every sentence about keeping material is a prohibition;
    elsewhere, advice to document material must be scoped to non-sexual material (C-01)."""
    violations = set()
    for shown in shown_sections():
        scoped = excludes_sexual_images(shown.text)
        for sentence in sentences(shown.text):
            if not KEEPING.search(sentence) or NEGATION.search(sentence):
                continue
            if shown.playbook in SEXUAL_IMAGE_PLAYBOOKS or not scoped:
                violations.add(f"{shown.playbook} [{shown.lang}/{shown.jurisdiction}]: {sentence}")
    assert not violations, "\n".join(sorted(violations))


def test_staff_sexual_misconduct_nl_route_and_order() -> None:
    """C-05: board -> vertrouwensinspecteur -> police report, in that order; informing only
    the school leadership is not enough; parents' objections do not lift the duty."""
    problems = []
    for walk in all_walks():
        if walk.playbook != "medewerker-grensoverschrijdend" or walk.jurisdiction != "nl":
            continue
        text = "\n".join(reply_text(r) for r in walk.replies[:-1]).lower()
        if walk.lang == "nl":
            order = ["bestuur", "vertrouwensinspecteur", "aangifte"]
            needed = ["niet genoeg", "bezwaren van ouders"]
        else:
            order = ["board", "confidential inspector", "police report"]
            needed = ["not enough", "objections"]
        positions = [text.find(word) for word in order]
        if -1 in positions or positions != sorted(positions):
            problems.append(f"{walk.label()}: order {list(zip(order, positions, strict=True))}")
        problems += [f"{walk.label()}: missing '{word}'" for word in needed if word not in text]
    assert not problems, "\n".join(problems[:30])


DUTCH_ONLY = re.compile(r"0900-8844|0900-111 3 111|088-669 60 60|020-261 52 75|0800-0188|helpwanted|meldknop|"
                        r"vertrouwensinspect|confidential inspector|meld- en aangifteplicht|wet sociale veiligheid",
                        re.IGNORECASE)
DOES_NOT_APPLY = re.compile(r"geldt niet|is niet van toepassing|niet voor vlaanderen|does not apply|not apply in",
                            re.IGNORECASE)


def test_flemish_schools_get_no_dutch_organisations_or_duties() -> None:
    violations = set()
    for shown in shown_sections():
        if shown.jurisdiction != "vl":
            continue
        for sentence in sentences(shown.text):
            if DUTCH_ONLY.search(sentence) and not DOES_NOT_APPLY.search(sentence):
                violations.add(f"{shown.playbook} [{shown.lang}/vl]: {sentence}")
    assert not violations, "\n".join(sorted(violations)[:40])


PROMISE = re.compile(r"beloof|belooft|beloven|toezeg|promise|assure|guarantee", re.IGNORECASE)
SECRET = re.compile(r"geheim|secre|niemand|nobody|anyone|tussen ons|between us|vertrouwelijk|confidential",
                    re.IGNORECASE)
PROMISE_FREE = re.compile(r"\b(geen|niet|nooit|no|not|never|cannot|kan niet)\b", re.IGNORECASE)


def test_no_promise_of_secrecy_to_a_pupil() -> None:
    violations = set()
    for shown in shown_sections():
        for sentence in sentences(shown.text):
            if PROMISE.search(sentence) and SECRET.search(sentence) and not PROMISE_FREE.search(sentence):
                violations.add(f"{shown.playbook} [{shown.lang}]: {sentence}")
    assert not violations, "\n".join(sorted(violations))


VICTIM_BLAMING = re.compile(r"eigen schuld|had (ze|hij) maar|moet (ze|hij) maar|niet zo stom|own fault|"
                            r"should(n't| not) have (sent|taken|made)|asked for it|had het zelf", re.IGNORECASE)


def test_no_victim_blaming() -> None:
    violations = set()
    for shown in shown_sections():
        for sentence in sentences(shown.text):
            if VICTIM_BLAMING.search(sentence) and not NEGATION.search(sentence):
                violations.add(f"{shown.playbook} [{shown.lang}]: {sentence}")
    assert not violations, "\n".join(sorted(violations))


CLASS_TALK = re.compile(r"klasgesprek|klassengesprek|gesprek (met|in) de klas|in de klas bespreken|class talk|"
                        r"talk (with|to) the class|discuss(ed)? (it )?(with|in) the class|classmates of the victim",
                        re.IGNORECASE)
CONSENT = re.compile(r"toestemming|instemming|goedvind|only then|akkoord|consent|agree|algemeen|general|\bwil\b|wants|"
                     r"wish|wens|\bpas\b|only after|not now|nu niet", re.IGNORECASE)


def test_incident_class_talk_only_with_consent() -> None:
    """C-10: a class talk about the incident needs the victim's and parents' consent; a
    general talk about norms is always allowed. A sentence that mentions a class talk must
    carry consent, the pupil's wish, a general scope, or a negation or deferral."""
    violations = set()
    for shown in shown_sections():
        parts = sentences(shown.text)
        for i, sentence in enumerate(parts):
            context = " ".join(parts[max(0, i - 1):i + 2])
            if CLASS_TALK.search(sentence) and not (CONSENT.search(context) or NEGATION.search(sentence)):
                violations.add(f"{shown.playbook} [{shown.lang}]: {sentence}")
    assert not violations, "\n".join(sorted(violations))


def test_only_verified_numbers_and_addresses_reach_a_teacher() -> None:
    contact_list, problems = contacts.load_contacts([PLAYBOOKS])
    assert problems == [] and contact_list is not None
    violations = set()
    for shown in shown_sections():
        for found in contacts.unverified(shown.text, contact_list):
            violations.add(f"{shown.playbook} [{shown.lang}/{shown.jurisdiction}]: {found}")
    assert not violations, "\n".join(sorted(violations))


def test_every_path_ends_in_steps_with_a_role() -> None:
    empty = [w.label() for w in all_walks()
             if not any(s.title[:1].isdigit() and " · " in s.title for s in w.replies[-2].sections)]
    assert not empty, "\n".join(empty[:20])
