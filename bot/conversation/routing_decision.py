"""Three answers to a question, never a dead end: open a protocol, ask "Bedoel je…?" with up to
three protocol buttons (and "Iets anders"), or show the menu.

Opening a wrong protocol directly is the worst outcome (the teacher reads the wrong guidance
and may not notice), so a protocol opens only when the model is confident *and* the runner-up
is far behind; a close call becomes a one-tap choice. The thresholds come with the model
(tuned on held-out folds by ``train-router``); the same decision drives every platform.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Literal

#: The label of the out-of-scope class in the model.
OUT_OF_SCOPE = "_out_of_scope"
#: At most this many protocol buttons under "Bedoel je…?".
MAX_CHOICES = 3
#: A runner-up below this probability gets no button of its own ("Iets anders" covers it).
BUTTON_FLOOR = 0.03

Kind = Literal["open", "choose", "menu"]


@dataclass(frozen=True)
class Thresholds:
    """``open`` a protocol at once when its probability is at least ``open``, the runner-up at
    least ``lead`` behind and "out of scope" below it; show the ``menu`` when no protocol reaches
    ``choose``, or when "out of scope" has at least ``menu`` and no protocol reaches ``keep``;
    otherwise offer the likeliest protocols.

    ``keep`` is there because policy and lesson questions ("should we ban phones in lessons?")
    share their words with everyday school questions: "out of scope" takes a fair share of the
    probability, yet one protocol is clearly the likeliest. Offering it under "Bedoel je…?" costs
    a question that really is out of scope one tap on "Iets anders"; the menu would cost the
    teacher with a real question the search through every protocol."""

    open: float
    lead: float
    choose: float
    menu: float = 1.0
    keep: float = 1.0


def decide(probabilities: Mapping[str, float], thresholds: Thresholds,
           available: Container[str] | None = None) -> tuple[Kind, list[str]]:
    """The decision and the protocols it names: the one to open, or the buttons to offer.
    ``available``: the protocols this school has (its jurisdiction); others never show."""
    ranked = sorted(((p, label) for label, p in probabilities.items()
                     if label != OUT_OF_SCOPE and (available is None or label in available)),
                    key=lambda item: (-item[0], item[1]))
    if not ranked:
        return "menu", []
    first = ranked[0][0]
    second = ranked[1][0] if len(ranked) > 1 else 0.0
    outside = probabilities.get(OUT_OF_SCOPE, 0.0)
    if first >= thresholds.open and first - second >= thresholds.lead and first > outside:
        return "open", [ranked[0][1]]
    if first < thresholds.choose or (outside >= thresholds.menu and first < thresholds.keep):
        return "menu", []
    return "choose", [label for p, label in ranked[:MAX_CHOICES] if p >= BUTTON_FLOOR or label == ranked[0][1]]
