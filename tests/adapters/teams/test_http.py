"""The messaging endpoint under bad input: a clear 4xx, never a 5xx or a traceback, and never
a word of the request in the log."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import aiohttp
import pytest

from adapters.teams.app import MESSAGES_PATH, create_teams, start_teams
from adapters.teams.auth import static_connections
from adapters.teams.config import TeamsConfig, TeamsConfigError
from tests.adapters.teams.world import APP_ID, TENANT, TeamsWorld
from tests.fakes import teams_activities as a

NAME = "Sanne de Boer"


async def test_malformed_activities_get_a_4xx_and_nothing_reaches_the_log(
    world: TeamsWorld, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    teacher = world.people["teacher"]
    bodies = a.malformed(teacher, service_url=world.teams.url)
    for name, body in bodies.items():
        status, _ = await world.post(body.replace(b"hallo", NAME.encode()))
        assert status < 500, name
    for name in ("not json", "json array", "json string", "empty object", "no type", "no conversation",
                 "deep nesting", "invalid utf-8"):
        status, _ = await world.post(bodies[name])
        assert status == 400, name
    status, body = await world.post(json.loads(bodies["unknown invoke"]))
    assert status == 200 and body == {}
    assert NAME not in caplog.text and "Traceback" not in caplog.text


async def test_oversized_foreign_and_unsigned_requests_are_refused(world: TeamsWorld) -> None:
    teacher = world.people["teacher"]
    big = a.personal_message(teacher, "x" * 400_000, service_url=world.teams.url)
    assert (await world.post(big))[0] == 413
    foreign = a.personal_message(teacher, NAME, service_url=world.teams.url, place=a.personal(
        teacher, tenant_id="11111111-2222-3333-4444-555555555555"))
    assert (await world.post(foreign))[0] == 401
    elsewhere = a.personal_message(teacher, NAME, service_url="https://evil.example/teams/")
    assert (await world.post(elsewhere))[0] == 401
    plain = a.personal_message(teacher, NAME, service_url="http://smba.trafficmanager.net/teams/")
    assert (await world.post(plain))[0] == 401, "Teams' own host, but not over https"
    assert world.teams.messages_to(teacher) == [], "nothing was answered, and nothing posted anywhere"


async def test_without_anonymous_mode_a_request_without_a_token_is_refused(tmp_path: Path, world: TeamsWorld) -> None:
    config = TeamsConfig(app_id=APP_ID, password="secret", tenant_id=TENANT, allowed_service_urls=(world.teams.url,))
    service = create_teams(world.core, config, manager=static_connections(config), run_workers=False)
    runner = await start_teams(service, "127.0.0.1", 0)
    try:
        host, port = runner.addresses[0][:2]
        activity = a.personal_message(world.people["teacher"], NAME, service_url=world.teams.url)
        async with aiohttp.ClientSession() as http, http.post(f"http://{host}:{port}{MESSAGES_PATH}",
                                                                json=activity) as response:
            assert response.status == 401
    finally:
        await runner.cleanup()


def test_a_half_configuration_is_refused_with_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(TeamsConfigError, match="TEAMS_APP_PASSWORD"):
        TeamsConfig.from_env({"TEAMS_APP_ID": APP_ID, "TEAMS_TENANT_ID": TENANT})
    with pytest.raises(TeamsConfigError, match="TEAMS_APP_ID"):
        TeamsConfig.from_env({"TEAMS_APP_PASSWORD": "x", "TEAMS_TENANT_ID": TENANT})
    with pytest.raises(TeamsConfigError, match="TEAMS_TENANT_ID"):
        TeamsConfig.from_env({"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "x"})
    with pytest.raises(TeamsConfigError, match="TEAMS_CERTIFICATE_PATH"):
        TeamsConfig.from_env({"TEAMS_APP_ID": APP_ID, "TEAMS_TENANT_ID": TENANT,
                              "TEAMS_CERTIFICATE_PATH": str(tmp_path / "missing.pfx")})
    assert TeamsConfig.from_env({}) is None
    anonymous = TeamsConfig.from_env({}, anonymous=True)
    assert anonymous is not None
    with pytest.raises(TeamsConfigError, match="127.0.0.1"):
        anonymous.check_bind("0.0.0.0")
    anonymous.check_bind("127.0.0.1")


def test_only_teams_own_service_urls_are_accepted() -> None:
    config = TeamsConfig(anonymous=True, allowed_service_urls=("http://127.0.0.1:4000/",))
    assert config.service_url_allowed("https://smba.trafficmanager.net/emea/")
    assert config.service_url_allowed("https://smba.infra.gcc.teams.microsoft.com/teams/")
    assert config.service_url_allowed("http://127.0.0.1:4000/")
    for url in ("http://127.0.0.1:4001/", "https://smba.trafficmanager.net.evil.example/", "https://evil.example/",
                "http://smba.trafficmanager.net/emea/", "", "https://[::1"):
        assert not config.service_url_allowed(url), url
