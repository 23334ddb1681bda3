"""The simulator's incident API against a real core: personas, forms, the inbox, the clock.

The demo school (``school.example.yaml``) and one small playbook (``test-melding``: an
urgent escalation to the vertrouwenspersoon alone, so the school's chain goes on to
directie) on a temporary SQLite file, with the clock fixed on a Wednesday morning. The
background loop does not run: every effect shown here comes from the round the handlers
do themselves, so nothing happens behind the test's back.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.web.app import create_web_app
from bot.app import Core, build_core
from bot.clock import Clock
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[3]
PLAYBOOKS = Path(__file__).parent / "data" / "incident-playbooks"
TEACHER = "teacher-session-01"
#: Wednesday 18 November 2026, 10:00 in Amsterdam: within the demo school's working hours.
START = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
REPORT = {"what": "Leerling J.K. wordt bedreigd", "where": "Snapchat, groep 2C", "since": "maandag"}

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db", playbooks_dir=PLAYBOOKS,
                        school_config=tmp_path / "no-school.yaml")
    core = await build_core(settings, fallback_school=REPO / "school.example.yaml", clock=Clock(start=START))
    assert core.directory is not None and core.library.get("test-melding") is not None, core.playbook_problems
    yield core
    await core.close()


@pytest.fixture
async def client(core: Core) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_web_app(core, run_workers=False))) as client:
        yield client


async def send(client: Client, persona: str = "teacher", **fields: Any) -> list[dict[str, Any]]:
    response = await client.post("/api/event", json={"session": TEACHER, "persona": persona, **fields})
    assert response.status == 200, await response.text()
    return list((await response.json())["replies"])


async def inbox(client: Client, persona: str = "teacher") -> dict[str, Any]:
    response = await client.get("/api/inbox", params={"session": TEACHER, "persona": persona})
    assert response.status == 200, await response.text()
    return dict(await response.json())


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["reply"]["text"] for m in messages]


def button(reply: dict[str, Any], label: str) -> str:
    for spec in reply["choices"] + reply["actions"]:
        if spec["label"] == label:
            return str(spec["payload"])
    found = re.search(rf'data-payload="([^"]+)">{re.escape(label)}</button>', reply["html"])
    assert found, f"no button {label!r} in {reply['text']!r}"
    return found.group(1)


async def report(client: Client) -> str:
    """The teacher's part: question, triage, [Meld bij coördinator], the form. Returns the number."""
    (first,) = await send(client, type="text", text="ik wil een testmelding doen")
    (steps,) = await send(client, type="button", payload=button(first, "Ja"))
    (form,) = await send(client, type="button", payload=button(steps, "Meld bij coördinator"))
    assert [f["name"] for f in form["form"]["fields"]] == ["what", "where", "since"]
    (receipt,) = await send(client, type="form", payload=form["form"]["submit"], values=REPORT)
    assert receipt["replace"] is True and "verstuurd" in receipt["text"]
    # The confirmation itself came through the outbox, into the teacher's chat.
    confirmations = [t for t in texts((await inbox(client, "teacher"))["dms"]) if "is gemeld" in t]
    assert len(confirmations) == 1, confirmations
    found = re.search(r"Incident (\d{4}-\d{4}) is gemeld", confirmations[0])
    assert found, confirmations[0]
    return found.group(1)


def space_of(box: dict[str, Any]) -> list[dict[str, Any]]:
    (space,) = box["spaces"]
    return list(space["messages"])


