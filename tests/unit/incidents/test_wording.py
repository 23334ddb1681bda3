"""The words of an incident's life, read as sentences (issue #15, "Wording").

Verbs agree with the number of roles, role names are lower case inside a sentence, the
tense says *when* the message goes, the reporter sees the incident number once, and a
coordinator's ping says what kind of incident it is.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.incidents import texts
from bot.incidents.reporting import confirmation, receipt
from bot.messages import Reply
from bot.notify.delivery import render
from bot.notify.outbox import OutboxMessage
from bot.playbooks.library import PlaybookLibrary
from tests.unit.notify.test_escalation import DIRECTORY

#: Thursday 08:00 in Amsterdam: when a report of Wednesday evening reaches the coordinator.
THURSDAY_MORNING = datetime(2026, 11, 19, 7, 0, tzinfo=UTC)


def everything(reply: Reply) -> str:
    """All a reader sees of a reply: the headline, every section's text, title and fields."""
    parts = [reply.text]
    for section in reply.sections:
        parts += [section.title, section.text, *(f"{f.label} {f.value}" for f in section.fields)]
    return "\n".join(parts)


def test_one_role_takes_the_singular_and_opens_the_sentence_capitalised() -> None:
    text = texts.reported("nl", "2026-0001", ["directie"], urgent=False)
    assert "Directie (schoolleiding) krijgt nu een bericht." in text
    assert "School leadership is being messaged now." in texts.reported("en", "2026-0001", ["directie"], urgent=False)


def test_two_roles_take_the_plural_and_only_the_first_word_is_capitalised() -> None:
    nl = texts.reported("nl", "2026-0001", ["vertrouwenspersoon", "directie"], urgent=True)
    assert "Vertrouwenspersoon / anti-pestcoördinator en directie (schoolleiding) krijgen nu direct een bericht." in nl
    assert "krijgt" not in nl and "Directie" not in nl
    en = texts.reported("en", "2026-0001", ["vertrouwenspersoon", "directie"], urgent=True)
    assert "anti-bullying coordinator and school leadership are being messaged right now." in en


def test_out_of_hours_the_confirmation_says_the_message_goes_later_in_both_languages() -> None:
    for lang, later, wrong in (("en", "will be messaged on Thursday at 08:00", "being messaged"),
                               ("nl", "krijgt op donderdag om 08:00 een bericht", "krijgt nu")):
        reply = confirmation({"template": "reported", "number": "2026-0001", "lang": lang,
                              "roles": ["vertrouwenspersoon"], "urgent": False, "reached": True,
                              "held_until": THURSDAY_MORNING.isoformat()}, DIRECTORY)
        shown = everything(reply)
        assert later in shown and wrong not in shown
        assert "112" in reply.sections[-1].text, "acute danger cannot wait until Thursday"
    english = confirmation({"template": "reported", "number": "2026-0001", "lang": "en",
                            "roles": ["vertrouwenspersoon", "directie"], "urgent": False, "reached": True,
                            "held_until": THURSDAY_MORNING.isoformat()}, DIRECTORY)
    assert ("It is outside working hours now: confidential counsellor / anti-bullying coordinator and school "
            "leadership will be messaged on Thursday at 08:00.") in english.text


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("held", ["", THURSDAY_MORNING.isoformat()])
def test_the_reporter_reads_the_number_once(lang: str, held: str) -> None:
    reply = confirmation({"template": "reported", "number": "2026-0001", "lang": lang,
                          "roles": ["vertrouwenspersoon"], "urgent": False, "reached": True, "held_until": held},
                         DIRECTORY)
    body = "\n".join(s.text + "".join(f.value for f in s.fields) for s in reply.sections)
    assert body.count("2026-0001") == 1
    # The receipt that replaces the form sits right above the confirmation: no number of its own.
    assert "2026-0001" not in everything(receipt(lang, "2026-0001"))


def test_nobody_reachable_claims_no_message() -> None:
    reply = confirmation({"template": "reported", "number": "2026-0001", "lang": "nl", "roles": ["directie"],
                          "urgent": True, "reached": False, "held_until": ""}, DIRECTORY)
    assert "krijgt" not in reply.text and "niemand ingesteld" in reply.sections[-1].text


def escalation(level: int, lang: str, library: PlaybookLibrary | None, playbook: str = "sample") -> Reply:
    message = OutboxMessage(1, "k", "dm", {"platform": "web", "id": "dir1"},
                            {"template": "escalation", "number": "2026-0001", "role": "directie", "level": level,
                             "urgent": True, "playbook": playbook}, 0)
    return render(message, lang, DIRECTORY, library)


def test_the_escalation_dm_names_the_protocol_and_says_nobody_took_it(sample_library: PlaybookLibrary) -> None:
    first = escalation(0, "nl", sample_library)
    assert first.text == "**Urgent incident 2026-0001 — Voorbeeld.** Voor jou als directie (schoolleiding). " \
                         "Kun je het oppakken?"
    passed_on = escalation(1, "en", sample_library)
    assert passed_on.text == ("**Urgent incident 2026-0001 — Sample.** Nobody has taken it yet. "
                              "For you as school leadership. Can you take it?")
    # A payload from before the title was known, or a playbook since removed: the number only.
    assert escalation(0, "nl", sample_library, playbook="gone").text.startswith("**Urgent incident 2026-0001.**")
    assert escalation(0, "nl", None).text.startswith("**Urgent incident 2026-0001.**")


def test_role_names_and_outcomes_are_lower_case_inside_a_sentence() -> None:
    assert texts.roles_in_sentence(["vertrouwenspersoon", "directie", "bestuur"], "nl") == \
        "vertrouwenspersoon / anti-pestcoördinator, directie (schoolleiding) en bestuur (bevoegd gezag)"
    assert texts.roles_in_sentence(["directie"], "en", start=True) == "School leadership"
    assert texts.inline("ICT-coördinator") == "ICT-coördinator"
    assert texts.person("nl", "J. de Vries", "vertrouwenspersoon") == "J. de Vries (vertrouwenspersoon / " \
                                                                       "anti-pestcoördinator)"
    assert texts.closed("nl", "2026-0001", texts.outcome("nl", "police")) == \
        "Incident 2026-0001 is gesloten: aangifte / politie."
    assert texts.chronology_kind("nl", "unreachable", "") == "niet bereikbaar via de chat"


def test_the_owner_is_named_as_a_label_not_in_nested_brackets() -> None:
    who = texts.person("nl", "J. de Vries", "vertrouwenspersoon")
    assert texts.owner_only("nl", who) == ("Alleen de eigenaar van dit incident kan dit doen. "
                                           "Eigenaar: J. de Vries (vertrouwenspersoon / anti-pestcoördinator).")
