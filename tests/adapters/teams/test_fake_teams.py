"""The offline Teams fakes behave like Teams and Graph where the bot depends on it.

The connector is driven with plain HTTP (to pin the wire format) and once with the Agents SDK's own
``ConnectorClient`` (to pin that the SDK and the fake agree); the inbound builders are parsed by the SDK's
``Activity`` model, as the adapter will parse them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
import yarl
from microsoft_agents.activity import Activity, Attachment, ChannelAccount, ConversationParameters
from microsoft_agents.hosting.core.connector.client import ConnectorClient

from tests.fakes import teams_activities as act
from tests.fakes.graph import GRAPH_TOKEN, FakeGraph
from tests.fakes.teams_activities import CARD_TYPE
from tests.fakes.teams_connector import FakeConnector, TeamsUser, button, buttons, card_problems

Json = dict[str, Any]


@pytest.fixture
async def teams() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        fake.add_user("anna@school.nl", "Anna de Vries")
        fake.add_user("bram@school.nl", "Bram Jansen")
        fake.add_user("cas@school.nl", "Cas Bakker")
        yield fake


@pytest.fixture
async def graph(teams: FakeConnector) -> AsyncIterator[FakeGraph]:
    async with FakeGraph(teams) as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def anna(teams: FakeConnector) -> TeamsUser:
    return teams.user("anna@school.nl")


async def call(
    http: aiohttp.ClientSession, method: str, url: str | yarl.URL, body: Any = None, **kw: Any
) -> tuple[int, Any, dict[str, str]]:
    async with http.request(method, url, json=body, **kw) as response:
        text = await response.text()
        return response.status, (json.loads(text) if text else None), dict(response.headers)


def execute(title: str, payload: str) -> Json:
    data = {"pw": "p", "p": payload, "o": ""}
    return {
        "type": "Action.Execute",
        "title": title,
        "verb": "pw",
        "data": data,
        "fallback": {"type": "Action.Submit", "title": title, "data": {**data, "verb": "pw"}},
    }


def card(text: str = "Hoi", *actions: Json, version: str = "1.5") -> Json:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": version,
        "body": [{"type": "TextBlock", "text": text, "wrap": True}],
        "actions": list(actions),
    }


def message(content: Json) -> Json:
    return {"type": "message", "attachments": [{"contentType": CARD_TYPE, "content": content}]}


def one_on_one(teams: FakeConnector, member_id: str, **extra: Any) -> Json:
    return {
        "isGroup": False,
        "bot": {"id": teams.bot_id},
        "members": [{"id": member_id}],
        "channelData": {"tenant": {"id": teams.tenant_id}},
        "tenantId": teams.tenant_id,
        **extra,
    }


# -- conversations -----------------------------------------------------------------------------------------


async def test_a_personal_chat_is_one_per_user_by_29_id_or_object_id(teams: FakeConnector, http: Any) -> None:
    user = anna(teams)
    by_mri = await call(http, "POST", f"{teams.url}v3/conversations", one_on_one(teams, user.id))
    by_aad = await call(http, "POST", f"{teams.url}v3/conversations", one_on_one(teams, user.aad_id.upper()))

    assert by_mri[0] == by_aad[0] == 201
    assert by_mri[1] == by_aad[1] == {"id": act.personal(user).conversation_id}
    assert by_mri[1]["id"].startswith("a:") and len(by_mri[1]["id"]) < 150
    assert teams.problems == []


async def test_a_service_url_with_a_path_works(http: Any) -> None:
    async with FakeConnector(prefix="/amer/" + act.TENANT_ID) as teams:
        user = teams.add_user("anna@school.nl", "Anna de Vries")
        created = await call(http, "POST", f"{teams.url}v3/conversations", one_on_one(teams, user.id))
        client = ConnectorClient(teams.url, "")
        try:
            sent = await client.conversations.send_to_conversation(
                created[1]["id"], Activity(type="message", text="Hoi")
            )
        finally:
            await client.close()
    assert teams.url.endswith(f"/amer/{act.TENANT_ID}/") and created[0] == 201
    assert teams.message(sent.id).text == "Hoi" and teams.calls[-1].path.startswith("/v3/conversations/a:")
    assert teams.calls[-1].raw_path.startswith(f"/amer/{act.TENANT_ID}/v3/")


async def test_creating_a_personal_chat_fails_like_teams(teams: FakeConnector, http: Any) -> None:
    url = f"{teams.url}v3/conversations"
    bram, cas = teams.user("bram@school.nl"), teams.user("cas@school.nl")
    teams.block(bram)
    teams.uninstalled(cas)

    unknown = await call(http, "POST", url, one_on_one(teams, "29:1nobody"))
    blocked = await call(http, "POST", url, one_on_one(teams, bram.id))
    not_installed = await call(http, "POST", url, one_on_one(teams, cas.aad_id))
    assert (unknown[0], unknown[1]["error"]["code"]) == (403, "ForbiddenOperationException")
    assert (blocked[0], blocked[1]["error"]["code"]) == (403, "ConversationBlockedByUser")
    assert (not_installed[0], not_installed[1]["error"]["code"]) == (403, "ForbiddenOperationException")
    assert teams.problems == []  # refusals of the real world, not mistakes of the caller

    two = one_on_one(teams, bram.id) | {"members": [{"id": bram.id}, {"id": cas.id}]}
    no_tenant = {"isGroup": False, "members": [{"id": bram.id}]}
    by_upn = one_on_one(teams, "bram@school.nl")
    foreign = one_on_one(teams, bram.id) | {"tenantId": "someone-else", "channelData": {}}
    group = {"isGroup": True, "members": [{"id": bram.id}], "channelData": {"tenant": {"id": teams.tenant_id}}}
    answers = [await call(http, "POST", url, body) for body in (two, no_tenant, by_upn, foreign, group)]
    assert [(s, b["error"]["code"]) for s, b, _ in answers] == [
        (400, "BadSyntax"),
        (400, "BadSyntax"),
        (400, "BadArgument"),
        (403, "Forbidden"),
        (400, "BadSyntax"),
    ]
    assert len(teams.problems) == 5


async def test_post_reply_update_delete_and_read_the_last_card(teams: FakeConnector, http: Any) -> None:
    user = anna(teams)
    chat = act.personal(user).conversation_id
    first = await call(
        http,
        "POST",
        f"{teams.url}v3/conversations/{chat}/activities",
        message(card("Vraag", execute("Ja", "yes"), execute("Nee", "no"))),
    )
    inbound = act.personal_message(user, "hoi", service_url=teams.url)
    reply = await call(
        http,
        "POST",
        f"{teams.url}v3/conversations/{chat}/activities/{inbound['id']}",
        {"type": "message", "text": "Even kijken", "replyToId": inbound["id"]},
    )
    card_id = first[1]["id"]
    updated = await call(
        http, "PUT", f"{teams.url}v3/conversations/{chat}/activities/{card_id}", message(card("Beantwoord"))
    )

    assert (first[0], reply[0], updated[0]) == (201, 201, 200)
    assert [m.text for m in teams.messages_to(user)] == ["", "Even kijken"]
    assert teams.messages_to(user)[1].reply_to_id == inbound["id"]
    assert teams.last_card(user)["body"][0]["text"] == "Beantwoord"
    assert teams.message(card_id).history[0]["attachments"][0]["content"]["body"][0]["text"] == "Vraag"

    old = teams.message(card_id).history[0]["attachments"][0]["content"]
    assert [b["title"] for b in buttons(old)] == ["Ja", "Nee"]
    invoke = act.press(
        button(old, "Nee"), user, act.personal(user), reply_to_id=card_id, service_url=teams.url, inputs={"f.note": "x"}
    )
    assert invoke["replyToId"] == card_id and invoke["value"]["action"]["data"] == {
        "pw": "p",
        "p": "no",
        "o": "",
        "f.note": "x",
    }
    submit = act.press(
        button(old, "Ja"), user, act.personal(user), reply_to_id=card_id, service_url=teams.url, fallback=True
    )
    assert submit["type"] == "message" and submit["value"]["verb"] == "pw" and "text" not in submit

    deleted = await call(http, "DELETE", f"{teams.url}v3/conversations/{chat}/activities/{card_id}")
    again = await call(http, "PUT", f"{teams.url}v3/conversations/{chat}/activities/{card_id}", message(card()))
    assert deleted[0] == 200 and [m.text for m in teams.messages_to(user)] == ["Even kijken"]
    assert (again[0], again[1]["error"]["code"]) == (404, "ActivityNotFoundInConversation")
    missing = await call(http, "POST", f"{teams.url}v3/conversations/a:1nope/activities", message(card()))
    assert (missing[0], missing[1]["error"]["code"]) == (404, "ConversationNotFound")
    assert teams.problems == []


async def test_url_quoted_conversation_ids_are_the_same_conversation(teams: FakeConnector, http: Any) -> None:
    team = teams.add_team("Veiligheidsteam", [anna(teams)], channels=["Incidenten"])
    created = await call(
        http,
        "POST",
        f"{teams.url}v3/conversations",
        {
            "isGroup": True,
            "channelData": {"channel": {"id": team.channel("Incidenten")}, "tenant": {"id": teams.tenant_id}},
            "activity": message(card("Incident 2026-0042")),
        },
    )
    thread = created[1]["id"]
    quoted = yarl.URL(f"{teams.url}v3/conversations/{quote(thread, safe='')}/activities", encoded=True)
    answer = await call(http, "POST", quoted, {"type": "message", "text": "Update"})

    assert "%3Bmessageid%3D" in teams.calls[-1].raw_path
    assert answer[0] == 201 and [m.text for m in teams.messages_in(thread)] == ["", "Update"]
    assert teams.problems == []


async def test_what_teams_refuses_is_recorded_as_a_problem(teams: FakeConnector, http: Any) -> None:
    chat = act.personal(anna(teams)).conversation_id
    url = f"{teams.url}v3/conversations/{chat}/activities"
    typo = card()
    typo["body"][0]["type"] = "TextBlok"
    with_msteams = card() | {"msteams": {"width": "Full"}}
    huge = message(card("x" * 60_000))

    answers = {
        "typo": await call(http, "POST", url, message(typo)),
        "version": await call(http, "POST", url, message(card(version="1.6"))),
        "typing": await call(http, "POST", url, {"type": "typing"}),
        "empty": await call(http, "POST", url, {"type": "message"}),
        "huge": await call(http, "POST", url, huge),
        "not json": await call(http, "POST", url, data=b"{nope", headers={"Content-Type": "application/json"}),
        "msteams key": await call(http, "POST", url, message(with_msteams)),
    }

    assert {k: v[0] for k, v in answers.items()} == {
        "typo": 400,
        "version": 400,
        "typing": 400,
        "empty": 400,
        "huge": 413,
        "not json": 400,
        "msteams key": 201,
    }
    assert answers["huge"][1]["error"]["code"] == "MessageSizeTooBig"
    assert len(teams.problems) == 6 and "TextBlok" in teams.problems[0] and "UTF-16" in teams.problems[4]
    assert card_problems(with_msteams) == [] and card_problems([]) == ["card content must be an object"]
    assert [m.id for m in teams.messages_to(anna(teams))] == [answers["msteams key"][1]["id"]]


async def test_blocked_or_uninstalled_users_refuse_posts_in_their_chat(teams: FakeConnector, http: Any) -> None:
    bram, cas = teams.user("bram@school.nl"), teams.user("cas@school.nl")
    for user in (bram, cas):
        await call(http, "POST", f"{teams.url}v3/conversations", one_on_one(teams, user.id))
    teams.block(bram)
    teams.uninstalled(cas)

    blocked = await call(
        http, "POST", f"{teams.url}v3/conversations/{act.personal(bram).conversation_id}/activities", message(card())
    )
    gone = await call(
        http, "POST", f"{teams.url}v3/conversations/{act.personal(cas).conversation_id}/activities", message(card())
    )
    assert (blocked[0], blocked[1]["error"]["code"]) == (403, "ConversationBlockedByUser")
    assert (gone[0], gone[1]["error"]["code"]) == (403, "MessageWritesBlocked")
    teams.block(bram, False)
    assert (
        await call(
            http,
            "POST",
            f"{teams.url}v3/conversations/{act.personal(bram).conversation_id}/activities",
            message(card()),
        )
    )[0] == 201


async def test_channel_threads_and_rosters(teams: FakeConnector, http: Any) -> None:
    team = teams.add_team("Veiligheidsteam", teams.users.values(), channels=["Incidenten"])
    closed = teams.add_team("Zonder bot", [anna(teams)], bot_installed=False)
    channel = team.channel("Incidenten")
    url = f"{teams.url}v3/conversations"

    def thread_body(channel_id: str) -> Json:
        return {"isGroup": True, "channelData": {"channel": {"id": channel_id}}, "activity": message(card())}

    created = await call(http, "POST", url, thread_body(channel))
    thread, root = created[1]["id"], created[1]["activityId"]
    await call(http, "POST", f"{url}/{thread}/activities", {"type": "message", "text": "In de draad"})
    await call(http, "POST", f"{url}/{channel}/activities", {"type": "message", "text": "Nieuwe post"})

    assert created[0] == 201 and thread == act.thread_conversation_id(channel, root)
    assert [m.text for m in teams.messages_in(thread)] == ["", "In de draad"]
    assert [m.text for m in teams.messages_in(channel)] == ["", "In de draad", "Nieuwe post"]
    assert teams.messages_in(channel)[2].thread_id == teams.messages_in(channel)[2].id
    refused = await call(http, "POST", url, thread_body(closed.id))
    unknown = await call(http, "POST", url, thread_body("19:nope@thread.tacv2"))
    assert (refused[0], refused[1]["error"]["code"]) == (403, "BotNotInConversationRoster")
    assert (unknown[0], unknown[1]["error"]["code"]) == (404, "ConversationNotFound")

    chat = teams.add_group_chat([anna(teams), "bram@school.nl"], topic="Incident 2026-0042")
    before = await call(http, "POST", f"{url}/{chat.id}/activities", message(card()))
    roster = await call(http, "GET", f"{url}/{chat.id}/members")
    assert (before[1]["error"]["code"], roster[1]["error"]["code"]) == ("BotNotInConversationRoster",) * 2
    assert teams.problems == []


async def test_members_single_and_paged(teams: FakeConnector, http: Any) -> None:
    for n in range(3):
        teams.add_user(f"extra{n}@school.nl", f"Extra {n}")
    team = teams.add_team("Veiligheidsteam", teams.users.values())
    teams.min_page_size = 2
    members_url = f"{teams.url}v3/conversations/{team.id}"

    names, token, pages = [], "", 0
    while True:
        query = {"pageSize": "2"} | ({"continuationToken": token} if token else {})
        status, page, _ = await call(http, "GET", f"{members_url}/pagedMembers", params=query)
        assert status == 200
        names += [m["name"] for m in page["members"]]
        pages += 1
        token = page.get("continuationToken", "")
        if not token:
            break
    assert pages == 3 and names == [u.name for u in teams.users.values()]

    user = anna(teams)
    by_keys = [(await call(http, "GET", f"{members_url}/members/{key}"))[1] for key in (user.id, user.aad_id, user.upn)]
    assert by_keys[0] == by_keys[1] == by_keys[2]
    assert {k: by_keys[0][k] for k in ("id", "aadObjectId", "objectId", "userPrincipalName", "email", "userRole")} == {
        "id": user.id,
        "aadObjectId": user.aad_id,
        "objectId": user.aad_id,
        "userPrincipalName": "anna@school.nl",
        "email": "anna@school.nl",
        "userRole": "user",
    }
    unknown = await call(http, "GET", f"{members_url}/members/29:1nobody")
    assert (unknown[0], unknown[1]["error"]["code"]) == (404, "MemberNotFoundInConversation")
    bad = await call(http, "GET", f"{members_url}/pagedmembers", params={"continuationToken": "garbage"})
    assert bad[0] == 400 and teams.problems == [
        "GET /v3/conversations/" + team.id + "/pagedmembers: invalid continuationToken"
    ]

    channels = await call(http, "GET", f"{teams.url}v3/teams/{team.id}/conversations")
    details = await call(http, "GET", f"{teams.url}v3/teams/{team.id}")
    assert channels[1] == {"conversations": [{"id": team.id, "name": None}]}
    assert details[1]["name"] == "Veiligheidsteam"


# -- failures, auth, latency -------------------------------------------------------------------------------


async def test_injected_failures(teams: FakeConnector, http: Any) -> None:
    chat = act.personal(anna(teams)).conversation_id
    url = f"{teams.url}v3/conversations/{chat}/activities"
    teams.fail("POST", 429, retry_after=2, times=2)
    teams.fail("PUT /v3/conversations/", 503)
    teams.fail_after_success("POST /v3/conversations/", 500)
    teams.fail("/v3/teams", 403, code="BotDisabledByAdmin")

    throttled = [await call(http, "POST", url, message(card())) for _ in range(2)]
    worked_but_500 = await call(http, "POST", url, message(card()))
    fine = await call(http, "POST", url, message(card()))
    unavailable = await call(http, "PUT", f"{url}/{fine[1]['id']}", message(card()))
    disabled = await call(http, "GET", f"{teams.url}v3/teams/19:x/conversations")

    assert [(s, b["error"]["code"], h["Retry-After"]) for s, b, h in throttled] == [(429, "Throttled", "2")] * 2
    assert (worked_but_500[0], worked_but_500[1]["error"]["code"]) == (500, "ServiceError")
    assert len(teams.messages_to(anna(teams))) == 2  # the 500 one took effect
    assert (unavailable[0], unavailable[1]) == (503, None)
    assert (disabled[0], disabled[1]["error"]["code"]) == (403, "BotDisabledByAdmin")
    assert [c.status for c in teams.calls_to("POST")] == [429, 429, 500, 201]
    with pytest.raises(ValueError):
        teams.fail("v3/no-slash", 500)


async def test_token_is_required_when_configured_and_latency(teams: FakeConnector, http: Any) -> None:
    url = f"{teams.url}v3/conversations"
    teams.require_token = "bot-token"
    missing = await call(http, "POST", url, one_on_one(teams, anna(teams).id))
    wrong = await call(http, "POST", url, one_on_one(teams, anna(teams).id), headers={"Authorization": "Bearer x"})
    teams.latency = 0.05
    started = time.monotonic()
    right = await call(
        http, "POST", url, one_on_one(teams, anna(teams).id), headers={"Authorization": "Bearer bot-token"}
    )

    assert (missing[0], wrong[0], right[0]) == (401, 401, 201)
    assert missing[1] == {"message": "Authorization has been denied for this request."}
    assert time.monotonic() - started >= 0.05
    assert [c.authorization for c in teams.calls] == ["", "Bearer x", "Bearer bot-token"]
    waited = await teams.wait_for("POST", "/v3/conversations", count=3)
    assert len(waited) == 3
    with pytest.raises(AssertionError, match="not reached"):
        await teams.wait_for("DELETE", timeout=0.05)


async def test_an_unknown_route_is_a_problem(teams: FakeConnector, http: Any) -> None:
    answer = await call(http, "GET", f"{teams.url}v3/conversations")
    assert answer[0] in (404, 405) and teams.problems and "not served" in teams.problems[0]


async def test_the_agents_sdk_connector_client_agrees_with_the_fake(teams: FakeConnector) -> None:
    user = anna(teams)
    team = teams.add_team("Veiligheidsteam", [user], channels=["Incidenten"])
    teams.require_token = "bot-token"
    client = ConnectorClient(teams.url, "bot-token")
    try:
        conversations = client.conversations
        created = await conversations.create_conversation(
            ConversationParameters(
                is_group=False,
                agent=ChannelAccount(id=teams.bot_id),
                members=[ChannelAccount(id=user.id)],
                tenant_id=teams.tenant_id,
                channel_data={"tenant": {"id": teams.tenant_id}},
            )
        )
        card_activity = Activity(type="message", attachments=[Attachment(content_type=CARD_TYPE, content=card())])
        sent = await conversations.send_to_conversation(created.id, card_activity)
        replied = await conversations.reply_to_activity(
            created.id, "1760000000000", Activity(type="message", text="Antwoord")
        )
        await conversations.update_activity(created.id, sent.id, Activity(type="message", text="Bijgewerkt"))
        await conversations.delete_activity(created.id, replied.id)
        member = await conversations.get_conversation_member(created.id, user.aad_id)
        page = await conversations.get_conversation_paged_members(team.id, page_size=100)
        thread = await conversations.create_conversation(
            ConversationParameters(
                is_group=True, channel_data={"channel": {"id": team.channel("Incidenten")}}, activity=card_activity
            )
        )
        teams.block(user)
        with pytest.raises(aiohttp.ClientResponseError) as refused:
            await conversations.send_to_conversation(created.id, Activity(type="message", text="x"))
    finally:
        await client.close()

    assert created.id == act.personal(user).conversation_id
    assert [m.text for m in teams.messages_to(user)] == ["Bijgewerkt"]
    assert member.aad_object_id == user.aad_id and [m.id for m in page.members] == [user.id]
    assert thread.id.startswith(team.channel("Incidenten") + ";messageid=")
    assert refused.value.status == 403 and "ConversationBlockedByUser" in refused.value.message
    assert teams.problems == []


# -- inbound activities --------------------------------------------------------------------------------------


def test_inbound_builders_have_the_shapes_teams_sends(teams: FakeConnector) -> None:
    user, url = anna(teams), "https://smba.trafficmanager.net/emea/"
    team_id, channel_id = "19:team@thread.tacv2", "19:chan@thread.tacv2"
    thread = act.channel(team_id, channel_id, "1760000000001")
    built = {
        "personal": act.personal_message(user, "Er gaat een naaktfoto rond", service_url=url),
        "channel": act.channel_mention(user, "wat nu?", team_id=team_id, channel_id=channel_id, service_url=url),
        "group": act.group_chat_mention(user, "wat nu?", chat_id="19:abc@thread.v2", service_url=url),
        "invoke": act.card_action(user, thread, verb="pw", data={"pw": "p"}, reply_to_id="1", service_url=url),
        "submit": act.card_submit(
            user, act.personal(user), data={"pw": "p", "verb": "pw"}, reply_to_id="1", service_url=url
        ),
        "file": act.personal_file(user, service_url=url, name="bewijs.png"),
        "channel file": act.channel_file(user, thread, service_url=url),
        "message action": act.message_action(
            user, thread, service_url=url, html="<p>Kijk dit</p>", author=teams.user("bram@school.nl")
        ),
        "installed": act.installation_update(user, act.personal(user), service_url=url),
        "added": act.members_added(user, act.channel(team_id, channel_id), service_url=url),
    }
    for payload in built.values():
        parsed = Activity.model_validate(json.loads(json.dumps(payload)))
        assert parsed.service_url == url and parsed.channel_id == "msteams"
        assert parsed.recipient is not None and parsed.from_property is not None
        assert parsed.recipient.id == act.BOT_ID and parsed.from_property.aad_object_id == user.aad_id

    personal = built["personal"]
    assert personal["conversation"] == {
        "conversationType": "personal",
        "tenantId": act.TENANT_ID,
        "id": teams.personal_chat(user).id,
    }
    assert personal["channelData"] == {"tenant": {"id": act.TENANT_ID}} and personal["text"].startswith("Er gaat")
    channel = built["channel"]
    assert channel["text"] == "<at>Protocolwijzer</at> wat nu?" and channel["conversation"]["isGroup"] is True
    assert channel["conversation"]["id"] == f"{channel_id};messageid={channel['id']}"
    assert channel["entities"][0] == {
        "mentioned": {"id": act.BOT_ID, "name": "Protocolwijzer"},
        "text": "<at>Protocolwijzer</at>",
        "type": "mention",
    }
    assert channel["channelData"]["team"] == {"id": team_id} and channel["channelData"]["channel"] == {"id": channel_id}
    assert (
        built["group"]["conversation"]["conversationType"] == "groupChat"
        and "team" not in built["group"]["channelData"]
    )
    invoke = built["invoke"]
    assert (invoke["type"], invoke["name"], invoke["replyToId"]) == ("invoke", "adaptiveCard/action", "1")
    assert invoke["value"] == {
        "action": {"type": "Action.Execute", "verb": "pw", "data": {"pw": "p"}},
        "trigger": "manual",
    }
    assert invoke["conversation"]["id"] == f"{channel_id};messageid=1760000000001"
    assert built["submit"]["value"] == {"pw": "p", "verb": "pw"} and "text" not in built["submit"]
    assert built["file"]["attachments"][0]["contentType"] == act.FILE_DOWNLOAD_TYPE
    assert built["channel file"]["attachments"][-1]["contentType"] == "reference"
    value = built["message action"]["value"]
    assert (built["message action"]["name"], value["commandContext"]) == ("composeExtension/submitAction", "message")
    assert value["messagePayload"]["body"] == {"contentType": "html", "content": "<p>Kijk dit</p>"}
    assert value["messagePayload"]["from"]["user"]["id"] == teams.user("bram@school.nl").aad_id
    assert built["installed"]["action"] == "add"
    assert built["added"]["membersAdded"] == [{"id": act.BOT_ID}] and built["added"]["conversation"]["id"] == channel_id


def test_malformed_bodies_are_really_malformed(teams: FakeConnector) -> None:
    bodies = act.malformed(anna(teams), service_url="http://127.0.0.1:1/")
    with pytest.raises(ValueError):
        json.loads(bodies["not json"])
    with pytest.raises(RecursionError):
        json.loads(bodies["deep nesting"])
    assert not isinstance(json.loads(bodies["json array"]), dict)
    assert "type" not in json.loads(bodies["no type"]) and "name" not in json.loads(bodies["invoke without name"])


# -- the fake Graph ------------------------------------------------------------------------------------------


def bind(key: str) -> str:
    return f"https://graph.microsoft.com/v1.0/users('{key}')"


def member(key: str, **extra: Any) -> Json:
    return {
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "roles": ["owner"],
        "user@odata.bind": bind(key),
        **extra,
    }


AUTH = {"Authorization": f"Bearer {GRAPH_TOKEN}"}


async def test_graph_token_endpoint(graph: FakeGraph, http: Any) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": "app",
        "client_secret": "s3cret",
        "scope": "https://graph.microsoft.com/.default",
    }
    graph.client_secret = "s3cret"

    async def token(**changes: str) -> tuple[int, Any]:
        async with http.post(graph.token_url(), data=form | changes) as response:
            return response.status, await response.json()

    ok = await token()
    assert ok == (
        200,
        {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": GRAPH_TOKEN},
    )
    refusals = [await token(grant_type="password"), await token(client_secret="wrong"), await token(scope="User.Read")]
    assert [(s, b["error"]) for s, b in refusals] == [
        (400, "unsupported_grant_type"),
        (401, "invalid_client"),
        (400, "invalid_scope"),
    ]
    assert all(c.json["client_secret"] == "***" for c in graph.calls)
    assert graph.authority_url == graph.base and graph.url.endswith("/v1.0")
    graph.problems.clear()


async def test_graph_chat_install_and_membership(graph: FakeGraph, teams: FakeConnector, http: Any) -> None:
    catalog_id = graph.publish_app("3f1c…-manifest")
    body = {
        "chatType": "group",
        "topic": "Incident 2026-0042",
        "members": [member("anna@school.nl"), member(teams.user("bram@school.nl").aad_id)],
    }
    created = await call(http, "POST", f"{graph.url}/chats", body, headers=AUTH)
    chat_id = created[1]["id"]
    connector_url = f"{teams.url}v3/conversations/{chat_id}/activities"

    assert created[0] == 201 and chat_id.endswith("@thread.v2") and created[1]["topic"] == "Incident 2026-0042"
    assert (await call(http, "POST", connector_url, message(card())))[1]["error"][
        "code"
    ] == "BotNotInConversationRoster"
    app_bind = {"teamsApp@odata.bind": f"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{catalog_id}"}
    installed = await call(http, "POST", f"{graph.url}/chats/{chat_id}/installedApps", app_bind, headers=AUTH)
    twice = await call(http, "POST", f"{graph.url}/chats/{chat_id}/installedApps", app_bind, headers=AUTH)
    assert (installed[0], installed[1], twice[0]) == (201, None, 409)
    assert (await call(http, "POST", connector_url, message(card())))[0] == 201

    blocked = await call(http, "POST", f"{graph.url}/chats/{chat_id}/members", member("cas@school.nl"), headers=AUTH)
    assert (blocked[0], "RosterAddMemberBlocked" in blocked[1]["error"]["message"]) == (403, True)
    graph.block_add_to_two_member_chats = False
    added = await call(http, "POST", f"{graph.url}/chats/{chat_id}/members", member("cas@school.nl"), headers=AUTH)
    again = await call(http, "POST", f"{graph.url}/chats/{chat_id}/members", member("cas@school.nl"), headers=AUTH)
    listed = await call(http, "GET", f"{graph.url}/chats/{chat_id}/members", headers=AUTH)
    assert added[0] == 201 and "Location" in added[2] and (again[0], again[1]["error"]["code"]) == (409, "Conflict")
    assert [m["displayName"] for m in listed[1]["value"]] == ["Anna de Vries", "Bram Jansen", "Cas Bakker"]
    assert graph.chats[chat_id].members == teams.conversations[chat_id].members
    assert graph.problems == [] and teams.problems == []


async def test_graph_refuses_what_graph_refuses(graph: FakeGraph, http: Any) -> None:
    async def create(*members: Json, **extra: Any) -> tuple[int, str]:
        status, body, _ = await call(
            http, "POST", f"{graph.url}/chats", {"chatType": "group", "members": list(members), **extra}, headers=AUTH
        )
        return status, body["error"]["code"]

    fake_host = member("anna@school.nl") | {"user@odata.bind": f"{graph.url}/users('anna@school.nl')"}
    assert await create(member("anna@school.nl")) == (400, "BadRequest")  # one member
    assert await create(member("anna@school.nl"), member("bram@school.nl", roles=["member"])) == (400, "BadRequest")
    assert await create(member("anna@school.nl"), fake_host) == (400, "BadRequest")
    assert await create(member("anna@school.nl"), member("anna@school.nl")) == (400, "BadRequest")
    assert await create(member("anna@school.nl"), member("bram@school.nl"), chatType="oneOnOne") == (400, "BadRequest")
    assert len(graph.problems) == 5
    graph.problems.clear()
    assert await create(member("anna@school.nl"), member("nobody@school.nl")) == (404, "NotFound")
    no_token = await call(http, "GET", f"{graph.url}/users/anna@school.nl")
    assert (no_token[0], no_token[1]["error"]["code"]) == (401, "InvalidAuthenticationToken")
    assert graph.problems == []


async def test_graph_catalog_and_users(graph: FakeGraph, teams: FakeConnector, http: Any) -> None:
    catalog_id = graph.publish_app("manifest-1")
    graph.publish_app("manifest-2")
    apps = await call(
        http,
        "GET",
        f"{graph.url}/appCatalogs/teamsApps",
        params={"$filter": "externalId eq 'manifest-1'"},
        headers=AUTH,
    )
    assert [(a["id"], a["externalId"]) for a in apps[1]["value"]] == [(catalog_id, "manifest-1")]
    odd = await call(
        http, "GET", f"{graph.url}/appCatalogs/teamsApps", params={"$filter": "startswith(x,'y')"}, headers=AUTH
    )
    assert odd[0] == 400 and len(graph.problems) == 1
    graph.problems.clear()

    user = anna(teams)
    by_upn = await call(http, "GET", f"{graph.url}/users/ANNA@school.nl", params={"$select": "id,mail"}, headers=AUTH)
    by_id = await call(http, "GET", f"{graph.url}/users/{user.aad_id}", headers=AUTH)
    dollar = teams.add_user("$beheer@school.nl", "Beheer")
    plain = await call(http, "GET", f"{graph.url}/users/$beheer@school.nl", headers=AUTH)
    quoted = await call(http, "GET", f"{graph.url}/users('$beheer@school.nl')", headers=AUTH)
    missing = await call(http, "GET", f"{graph.url}/users/nobody@school.nl", headers=AUTH)

    assert {k: v for k, v in by_upn[1].items() if not k.startswith("@")} == {"id": user.aad_id, "mail": user.email}
    assert by_id[1]["userPrincipalName"] == "anna@school.nl"
    assert plain[0] == 400 and quoted[1]["id"] == dollar.aad_id
    assert (missing[0], missing[1]["error"]["code"]) == (404, "Request_ResourceNotFound")
    assert len(graph.problems) == 1
    graph.problems.clear()


async def test_graph_failure_injection_and_latency(graph: FakeGraph, http: Any) -> None:
    graph.fail("/v1.0/users", 429, retry_after=3)
    graph.fail("GET", 503, retry_after=1.5)
    graph.latency = 0.02
    throttled = await call(http, "GET", f"{graph.url}/users/anna@school.nl", headers=AUTH)
    unavailable = await call(http, "GET", f"{graph.url}/users/anna@school.nl", headers=AUTH)
    ok = await call(http, "GET", f"{graph.url}/users/anna@school.nl", headers=AUTH)

    assert (throttled[0], throttled[1]["error"]["code"], throttled[2]["Retry-After"]) == (429, "TooManyRequests", "3")
    assert (unavailable[0], unavailable[1]["error"]["code"], unavailable[2]["Retry-After"]) == (
        503,
        "ServiceNotAvailable",
        "1.5",
    )
    assert set(throttled[1]["error"]["innerError"]) == {"date", "request-id", "client-request-id"}
    assert ok[0] == 200
    await asyncio.sleep(0)
