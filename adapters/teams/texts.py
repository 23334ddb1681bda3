"""The Teams adapter's own words (Dutch first, English second); the core's are in bot.texts."""

from __future__ import annotations


def _pick(lang: str, nl: str, en: str) -> str:
    return en if lang == "en" else nl


# -- cards -------------------------------------------------------------------------------
def show_details(lang: str) -> str:
    """What unfolds a collapsed step or the do-now block (the simulator's "Meer")."""
    return _pick(lang, "Meer", "More")


def required(lang: str) -> str:
    """Shown by Teams under a required input left empty, before anything is sent."""
    return _pick(lang, "Vul dit veld in.", "Please fill in this field.")


def required_choice(lang: str) -> str:
    return _pick(lang, "Maak een keuze.", "Please make a choice.")


def page(lang: str, number: int, total: int) -> str:
    """Marks the later cards of a reply split over several messages (notifications only)."""
    return _pick(lang, f"deel {number} van {total}", f"part {number} of {total}")


# -- conversations -----------------------------------------------------------------------
def answered_privately(lang: str) -> str:
    return _pick(lang, "Dit kan over een leerling of collega gaan, dus ik antwoord je in je privéchat "
                       "met Protocolwijzer.",
                 "This may concern a pupil or a colleague, so I am answering you in your private chat "
                 "with Protocolwijzer.")


def continue_in_chat(lang: str) -> str:
    return _pick(lang, "Ik help je verder in je privéchat met Protocolwijzer.",
                 "I will help you further in your private chat with Protocolwijzer.")


def channel_intro(lang: str) -> str:
    return _pick(lang, "**Wat moet ik doen als…?** Kies een protocol; ik antwoord je in je privéchat. "
                       "Beschrijf een situatie liever daar, en nooit met namen in een kanaal.",
                 "**What do I do if…?** Choose a protocol; I will answer you in your private chat. Describe a "
                 "situation there, and never with names in a channel.")


def not_yours(lang: str) -> str:
    return _pick(lang, "Deze knop hoort bij het gesprek van iemand anders en doet voor jou niets.",
                 "This button belongs to someone else's conversation and does nothing for you.")


def cancel(lang: str) -> str:
    return _pick(lang, "Annuleren", "Cancel")


def message_action_no_text(lang: str) -> str:
    return _pick(lang, "Dat bericht heeft geen tekst. Ik kijk nooit naar bestanden of afbeeldingen: beschrijf "
                       "in je eigen woorden wat er speelt, zonder namen.",
                 "That message has no text. I never look at files or images: describe in your own words what "
                 "is going on, without names.")


# -- answers to presses ------------------------------------------------------------------
def see_below(lang: str) -> str:
    """The presser's short confirmation when the answer came as a new message below the card."""
    return _pick(lang, "Zie mijn antwoord hieronder.", "See my answer below.")


def unknown_button(lang: str) -> str:
    return _pick(lang, "Deze knop ken ik niet (meer). Typ gerust opnieuw je vraag.",
                 "I do not know this button (any more). Feel free to type your question again.")


def something_went_wrong(lang: str, ref: str) -> str:
    return _pick(lang, f"Er ging iets mis bij mij (ref {ref}). Probeer het zo nog eens; bij acuut gevaar bel 112.",
                 f"Something went wrong on my side (ref {ref}). Please try again shortly; in acute danger call 112.")
