"""The simulator's access log on a real server: the page's polls of ``/api/inbox`` write
nothing (every 1.5 s they were 400 lines in nine minutes); an event is one line by route,
without its body, its query or a path that matched no route."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from adapters.web.app import bound_port, start_web
from bot.app import build_core
from bot.settings import Settings

PLAYBOOKS = Path(__file__).parent / "data" / "playbooks"
SESSION = "access-log-01"
QUESTION = "er gaat een naaktfoto rond van Jan Jansen uit 3B"


@pytest.fixture
async def url(tmp_path: Path) -> AsyncIterator[str]:
    core = await build_core(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db", playbooks_dir=PLAYBOOKS))
    runner = await start_web(core, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{bound_port(runner)}"
    finally:
        await runner.cleanup()
        await core.close()


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if not r.name.startswith(("sqlalchemy", "aiosqlite"))]


async def test_a_poll_leaves_no_log_line(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with aiohttp.ClientSession() as http:
        for _ in range(3):
            async with http.get(f"{url}/api/inbox", params={"session": SESSION, "persona": "teacher"}) as response:
                assert response.status == 200
        async with http.get(f"{url}/api/inbox", params={"persona": "teacher"}) as response:
            assert response.status == 400  # a broken poll repeats every 1.5 s too
        for path in ("/", "/static/app.js", "/favicon.ico", "/healthz"):
            async with http.get(f"{url}{path}") as response:
                assert response.status == 200, path
    assert lines(caplog) == []


async def test_an_event_is_one_line_by_route_without_its_words(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/api/event", json={"session": SESSION, "type": "text", "text": QUESTION}) as r:
            assert r.status == 200
        async with http.get(f"{url}/Jan-Jansen-3B?naam=Jan") as response:
            assert response.status == 404
    written = lines(caplog)
    access = [line for line in written if line.startswith("adapters.web.access")]
    assert len(access) == 2, written
    assert re.fullmatch(r"adapters\.web\.access: POST /api/event 200 \(\d+ ms\)", access[0])
    assert re.fullmatch(r"adapters\.web\.access: GET \(no route\) 404 \(\d+ ms\)", access[1])
    assert not any(word in line for line in written for word in ("Jan", "3B", "naaktfoto", SESSION)), written
