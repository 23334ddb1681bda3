"""The dossier export: one incident as a Markdown document the school files itself.

Written for the people who read the dossier later (a school leader, an inspector, a
court), not for the ones who ran the incident: times in the school's own time zone with
the zone named, steps and protocol by their titles, people by the role they hold in the
school directory (a platform id such as ``slack:U…`` means nothing on paper), statuses
and events in the school's language.

Everything typed by a person (the report, a briefing, a note) is escaped so that it can
never change the document's structure: a ``|`` cannot split a table cell, a line
starting with ``#`` cannot become a heading, a backtick cannot open code. Text of more
than one line is never put in a table; it is quoted below the chronology and referenced
from its row.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.views import Locale
from bot.directory import SchoolDirectory
from bot.incidents import card, texts
from bot.incidents.models import ChronologyRow
from bot.incidents.outcomes import OUTCOMES
from bot.playbooks.library import PlaybookLibrary
from bot.playbooks.schema import Playbook
from bot.texts import _pick, role_name, roles_list

#: The actor the bot itself records (escalations, unreachable people).
BOT_ACTOR = "protocolwijzer"
#: Kinds whose detail is an id or a generated word, safe to show in the table; any other
#: kind's detail (a briefing, a note: text a person wrote) is quoted below it.
_KNOWN_KINDS = ("opened", "acknowledged", "checked", "unchecked", "escalated", "unreachable", "closed", "file")

# Inline markup a typed text could open: code, emphasis, links, raw HTML, entities, table cells.
_INLINE = re.compile(r"([\\`*_\[\]<|~&])")
# A line start that would turn into a block (heading, quote, list, rule, setext underline).
_BLOCK_START = re.compile(r"^([#>=+\-]|\d+[.)])")


async def export_markdown(sessions: async_sessionmaker[AsyncSession], *, number: str,
                          library: PlaybookLibrary | None = None,
                          directory: SchoolDirectory | None = None) -> str:
    """The incident as Markdown; every cell of the chronology table is one escaped line.
    Without ``library`` steps and protocol are shown by id; without ``directory`` the
    language is Dutch, the time zone Europe/Amsterdam (the defaults of ``school.yaml``) and
    everyone but the reporter is "medewerker"."""
    async with sessions() as session:
        snapshot = await card.load(session, number)
    return _Dossier(snapshot, library or PlaybookLibrary([]), directory).render()


class _Dossier:
    """One rendering: the incident, its playbook and the school's words and zone, looked up once."""

    def __init__(self, snapshot: card.Snapshot, library: PlaybookLibrary, directory: SchoolDirectory | None) -> None:
        self.snapshot = snapshot
        self.incident = snapshot.incident
        self.directory = directory
        self.lang = directory.language if directory else "nl"
        self.loc = Locale(self.lang, directory.jurisdiction if directory else None)
        self.playbook: Playbook | None = library.get(self.incident.playbook)
        self.zone_name, self.zone = _zone(directory.working_hours.tz if directory else "Europe/Amsterdam")

    def t(self, nl: str, en: str) -> str:
        return _pick(self.lang, nl, en)

    def label(self, key: str) -> str:
        return texts.label(self.lang, key)

    def render(self) -> str:
        lines = [f"# Incident {self.incident.number}", "", *self._summary(), "",
                 f"## {self.label('report')}", "", *self._report(), "",
                 f"## {self.label('checklist')}", "", *self._checklist(), "",
                 f"## {self.label('chronology')}", "", *self._chronology()]
        return "\n".join(lines) + "\n"

    def _summary(self) -> list[str]:
        row, label = self.incident, self.label
        protocol = f"{inline(self.loc.t(self.playbook.title))} (`{inline(row.playbook)}`)" if self.playbook \
            else f"`{inline(row.playbook)}`"
        status = texts.status(self.lang, row.status)
        if row.outcome:
            status += f" — {label('outcome').lower()}: {self._outcome(row.outcome)}"
        reporter = self.roles(self._reporter_actor)
        if row.reporter_name:  # the display name the chat gave, as on the card (blanked by the purge)
            reporter = f"{inline(row.reporter_name)} ({reporter})"
        owner = self.person(f"{row.reporter_platform}:{row.owner_id}") if row.owner_id else label("nobody")
        return [f"- {label('protocol')}: {protocol}",
                f"- {label('status')}: {status}",
                f"- {label('opened')}: {self.time(row.created_at)}",
                f"- {self.t('Gesloten', 'Closed')}: {self.time(row.closed_at)}",
                f"- {label('reporter')}: {reporter}",
                f"- {label('owner')}: {owner}",
                f"- {self.t('Tijdzone', 'Time zone')}: {self.zone_name}"]

    def _report(self) -> list[str]:
        lines: list[str] = []
        for key, value in (("what", self.incident.what), ("where", self.incident.where),
                           ("since", self.incident.since)):
            heading = f"**{self.label(key)}:**"
            if len(value.splitlines()) > 1:
                lines += [heading, "", *quote(value), ""]
            else:
                lines += [f"{heading} {inline(value) or '-'}", ""]
        return lines[:-1]

    def _checklist(self) -> list[str]:
        lines = []
        for item in self.snapshot.checklist:
            step = self.playbook.step(item.step_id) if self.playbook else None
            title = inline(self.loc.t(step.title)) if step else f"`{inline(item.step_id)}`"
            line = f"- [{'x' if item.done else ' '}] {title} ({inline(roles_list(list(item.roles), self.lang))})"
            if item.done and item.done_at:
                by = f"{self.person(item.done_by)}, " if item.done_by else ""
                line += f" — {self.t('gedaan', 'done')}: {by}{self.time(item.done_at)}"
            lines.append(line)
        return lines or ["-"]

    def _chronology(self) -> list[str]:
        rows = [f"| {self.t('Tijd', 'Time')} | {self.t('Wie', 'Who')} | {self.t('Wat', 'What')} |",
                "| --- | --- | --- |"]
        quoted: list[str] = []
        ref = 0
        for entry in self.snapshot.chronology:
            what = self.event(entry)
            if entry.kind not in _KNOWN_KINDS and entry.detail.strip():
                ref += 1
                what += self.t(f" (tekst [{ref}] hieronder)", f" (text [{ref}] below)")
                quoted += [f"**[{ref}] {self.event(entry)}, {self.time(entry.at)}:**", "", *quote(entry.detail), ""]
            rows.append(f"| {self.time(entry.at)} | {self.person(entry.actor)} | {what} |")
        return rows + ([""] + quoted[:-1] if quoted else [])

    def event(self, entry: ChronologyRow) -> str:
        """The entry in the card's words, with ids turned into titles; escaped, one line."""
        kind, detail = entry.kind, entry.detail
        if kind in ("checked", "unchecked"):
            step = self.playbook.step(detail) if self.playbook else None
            detail = self.loc.t(step.title) if step else detail
        elif kind == "escalated":
            detail = roles_list([r for r in detail.split(", ") if r], self.lang)
        elif kind == "unreachable":
            detail = role_name(detail, self.lang) if detail else self.t("onbekende rol", "unknown role")
        elif kind == "closed":
            detail = texts.outcome(self.lang, detail) if detail in OUTCOMES else detail
        elif kind not in _KNOWN_KINDS:
            detail = ""  # typed text (a briefing, a note) is quoted below the table, never put in a cell
        said = self.t("notitie", "note") if kind == "note" else texts.chronology_kind(self.lang, kind, detail)
        return inline(said[:1].upper() + said[1:])

    def person(self, actor: str) -> str:
        """A role, never a platform id: "Melder", the role(s) held in the directory, or
        "Medewerker" for staff without one."""
        if actor == self._reporter_actor:
            return texts.label(self.lang, "reporter")
        if actor == BOT_ACTOR:
            return "Protocolwijzer"
        return self.roles(actor)

    def roles(self, actor: str) -> str:
        platform, _, user_id = actor.partition(":")
        held = [role for role, holders in (self.directory.roles.items() if self.directory else ())
                if user_id and user_id in getattr(holders, platform, [])]
        return inline(roles_list(held, self.lang)) if held else self.t("Medewerker", "Staff member")

    def time(self, moment: datetime | None) -> str:
        """``2026-12-04 16:32 CET``: the abbreviation tells summer from winter time."""
        if moment is None:
            return "-"
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC
        return aware.astimezone(self.zone).strftime("%Y-%m-%d %H:%M %Z")

    def _outcome(self, value: str) -> str:
        return texts.outcome(self.lang, value) if value in OUTCOMES else inline(value)

    @property
    def _reporter_actor(self) -> str:
        return f"{self.incident.reporter_platform}:{self.incident.reporter_id}"


def inline(text: str) -> str:
    """Typed text on one line of Markdown: line breaks become spaces, markup is escaped."""
    return _INLINE.sub(r"\\\1", " ".join(text.split()))


def quote(text: str) -> list[str]:
    """Typed text as a quoted block, line by line, each line's markup escaped; no line
    can end the quote, open a heading or list, or underline the line above. A line
    followed by another ends in a hard break (``\\``), so the lines read as typed."""
    typed = [line.strip() for line in text.splitlines()] or [""]
    lines = []
    for index, line in enumerate(typed):
        escaped = _BLOCK_START.sub(lambda m: _escape_mark(m.group(1)), _INLINE.sub(r"\\\1", line))
        more = bool(escaped) and index + 1 < len(typed) and bool(typed[index + 1])
        lines.append(f"> {escaped}".rstrip() + ("\\" if more else ""))
    return lines


def _escape_mark(mark: str) -> str:
    return f"{mark[:-1]}\\{mark[-1]}"


def _zone(name: str) -> tuple[str, tzinfo]:
    """The school's zone; UTC (and said so) if the name is unknown to this machine."""
    try:
        return name, ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC", UTC

