"""What the incident's members see: the card in the private space, and the briefing preview.

Rendered from the database every time (never patched), so a card update that arrives
late or twice still shows the current state. The card holds the reporter's free text:
it is only ever posted in the incident's private space, never in a DM to someone outside
it, and never in the team channel.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.views import Locale
from bot.directory import SchoolDirectory
from bot.errors import UserFacingError
from bot.incidents import journal, texts
from bot.incidents.models import ChecklistRow, ChronologyRow, IncidentRow
from bot.incidents.outcomes import OUTCOMES
from bot.messages import Button, ButtonStyle, ChecklistItem, Field, Reply, Section, Tone
from bot.notify import briefing
from bot.playbooks.library import PlaybookLibrary
from bot.playbooks.schema import Playbook
from bot.texts import roles_list

#: The chronology on the card shows the latest entries; the export has all of them.
CARD_CHRONOLOGY = 12


def payload(number: str, verb: str, arg: str = "") -> str:
    """Incident buttons: ``inc:<number>:<verb>[:<arg>]`` (ids only, never text)."""
    return f"inc:{number}:{verb}" + (f":{arg}" if arg else "")


def digest(text: str) -> str:
    """Ties [Versturen] to the exact briefing text previewed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Snapshot:
    incident: IncidentRow
    checklist: list[ChecklistRow]
    chronology: list[ChronologyRow]


async def load(session: AsyncSession, number: str) -> Snapshot:
    incident = (await session.execute(select(IncidentRow).where(IncidentRow.number == number))).scalar_one_or_none()
    if incident is None:
        raise UserFacingError(f"Incident {number} bestaat niet / does not exist")
    items = (await session.execute(select(ChecklistRow).where(ChecklistRow.incident_id == incident.id)
                                   .order_by(ChecklistRow.position))).scalars().all()
    events = (await session.execute(select(ChronologyRow).where(ChronologyRow.incident_id == incident.id)
                                    .order_by(ChronologyRow.at, ChronologyRow.id))).scalars().all()
    return Snapshot(incident, list(items), list(events))


def owner_role(incident: IncidentRow, directory: SchoolDirectory) -> str:
    platform = incident.reporter_platform
    return next((role for role, holders in directory.roles.items()
                 if incident.owner_id and incident.owner_id in getattr(holders, platform, [])), "")


def render(snapshot: Snapshot, library: PlaybookLibrary, directory: SchoolDirectory) -> Reply:
    incident = snapshot.incident
    lang = incident.lang
    playbook = library.get(incident.playbook)
    loc = Locale(lang, directory.jurisdiction)
    title = loc.t(playbook.title) if playbook else incident.playbook
    reporter = f"{incident.reporter_platform}:{incident.reporter_id}"

    def who(actor: str) -> str:
        return journal.display(actor, directory, lang, reporter=reporter)

    owner = who(f"{incident.reporter_platform}:{incident.owner_id}") if incident.owner_id else \
        texts.label(lang, "nobody")
    status = texts.status(lang, incident.status)
    if incident.status == "closed" and incident.outcome:
        status += f": {texts.inline(texts.outcome(lang, incident.outcome))}"
    summary = (
        Field(texts.label(lang, "protocol"), title),
        Field(texts.label(lang, "status"), status),
        Field(texts.label(lang, "owner"), owner),
        Field(texts.label(lang, "opened"), _local(incident.created_at, directory)),
        Field(texts.label(lang, "reporter"), incident.reporter_name or incident.reporter_id),
        Field(texts.label(lang, "urgent"), texts.label(lang, "yes" if incident.urgent else "no")),
    )
    report = "\n\n".join(f"**{texts.label(lang, key)}:** {value}" for key, value in
                         (("what", incident.what), ("where", incident.where), ("since", incident.since)) if value)
    answers = tuple(_answer_fields(incident, library, loc))
    open_incident = incident.status != "closed"
    items = []
    for n, row in enumerate(snapshot.checklist, 1):
        step = playbook.step(row.step_id) if playbook else None
        action = None
        if open_incident:
            verb, label = ("untick", texts.undo_button(lang, n)) if row.done else ("tick", texts.done_button(lang, n))
            action = Button(payload(incident.number, verb, row.step_id), label)
        # The coordinator's card is where reviewers' inventory ids belong (not a teacher's screen).
        sources = f" · {', '.join(step.sources)}" if step else ""
        items.append(ChecklistItem(row.step_id, f"{n}. {loc.t(step.title) if step else row.step_id}",
                                   roles_list(list(row.roles), lang) + sources, row.done, action))
    lines = [f"- {_local(e.at, directory, short=True)} · {who(e.actor)} · "
             f"{texts.chronology_kind(lang, e.kind, _detail(e, playbook, loc, lang))}"
             for e in snapshot.chronology[-CARD_CHRONOLOGY:]]
    actions: list[Button] = []
    if open_incident and playbook and playbook.briefing and not incident.briefing_sent:
        actions.append(Button(payload(incident.number, "brief"), texts.brief_button(lang)))
    if open_incident:
        actions.append(Button(payload(incident.number, "close"), texts.close_button(lang), ButtonStyle.DANGER))
    headline = texts.card_title(lang, incident.number, title)
    sections = [
        Section(fields=summary, tone=Tone.DANGER if incident.urgent and not incident.owner_id else Tone.NORMAL),
        Section(report, title=texts.label(lang, "report"), fields=answers),
        Section(title=texts.label(lang, "checklist"), checklist=tuple(items)),
        Section("\n".join(lines), title=texts.label(lang, "chronology")),
    ]
    return Reply(headline, tuple(sections), actions=tuple(actions), lang=lang)


