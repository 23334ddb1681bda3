"""The report form: what the teacher fills in after [Meld bij coördinator].

Pure (no database), so the conversation engine can show and validate it. The form says
plainly what not to type: initials or a description instead of names, and never the
image itself. When the playbook says a colleague is suspected, it also asks whether that
colleague holds one of the school's roles, so the holders of that role are left out of
everything the incident sends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.directory import SchoolDirectory
from bot.errors import InvalidInput
from bot.incidents import texts
from bot.messages import Button, Form, FormField, Option, Reply, Section, Tone
from bot.playbooks import paths
from bot.playbooks.schema import Playbook

MAX_WHAT, MAX_WHERE, MAX_SINCE = 2000, 500, 200
NO_ROLE = "none"


@dataclass(frozen=True)
class ReportForm:
    """What the reporter typed: initials or descriptions, never names or images.

    ``colleague_role`` is the school role of a suspected colleague (``none`` when they
    hold none), or empty when the form did not ask.
    """

    what: str
    where: str = ""
    since: str = ""
    colleague_role: str = ""

    def validated(self, directory: SchoolDirectory | None = None, *, asked: bool = False) -> ReportForm:
        what, where, since = self.what.strip(), self.where.strip(), self.since.strip()
        if not what:
            raise InvalidInput("what", "Beschrijf kort wat er gebeurd is. / Describe briefly what happened.")
        for field, value, limit in (("what", what, MAX_WHAT), ("where", where, MAX_WHERE), ("since", since, MAX_SINCE)):
            if len(value) > limit:
                raise InvalidInput(field, f"Maximaal {limit} tekens. / At most {limit} characters.")
        if not asked:
            return ReportForm(what, where, since)
        role = self.colleague_role.strip()
        if not role:
            raise InvalidInput("colleague_role", "Kies of de collega een rol in de school heeft. / "
                                                 "Choose whether the colleague holds a school role.")
        if role != NO_ROLE and (directory is None or role not in directory.roles):
            raise InvalidInput("colleague_role", "Kies een rol uit de lijst. / Choose a role from the list.")
        return ReportForm(what, where, since, role)

    def texts(self) -> list[str]:
        return [self.what, self.where, self.since]


_PARTICLE = r"(?:van|de|der|den|te|ter|ten|el|al|da|di|du|le|la|von|op|in 't|'t)"
_CAPITALISED = r"[A-ZÀ-Þ][a-zà-ÿ'-]{1,}"
#: Two capitalised words, perhaps with particles between them ("Jan de Vries", "Fatima Yilmaz").
_FULL_NAME = re.compile(rf"(?<![\w.])(?P<first>{_CAPITALISED})(?:\s+{_PARTICLE})*\s+(?P<last>{_CAPITALISED})\b")
#: Capitalised words that are no names (platforms, sentence starts, roles).
_NOT_NAMES = frozenset({
    "snapchat", "instagram", "tiktok", "whatsapp", "facebook", "youtube", "discord", "telegram", "teams", "bereal",
    "google", "microsoft", "smartschool", "magister", "stories", "story", "reels", "live", "vandaag", "gisteren",
    "gisteravond", "sinds", "een", "het", "de", "ik", "we", "wij", "hij", "zij", "ze", "er", "in", "op", "bij", "via",
    "the", "a", "an", "i", "he", "she", "they", "since", "today", "yesterday", "on", "at", "meneer", "mevrouw",
    "juf", "meester", "mentor", "directie", "leerling", "collega", "docent", "leraar", "leerkracht", "klas", "groep",
    "mr", "mrs", "ms", "miss", "monday", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag",
    "zondag", "school", "account", "nederland", "vlaanderen",
})


def looks_like_full_name(text: str) -> bool:
    """A first and last name, as far as capitals tell: worth a warning, never a refusal."""
    return any(m.group("first").lower() not in _NOT_NAMES and m.group("last").lower() not in _NOT_NAMES
               for m in _FULL_NAME.finditer(text))


def asks_colleague_role(playbook: Playbook, answers: dict[str, str]) -> bool:
    condition = playbook.colleague_suspected_when
    return condition is not None and paths.holds(condition, answers)


def build(playbook: Playbook, answers: dict[str, str], directory: SchoolDirectory | None, *, lang: str,
          submit: str, cancel: str) -> Reply:
    """The form as a reply (its intro carries the privacy guidance)."""
    what_hint = playbook.report_hint.get(lang) if playbook.report_hint else texts.form_what_hint(lang)
    fields = [
        FormField("what", texts.form_what(lang), what_hint, required=True, multiline=True,
                  max_length=MAX_WHAT),
        FormField("where", texts.form_where(lang), texts.form_where_hint(lang), max_length=MAX_WHERE),
        FormField("since", texts.form_since(lang), texts.form_since_hint(lang), max_length=MAX_SINCE),
    ]
    if asks_colleague_role(playbook, answers):
        options = [Option("", texts.choose(lang)), Option(NO_ROLE, texts.no_school_role(lang))]
        for role, holders in (directory.roles.items() if directory else ()):
            options.append(Option(role, texts.person(lang, holders.name, role)))
        fields.append(FormField("colleague_role", texts.form_colleague_role(lang), texts.form_colleague_hint(lang),
                                required=True, options=tuple(options)))
    title = texts.report_title(lang)
    form = Form(submit, title, texts.report_submit(lang), tuple(fields), intro=texts.report_guidance(lang),
                cancel=Button(cancel, texts.cancel(lang)))
    return Reply(title, (Section(texts.report_guidance(lang), tone=Tone.WARNING),), lang=lang, form=form)


def parse(values: dict[str, str]) -> ReportForm:
    return ReportForm(values.get("what", ""), values.get("where", ""), values.get("since", ""),
                      values.get("colleague_role", ""))
