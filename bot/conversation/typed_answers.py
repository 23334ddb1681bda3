"""Typed answers to a triage question: "ja", "nee", "weet niet", "2", or an option's label.

On a phone many people type "ja" instead of tapping [Ja]. A typed text answers the question
when it clearly names one option; when it could name two ("ja" where two options start
with "Ja, …") it answers nothing, and the engine asks the same question again with its
buttons. Only the option id is kept; the text itself is forgotten like every typed text.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from bot.conversation.textnorm import fold
from bot.playbooks.schema import Option, Question

_WORD = re.compile(r"[a-z0-9+]+")

#: Whole answers, folded (no accents, no apostrophes), by the kind of option they choose.
_KIND_WORDS: dict[str, frozenset[str]] = {
    "unknown": frozenset({
        "weet niet", "weet ik niet", "weet het niet", "ik weet het niet", "ik weet niet", "weetniet", "wn",
        "geen idee", "twijfel", "ik twijfel", "misschien", "onbekend", "niet zeker", "weet ik nog niet",
        "k weet het niet", "kweet het niet", "kweet niet", "k weet niet", "weet nie", "weet ik nie",
        "dont know", "do not know", "i dont know", "dunno", "idk", "not sure", "unsure", "no idea", "maybe",
        "unknown", "im not sure",
    }),
    "yes": frozenset({
        "ja", "jaa", "jaaa", "jawel", "jep", "jup", "jazeker", "ja zeker", "ja hoor", "zeker", "klopt",
        "dat klopt", "inderdaad", "j", "yes", "yess", "yep", "yeah", "yup", "y", "sure", "correct", "indeed",
    }),
    "no": frozenset({
        "nee", "neen", "neeh", "nee hoor", "neen hoor", "neeje", "nope", "niet", "nie", "ni", "nee ni",
        "klopt niet", "nein",
        "n", "no", "nah", "not really", "nee niet", "no not",
    }),
}

#: The words an option's label starts with (or an id) that make it the option of that kind.
_KIND_OF_LABEL = {"yes": ("ja", "yes"), "no": ("nee", "no")}
_UNKNOWN_LABEL_SIGNS = (("weet", "niet"), ("dont", "know"), ("not", "sure"), ("twijfel",), ("onbekend",),
                        ("unknown",), ("unsure",))

#: Other names of an option id (the jurisdiction question: "België" for Flanders).
_ID_SYNONYMS = {"vl": ("belgie", "belgium", "be", "vlaams", "flanders", "flemish"),
                "nl": ("holland", "netherlands", "the netherlands", "nederlands", "dutch")}

_NUMBER = re.compile(r"^(?:optie|option|nr|nummer|number|antwoord|answer|#)?\s*(\d{1,2})\s*[.)]?$")
#: A text longer than this is not read as "ja, …" with a remark after it.
MAX_ANSWER_WORDS = 8
#: How alike a typed text and a label must be (rapidfuzz ratio, 0–100) to count as that label.
FUZZY_LABEL = 85


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _labels(option: Option) -> list[str]:
    """The option's label in both languages (a Flemish teacher may type the English one)."""
    return [option.label.nl, option.label.en]


def _option_kind(option: Option) -> set[str]:
    kinds = set()
    labels = [_words(text) for text in _labels(option)]
    for kind, firsts in _KIND_OF_LABEL.items():
        if option.id == kind or any(words and words[0] in firsts for words in labels):
            kinds.add(kind)
    if option.id in ("unknown", "unsure") or any(
            all(sign in words for sign in signs) for words in labels for signs in _UNKNOWN_LABEL_SIGNS):
        kinds.add("unknown")
    return kinds


def _by_kind(question: Question, kind: str) -> str | None:
    matching = [option.id for option in question.options if kind in _option_kind(option)]
    return matching[0] if len(matching) == 1 else None


def _kind_of(words: list[str]) -> str | None:
    """The kind a whole answer names ("weet niet"), or the kind its first words name when a
    short remark follows ("ja, ze is erg overstuur")."""
    whole = " ".join(words)
    for kind, phrases in _KIND_WORDS.items():
        if whole in phrases:
            return kind
    if len(words) > MAX_ANSWER_WORDS:
        return None
    for size in (4, 3, 2, 1):
        head = " ".join(words[:size])
        for kind, phrases in _KIND_WORDS.items():
            if len(words) > size and head in phrases and len(head) > 1:
                return kind
    return None


def _by_label(question: Question, words: list[str]) -> str | None:
    text = " ".join(words)
    found: set[str] = set()
    for option in question.options:
        labels = [" ".join(_words(label)) for label in _labels(option)]
        named = text == option.id or text in _ID_SYNONYMS.get(option.id, ()) or text in labels
        if named or any(fuzz.ratio(text, label) >= FUZZY_LABEL for label in labels):
            found.add(option.id)
    if len(found) == 1:
        return found.pop()
    if found or len(words) > 4 or not any(len(word) >= 3 for word in words):
        return None
    # A few words that all appear in one option's label: "klas" for "Klas of jaarlaag".
    for option in question.options:
        label_words = {word for label in _labels(option) for word in _words(label)}
        if all(any(lw == w or (len(w) >= 4 and lw.startswith(w)) for lw in label_words) for w in words):
            found.add(option.id)
    return found.pop() if len(found) == 1 else None


def match_option(question: Question, text: str) -> str | None:
    """The id of the option a typed text chooses, or None when it chooses none or not one."""
    words = _words(text)
    if not words:
        return None
    number = _NUMBER.match(" ".join(words))
    if number:
        index = int(number.group(1))
        return question.options[index - 1].id if 1 <= index <= len(question.options) else None
    by_label = _by_label(question, words)
    if by_label:
        return by_label
    kind = _kind_of(words)
    return _by_kind(question, kind) if kind else None


def looks_like_an_answer(text: str) -> bool:
    """Short, or opening with ja/nee/weet niet: not a new situation, whatever the router says."""
    words = _words(text)
    return len(words) < 4 or _kind_of(words) is not None


def chosen_number(text: str, count: int) -> int | None:
    """A typed "2" at a list of ``count`` buttons ("Bedoel je…?"): which one, 1-based."""
    number = _NUMBER.match(" ".join(_words(text)))
    index = int(number.group(1)) if number else 0
    return index if 1 <= index <= count else None
