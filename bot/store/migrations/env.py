"""Alembic's environment: migrations run on the connection :mod:`bot.store.migrate` hands over.

There is no ``alembic.ini`` and no URL here: the bot migrates its own database (``protocolwijzer
migrate``, and ``serve`` at start), in the same process, on an async engine's connection. For
``alembic revision --autogenerate`` during development, :func:`bot.store.migrate.all_metadata`
is the target: every table of the core and of the adapters.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bot.store.migrate (protocolwijzer migrate), not the alembic command")

context.configure(connection=connection, target_metadata=context.config.attributes.get("metadata"),
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
