"""The simulator's HTTP API against a real core on a temporary SQLite file.

Uses the small, stable playbooks in ``data/playbooks`` (the real ones are exercised by
the browser test), so these tests pin the adapter, not the protocol wording.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.web.app import MAX_BODY, create_web_app
from bot.app import Core, build_core
from bot.settings import Settings

PLAYBOOKS = Path(__file__).parent / "data" / "playbooks"
SESSION = "test-session_01"
QUESTION = "er gaat een naaktfoto rond van een leerling uit 3B, wat moet ik doen?"

Client = TestClient[web.Request, web.Application]


async def make_core(tmp_path: Path) -> Core:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db", playbooks_dir=PLAYBOOKS)
    return await build_core(settings)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    core = await make_core(tmp_path)
    yield core
    await core.close()


@pytest.fixture
async def client(core: Core) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_web_app(core))) as client:
        yield client


async def send(client: Client, **fields: Any) -> list[dict[str, Any]]:
    response = await client.post("/api/event", json={"session": SESSION, **fields})
    assert response.status == 200, await response.text()
    body = await response.json()
    assert set(body) == {"replies"}
    return list(body["replies"])


async def only(client: Client, **fields: Any) -> dict[str, Any]:
    replies = await send(client, **fields)
    assert len(replies) == 1, replies
    return replies[0]


def choice(reply: dict[str, Any], label: str) -> str:
    return next(str(b["payload"]) for b in reply["choices"] if b["label"] == label)


def action(reply: dict[str, Any], label: str) -> str:
    return next(str(b["payload"]) for b in reply["actions"] if b["label"] == label)


# -- the guided flow ---------------------------------------------------------------------
async def test_text_then_buttons_then_steps(client: Client) -> None:
    first = await only(client, type="text", text=QUESTION)
    assert first["text"] == "Testprotocol naaktbeeld"
    assert (first["replace"], first["ephemeral"], first["lang"]) == (False, False, "nl")
    assert '<section class="section tone-warning"><h3>Doe nu</h3>' in first["html"]
    assert "<strong>Niet doorsturen</strong> en niet kopiëren." in first["html"]
    assert "Noteer &lt;b&gt;wat&lt;/b&gt; je zag" in first["html"]  # playbook text is escaped too
    assert "Is iemand op het beeld jonger dan 18?" in first["html"]
    assert [b["label"] for b in first["choices"]] == ["Ja", "Nee", "Weet ik niet"]
    assert [b["label"] for b in first["actions"]] == ["Alle stappen", "Menu", "English"]

    second = await only(client, type="button", payload=choice(first, "Ja"))
    assert second["replace"] is True
    assert "Meld dit vandaag." in second["html"]  # the option's notice
    assert "Wordt er gedreigd of gechanteerd?" in second["html"]

    steps = await only(client, type="button", payload=choice(second, "Ja"))
    assert steps["text"] == "Testprotocol naaktbeeld — Stappen die passen bij jouw antwoorden"
    assert steps["replace"] is True
    for title in ("1. Niet kopiëren", "2. Melden", "3. Chantage"):  # each with its role after a '·'
        assert f"<h3>{title} · " in steps["html"]
    assert "Volwassene" not in steps["html"]
    assert "<strong>Direct melden bij:</strong>" in steps["html"]
    assert steps["choices"] == [
        {"payload": choice(steps, "Open protocol: Testprotocol pesten"),
         "label": "Open protocol: Testprotocol pesten", "style": "primary"}
    ]

    related = await only(client, type="button", payload=choice(steps, "Open protocol: Testprotocol pesten"))
    assert related["text"] == "Testprotocol pesten — Stappen die passen bij jouw antwoorden"
    assert related["replace"] is False  # opens a new message, the steps stay visible


async def test_a_typed_answer_counts_in_the_simulator(client: Client) -> None:
    """Issue #15, as on Slack and Teams: "ja" typed at a question answers it, read back."""
    first = await only(client, type="text", text=QUESTION)
    assert "Is iemand op het beeld jonger dan 18?" in first["html"]
    second = await only(client, type="text", text="ja")
    assert second["replace"] is False and "Je antwoord: <strong>Ja</strong>" in second["html"]
    assert "Wordt er gedreigd of gechanteerd?" in second["html"]
    again = await only(client, type="text", text="hmm")
    assert "Tik op een knop" in again["html"] and "Wordt er gedreigd of gechanteerd?" in again["html"]


