"""A database from a development version before migrations is named as such, not discovered
mid-incident; one made before migrations with the first revision's tables is adopted."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store.db import create_schema, make_engine
from bot.store.migrate import SchemaOutdated


async def test_missing_columns_are_reported_with_what_to_do(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/old.db")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE incidents (id INTEGER PRIMARY KEY, number VARCHAR(16))"))
    with pytest.raises(SchemaOutdated) as raised:
        await create_schema(engine)
    assert "incidents.playbook" in str(raised.value) and "export" in str(raised.value)
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
    assert "development version" in capsys.readouterr().err


def test_migrate_on_the_command_line_says_where_the_database_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/school.db")
    assert main(["migrate"]) == 0
    assert main(["migrate"]) == 0
    assert main(["migrate", "--to", "0001", "--down"]) == 0
    assert main(["migrate", "--to", "no-such-revision"]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("database at revision") and out[1].endswith("(nothing to do)")
    assert out[2] == "database at revision 0001 (was 0002)"
