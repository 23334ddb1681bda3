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


@pytest.fixture
def local_keys(monkeypatch: pytest.MonkeyPatch) -> object:
    """Token signatures checked against a key made here: the SDK's key lookup never goes online."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt import PyJWK
    from jwt.algorithms import RSAAlgorithm
    from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = PyJWK({**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "alg": "RS256"})

    async def signing_key(self: object, uri: str, header: dict[str, object]) -> PyJWK:
        return public

    monkeypatch.setattr(jwt_token_validator._JwkClientManager, "get_signing_key", signing_key)
    return key


async def test_only_the_bot_framework_speaks_for_teams(tmp_path: Path, world: TeamsWorld, local_keys: object) -> None:
    """A token for this bot from another issuer (any app in the school's tenant can get one from
    Entra) is refused, and so is a Bot Framework token issued for another service URL."""
    import time

    import jwt

    config = TeamsConfig(app_id=APP_ID, password="secret", tenant_id=TENANT, allowed_service_urls=(world.teams.url,))
    service = create_teams(world.core, config, manager=static_connections(config, token="bot-token"),
                           run_workers=False)
    runner = await start_teams(service, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    teacher = world.people["teacher"]

    def token(issuer: str, service_url: str) -> str:
        now = int(time.time())
        return jwt.encode({"iss": issuer, "aud": APP_ID, "serviceurl": service_url, "iat": now, "nbf": now,
                           "exp": now + 600}, local_keys, algorithm="RS256", headers={"kid": "k"})  # type: ignore[arg-type]

    async def post(authorization: str) -> int:
        activity = a.personal_message(teacher, "menu", service_url=world.teams.url)
        async with aiohttp.ClientSession() as http, http.post(
                f"http://127.0.0.1:{port}{MESSAGES_PATH}", json=activity,
                headers={"Authorization": f"Bearer {authorization}"}) as response:
            return response.status

    try:
        assert host == "127.0.0.1"
        assert await post(token(f"https://sts.windows.net/{TENANT}/", world.teams.url)) == 401
        assert await post(token(f"https://login.microsoftonline.com/{TENANT}/v2.0", world.teams.url)) == 401
        assert await post(token("https://api.botframework.com", "https://smba.trafficmanager.net/emea/")) == 401
        assert world.teams.messages_to(teacher) == []
        assert await post(token("https://api.botframework.com", world.teams.url)) in (200, 201, 202)
        assert world.teams.messages_to(teacher), "a genuine Bot Framework token is answered"
    finally:
        await runner.cleanup()


async def test_a_nul_character_from_teams_is_cleaned_not_fatal(world: TeamsWorld) -> None:
    teacher = world.people["teacher"]
    activity = a.personal_message(teacher, "er gaat een naaktfoto\x00 rond", service_url=world.teams.url)
    activity["id"] = activity["id"] + "\x00"
    status, _ = await world.post(activity)
    assert status in (200, 201, 202)
    assert "naakt" in json.dumps(world.latest("teacher").card).lower()