async def test_stale_button_is_an_ephemeral_remark(client: Client) -> None:
    first = await only(client, type="text", text=QUESTION)
    await only(client, type="button", payload=choice(first, "Nee"))
    again = await only(client, type="button", payload=choice(first, "Nee"))
    assert again["ephemeral"] is True
    assert "eerder bericht" in again["text"]
    assert again["choices"] == [] and again["actions"] == []
    forged = await only(client, type="button", payload="<script>alert(1)</script>")
    assert forged["ephemeral"] is True and "<script" not in forged["html"]


async def test_commands(client: Client) -> None:
    menu = await only(client, type="command", name="resume")
    assert menu["text"] == "Waar gaat het over?"
    assert [b["label"] for b in menu["choices"]] == ["Testprotocol naaktbeeld", "Testprotocol pesten"]

    started = await only(client, type="command", name="start", arg="mijn leerling wordt gepest")
    assert started["text"] == "Testprotocol pesten — Stappen die passen bij jouw antwoorden"

    english = await only(client, type="command", name="lang", arg="en")
    assert english["lang"] == "en"
    assert english["text"] == "Test protocol bullying — Steps that fit your answers"
    assert "I will answer in English from now on." in english["html"]

    restarted = await only(client, type="command", name="restart")
    assert restarted["text"] == "Test protocol bullying — Steps that fit your answers"
    assert (await only(client, type="command", name="menu"))["text"] == "What is it about?"


async def test_sessions_are_separate(client: Client) -> None:
    await only(client, type="text", text=QUESTION)
    other = {"session": "another-session", "type": "command", "name": "resume"}
    response = await client.post("/api/event", json=other)
    assert (await response.json())["replies"][0]["text"] == "Waar gaat het over?"


async def test_a_new_core_on_the_same_database_resumes(tmp_path: Path) -> None:
    core = await make_core(tmp_path)
    try:
        async with TestClient(TestServer(create_web_app(core))) as client:
            first = await only(client, type="text", text=QUESTION)
            await only(client, type="button", payload=choice(first, "Weet ik niet"))
    finally:
        await core.close()

    core = await make_core(tmp_path)  # a server restart: nothing in memory survives
    try:
        async with TestClient(TestServer(create_web_app(core))) as client:
            resumed = await only(client, type="command", name="resume")
            assert resumed["text"] == "Testprotocol naaktbeeld"
            assert "Wordt er gedreigd of gechanteerd?" in resumed["html"]
            steps = await only(client, type="button", payload=choice(resumed, "Nee"))
            assert steps["text"].endswith("Stappen die passen bij jouw antwoorden")
            assert "<h3>2. Melden · " in steps["html"]
            back = await only(client, type="button", payload=action(steps, "← Terug"))
            assert "Wordt er gedreigd of gechanteerd?" in back["html"]
    finally:
        await core.close()


async def test_longest_allowed_text_is_accepted(client: Client) -> None:
    reply = await only(client, type="text", text="naaktfoto " + "x" * 1990)
    assert reply["text"] == "Testprotocol naaktbeeld"