def _answer_fields(incident: IncidentRow, library: PlaybookLibrary, loc: Locale) -> list[Field]:
    playbook = library.get(incident.playbook)
    fields = []
    for question_id, option_id in incident.answers.items():
        question = playbook.question(question_id) if playbook else None
        option = next((o for o in question.options if o.id == option_id), None) if question else None
        if question and option and question_id != "jurisdiction":
            fields.append(Field(loc.t(question.ask), loc.t(option.label)))
    return fields


def _detail(entry: ChronologyRow, playbook: Playbook | None, loc: Locale, lang: str) -> str:
    if entry.kind in ("checked", "unchecked") and playbook:
        step = playbook.step(entry.detail)
        return loc.t(step.title) if step else entry.detail
    # Inside a sentence ("doorgezet naar directie", "gesloten (opgelost)"): lower case.
    if entry.kind == "escalated":
        return texts.roles_in_sentence(entry.detail.split(", "), lang)
    if entry.kind == "unreachable":
        return texts.roles_in_sentence([entry.detail], lang) if entry.detail else ""
    if entry.kind == "closed":
        return texts.inline(texts.outcome(lang, entry.detail)) if entry.detail in OUTCOMES else entry.detail
    return ""


def _local(moment: datetime, directory: SchoolDirectory, *, short: bool = False) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    local = aware.astimezone(ZoneInfo(directory.working_hours.tz))
    return local.strftime("%H:%M" if short else "%d-%m-%Y %H:%M")


def colleague_suspected(incident: IncidentRow) -> bool:
    """The form asked about a suspected colleague (with or without a school role): that
    colleague reads the team channel too, so the briefing is never posted there."""
    return bool(incident.excluded_role or incident.excluded)


def briefing_text(snapshot: Snapshot, library: PlaybookLibrary, directory: SchoolDirectory) -> str:
    """The current draft: the owner's edit if any, else the template with general facts."""
    return snapshot.incident.briefing_draft or template_text(snapshot, library, directory)


def leaks(snapshot: Snapshot, text: str, library: PlaybookLibrary, directory: SchoolDirectory) -> list[str]:
    """What ``text`` adds that could identify someone (see :func:`briefing.leaked_terms`)."""
    incident = snapshot.incident
    return briefing.leaked_terms(text, [incident.what, incident.where, incident.since],
                                 template=template_text(snapshot, library, directory),
                                 known_words=briefing.vocabulary(library))


def template_text(snapshot: Snapshot, library: PlaybookLibrary, directory: SchoolDirectory) -> str:
    """The draft generated from the playbook's template and general facts only."""
    incident = snapshot.incident
    playbook = library.get(incident.playbook)
    if playbook is None or playbook.briefing is None:
        raise UserFacingError(f"playbook {incident.playbook} has no briefing template")
    return briefing.draft(playbook, number=incident.number, coordinator_role=owner_role(incident, directory)
                          or "vertrouwenspersoon", lang=incident.lang, jurisdiction=directory.jurisdiction,
                          answers=dict(incident.answers))


def preview(snapshot: Snapshot, library: PlaybookLibrary, directory: SchoolDirectory, *, intro: str = "") -> Reply:
    incident = snapshot.incident
    lang = incident.lang
    text = briefing_text(snapshot, library, directory)
    channel = texts.team_channel(lang)
    sections = [Section(texts.briefing_explain(lang, channel), tone=Tone.INFO), Section(text)]
    send: tuple[Button, ...] = (
        Button(payload(incident.number, "send", digest(text)), texts.send_briefing(lang), ButtonStyle.PRIMARY),)
    if colleague_suspected(incident):
        sections[0] = Section(texts.briefing_not_to_team(lang), tone=Tone.WARNING)
        send = ()
    if intro:
        sections.insert(0, Section(intro, tone=Tone.WARNING))
    choices = (*send, Button(payload(incident.number, "edit"), texts.edit_briefing(lang)))
    return Reply(texts.briefing_title(lang, incident.number), tuple(sections), choices, lang=lang)

