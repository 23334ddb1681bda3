"""Text normalisation shared by the router: folding, tokens, stems, language guess.

Teachers type on phones: no capitals, no accents, typos, abbreviations (``zn``,
``ff``, ``lln``), Flemish words (``gsm``, ``leerkracht``), English loanwords. We fold
case and accents, split on anything that is not a letter or digit, expand a few
well-known abbreviations, and stem with the Snowball stemmer of each language.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_TOKEN = re.compile(r"[a-z0-9]+")

#: Chat abbreviations -> the word a trigger would use.
ABBREVIATIONS = {
    "lln": "leerlingen", "ll": "leerling", "lln.": "leerlingen", "ouds": "ouders",
    "insta": "instagram", "ig": "instagram", "snap": "snapchat", "sc": "snapchat", "fb": "facebook",
    "yt": "youtube", "app": "app",
    # Flemish spoken forms ("wa moet ik doen", "da mag ni"); "wa" is not WhatsApp here.
    "wa": "wat", "ni": "niet", "da": "dat", "appje": "app", "dm": "dm", "dms": "dm",
    "pic": "picture", "pics": "pictures", "vid": "video", "vids": "videos", "nudez": "nudes",
    "tt": "tiktok", "groepsappje": "groepsapp", "filmke": "filmpje", "fotoke": "fotootje",
}

STOPWORDS = {
    "nl": frozenset(
        "de het een en ik je jij is van wat moet niet die dat op met voor er zijn wordt naar hoe heeft ze hij "
        "zij mijn ons onze gaat als bij ook kan mag wie deze om door uit dan nog al geen maar of over zn zo "
        "wij we heb hebben doen moeten wordt werd was waren hun haar hem mij me ons jullie welke waarom".split()
    ),
    "en": frozenset(
        "the a an is what do does i of to and my in on how should someone has have are going around who with "
        "from it that this be me we our his her about not can at for there they their he she was were "
        "been being being which why would could must any".split()
    ),
}

_STEMMERS = {"nl": "dutch", "en": "english"}


def fold(text: str) -> str:
    """Lowercase, strip accents and apostrophes (``foto's`` -> ``fotos``)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"['’`´]", "", text)


def tokens(text: str) -> list[str]:
    out = []
    for token in _TOKEN.findall(fold(text)):
        expanded = ABBREVIATIONS.get(token, token)
        out.extend(expanded.split())
    return out


@lru_cache(maxsize=4)
def _stemmer(lang: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(_STEMMERS[lang])


def stems(words: list[str], lang: str) -> list[str]:
    return [str(stem) for stem in _stemmer(lang).stemWords(words)]


def detect_language(text: str) -> str | None:
    """``nl`` or ``en`` from stopword counts; None when the text gives no clear sign."""
    words = tokens(text)
    nl = sum(1 for w in words if w in STOPWORDS["nl"])
    en = sum(1 for w in words if w in STOPWORDS["en"])
    if nl == en:
        return None
    return "nl" if nl > en else "en"