# -- the journey through the API -------------------------------------------------------------
async def test_report_take_tick_brief_close(client: Client) -> None:
    number = await report(client)

    coordinator = await inbox(client, "vertrouwenspersoon")
    (dm,) = coordinator["dms"]
    assert dm["reply"]["text"].startswith(f"**Urgent incident {number} — Testprotocol melding.**") \
        and dm["version"] == 1
    assert [s["name"] for s in coordinator["spaces"]] == [f"incident-{number}"]
    (card,) = space_of(coordinator)
    assert "J.K." in card["reply"]["html"]  # the report is for the incident's members
    assert (await inbox(client, "directie"))["dms"] == []  # not pinged first, but a member of the space
    assert len(space_of(await inbox(client, "directie"))) == 1

    # [Ik pak dit op] on the DM: the DM itself now says so; the teacher hears who has it.
    assert await send(client, "vertrouwenspersoon", type="button", payload=button(dm["reply"], "Ik pak dit op"),
                      message=dm["id"]) == []
    (taken,) = (await inbox(client, "vertrouwenspersoon"))["dms"]
    assert (taken["id"], taken["version"]) == (dm["id"], 2)
    assert taken["reply"]["text"].startswith(f"**Je bent eigenaar van incident {number}.**")
    assert texts((await inbox(client))["dms"])[1:] == [  # after the confirmation
        f"Incident {number} is opgepakt door J. de Vries (vertrouwenspersoon / anti-pestcoördinator). "
        "Je hoort wat er van jou nodig is."]

    # A done button on the card: the card is updated in place.
    card = space_of(await inbox(client, "vertrouwenspersoon"))[0]
    assert await send(client, "vertrouwenspersoon", type="button", payload=button(card["reply"], "1. Gedaan"),
                      message=card["id"]) == []
    ticked = space_of(await inbox(client, "vertrouwenspersoon"))[0]
    assert ticked["id"] == card["id"] and ticked["version"] > card["version"]
    assert '<li class="done" data-id="no-copy">' in ticked["reply"]["html"]
    assert "1. Ongedaan" in ticked["reply"]["html"]

    # Someone else than the owner: a remark for them, nothing stored.
    (remark,) = await send(client, "directie", type="button", payload=button(ticked["reply"], "Incident sluiten"),
                           message=ticked["id"])
    assert remark["ephemeral"] is True and "Alleen de eigenaar" in remark["text"]

    # The briefing: the preview lands in the space for the owner only; edit it through its form.
    await send(client, "vertrouwenspersoon", type="button",
               payload=button(ticked["reply"], "Teambriefing voorbereiden"), message=ticked["id"])
    owner_view = space_of(await inbox(client, "vertrouwenspersoon"))
    assert texts(owner_view)[1] == f"Voorbeeld teambriefing (incident {number})"
    assert len(space_of(await inbox(client, "directie"))) == 1
    preview = owner_view[1]
    await send(client, "vertrouwenspersoon", type="button", payload=button(preview["reply"], "Aanpassen"),
               message=preview["id"])
    editor = space_of(await inbox(client, "vertrouwenspersoon"))[2]
    (field,) = editor["reply"]["form"]["fields"]
    assert field["multiline"] and field["required"] and field["max_length"] == 3000

    (leak,) = await send(client, "vertrouwenspersoon", type="form", payload=editor["reply"]["form"]["submit"],
                         values={"text": field["value"] + "\n- Het gaat om J.K."}, message=editor["id"])
    assert leak["ephemeral"] is True and "J.K." in leak["text"]
    edited = field["value"] + "\n- Vragen? Loop binnen bij de vertrouwenspersoon."
    assert await send(client, "vertrouwenspersoon", type="form", payload=editor["reply"]["form"]["submit"],
                      values={"text": edited}, message=editor["id"]) == []
    new_preview = space_of(await inbox(client, "vertrouwenspersoon"))[2]
    assert new_preview["id"] == editor["id"] and new_preview["reply"]["form"] is None  # the form became a preview
    assert "Loop binnen bij de vertrouwenspersoon" in new_preview["reply"]["html"]
    await send(client, "vertrouwenspersoon", type="button",
               payload=button(new_preview["reply"], "Versturen naar het team"), message=new_preview["id"])
    for persona in ("teacher", "zorgcoordinator", "bestuur"):
        (posted,) = (await inbox(client, persona))["team"]
        assert "Loop binnen bij de vertrouwenspersoon" in posted["reply"]["html"]
        for typed in ("J.K.", "Snapchat", "2C", "maandag"):
            assert typed not in posted["reply"]["html"]

    # Closing: the outcome choice is the owner's; the teacher is told it is closed.
    card = space_of(await inbox(client, "vertrouwenspersoon"))[0]
    await send(client, "vertrouwenspersoon", type="button", payload=button(card["reply"], "Incident sluiten"),
               message=card["id"])
    choice = space_of(await inbox(client, "vertrouwenspersoon"))[-1]
    await send(client, "vertrouwenspersoon", type="button", payload=button(choice["reply"], "Opgelost"),
               message=choice["id"])
    final = space_of(await inbox(client, "vertrouwenspersoon"))
    assert final[-1]["reply"]["text"] == f"Incident {number} is gesloten: opgelost."
    assert "Gesloten: opgelost" in final[0]["reply"]["html"] and "<button" not in final[0]["reply"]["html"]
    assert texts((await inbox(client))["dms"])[-1] == f"Incident {number} is afgerond. Dank je voor je melding."


