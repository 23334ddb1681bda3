"""``protocolwijzer serve`` with Teams: the real process against the fake Bot Connector, Slack
beside it in the same process, a clean stop; every setting that cannot work stopped at start
with one clear line; and ``teams-package``."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import zipfile
from pathlib import Path

import aiohttp
import pytest

from tests.adapters.slack.world import PROXY_VARIABLES, SECRET, SLACK_VARIABLES, TEACHER
from tests.adapters.teams.conftest import TEAMS_VARIABLES
from tests.adapters.teams.world import APP_ID, TENANT, link, school_yaml
from tests.conftest import REPO
from tests.fakes import slack_payloads as p
from tests.fakes import teams_activities as a
from tests.fakes.slack_api import FakeSlack
from tests.fakes.teams_connector import FakeConnector

NAME = "Sanne de Boer"


def environment(tmp_path: Path, fake: FakeConnector, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (*PROXY_VARIABLES, *SLACK_VARIABLES, *TEAMS_VARIABLES)}
    people = {k: fake.add_user(f"{k}@obs-regenboog.nl", k) for k in
              ("teacher", "vp", "zorg", "directie", "board", "mentor")}
    safety = fake.add_team("Veiligheidsteam", [people["vp"], people["directie"]], channels=["Incidenten"])
    staff = fake.add_team("Team", list(people.values()), channels=["Team"])
    school = tmp_path / "school.yaml"
    school.write_text(school_yaml("channel", people, link(safety.channel("Incidenten"), "Incidenten"),
                                  staff.channel("Team")), encoding="utf-8")
    return {**env, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/serve.db", "PORT": "0",
            "SCHOOL_CONFIG": str(school), "TEAMS_TENANT_ID": TENANT, "TEAMS_ALLOW_SERVICE_URL": fake.url,
            "TEAMS_SERVICE_URL": fake.url, **extra}


async def start(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", *args, cwd=REPO, env=env,
                                                stderr=asyncio.subprocess.PIPE)


async def port_of(process: asyncio.subprocess.Process, pattern: str, seen: list[str]) -> int:
    assert process.stderr is not None
    while True:
        line = (await asyncio.wait_for(process.stderr.readline(), 60)).decode()
        seen.append(line)
        assert line, "serve stopped before it listened: " + "".join(seen)
        if match := re.search(pattern, line):
            return int(match.group(1))


async def test_serve_answers_teams_and_slack_in_one_process_and_stops_cleanly(tmp_path: Path) -> None:
    async with FakeConnector() as teams, FakeSlack() as slack:
        slack.add_user(TEACHER, "leraar")
        env = environment(tmp_path, teams, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET,
                          SLACK_API_URL=slack.url)
        process = await start(env, "--teams-anonymous")
        seen: list[str] = []
        try:
            port = await port_of(process, r"Teams at http://127\.0\.0\.1:(\d+)/api/messages", seen)
            teacher = teams.user("teacher@obs-regenboog.nl")
            async with aiohttp.ClientSession() as http:
                activity = a.personal_message(teacher, f"{NAME} krijgt naaktfoto's doorgestuurd", service_url=teams.url)
                async with http.post(f"http://127.0.0.1:{port}/api/messages", json=activity) as response:
                    assert response.status in (200, 201, 202)
                assert teams.messages_to(teacher), "answered in the personal chat"
                body = p.json_body(p.event_callback(p.message_im(TEACHER, "er gaat een naaktfoto rond",
                                                                 channel=slack.dm_id(TEACHER))))
                status, _ = await p.post_signed(http, f"http://127.0.0.1:{port}/slack/events", body, SECRET,
                                                content_type=p.JSON)
                assert status == 200
                await slack.wait_for("chat.postMessage", timeout=20)
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    health = json.loads(await response.text())
                assert {b["platform"] for b in health["platforms"]} == {"slack", "teams"}
        finally:
            process.send_signal(signal.SIGINT)
            _, rest = await asyncio.wait_for(process.communicate(), 30)
        log = "".join(seen) + rest.decode()
        assert process.returncode == 0
        assert NAME not in log and "Traceback" not in log


@pytest.mark.parametrize(("settings", "args", "message"), [
    ({"TEAMS_APP_ID": APP_ID}, (), "TEAMS_APP_PASSWORD"),
    ({"TEAMS_APP_PASSWORD": "secret"}, (), "TEAMS_APP_ID"),
    ({"TEAMS_APP_ID": "28:" + APP_ID, "TEAMS_APP_PASSWORD": "s"}, (), "TEAMS_APP_ID"),
    ({}, ("--teams-anonymous", "--host", "0.0.0.0"), "127.0.0.1"),
    ({"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "s", "TEAMS_TENANT_ID": "11111111-2222-3333-4444-555555555555"},
     (), "differ"),
])
async def test_a_setting_that_cannot_work_stops_the_start(tmp_path: Path, settings: dict[str, str],
                                                           args: tuple[str, ...], message: str) -> None:
    async with FakeConnector() as teams:
        env = environment(tmp_path, teams)
        env.pop("TEAMS_TENANT_ID")
        process = await start({**env, "TEAMS_TENANT_ID": TENANT, **settings}, *args)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1, stderr.decode()
    assert message in stderr.decode() and "Traceback" not in stderr.decode()
    assert len([line for line in stderr.decode().splitlines() if line.startswith("protocolwijzer:")]) == 1


async def test_teams_package_writes_the_zip_and_refuses_a_bad_app_id(tmp_path: Path) -> None:
    out = tmp_path / "pw.zip"
    env = {k: v for k, v in os.environ.items() if k not in TEAMS_VARIABLES}
    good = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "teams-package", "--app-id", APP_ID,
                                                "--out", str(out), "--incident-space", "channel", cwd=REPO, env=env,
                                                stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(good.communicate(), 60)
    assert good.returncode == 0, stderr.decode()
    with zipfile.ZipFile(out) as package:
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["id"] == APP_ID and "groupChat" not in manifest["bots"][0]["scopes"]
    bad = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "teams-package", "--app-id", "my-bot",
                                               "--out", str(tmp_path / "bad.zip"), cwd=REPO, env=env,
                                               stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(bad.communicate(), 60)
    assert bad.returncode == 1 and "Traceback" not in stderr.decode()
    assert not (tmp_path / "bad.zip").exists()
