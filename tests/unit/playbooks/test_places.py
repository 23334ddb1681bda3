"""A school of known jurisdiction reads only its own labelled parts (issue 10)."""

from __future__ import annotations

from bot.playbooks.places import for_jurisdiction
from bot.playbooks.schema import Text

TEXT = """Eerst dit.

- Vraag de politie. Nederland: 0900-8844 (zedenpolitie). Vlaanderen: de lokale politie.
- Dan geldt: Nederland: meld het bij het bestuur. Vlaanderen: bij de directie.

**Nederland (wettelijke meldplicht):** meld het direct bij het bestuur.
**Vlaanderen:** de Nederlandse meldplicht geldt niet.

Slot."""


def test_a_dutch_school_reads_no_flemish_parts_and_no_labels() -> None:
    assert for_jurisdiction(TEXT, "nl") == (
        "Eerst dit.\n\n- Vraag de politie. 0900-8844 (zedenpolitie).\n- Dan geldt: meld het bij het bestuur.\n\n"
        "**Wettelijke meldplicht:** meld het direct bij het bestuur.\n\nSlot.")


def test_a_flemish_school_reads_no_dutch_parts() -> None:
    assert for_jurisdiction(TEXT, "vl") == (
        "Eerst dit.\n\n- Vraag de politie. De lokale politie.\n- Dan geldt: bij de directie.\n\n"
        "De Nederlandse meldplicht geldt niet.\n\nSlot.")


def test_without_a_jurisdiction_both_stay_and_text_without_labels_is_untouched() -> None:
    assert for_jurisdiction(TEXT, None) == TEXT
    assert for_jurisdiction("Niets gelabeld.", "nl") == "Niets gelabeld."


def test_text_get_applies_it() -> None:
    text = Text(nl="Bel. Nederland: 0900-8844. Vlaanderen: lokale politie.", en="Call.")
    assert text.get("nl", "vl") == "Bel. Lokale politie."
    assert text.get("nl") == "Bel. Nederland: 0900-8844. Vlaanderen: lokale politie."
