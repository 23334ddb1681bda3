"""``protocolwijzer serve`` with Slack settings: the real process against the fake Web
API on 127.0.0.1, from the first signed request to a clean stop, and every setting
that cannot work stopped at start with one clear line."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.adapters.slack.world import PROXY_VARIABLES, SCHOOL_YAML, SECRET, SLACK_VARIABLES, TEACHER
from tests.conftest import REPO
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import FakeSlack


def environment(tmp_path: Path, **slack: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (*PROXY_VARIABLES, *SLACK_VARIABLES)}
    school = tmp_path / "school.yaml"
    school.write_text(SCHOOL_YAML, encoding="utf-8")
    return {**env, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/serve.db", "PORT": "0",
            "SCHOOL_CONFIG": str(school), **slack}


async def start(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", cwd=REPO, env=env,
                                                stderr=asyncio.subprocess.PIPE)


async def test_serve_answers_a_signed_dm_over_http_and_stops_cleanly(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        fake.add_user(TEACHER, "leraar")
        process = await start(environment(tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET,
                                          SLACK_API_URL=fake.url))
        try:
            assert process.stderr is not None
            port = None
            while port is None:
                line = (await asyncio.wait_for(process.stderr.readline(), 60)).decode()
                assert line, "serve stopped before it listened"
                if match := re.search(r"Slack http at http://127\.0\.0\.1:(\d+)", line):
                    port = int(match.group(1))
            assert fake.auth_test_count == 1, "the token is checked at start"
            body = p.json_body(p.event_callback(p.message_im(TEACHER, "er gaat een naaktfoto rond",
                                                             channel=fake.dm_id(TEACHER))))
            async with aiohttp.ClientSession() as http:
                status, _ = await p.post_signed(http, f"http://127.0.0.1:{port}/slack/events", body, SECRET,
                                                content_type=p.JSON)
                assert status == 200
                await fake.wait_for("chat.postMessage", timeout=20)
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    assert (await response.json())["mode"] == "http"
        finally:
            process.send_signal(signal.SIGINT)
            code = await asyncio.wait_for(process.wait(), 30)
        assert code == 0


@pytest.mark.parametrize(("settings", "message"), [
    ({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": "s"}, "xoxb-"),
    ({"SLACK_BOT_TOKEN": "xoxb-test"}, "SLACK_APP_TOKEN"),
    ({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "secret"}, "xapp-"),
])
async def test_a_setting_that_cannot_work_stops_the_start(tmp_path: Path, settings: dict[str, str],
                                                           message: str) -> None:
    process = await start(environment(tmp_path, **settings))
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert message in stderr.decode() and "Traceback" not in stderr.decode()


async def test_a_refused_token_stops_the_start(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        fake.fail_next("auth.test", status=200, error="invalid_auth")
        process = await start(environment(tmp_path, SLACK_BOT_TOKEN="xoxb-revoked", SLACK_SIGNING_SECRET=SECRET,
                                          SLACK_API_URL=fake.url))
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert "invalid_auth" in stderr.decode() and "Traceback" not in stderr.decode()


async def test_an_address_that_is_not_the_slack_api_stops_the_start_with_one_line(tmp_path: Path) -> None:
    """A wrong SLACK_API_URL (here a page that answers 404 in plain text) says so, without a traceback."""
    async with FakeSlack() as fake:
        process = await start(environment(tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET,
                                          SLACK_API_URL=fake.url + "nowhere/"))
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    text = stderr.decode()
    assert process.returncode == 1
    assert "HTTP 404" in text and "SLACK_API_URL" in text and "Traceback" not in text, text
