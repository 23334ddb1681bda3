"""Free text (Dutch or English, phone style) -> open a protocol, offer a choice, or the menu.

The learned router (:mod:`bot.conversation.model`, trained on the playbooks' examples) gives
each protocol and "out of scope" a probability; :func:`~bot.conversation.routing_decision.decide`
turns those into one of three answers. Where a playbook directory has no trained model (a
school's own playbooks before ``train-router``), the rule router (:mod:`bot.conversation.rules`)
ranks by trigger words instead, with its own confidence rule.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.conversation import textnorm
from bot.conversation.features import ConceptMatcher
from bot.conversation.model import Model, is_current
from bot.conversation.routing_decision import Kind, decide
from bot.conversation.rules import FUZZY_CUTOFF, FUZZY_MIN_LEN, Match, RuleRouter
from bot.playbooks.library import PlaybookLibrary

log = logging.getLogger(__name__)

__all__ = ["Match", "Route", "Router"]


@dataclass(frozen=True)
class Route:
    """The answer to a question: ``open`` ``playbooks[0]``, ``choose`` among ``playbooks``, or
    the ``menu``; ``matches`` ranks every protocol with a chance (for ``route --json``)."""

    decision: Kind
    playbooks: tuple[str, ...]
    matches: tuple[Match, ...]


class Router:
    """Built once per playbook library; routing is pure and safe to share."""

    def __init__(self, library: PlaybookLibrary, model: Model | None = None, *, load: bool = True) -> None:
        if model is None and load and library.directory is not None:
            model = _load(library)
        self.model = model
        self._known = frozenset(library.ids())
        #: The trigger-word router, built only where there is no model to route with.
        self.rules = RuleRouter(library) if model is None else None
        lexicon = {name: {"nl": words.nl, "en": words.en} for name, words in library.concepts.items()}
        self._concepts = model.concepts if model is not None else ConceptMatcher(lexicon)
        #: Each concept's words folded, for typo-tolerant matching of a single concept.
        self._concept_words = {name: sorted({w for lang in words.values() for phrase in lang
                                             for w in textnorm.tokens(phrase) if len(w) >= FUZZY_MIN_LEN})
                               for name, words in lexicon.items()}

    detect_language = staticmethod(textnorm.detect_language)

    def route(self, text: str, available: Collection[str] | None = None) -> Route:
        if self.model is None:
            return self._route_by_rules(text, available)
        probabilities = self.model.probabilities(text)
        decision, playbooks = decide(probabilities, self.model.thresholds, available)
        matches = tuple(sorted((Match(label, round(p, 3)) for label, p in probabilities.items()
                                if label in self._known and (available is None or label in available)
                                and p >= 0.01), key=lambda m: (-m.score, m.playbook)))
        return Route(decision, tuple(playbooks), matches)

    def rank(self, text: str) -> list[Match]:
        """Protocols the text may be about, best first (empty: nothing points anywhere)."""
        route = self.route(text)
        return list(route.matches) if route.decision != "menu" else []

    def mentions(self, text: str, concept: str) -> bool:
        """Whether ``text`` speaks of ``concept`` (a word class of ``_concepts.yaml``): on stems and
        inside Dutch compounds, or a word within a typo of one of the concept's own words
        ("naaktfoot"). Used for the no-copy warning before anything else, so it errs on "yes"."""
        words = textnorm.tokens(text)
        if concept in self._concepts(words):
            return True
        choices = self._concept_words.get(concept, [])
        return any(process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
                   for word in words if len(word) >= FUZZY_MIN_LEN)

    def _route_by_rules(self, text: str, available: Collection[str] | None) -> Route:
        assert self.rules is not None
        matches = [m for m in self.rules.rank(text) if available is None or m.playbook in available]
        chosen = self.rules.pick(matches)
        if chosen:
            return Route("open", (chosen,), tuple(matches))
        if matches:
            return Route("choose", tuple(m.playbook for m in matches[:3]), tuple(matches))
        return Route("menu", (), ())


def _load(library: PlaybookLibrary) -> Model | None:
    assert library.directory is not None
    try:
        model = Model.load(library.directory, library)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("router model in %s is unreadable (%s): routing by trigger words", library.directory,
                    type(exc).__name__)
        return None
    if model is None:
        log.warning("no router model in %s: routing by trigger words (run protocolwijzer train-router)",
                    library.directory)
        return None
    if not is_current(model, library):
        log.warning("the router model in %s is stale: run protocolwijzer train-router", library.directory)
    return model
