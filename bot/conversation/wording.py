"""What the conversation says around typed answers, folded steps and a report already made.

Kept apart from :mod:`bot.texts` (the menu, the protocol screens) because these lines belong
to one feature: a conversation a stressed teacher can follow on a phone (issue #15).
Dutch first, English second, like every text a user reads.
"""

from __future__ import annotations


def _pick(lang: str, nl: str, en: str) -> str:
    return en if lang == "en" else nl


def understood_as(lang: str, label: str) -> str:
    """Echoes a typed answer, so a misread one is seen at once (and [Terug] undoes it)."""
    return _pick(lang, f"Je antwoord: **{label}**", f"Your answer: **{label}**")


def answer_again(lang: str) -> str:
    return _pick(lang, "Dat kan ik niet als antwoord lezen. Tik op een knop, of typ bijvoorbeeld ja, nee, "
                       "weet niet of het nummer van je antwoord.",
                 "I cannot read that as an answer. Tap a button, or type for example yes, no, don't know "
                 "or the number of your answer.")


def new_question(lang: str) -> str:
    return _pick(lang, "Dit lijkt een nieuwe vraag: ik zoek het protocol dat erbij past. Je vorige antwoorden "
                       "tellen hier niet mee.",
                 "This looks like a new question: I am looking for the protocol that fits it. Your earlier "
                 "answers do not count here.")


def more(lang: str) -> str:
    """The button or control that unfolds a step's details."""
    return _pick(lang, "Meer", "More")


def earlier_notices(lang: str, count: int) -> str:
    """The notices of earlier answers, folded: each was shown in full when its answer was given."""
    return _pick(lang, f"Waarschuwingen bij je eerdere antwoorden ({count})",
                 f"Warnings for your earlier answers ({count})")


def notices_title(lang: str) -> str:
    """Every warning of the answers given, unfolded as a message of its own ("Meer")."""
    return _pick(lang, "Waarschuwingen bij je antwoorden", "Warnings for your answers")


def reported_as(lang: str, number: str) -> str:
    return _pick(lang, f"**Gemeld als incident {number}.** De stappen hieronder blijven gelden.",
                 f"**Reported as incident {number}.** The steps below still apply.")


def already_reported(lang: str, number: str) -> str:
    return _pick(lang, f"Dit is al gemeld als incident {number}. Gaat het om een ander incident? Kies dan het "
                       "protocol opnieuw via Menu.",
                 f"This has already been reported as incident {number}. Is it about another incident? Then "
                 "choose the protocol again from the Menu.")


def report_first(lang: str) -> str:
    """Above the steps, next to the report button: why to tap it before reading on."""
    return _pick(lang, "Meld het eerst bij de coördinator; lees daarna de stappen.",
                 "Report it to the coordinator first; then read the steps.")


def step_title(number: int, title: str, roles: str) -> str:
    """One line per step: what and who ("2. Bewaar geen beelden · iedere medewerker")."""
    return f"{number}. {title} · {roles}" if roles else f"{number}. {title}"
