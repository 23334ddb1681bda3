"""The rule router: free text -> ranked playbooks by trigger words and concept combinations.

The learned router (:mod:`bot.conversation.router`) replaced it for routing where a trained
model is present; these rules remain the fallback for a playbook directory without a current
model, and :meth:`RuleRouter.mentions` tells whether a question speaks of a concept.

Two kinds of evidence, both written as data by the playbook authors:

* ``triggers``: words and short phrases that by themselves point to a playbook
  (``naaktfoto``, ``sextortion``, ``meldplicht collega``).
* ``trigger_concepts``: combinations of word classes from ``_concepts.yaml`` that
  together point to it, so that new wordings of the same situation are understood
  (*staff* + *pupil* + *private message* + *concern*: "de conciërge stuurt leerlingen
  berichtjes via tiktok, dat voelt niet goed").

A phrase matches when each of its words matches a word of the question after Snowball
stemming (per language): exactly, as part of a Dutch compound (``naakt`` in
``naaktfoto``; Dutch only), or within a small edit distance for typos (rapidfuzz). Each word of the
question counts once per playbook, for its best evidence, so repeating a word does not
inflate a score. Triggers shared by several playbooks weigh less. Questions with no
evidence are out of scope: the bot then shows the menu rather than guessing.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.conversation import textnorm
from bot.playbooks.library import PlaybookLibrary

LANGS = ("nl", "en")

#: Quality of a word match, by kind.
EXACT, COMPOUND, FUZZY = 1.0, 0.85, 0.75
#: Minimum rapidfuzz ratio for a typo match, and the shortest words it applies to.
FUZZY_CUTOFF, FUZZY_MIN_LEN = 88.0, 5
#: Shortest vocabulary stem that may match inside a compound word.
COMPOUND_MIN_LEN = 4
#: Credit per matched concept of a complete combination (a trigger word earns up to 1).
CONCEPT_WEIGHT = 0.6
#: Extra words allowed inside a multi-word trigger ("meldplicht voor een collega") and
#: inside a concept phrase, which is tighter: "mij gefilmd" must not match "vertelde mij
#: dat ze gefilmd is".
TRIGGER_SLACK = 8
CONCEPT_SLACK = 2

#: A playbook's evidence is multiplied by this when the question mentions one of its
#: ``demote_concepts`` (e.g. a pupil-incident protocol when the teacher is the target).
DEMOTION = 0.2

#: Score (0..1) below which a match is not shown at all.
MIN_SCORE = 0.2
#: Score from which the top match is opened without asking, if it leads clearly.
CONFIDENT = 0.45
LEAD_RATIO = 1.35

Phrase = tuple[str, ...]
Hit = tuple[float, tuple[int, ...]]  # (quality, positions in the question)


@dataclass(frozen=True)
class Match:
    playbook: str
    score: float


@dataclass(frozen=True)
class _Trigger:
    playbook: str
    stems: Phrase
    weight: float


class RuleRouter:
    """Built once per playbook library; ranking is pure and safe to share."""

    def __init__(self, library: PlaybookLibrary) -> None:
        self._triggers: dict[str, list[_Trigger]] = {}
        self._concepts: dict[str, dict[str, list[Phrase]]] = {}
        self._vocab: dict[str, list[str]] = {}
        self._vocab_set: dict[str, frozenset[str]] = {}
        self._words: dict[str, list[tuple[str, str]]] = {}  # (unstemmed word, its stem), for compounds
        self.known = frozenset(library.ids())
        total = max(len(library), 1)
        for lang in LANGS:
            owners: dict[Phrase, set[str]] = defaultdict(set)
            for playbook in library:
                for phrase in playbook.triggers.get(lang):
                    if key := _phrase(phrase, lang):
                        owners[key].add(playbook.id)
            self._triggers[lang] = [
                _Trigger(owner, key, _weight(len(key), len(found), total))
                for key, found in owners.items()
                for owner in sorted(found)
            ]
            self._concepts[lang] = {
                concept: [key for word in words.get(lang) if (key := _phrase(word, lang))]
                for concept, words in library.concepts.items()
            }
            phrases = [p for pb in library for p in pb.triggers.get(lang)]
            phrases += [w for words in library.concepts.values() for w in words.get(lang)]
            words = {word for phrase in phrases for word in textnorm.tokens(phrase)}
            self._words[lang] = sorted(
                (word, textnorm.stems([word], lang)[0]) for word in words if len(word) >= COMPOUND_MIN_LEN
            )
            vocab = {stem for key in owners for stem in key}
            vocab |= {stem for keys in self._concepts[lang].values() for key in keys for stem in key}
            self._vocab[lang] = sorted(vocab)
            self._vocab_set[lang] = frozenset(vocab)
        self._demotions = {
            playbook.id: tuple(c for c in playbook.demote_concepts if c in library.concepts) for playbook in library
        }
        self._combos = [
            (playbook.id, tuple(combo))
            for playbook in library
            for combo in playbook.trigger_concepts
            if all(concept in library.concepts for concept in combo)
        ]

    detect_language = staticmethod(textnorm.detect_language)

    def rank(self, text: str) -> list[Match]:
        """Playbooks the text points to, best first (empty: out of scope)."""
        words = textnorm.tokens(text)
        credits: dict[str, dict[int, float]] = defaultdict(dict)
        concept_hits: dict[str, Hit] = {}
        for lang in LANGS:
            stems = textnorm.stems(words, lang)
            similar = [self._similar(stem, word, lang) for stem, word in zip(stems, words, strict=True)]
            for trigger in self._triggers[lang]:
                if hit := _match(trigger.stems, similar, TRIGGER_SLACK):
                    _credit(credits[trigger.playbook], hit[1], trigger.weight * hit[0])
            for concept, keys in self._concepts[lang].items():
                for key in keys:
                    hit = _match(key, similar, CONCEPT_SLACK)
                    best = concept_hits.get(concept, (0.0, ()))
                    if hit and (hit[0], len(hit[1])) > (best[0], len(best[1])):  # longest phrase on a tie
                        concept_hits[concept] = hit
        for playbook_id, combo in self._combos:
            if all(concept in concept_hits for concept in combo):
                for concept in combo:
                    quality, positions = concept_hits[concept]
                    _credit(credits[playbook_id], positions, CONCEPT_WEIGHT * quality)
        matches = []
        for pid, held in credits.items():
            raw = sum(held.values())
            if any(concept in concept_hits for concept in self._demotions.get(pid, ())):
                raw *= DEMOTION
            matches.append(Match(pid, round(1 - math.exp(-raw / 1.5), 3)))
        return sorted((m for m in matches if m.score >= MIN_SCORE), key=lambda m: (-m.score, m.playbook))

    def mentions(self, text: str, concept: str) -> bool:
        """Whether ``text`` speaks of ``concept`` (a word class of ``_concepts.yaml``), in
        either language: "naaktfoto", "nudes", "in de kleedkamer gefilmd" mention ``sexual``."""
        words = textnorm.tokens(text)
        for lang in LANGS:
            keys = self._concepts[lang].get(concept, [])
            if not keys:
                continue
            stems = textnorm.stems(words, lang)
            similar = [self._similar(stem, word, lang) for stem, word in zip(stems, words, strict=True)]
            if any(_match(key, similar, CONCEPT_SLACK) for key in keys):
                return True
        return False

    def pick(self, matches: list[Match]) -> str | None:
        """The playbook to open straight away, or None when the user should choose."""
        if not matches or matches[0].score < CONFIDENT:
            return None
        if len(matches) == 1 or matches[0].score >= matches[1].score * LEAD_RATIO:
            return matches[0].playbook
        return None

    def _similar(self, stem: str, word: str, lang: str) -> dict[str, float]:
        """Vocabulary stems this question word matches, with the quality of each match.

        Compounds are checked on unstemmed words too: the Dutch stemmer cuts
        ``muziekleraar`` to ``muziekler`` while it leaves ``leraar`` whole.
        """
        vocab = self._vocab[lang]
        found: dict[str, float] = {}
        known = self._vocab_set[lang]
        if len(stem) >= FUZZY_MIN_LEN:
            for candidate, score, _ in process.extract(stem, vocab, scorer=fuzz.ratio,
                                                       score_cutoff=FUZZY_CUTOFF, limit=None):
                if len(candidate) >= FUZZY_MIN_LEN:
                    found[candidate] = EXACT if score == 100 else FUZZY
        if stem in known:
            found[stem] = EXACT
        if lang != "nl":  # closed compounds are Dutch; in English "teacher" is not "teach" + "er"
            return found
        for candidate in vocab:
            if (len(candidate) >= COMPOUND_MIN_LEN and len(stem) >= len(candidate) + 2
                    and (stem.startswith(candidate) or stem.endswith(candidate))):
                found.setdefault(candidate, COMPOUND)
        if len(word) >= COMPOUND_MIN_LEN + 2:
            for part, part_stem in self._words[lang]:
                if len(word) >= len(part) + 2 and (word.startswith(part) or word.endswith(part)):
                    found.setdefault(part_stem, COMPOUND)
        return found


#: Articles are optional inside multi-word phrases ("write a protocol" ~ "write an anti-bullying protocol").
_ARTICLES = frozenset({"a", "an", "the", "de", "het", "een"})


def _phrase(text: str, lang: str) -> Phrase:
    words = textnorm.tokens(text)
    if len(words) > 1:
        words = [w for w in words if w not in _ARTICLES] or words
    return tuple(textnorm.stems(words, lang))


def _weight(length: int, owners: int, total: int) -> float:
    """Rarer triggers weigh more (inverse document frequency); phrases more than words."""
    idf = math.log(1 + total / owners) / math.log(1 + total)
    return idf * (1 + 0.25 * (length - 1))


def _match(phrase: Phrase, similar: Sequence[dict[str, float]], slack: int) -> Hit | None:
    """Where the words of ``phrase`` occur close together in the question, and the weakest
    quality. "mij gefilmd" matches "heeft mij stiekem gefilmd" but not "vertelde mij dat ze
    stiekem gefilmd is" (with the tight concept slack): the words must fall within
    ``len(phrase) + slack`` words."""
    candidates = []
    for stem in phrase:
        found = [(q, i) for i, sims in enumerate(similar) if (q := sims.get(stem))]
        if not found:
            return None
        candidates.append(found)
    if len(phrase) == 1:
        return max(candidates[0])[0], (max(candidates[0])[1],)
    best: Hit | None = None
    for combo in itertools.islice(itertools.product(*candidates), 256):
        positions = tuple(i for _, i in combo)
        if max(positions) - min(positions) + 1 > len(phrase) + slack:
            continue
        quality = min(q for q, _ in combo)
        if best is None or quality > best[0]:
            best = (quality, positions)
    return best


def _credit(held: dict[int, float], positions: tuple[int, ...], credit: float) -> None:
    """Each question word counts once per playbook, for its best evidence."""
    for position in positions:
        held[position] = max(held.get(position, 0.0), credit)
