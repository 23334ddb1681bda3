"""Characters a database cannot store are cleaned from every event, on every platform."""

from __future__ import annotations

from bot.events import ConversationKey, FormSubmitted, TextMessage, UserRef
from bot.textclean import clean, clean_event


def test_nul_and_lone_surrogates_are_cleaned_and_the_rest_stays() -> None:
    assert clean("K.\x00 uit 3B") == "K. uit 3B"
    assert clean("half \ud83d pair") == "half \ufffd pair"
    text = "Leerling 😊 — \u2067 geïsoleerd, zero\u200bwidth, tab\tnewline\n"
    assert clean(text) == text, "what a database can store is left alone"


def test_every_string_of_an_event_is_cleaned() -> None:
    key = ConversationKey("slack", "U1\x00", "dm")
    event = FormSubmitted(key, UserRef("slack", "U1\x00", "Jan\x00"), "pw1:3:submit\x00",
                          {"what\x00": "foto\x00 van K.", "where": "Snap\ud800chat"})
    cleaned = clean_event(event)
    assert cleaned.key.user_id == "U1" and cleaned.user.display_name == "Jan"
    assert cleaned.payload == "pw1:3:submit"
    assert cleaned.values == {"what": "foto van K.", "where": "Snap\ufffdchat"}
    message = TextMessage(ConversationKey("web", "u", "dm"), UserRef("web", "u"), "hallo")
    assert clean_event(message) == message


def test_bidi_overrides_are_removed_and_isolates_and_marks_kept() -> None:
    """An override would turn the rest of a report around on the coordinator's card."""
    assert clean("Jan \u202eKJ 3B\u202c zei") == "Jan KJ 3B zei"
    assert clean("\u2067مرحبا\u2069 \u200f") == "\u2067مرحبا\u2069 \u200f"
