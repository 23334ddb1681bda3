"""What the learned router sees of a question: word stems, character n-grams and concepts.

The same code turns a training example into features (``protocolwijzer train-router``) and a
teacher's question into features at run time, so the probabilities the bot computes are those
the model was trained for. Its source is part of the model's hash (:mod:`bot.conversation.model`):
change a line here and ``lint`` asks for the model to be trained again.

* ``s:<stem>``: every word stemmed by the Dutch and by the English Snowball stemmer (one
  feature when they agree). Stopwords are left out; they say nothing about the situation.
* ``b:<stem>_<stem>``: neighbouring Dutch stems ("zonder kleren", "doet zich voor").
* ``g:<n-gram>``: character 3- to 5-grams of each word with its edges marked (``<naak``),
  which carry typos ("naaktfoot"), Dutch compounds ("blootfilmpje") and unseen inflections.
* ``k:<concept>``: the word classes of ``_concepts.yaml`` the question mentions, matched on
  stems, also inside Dutch compounds: what the playbook authors know about the domain.

Every feature counts once, and each kind is scaled to a fixed length (:data:`GROUP_WEIGHTS`), so
a long story weighs as much as a one-liner and the key fact in its middle still counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import lru_cache

from bot.conversation import textnorm

#: Raised whenever the features change in a way the source hash would not show (it does show
#: every edit of this file; the number is for people reading a model file).
FEATURE_VERSION = 1
NGRAMS = (3, 4, 5)
#: Shortest concept word that may match inside a Dutch compound ("naakt" in "naaktfoto").
COMPOUND_MIN = 4
#: Words longer than this are cut: nobody's situation hangs on the 40th letter of a word.
MAX_WORD = 30

Features = dict[str, float]


@lru_cache(maxsize=65536)
def _stems(word: str) -> tuple[str, str]:
    nl, en = textnorm.stems([word], "nl")[0], textnorm.stems([word], "en")[0]
    return nl, en


@lru_cache(maxsize=65536)
def _grams(word: str) -> tuple[str, ...]:
    marked = f"<{word[:MAX_WORD]}>"
    return tuple(
        "g:" + marked[i : i + n] for n in NGRAMS for i in range(len(marked) - n + 1)
    )


class ConceptMatcher:
    """Which concepts of ``_concepts.yaml`` a question mentions, on stems, without fuzzy
    matching (character n-grams carry the typos): a dictionary lookup per word and per split
    point of a long Dutch word, so a 1,000-character story takes well under a millisecond."""

    def __init__(self, concepts: Mapping[str, Mapping[str, Iterable[str]]]) -> None:
        self._single: dict[str, set[str]] = {}
        #: Phrases of several words, indexed by every form of their first word.
        self._phrases: dict[str, list[tuple[str, tuple[frozenset[str], ...]]]] = {}
        for concept, by_lang in sorted(concepts.items()):
            for _lang, words in sorted(by_lang.items()):
                for phrase in words:
                    tokens = textnorm.tokens(phrase)
                    if not tokens:
                        continue
                    stems = [frozenset(_stems(t)) | {t} for t in tokens]
                    if len(stems) == 1:
                        for key in stems[0]:
                            self._single.setdefault(key, set()).add(concept)
                    else:
                        for key in stems[0]:
                            self._phrases.setdefault(key, []).append((concept, tuple(stems[1:])))

    def __call__(self, words: list[str]) -> set[str]:
        found: set[str] = set()
        keys = [frozenset((word, *_stems(word))) for word in words]
        for at, (word, own) in enumerate(zip(words, keys, strict=True)):
            for key in own:
                found |= self._single.get(key, set())
                for concept, rest in self._phrases.get(key, ()):
                    if concept not in found and _rest_follows(rest, keys, at):
                        found.add(concept)
            if len(word) >= 2 * COMPOUND_MIN:  # "naaktfoto": naakt + foto
                for cut in range(COMPOUND_MIN, len(word) - COMPOUND_MIN + 1):
                    found |= self._single.get(word[:cut], set())
                    found |= self._single.get(word[cut:], set())
        return found


def _rest_follows(rest: tuple[frozenset[str], ...], keys: list[frozenset[str]], at: int) -> bool:
    """The phrase's other words after position ``at`` in order, each within two words of the one
    before ("in de kleedkamer gefilmd" has "kleedkamer ... gefilmd")."""
    for wanted in rest:
        nxt = next((j for j in range(at + 1, min(at + 4, len(keys))) if wanted & keys[j]), None)
        if nxt is None:
            return False
        at = nxt
    return True


#: How much each kind of feature weighs: each kind is scaled to this length on its own, so that
#: the many character n-grams of a long story do not drown its few stems and concepts.
GROUP_WEIGHTS = {"g": 1.0, "s": 1.0, "b": 0.5, "k": 1.0}


def features(text: str, concepts: ConceptMatcher) -> Features:
    """The question as named features, each kind scaled to its weight (see the module docstring)."""
    words = textnorm.tokens(text)
    groups: dict[str, list[str]] = {"g": [], "s": [], "b": [], "k": []}
    previous = ""
    for word in words:
        groups["g"].extend(_grams(word))
        if word in textnorm.STOPWORDS["nl"] or word in textnorm.STOPWORDS["en"]:
            previous = ""
            continue
        nl, en = _stems(word)
        groups["s"] += ["s:" + nl, "s:" + en]
        if previous:
            groups["b"].append(f"b:{previous}_{nl}")
        previous = nl
    groups["k"] = ["k:" + concept for concept in sorted(concepts(words))]
    out: Features = {}
    for kind, names in groups.items():
        unique = set(names)
        if unique:
            scale = GROUP_WEIGHTS[kind] / math.sqrt(len(unique))
            for name in unique:
                out[name] = scale
    return out
