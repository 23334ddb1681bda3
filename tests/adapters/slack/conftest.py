from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.slack.world import PROXY_VARIABLES, SLACK_VARIABLES, SlackWorld, close_world, open_world


@pytest.fixture(autouse=True)
def _no_proxy_no_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk ignores NO_PROXY, and AsyncApp reads SLACK_* variables: neither may leak in."""
    for name in (*PROXY_VARIABLES, *SLACK_VARIABLES):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    opened = await open_world(tmp_path)
    try:
        yield opened
    finally:
        await close_world(opened)