async def test_a_persona_never_sees_a_space_it_is_not_in(client: Client) -> None:
    number = await report(client)
    card = space_of(await inbox(client, "vertrouwenspersoon"))[0]
    for outsider in ("teacher", "zorgcoordinator", "bestuur"):
        box = await inbox(client, outsider)
        assert box["spaces"] == [], outsider
        if outsider != "teacher":  # the reporter has the confirmation with the number, nothing more
            assert number not in str(box["dms"]), outsider
        else:
            assert [t for t in texts(box["dms"]) if number in t] == [t for t in texts(box["dms"]) if "gemeld" in t]
        response = await client.post("/api/event", json={
            "session": TEACHER, "persona": outsider, "type": "button",
            "payload": button(card["reply"], "1. Gedaan"), "message": card["id"]})
        assert response.status == 404
        assert await response.json() == {"error": "Field 'message' names no message you can see."}
    assert space_of(await inbox(client, "vertrouwenspersoon"))[0]["version"] == card["version"]


async def test_nobody_acknowledges_so_the_next_role_is_pinged_when_the_clock_moves(client: Client) -> None:
    number = await report(client)
    assert texts((await inbox(client, "vertrouwenspersoon"))["dms"]) == [
        f"**Urgent incident {number} — Testprotocol melding.** Voor jou als vertrouwenspersoon / "
        "anti-pestcoördinator. Kun je het oppakken?"]
    assert (await inbox(client, "directie"))["dms"] == []

    moved = await client.post("/api/clock", json={"minutes": 14})
    assert (await moved.json())["now"]["label"] == "wo 18-11 10:14"
    assert (await inbox(client, "directie"))["dms"] == []  # still within the 15 minutes

    moved = await client.post("/api/clock", json={"minutes": 2})
    assert moved.status == 200
    box = await inbox(client, "directie")
    assert box["now"]["label"] == "wo 18-11 10:16"
    assert texts(box["dms"]) == [
        f"**Urgent incident {number} — Testprotocol melding.** Nog niemand heeft het opgepakt. "
        "Voor jou als directie (schoolleiding). Kun je het oppakken?"]
    assert box["dms"][0]["time"] == "10:16"
    card = space_of(await inbox(client, "vertrouwenspersoon"))[0]
    assert "doorgezet naar directie" in card["reply"]["html"]
    assert (await inbox(client, "bestuur"))["dms"] == []  # the next level only after another window


# -- personas ---------------------------------------------------------------------------------
async def test_each_persona_has_its_own_conversation(client: Client) -> None:
    await send(client, type="text", text="ik wil een testmelding doen")
    (teacher,) = await send(client, type="command", name="resume")
    (coordinator,) = await send(client, "vertrouwenspersoon", type="command", name="resume")
    (default,) = await send(client, persona="teacher", type="command", name="resume")
    assert teacher["text"] == default["text"] == "Testprotocol melding"
    assert coordinator["text"] == "Waar gaat het over?"
    response = await client.post("/api/event", json={"session": TEACHER, "type": "command", "name": "resume"})
    assert (await response.json())["replies"][0]["text"] == "Testprotocol melding"  # no persona: the teacher


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"persona": "conciërge"},
         "Field 'persona' must be one of: teacher, vertrouwenspersoon, zorgcoordinator, directie, bestuur."),
        ({"persona": 3}, "Field 'persona' must be a string."),
        ({"session": "directie"}, "Field 'session' must not be a school role's id."),
        ({"session": "vertrouwenspersoon"}, "Field 'session' must not be a school role's id."),
    ],
)
async def test_invalid_personas_are_400(client: Client, fields: dict[str, Any], error: str) -> None:
    body = {"session": TEACHER, "type": "command", "name": "resume", **fields}
    response = await client.post("/api/event", json=body)
    assert response.status == 400
    assert await response.json() == {"error": error}
    query = {k: str(v) for k, v in body.items() if k in ("session", "persona") and isinstance(v, str)}
    if "persona" in query or "session" in fields:
        response = await client.get("/api/inbox", params=query)
        assert response.status == 400
        assert await response.json() == {"error": error}


async def test_inbox_needs_a_session(client: Client) -> None:
    response = await client.get("/api/inbox", params={"persona": "directie"})
    assert response.status == 400
    assert await response.json() == {"error": "Field 'session' is required."}


