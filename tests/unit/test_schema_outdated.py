"""A database from an older version is named as such, not discovered mid-incident."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store.db import SchemaOutdated, create_schema, make_engine


async def test_missing_columns_are_reported_with_what_to_do(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/old.db")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE incidents (id INTEGER PRIMARY KEY, number VARCHAR(16))"))
    with pytest.raises(SchemaOutdated) as raised:
        await create_schema(engine)
    assert "incidents.playbook" in str(raised.value) and "delete the database file" in str(raised.value)
    await engine.dispose()


async def test_a_current_database_passes(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/new.db")
    await create_schema(engine)
    await create_schema(engine)  # twice: nothing missing, nothing raised
    await engine.dispose()


def test_the_command_line_names_the_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    from bot.cli import main

    database = tmp_path / "old.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE incidents (id INTEGER PRIMARY KEY, number VARCHAR(16))")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    assert main(["export", "2026-0001"]) == 1
    assert "older version" in capsys.readouterr().err
