"""The Slack adapter's own words (Dutch first, English second); the core's are in bot.texts."""

from __future__ import annotations


def _pick(lang: str, nl: str, en: str) -> str:
    return en if lang == "en" else nl


def answered_privately(lang: str) -> str:
    return _pick(lang, "Dit kan over een leerling of collega gaan, dus ik antwoord je in een privébericht "
                       "met Protocolwijzer.",
                 "This may concern a pupil or a colleague, so I am answering you in a private message "
                 "from Protocolwijzer.")


def continue_in_dm(lang: str) -> str:
    return _pick(lang, "Ik help je verder in je privégesprek met Protocolwijzer.",
                 "I will help you further in your private conversation with Protocolwijzer.")


def thread_intro(lang: str) -> str:
    return _pick(lang, "**Wat moet ik doen als…?** Kies een protocol; ik antwoord je in een privébericht. "
                       "Beschrijf een situatie liever daar, of met /protocol, en nooit met namen in een kanaal.",
                 "**What do I do if…?** Choose a protocol; I will answer you in a private message. Describe a "
                 "situation there, or with /protocol, and never with names in a channel.")


def not_yours(lang: str) -> str:
    return _pick(lang, "Deze knop hoort bij het gesprek van iemand anders en doet voor jou niets.",
                 "This button belongs to someone else's conversation and does nothing for you.")


def open_form(lang: str) -> str:
    return _pick(lang, "Formulier openen", "Open the form")


def form_expired(lang: str) -> str:
    return _pick(lang, "Het formulier kon niet op tijd openen. Tik op de knop om het te openen.",
                 "The form could not open in time. Tap the button to open it.")


def cancel(lang: str) -> str:
    return _pick(lang, "Annuleren", "Cancel")


def shortcut_no_text(lang: str) -> str:
    return _pick(lang, "Dat bericht heeft geen tekst. Ik kijk nooit naar bestanden of afbeeldingen: beschrijf "
                       "in je eigen woorden wat er speelt, zonder namen.",
                 "That message has no text. I never look at files or images: describe in your own words what "
                 "is going on, without names.")


def home_title(lang: str) -> str:
    return _pick(lang, "Protocolwijzer", "Protocolwijzer")


def home_intro(lang: str) -> str:
    return _pick(lang, "**Wat moet ik doen als…?** Kies een protocol, stuur me een bericht of typ "
                       "/protocol met je vraag. Ik antwoord altijd in een privébericht.\n\n"
                       "Acuut gevaar? Bel **112**.",
                 "**What do I do if…?** Choose a protocol, send me a message or type /protocol with your "
                 "question. I always answer in a private message.\n\nImmediate danger? Call **112**.")


def home_protocols(lang: str) -> str:
    return _pick(lang, "Protocollen", "Protocols")


def home_incidents(lang: str) -> str:
    return _pick(lang, "Jouw open incidenten", "Your open incidents")


def home_no_incidents(lang: str) -> str:
    return _pick(lang, "Geen open incidenten.", "No open incidents.")


def home_urgent(lang: str) -> str:
    return _pick(lang, "spoed", "urgent")


def home_space(lang: str) -> str:
    return _pick(lang, "Incidentkanaal", "Incident channel")

