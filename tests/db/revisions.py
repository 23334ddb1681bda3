"""Every table of the product, and how a new migration is written.

The core and each adapter declare their tables on one ``Base.metadata``; importing their
modules registers them. The migrations must create exactly these tables
(``test_migrations.py`` compares them), and a change to a model gets its revision from:

    .venv/bin/python -m tests.db.revisions "what changed"

which brings a scratch SQLite database to the current head and lets Alembic write the
difference to ``bot/store/migrations/versions/`` (read it, then commit it).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import MetaData, create_engine

from bot.store.migrate import MIGRATIONS, alembic_config


def all_metadata() -> MetaData:
    import adapters.slack.dedupe  # noqa: F401  (slack_events)
    import adapters.slack.sent  # noqa: F401  (slack_sent)
    import adapters.teams.store  # noqa: F401  (teams_*)
    import adapters.web.platform  # noqa: F401  (web_*)
    import bot.incidents.models  # noqa: F401
    import bot.notify.escalation  # noqa: F401
    import bot.notify.outbox  # noqa: F401
    import bot.store.conversations  # noqa: F401
    from bot.store.models import Base

    return Base.metadata


def new_revision(message: str, *, rev_id: str | None = None, metadata: MetaData | None = None) -> Path:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/scratch.db")
        try:
            with engine.begin() as connection:
                config = alembic_config(connection, metadata or all_metadata())
                command.upgrade(config, "head")
                script = command.revision(config, message, autogenerate=True, rev_id=rev_id)  # then edit its name
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.db.revisions 'what changed'")
    print(new_revision(sys.argv[1]).relative_to(MIGRATIONS.parent.parent.parent.parent))
