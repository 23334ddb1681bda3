"""Build the core once: playbooks, router, engine, database and services.

Adapters receive a :class:`Core`; nothing is constructed at import time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversation.engine import Engine
from bot.conversation.router import Router
from bot.conversation.service import ConversationService
from bot.directory import SchoolDirectory, load_directory
from bot.playbooks.library import PlaybookLibrary, load_library
from bot.settings import Settings
from bot.store.conversations import ConversationStore
from bot.store.db import create_schema, make_engine, session_factory

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

    async def close(self) -> None:
        await self.db.dispose()


async def build_core(settings: Settings) -> Core:
    library, problems = load_library(settings.playbooks_dir)
    if problems:
        log.warning("%d playbook problem(s); run 'protocolwijzer lint' for details", len(problems))
    log.info("loaded %d playbook(s)", len(library))
    directory = None
    if settings.school_config.exists():
        directory, directory_problems = load_directory(settings.school_config)
        for problem in directory_problems:
            log.warning("school directory problem: %s", problem)
    router = Router(library)
    engine = Engine(library, router, jurisdiction=directory.jurisdiction if directory else None)
    db = make_engine(settings.database_url)
    await create_schema(db)
    store = ConversationStore(session_factory(db))
    service = ConversationService(engine, store, default_lang=settings.default_lang)
    return Core(settings, library, router, engine, db, service, problems, directory)
