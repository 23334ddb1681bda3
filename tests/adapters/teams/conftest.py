from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.teams.world import TeamsWorld, close_world, open_world

TEAMS_VARIABLES = ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_CERTIFICATE_PATH", "TEAMS_TENANT_ID",
                   "TEAMS_SERVICE_URL", "TEAMS_ALLOW_SERVICE_URL", "TEAMS_GRAPH_URL", "TEAMS_LOGIN_URL",
                   "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


@pytest.fixture(autouse=True)
def _no_teams_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in TEAMS_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[TeamsWorld]:
    opened = await open_world(tmp_path)
    try:
        yield opened
    finally:
        await close_world(opened)


@pytest.fixture
async def channel_world(tmp_path: Path) -> AsyncIterator[TeamsWorld]:
    opened = await open_world(tmp_path, space="channel")
    try:
        yield opened
    finally:
        await close_world(opened)