# -- forms, messages and the clock: refusals ------------------------------------------------------
FORM = {"session": TEACHER, "type": "form", "payload": "pw1:3:submit"}


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "Field 'values' is required."),
        ({"values": ["what"]}, "Field 'values' must be an object."),
        ({"values": "what=x"}, "Field 'values' must be an object."),
        ({"values": {f"f{i}": "x" for i in range(21)}}, "Field 'values' must have at most 20 entries."),
        ({"values": {"what": 3}}, "Field 'values.what' must be a string."),
        ({"values": {"what": None}}, "Field 'values.what' must be a string."),
        ({"values": {"what": "x" * 3001}}, "Field 'values.what' must be at most 3000 characters."),
        ({"values": {"": "x"}}, "Field 'values' may only have names of 1 to 64 letters, digits, '-' or '_'."),
        ({"values": {"wat is dit": "x"}},
         "Field 'values' may only have names of 1 to 64 letters, digits, '-' or '_'."),
        ({"values": {}, "payload": ""}, "Field 'payload' must not be empty."),
        ({"values": {}, "payload": None}, "Field 'payload' is required."),
        ({"values": {}, "message": "12a"}, "Field 'message' must be a message id (digits)."),
        ({"values": {}, "message": 12}, "Field 'message' must be a string."),
        ({"values": {}, "message": "0"}, "Field 'message' must be a message id (digits)."),
    ],
)
async def test_invalid_forms_are_400(client: Client, fields: dict[str, Any], error: str) -> None:
    response = await client.post("/api/event", json={**FORM, **fields})
    assert response.status == 400
    assert await response.json() == {"error": error}


async def test_the_largest_form_allowed_is_accepted(client: Client) -> None:
    values = {f"f{i:02d}": "x" * 3000 for i in range(20)}  # 60 000 characters: still under 64 KiB
    response = await client.post("/api/event", json={**FORM, "values": values})
    assert response.status == 200
    (remark,) = (await response.json())["replies"]
    assert remark["ephemeral"] is True  # no form is open in this conversation: a remark, nothing else


async def test_someone_elses_dm_cannot_be_pressed(client: Client) -> None:
    await report(client)
    (dm,) = (await inbox(client, "vertrouwenspersoon"))["dms"]
    response = await client.post("/api/event", json={
        "session": TEACHER, "persona": "directie", "type": "button",
        "payload": button(dm["reply"], "Ik pak dit op"), "message": dm["id"]})
    assert response.status == 404
    assert (await inbox(client, "vertrouwenspersoon"))["dms"][0]["version"] == 1
    missing = await client.post("/api/event", json={**FORM, "values": {}, "message": "99999"})
    assert missing.status == 404


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "Field 'minutes' is required."),
        ({"minutes": "15"}, "Field 'minutes' must be a whole number."),
        ({"minutes": 1.5}, "Field 'minutes' must be a whole number."),
        ({"minutes": True}, "Field 'minutes' must be a whole number."),
        ({"minutes": 0}, "Field 'minutes' must be between 1 and 10080 (one week)."),
        ({"minutes": -15}, "Field 'minutes' must be between 1 and 10080 (one week)."),
        ({"minutes": 10081}, "Field 'minutes' must be between 1 and 10080 (one week)."),
    ],
)
async def test_invalid_clock_moves_are_400(client: Client, core: Core, body: dict[str, Any], error: str) -> None:
    response = await client.post("/api/clock", json=body)
    assert response.status == 400
    assert await response.json() == {"error": error}
    assert core.clock() == START


async def test_the_clock_moves_in_the_schools_time_zone(client: Client, core: Core) -> None:
    box = await inbox(client)
    assert box["now"] == {"iso": "2026-11-18T10:00+01:00", "label": "wo 18-11 10:00", "tz": "CET",
                          "working_hours": True}
    response = await client.post("/api/clock", json={"minutes": 10080})
    assert response.status == 200
    assert (await response.json())["now"]["label"] == "wo 25-11 10:00"
    response = await client.post("/api/clock", json={"minutes": 8 * 60})
    assert (await response.json())["now"] == {"iso": "2026-11-25T18:00+01:00", "label": "wo 25-11 18:00",
                                              "tz": "CET", "working_hours": False}
    assert core.clock() == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    wrong = await client.get("/api/clock")
    assert wrong.status == 405 and "error" in await wrong.json()
