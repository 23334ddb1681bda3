"""Free text (Dutch or English, phone style) -> ranked playbooks, or nothing.

Each playbook's ``triggers`` are the domain vocabulary. A trigger matches the question
when each of its words matches a word of the question after stemming (Snowball, per
language), either exactly, as part of a Dutch compound (``naakt`` in ``naaktfoto``),
or within a small edit distance for typos (rapidfuzz). Triggers that appear in many
playbooks weigh less (inverse document frequency); each word of the question counts
once per playbook, for its best trigger. Questions that match no trigger are out of
scope and get no match at all: the bot then shows the menu rather than guessing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.conversation import textnorm
from bot.playbooks.library import PlaybookLibrary

LANGS = ("nl", "en")

#: Quality of a word match, by kind.
EXACT, COMPOUND, FUZZY = 1.0, 0.85, 0.75
#: Minimum rapidfuzz ratio for a typo match, and the shortest words it applies to.
FUZZY_CUTOFF, FUZZY_MIN_LEN = 84.0, 5
#: Shortest trigger stem that may match inside a compound word.
COMPOUND_MIN_LEN = 4

#: Score (0..1) below which a match is not shown at all.
MIN_SCORE = 0.2
#: Score from which the top match is opened without asking, if it leads clearly.
CONFIDENT = 0.45
LEAD_RATIO = 1.35


@dataclass(frozen=True)
class Match:
    playbook: str
    score: float


@dataclass(frozen=True)
class _Trigger:
    playbook: str
    stems: tuple[str, ...]
    weight: float


class Router:
    """Built once per playbook library; ranking is pure and thread-safe."""

    def __init__(self, library: PlaybookLibrary) -> None:
        self._triggers: dict[str, list[_Trigger]] = {lang: [] for lang in LANGS}
        self._vocab: dict[str, list[str]] = {}
        raw: dict[str, dict[tuple[str, ...], set[str]]] = {lang: defaultdict(set) for lang in LANGS}
        for playbook in library:
            for lang in LANGS:
                for phrase in playbook.triggers.get(lang):
                    key = tuple(textnorm.stems(textnorm.tokens(phrase), lang))
                    if key:
                        raw[lang][key].add(playbook.id)
        total = max(len(library), 1)
        for lang in LANGS:
            for key, owners in raw[lang].items():
                weight = math.log(1 + total / len(owners)) / math.log(1 + total)
                weight *= 1 + 0.25 * (len(key) - 1)  # phrases are more telling than words
                self._triggers[lang].extend(_Trigger(owner, key, weight) for owner in sorted(owners))
            self._vocab[lang] = sorted({stem for key in raw[lang] for stem in key})

    detect_language = staticmethod(textnorm.detect_language)

    def rank(self, text: str) -> list[Match]:
        """Playbooks whose triggers the text matches, best first (empty: out of scope)."""
        words = textnorm.tokens(text)
        best: dict[str, float] = defaultdict(float)
        for lang in LANGS:
            for playbook, score in self._score(words, lang).items():
                best[playbook] = max(best[playbook], score)
        matches = [Match(pid, round(1 - math.exp(-raw / 1.5), 3)) for pid, raw in best.items()]
        matches = [m for m in matches if m.score >= MIN_SCORE]
        return sorted(matches, key=lambda m: (-m.score, m.playbook))

    def pick(self, matches: list[Match]) -> str | None:
        """The playbook to open straight away, or None when the user should choose."""
        if not matches or matches[0].score < CONFIDENT:
            return None
        if len(matches) == 1 or matches[0].score >= matches[1].score * LEAD_RATIO:
            return matches[0].playbook
        return None

    # -- internals -------------------------------------------------------------------
    def _score(self, words: list[str], lang: str) -> dict[str, float]:
        stems = textnorm.stems(words, lang)
        similar = [self._similar(stem, lang) for stem in stems]  # per position: {vocab stem: quality}
        credits: dict[str, dict[int, float]] = defaultdict(dict)
        for trigger in self._triggers[lang]:
            positions = []
            quality = 1.0
            for stem in trigger.stems:
                hit = max(((q, i) for i, sims in enumerate(similar) if (q := sims.get(stem))), default=None)
                if hit is None:
                    break
                quality = min(quality, hit[0])
                positions.append(hit[1])
            else:
                credit = trigger.weight * quality
                held = credits[trigger.playbook]
                for position in positions:  # a word counts once per playbook, for its best trigger
                    held[position] = max(held.get(position, 0.0), credit)
        return {playbook: sum(held.values()) for playbook, held in credits.items()}

    def _similar(self, stem: str, lang: str) -> dict[str, float]:
        """Vocabulary stems this query stem matches, with the quality of each match."""
        vocab = self._vocab[lang]
        found: dict[str, float] = {}
        if len(stem) >= FUZZY_MIN_LEN:
            for candidate, score, _ in process.extract(stem, vocab, scorer=fuzz.ratio,
                                                       score_cutoff=FUZZY_CUTOFF, limit=None):
                if len(candidate) >= FUZZY_MIN_LEN:
                    found[candidate] = EXACT if score == 100 else FUZZY
        for candidate in vocab:
            if candidate == stem:
                found[candidate] = EXACT
            elif (len(candidate) >= COMPOUND_MIN_LEN and len(stem) >= len(candidate) + 2
                  and (stem.startswith(candidate) or stem.endswith(candidate))):
                found.setdefault(candidate, COMPOUND)
        return found
