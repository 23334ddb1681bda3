"""GraphClient against the fake Graph (with a static token: MSAL is never built here, except the provider test,
which replaces MSAL's class so nothing reaches the network)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from adapters.teams.graph import GRAPH_SCOPE, GraphClient, GraphError, msal_token_provider, user_bind
from tests.fakes.graph import GRAPH_TOKEN, FakeGraph
from tests.fakes.teams_connector import FakeConnector, TeamsUser
from tests.fakes.teams_http import FakeServer

MANIFEST_ID = "6f1f9a44-1b0e-4a55-9a43-3a3c2b9d5e10"


def static_token(value: str = GRAPH_TOKEN) -> Any:
    async def token() -> str:
        return value

    return token


@dataclass
class World:
    teams: FakeConnector
    graph: FakeGraph
    session: aiohttp.ClientSession
    client: GraphClient
    anna: TeamsUser
    bram: TeamsUser
    cas: TeamsUser


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with FakeConnector() as teams, FakeGraph(teams) as graph, aiohttp.ClientSession() as session:
        people = [teams.add_user(f"{n}@school.nl", n.title()) for n in ("anna", "bram", "cas")]
        yield World(teams, graph, session, GraphClient(session, static_token(), base_url=graph.url), *people)
        assert graph.problems == [] and teams.problems == []


async def test_an_incident_chat_is_created_the_app_installed_and_the_bot_can_post(world: World) -> None:
    catalog_id = world.graph.publish_app(MANIFEST_ID)

    chat_id = await world.client.create_group_chat("Incident 2026-0042", ["anna@school.nl", world.bram.aad_id])
    await world.client.install_app(chat_id, await world.client.catalog_app_id(MANIFEST_ID))
    await world.client.install_app(chat_id, catalog_id)  # a retry after a crash: 409 is fine

    chat = world.graph.chats[chat_id]
    assert chat.topic == "Incident 2026-0042" and chat.members == [world.anna.aad_id, world.bram.aad_id]
    assert world.graph.installed[chat_id] == {catalog_id}
    [create] = world.graph.calls_to("POST", "/v1.0/chats")[:1]
    assert [m["user@odata.bind"] for m in create.json["members"]] == [
        "https://graph.microsoft.com/v1.0/users('anna@school.nl')",
        f"https://graph.microsoft.com/v1.0/users('{world.bram.aad_id}')",
    ]
    assert {tuple(m["roles"]) for m in create.json["members"]} == {("owner",)}
    assert {c.authorization for c in world.graph.calls} == {f"Bearer {GRAPH_TOKEN}"}
    async with world.session.post(
        f"{world.teams.url}v3/conversations/{chat_id}/activities", json={"type": "message", "text": "Hallo"}
    ) as response:
        assert response.status == 201


async def test_create_group_chat_needs_two_people_before_calling(world: World) -> None:
    with pytest.raises(ValueError):
        await world.client.create_group_chat("Incident 2026-0043", ["anna@school.nl", " anna@school.nl "])
    assert world.graph.calls == []


async def test_the_catalog_id_is_looked_up_once(world: World) -> None:
    catalog_id = world.graph.publish_app(MANIFEST_ID)
    world.graph.publish_app("another-app")

    assert await world.client.catalog_app_id(MANIFEST_ID) == catalog_id
    assert await world.client.catalog_app_id(MANIFEST_ID) == catalog_id
    [lookup] = world.graph.calls_to("GET", "/v1.0/appCatalogs")
    assert lookup.query == {"$filter": f"externalId eq '{MANIFEST_ID}'"}
    assert "%20eq%20" in lookup.raw_path  # spaces as %20, as Graph's docs ask (aiohttp would write '+')
    with pytest.raises(GraphError) as missing:
        await world.client.catalog_app_id("not-uploaded")
    assert (missing.value.status, missing.value.code) == (404, "AppNotInCatalog")


async def test_adding_a_member_twice_is_not_an_error(world: World) -> None:
    world.graph.block_add_to_two_member_chats = False
    chat_id = await world.client.create_group_chat("Incident 2026-0044", ["anna@school.nl", "bram@school.nl"])

    await world.client.add_chat_member(chat_id, "cas@school.nl")
    await world.client.add_chat_member(chat_id, world.cas.aad_id)
    world.graph.existing_member_status = 201
    await world.client.add_chat_member(chat_id, "cas@school.nl")

    assert world.graph.chats[chat_id].members == [world.anna.aad_id, world.bram.aad_id, world.cas.aad_id]
    assert [c.status for c in world.graph.calls_to("POST", f"/v1.0/chats/{chat_id}/members")] == [201, 409, 201]


async def test_user_object_ids(world: World) -> None:
    quote_user = world.teams.add_user("o'brien@school.nl", "Sean O'Brien")
    dollar_user = world.teams.add_user("$beheer@school.nl", "Beheer")

    assert await world.client.user_object_id("ANNA@school.nl") == world.anna.aad_id
    assert await world.client.user_object_id(world.bram.aad_id.upper()) == world.bram.aad_id
    assert await world.client.user_object_id("o'brien@school.nl") == quote_user.aad_id
    assert await world.client.user_object_id("$beheer@school.nl") == dollar_user.aad_id
    assert await world.client.user_object_id("nobody@school.nl") is None
    assert await world.client.user_object_id("  ") is None
    assert world.graph.calls[0].query == {"$select": "id,userPrincipalName,mail"}
    assert "/users('o''brien@school.nl')" in world.graph.calls[2].path
    assert user_bind("o'brien@school.nl") == "https://graph.microsoft.com/v1.0/users('o''brien@school.nl')"


async def test_errors_keep_status_code_and_retry_after_but_never_the_message(world: World) -> None:
    world.graph.fail("/v1.0/chats", 429, retry_after=7)
    world.graph.fail("/v1.0/chats", 503, retry_after=2.5)
    world.graph.fail("/v1.0/chats", 500)
    errors = []
    for _ in range(3):
        with pytest.raises(GraphError) as caught:
            await world.client.create_group_chat("Incident 2026-0045", ["anna@school.nl", "bram@school.nl"])
        errors.append(caught.value)

    assert [(e.status, e.code, e.retry_after, e.retryable) for e in errors] == [
        (429, "TooManyRequests", 7.0, True),
        (503, "ServiceNotAvailable", 2.5, True),
        (500, "InternalServerError", None, True),
    ]
    assert len(world.graph.calls) == 3  # no retry loop underneath the outbox
    assert all("Injected" not in str(e) for e in errors)
    with pytest.raises(GraphError) as unknown:
        await world.client.create_group_chat("Incident 2026-0046", ["anna@school.nl", "nobody@school.nl"])
    assert (unknown.value.status, unknown.value.code, unknown.value.retryable) == (404, "NotFound", False)
    assert "nobody" not in str(unknown.value)


async def test_a_wrong_token_is_a_401(world: World) -> None:
    client = GraphClient(world.session, static_token("expired"), base_url=world.graph.url)
    with pytest.raises(GraphError) as caught:
        await client.user_object_id("anna@school.nl")
    assert (caught.value.status, caught.value.code, caught.value.retryable) == (
        401,
        "InvalidAuthenticationToken",
        False,
    )


async def test_no_answer_is_a_graph_error_with_status_0(world: World) -> None:
    world.graph.latency = 0.5
    slow = GraphClient(
        world.session, static_token(), base_url=world.graph.url, timeout=aiohttp.ClientTimeout(total=0.05)
    )
    with pytest.raises(GraphError) as timed_out:
        await slow.user_object_id("anna@school.nl")
    world.graph.latency = 0

    class Closed(FakeServer):
        def routes(self, app: Any) -> None:
            pass

    server = Closed()
    await server.start()
    base = server.base
    await server.close()
    gone = GraphClient(world.session, static_token(), base_url=f"{base}/v1.0")
    with pytest.raises(GraphError) as refused:
        await gone.user_object_id("anna@school.nl")

    assert (timed_out.value.status, timed_out.value.code) == (0, "Timeout")
    assert (refused.value.status, refused.value.code, refused.value.retryable) == (0, "ConnectionError", True)
    await asyncio.sleep(0.5)  # let the slow handler finish before the fake closes


class FakeMsalApp:
    """Stands in for ``msal.ConfidentialClientApplication``, whose constructor would go to the network."""

    built: list[dict[str, Any]] = []
    threads: list[str] = []
    result: dict[str, Any] = {"access_token": "token-1", "token_type": "Bearer", "expires_in": 3599}

    def __init__(self, client_id: str, *, client_credential: Any, authority: str) -> None:
        type(self).built.append({"client_id": client_id, "credential": client_credential, "authority": authority})
        type(self).threads.append(threading.current_thread().name)

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
        type(self).threads.append(threading.current_thread().name)
        assert scopes == [GRAPH_SCOPE]
        return dict(type(self).result)


async def test_the_msal_provider_builds_msal_lazily_once_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    import msal  # type: ignore[import-untyped,unused-ignore]

    FakeMsalApp.built, FakeMsalApp.threads = [], []
    monkeypatch.setattr(msal, "ConfidentialClientApplication", FakeMsalApp)

    provider = msal_token_provider("app-id", "secret", "tenant-1", authority_url="https://login.example/")
    assert FakeMsalApp.built == []
    tokens = list(await asyncio.gather(provider(), provider()))

    assert tokens == ["token-1", "token-1"]
    assert FakeMsalApp.built == [
        {"client_id": "app-id", "credential": "secret", "authority": "https://login.example/tenant-1"}
    ]
    assert threading.main_thread().name not in FakeMsalApp.threads
    FakeMsalApp.result = {"error": "invalid_client", "error_description": "AADSTS7000215: secret for anna@school.nl"}
    try:
        with pytest.raises(GraphError) as refused:
            await provider()
    finally:
        FakeMsalApp.result = {"access_token": "token-1"}
    assert (refused.value.status, refused.value.code) == (401, "invalid_client")
    assert "anna" not in str(refused.value)