# -- refusals ------------------------------------------------------------------------------
GOOD = {"session": SESSION, "type": "text", "text": "hallo"}
BAD_SESSION = "Field 'session' must be 8 to 64 characters: letters, digits, '-' or '_'."


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({**GOOD, "session": None}, "Field 'session' is required."),
        ({"type": "text", "text": "x"}, "Field 'session' is required."),
        ({**GOOD, "session": 12345678}, "Field 'session' must be a string."),
        ({**GOOD, "session": "short"}, BAD_SESSION),
        ({**GOOD, "session": "a" * 65}, "Field 'session' must be at most 64 characters."),
        ({**GOOD, "session": "bad session!"}, BAD_SESSION),
        ({**GOOD, "session": "abcdefgh\n"}, BAD_SESSION),
        ({"session": SESSION}, "Field 'type' must be one of: text, button, command, form."),
        ({**GOOD, "type": "voice"}, "Field 'type' must be one of: text, button, command, form."),
        ({"session": SESSION, "type": "text"}, "Field 'text' is required."),
        ({**GOOD, "text": ["x"]}, "Field 'text' must be a string."),
        ({**GOOD, "text": "  \n "}, "Field 'text' must not be empty."),
        ({**GOOD, "text": "x" * 2001}, "Field 'text' must be at most 2000 characters."),
        ({"session": SESSION, "type": "button"}, "Field 'payload' is required."),
        ({"session": SESSION, "type": "button", "payload": ""}, "Field 'payload' must not be empty."),
        ({"session": SESSION, "type": "button", "payload": 7}, "Field 'payload' must be a string."),
        ({"session": SESSION, "type": "button", "payload": "p" * 501},
         "Field 'payload' must be at most 500 characters."),
        ({"session": SESSION, "type": "command"}, "Field 'name' is required."),
        ({"session": SESSION, "type": "command", "name": "delete"},
         "Field 'name' must be one of: lang, menu, restart, resume, start."),
        ({"session": SESSION, "type": "command", "name": "start", "arg": 3}, "Field 'arg' must be a string."),
        ({"session": SESSION, "type": "command", "name": "start", "arg": "x" * 2001},
         "Field 'arg' must be at most 2000 characters."),
    ],
)
async def test_invalid_fields_are_400(client: Client, body: dict[str, Any], error: str) -> None:
    response = await client.post("/api/event", json=body)
    assert response.status == 400
    assert await response.json() == {"error": error}


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"{not json", "Request body is not valid JSON."),
        (b"", "Request body is not valid JSON."),
        (b"\xff\xfe{}", "Request body is not valid JSON."),
        (b"[1, 2]", "Request body must be a JSON object."),
        (b'"text"', "Request body must be a JSON object."),
        (b"null", "Request body must be a JSON object."),
    ],
)
async def test_malformed_json_is_400(client: Client, raw: bytes, error: str) -> None:
    response = await client.post("/api/event", data=raw, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert await response.json() == {"error": error}


@pytest.mark.parametrize("content_type",
                         ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
async def test_wrong_content_type_is_415(client: Client, content_type: str) -> None:
    response = await client.post("/api/event", data=json.dumps(GOOD), headers={"Content-Type": content_type})
    assert response.status == 415
    assert await response.json() == {"error": "Content-Type must be application/json."}


async def test_json_with_charset_is_accepted(client: Client) -> None:
    response = await client.post("/api/event", data=json.dumps(GOOD).encode(),
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status == 200


async def test_body_over_64_kib_is_413(client: Client) -> None:
    big = json.dumps({**GOOD, "padding": "x" * MAX_BODY})
    response = await client.post("/api/event", data=big, headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert await response.json() == {"error": "Request body is larger than 64 KiB."}


async def test_chunked_body_over_64_kib_is_413(client: Client) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"session": "test-session_01", "type": "text", "text": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    response = await client.post("/api/event", data=chunks(), headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert await response.json() == {"error": "Request body is larger than 64 KiB."}


async def test_wrong_method_is_a_json_405(client: Client) -> None:
    response = await client.get("/api/event")
    assert response.status == 405
    assert "error" in await response.json()
    assert response.headers["Allow"] == "POST"


async def test_unexpected_failure_is_a_json_500(
    client: Client, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def explode(_event: object) -> list[object]:
        raise RuntimeError("boom with pupil data")

    monkeypatch.setattr(core.conversations, "handle", explode)
    response = await client.post("/api/event", json=GOOD)
    assert response.status == 500
    assert await response.json() == {"error": "Internal server error."}


# -- page, static files, health --------------------------------------------------------------
async def test_healthz(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "playbooks": 2}


async def test_index_has_security_headers(client: Client) -> None:
    response = await client.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = await response.text()
    assert "<h1>Protocolwijzer</h1>" in page and "Lokale simulator" in page and "Nieuw gesprek" in page
    assert "<script>" not in page and " style=" not in page and "http" not in page.replace("http-equiv", "")


@pytest.mark.parametrize(("path", "content_type"), [("/static/app.js", "text/javascript"),
                                                     ("/static/style.css", "text/css")])
async def test_static_files(client: Client, path: str, content_type: str) -> None:
    response = await client.get(path)
    assert response.status == 200
    assert response.content_type in (content_type, "application/javascript")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_no_path_traversal(client: Client) -> None:
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py"):
        response = await client.get(path)
        assert response.status in (403, 404), path
