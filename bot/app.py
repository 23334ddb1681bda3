"""Build the core once: playbooks, router, engine, database and services.

Adapters receive a :class:`Core`, register their platform (:meth:`Core.add_platform`),
hand it neutral events (:meth:`Core.handle`) and start the background workers;
nothing is constructed at import time.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import metrics, texts
from bot.clock import Clock
from bot.conversation.engine import Engine
from bot.conversation.router import Router
from bot.conversation.service import ConversationService
from bot.directory import SchoolDirectory, load_directory
from bot.events import ButtonPressed, Event, FileShared, FormSubmitted
from bot.incidents.actions import IncidentActions, is_incident_payload
from bot.incidents.files import record_file_shared
from bot.incidents.reporting import Reporting
from bot.messages import Reply, Section, Tone, headline
from bot.notify.delivery import Delivery
from bot.notify.escalation import EscalationService
from bot.notify.outbox import OutboxWorker
from bot.notify.workers import Workers
from bot.playbooks.library import PlaybookLibrary, load_library
from bot.ports import ChatPlatform
from bot.settings import Settings
from bot.store.conversations import ConversationStore
from bot.store.db import create_schema, make_engine, session_factory
from bot.textclean import clean_event

log = logging.getLogger(__name__)


@dataclass
class Core:
    settings: Settings
    library: PlaybookLibrary
    router: Router
    engine: Engine
    db: AsyncEngine
    conversations: ConversationService
    playbook_problems: list[str]
    directory: SchoolDirectory | None = None
    clock: Clock = field(default_factory=Clock)
    actions: IncidentActions | None = None
    platforms: dict[str, ChatPlatform] = field(default_factory=dict)
    workers: Workers | None = None

    def add_platform(self, platform: ChatPlatform) -> None:
        self.platforms[platform.name] = platform

    def make_workers(self, *, interval: float = 2.0) -> Workers | None:
        """The outbox and escalation loop (None without a school directory: nothing to send)."""
        if self.directory is None:
            return None
        sessions = session_factory(self.db)
        escalations = EscalationService(sessions, self.directory, clock=self.clock)
        delivery = Delivery(self.platforms, sessions, self.library, self.directory, escalations)
        self.workers = Workers(OutboxWorker(sessions, delivery, clock=self.clock), escalations, interval=interval)
        return self.workers

    async def handle(self, event: Event) -> list[Reply]:
        """Route an event: incident buttons and forms to the incident, the rest to the
        conversation. What it queues wakes the workers when it commits (the outbox's
        ``on_commit``), so it goes out at once. Every string in the event is cleaned first
        (:mod:`bot.textclean`): a NUL in a report must not make it impossible to save."""
        event = clean_event(event)
        metrics.EVENTS.labels(event.user.platform, type(event).__name__).inc()
        if isinstance(event, FileShared):
            return await self._file_shared(event)
        if isinstance(event, ButtonPressed | FormSubmitted) and is_incident_payload(event.payload):
            return await self._incident_action(event)
        return await self.conversations.handle(event)

    async def _file_shared(self, event: FileShared) -> list[Reply]:
        """The warning of safety rule 1, for a file shared with the bot or in an incident
        space (where the fact is also recorded); a file elsewhere is none of our business.
        The warning never depends on the record: a failed write is logged, not shown."""
        lang = self.directory.language if self.directory else self.settings.default_lang
        try:
            space_lang = await record_file_shared(session_factory(self.db), channel_id=event.channel_id,
                                                  user=event.user, at=self.clock())
        except Exception:
            log.exception("could not record a file shared in channel; warning anyway")
            space_lang = None
        if space_lang is None and not event.with_bot:
            return []
        if space_lang is not None:
            log.info("file shared in an incident space: recorded, not stored")
        text = texts.file_warning(space_lang or lang, in_space=space_lang is not None)
        return [Reply(headline(text), (Section(text, tone=Tone.WARNING),),
                      lang=space_lang or lang)]

    async def _incident_action(self, event: ButtonPressed | FormSubmitted) -> list[Reply]:
        lang = self.directory.language if self.directory else self.settings.default_lang
        if self.actions is None:
            text = texts.unknown_button(lang)
            return [Reply(text, (Section(text),), ephemeral=True, lang=lang)]
        try:
            return await self.actions.handle(event)
        except Exception:
            ref = uuid.uuid4().hex[:6]
            log.exception("unexpected error handling an incident action", extra={"ref": ref})
            text = texts.unexpected_error(lang, ref)
            return [Reply(text, (Section(text, tone=Tone.DANGER),), ephemeral=True, lang=lang)]

    async def close(self) -> None:
        await self.conversations.store.close()
        await self.db.dispose()


def _directory(settings: Settings, fallback: Path | None) -> SchoolDirectory | None:
    path = settings.school_config
    if not path.exists() and fallback is not None and fallback.exists():
        log.info("no %s: using the demo school from %s", path, fallback)
        path = fallback
    if not path.exists():
        return None
    directory, problems = load_directory(path)
    for problem in problems:
        log.warning("school directory problem: %s", problem)
    return directory


async def build_core(settings: Settings, *, fallback_school: Path | None = None, clock: Clock | None = None,
                     db: AsyncEngine | None = None, incidents: bool = True) -> Core:
    """Everything but the platforms. ``fallback_school`` is used when ``SCHOOL_CONFIG``
    does not exist (the simulator's demo school); ``clock`` and ``db`` (instead of
    ``DATABASE_URL``) let tests fix the time and the database. ``incidents=False`` for a
    front end that cannot deliver messages (the terminal): no [Meld bij coördinator],
    because telling a teacher "reported" when nobody can be reached would be worse."""
    library, problems = load_library(settings.playbooks_dir)
    if problems:
        log.warning("%d playbook problem(s); run 'protocolwijzer lint' for details", len(problems))
    log.info("loaded %d playbook(s)", len(library))
    directory = _directory(settings, fallback_school)
    clock = clock or Clock()
    router = Router(library)
    engine = Engine(library, router, directory=directory if incidents else None,
                    jurisdiction=directory.jurisdiction if directory else None)
    db = db or make_engine(settings.database_url)
    await create_schema(db)
    sessions = session_factory(db)
    reporting = Reporting(sessions, library, directory, clock=clock) if directory and incidents else None
    actions = IncidentActions(sessions, library, directory, clock=clock) if directory and incidents else None
    # The school's language (school.yaml) decides how a conversation starts; DEFAULT_LANG without a school.
    start_lang = directory.language if directory else settings.default_lang
    service = ConversationService(engine, ConversationStore(sessions), default_lang=start_lang,
                                  reporting=reporting)
    return Core(settings, library, router, engine, db, service, problems, directory, clock, actions)
