"""The offline Slack fakes behave like Slack where the bot depends on it, driven by the real slack_sdk clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.slack_api import FakeSlack, check_blocks
from tests.fakes.slack_payloads import (
    FORM,
    JSON,
    app_home_opened,
    app_mention,
    block_actions,
    event_callback,
    file_object,
    form_body,
    interactive_body,
    json_body,
    message_im,
    message_in_channel,
    message_shortcut,
    plain_value,
    post_signed,
    select_value,
    sign,
    slash_command,
    view_submission,
)
from tests.fakes.slack_socket import FakeSocketMode

SECRET = "test-signing-secret"


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk ignores NO_PROXY, so a proxy variable would send 127.0.0.1 calls to the proxy (notes §11)."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U1", "juf.anna")
        fake.add_user("U2", "meester.bram")
        fake.add_user("U3", "mentor.cas")
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.url)


async def error_of(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


def modal(title: str = "Melding", blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "report",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks or [],
    }


def button(text: str, action_id: str = "ack", value: str = "1") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}


# -- Web API --------------------------------------------------------------------------------------------------


async def test_post_to_user_id_opens_the_dm_and_update_needs_the_d_id(fake: FakeSlack, client: AsyncWebClient) -> None:
    first = await client.chat_postMessage(channel="U1", text="Hoi")
    second = await client.chat_postMessage(channel="U1", text="Nog een", thread_ts=first["ts"])

    dm = first["channel"]
    assert dm.startswith("D") and dm == second["channel"] == fake.dm_id("U1")
    assert first["message"]["bot_id"] == "BBOT" and first["ts"] < second["ts"]
    await client.chat_update(channel=dm, ts=first["ts"], text="Bijgewerkt")
    assert [(m["text"], m.get("thread_ts")) for m in fake.messages_in(dm)] == [
        ("Bijgewerkt", first["ts"]),
        ("Nog een", first["ts"]),
    ]
    assert (await error_of(client.chat_update(channel="U1", ts=first["ts"], text="x"))).response["error"] == (
        "channel_not_found"
    )
    assert (await error_of(client.chat_update(channel=dm, ts="1.2", text="x"))).response["error"] == "message_not_found"
    assert (await error_of(client.chat_postMessage(channel="U404", text="x"))).response["error"] == "user_not_found"
    await client.chat_postMessage(channel="D2", text="Via de DM van een event")  # say() answers in the event's D id
    assert [m["text"] for m in fake.messages_in("U2")] == ["Via de DM van een event"]


async def test_private_channel_needs_the_bot_and_ephemerals_need_a_member(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.add_channel("C0TEAM", "zorgteam", is_private=True, members={"U1"})
    fake.add_channel("C0OTHER", "geheim", is_private=True, bot_is_member=False)

    assert (await error_of(client.chat_postMessage(channel="C0OTHER", text="x"))).response["error"] == "not_in_channel"
    await client.chat_postEphemeral(channel="C0TEAM", user="U1", text="Alleen voor jou")
    error = await error_of(client.chat_postEphemeral(channel="C0TEAM", user="U2", text="x"))
    assert error.response["error"] == "user_not_in_channel"
    assert [(e["channel"], e["user"]) for e in fake.ephemerals] == [("C0TEAM", "U1")]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("a" * 81, "invalid_name_maxlength"),
        ("Incident 12", "invalid_name_specials"),
        ("inc.12", "invalid_name_specials"),
        ("-_-", "invalid_name_punctuation"),
    ],
)
async def test_channel_name_rules(client: AsyncWebClient, name: str, error: str) -> None:
    assert (await error_of(client.conversations_create(name=name))).response["error"] == error


async def test_create_private_channel_name_taken_and_list_pagination(fake: FakeSlack, client: AsyncWebClient) -> None:
    created = await client.conversations_create(name="inc-20260501-1432-7f3a", is_private=True)

    channel = created["channel"]
    assert channel["is_private"] is True and channel["creator"] == "UBOT"
    assert fake.members(channel["id"]) == {"UBOT"}
    assert fake.channel_by_name("inc-20260501-1432-7f3a") is not None
    assert (await error_of(client.conversations_create(name="inc-20260501-1432-7f3a"))).response[
        "error"
    ] == "name_taken"

    fake.add_channel("C0HIDDEN", "niet-van-de-bot", is_private=True, bot_is_member=False)
    for n in range(3):
        await client.conversations_create(name=f"inc-{n}", is_private=True)
    fake.page_size = 2
    names, cursor, pages = [], "", 0
    while True:
        page = await client.conversations_list(types="private_channel", cursor=cursor or None, limit=100)
        names += [c["name"] for c in page["channels"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert names == ["inc-20260501-1432-7f3a", "inc-0", "inc-1", "inc-2"] and pages == 2


async def test_invite_rules(fake: FakeSlack, client: AsyncWebClient) -> None:
    channel = (await client.conversations_create(name="inc-1", is_private=True))["channel"]["id"]

    await client.conversations_invite(channel=channel, users=["U1", "U2"])
    assert (await error_of(client.conversations_invite(channel=channel, users="U1"))).response["error"] == (
        "already_in_channel"
    )
    await client.conversations_invite(channel=channel, users="U1,U3")  # a mix adds the new one
    self_invite = await error_of(client.conversations_invite(channel=channel, users="UBOT"))
    unknown = await error_of(client.conversations_invite(channel=channel, users="U404,U2"))
    fake.add_user("U4", "ib.dana")
    await client.conversations_invite(channel=channel, users="U404,U4", force=True)  # force skips the unknown one

    assert self_invite.response["error"] == "cant_invite_self"
    assert unknown.response["error"] == "user_not_found"
    assert unknown.response["errors"] == [{"user": "U404", "ok": False, "error": "user_not_found"}]
    assert fake.members(channel) == {"UBOT", "U1", "U2", "U3", "U4"}
    assert fake.max_invite_chunk == 2
    error = await error_of(client.conversations_invite(channel="C0NOPE", users="U1"))
    assert error.response["error"] == "channel_not_found"


async def test_channel_not_found_right_after_create(fake: FakeSlack, client: AsyncWebClient) -> None:
    now = [100.0]
    fake.clock = lambda: now[0]
    fake.not_found_after_create = 1
    first = (await client.conversations_create(name="inc-1", is_private=True))["channel"]["id"]
    second = (await client.conversations_create(name="inc-2", is_private=True))["channel"]["id"]

    assert (await error_of(client.conversations_invite(channel=first, users="U1"))).response["error"] == (
        "channel_not_found"
    )
    await client.conversations_invite(channel=first, users="U1")
    now[0] += 1.5  # the window is over before the first call to the second channel
    await client.chat_postMessage(channel=second, text="Briefing")


async def test_rate_limit_is_retried_by_the_sdk_handler(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    retrying = AsyncWebClient(
        token="xoxb-test", base_url=fake.url, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
    )

    await retrying.chat_postMessage(channel="U1", text="Hoi")

    assert len(fake.calls_to("chat.postMessage")) == 2
    assert len(fake.messages_in("U1")) == 1


async def test_rate_limit_and_server_error_reach_a_plain_client(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.fail_next("conversations.create", retry_after=3)
    fake.fail_next("chat.postMessage", status=500, times=2)
    fake.fail_next("conversations.invite", status=200, error="channel_not_found")

    limited = await error_of(client.conversations_create(name="inc-1"))
    assert limited.response.status_code == 429 and limited.response.headers["Retry-After"] == "3"
    assert (await error_of(client.chat_postMessage(channel="U1", text="x"))).response.status_code == 500
    retrying = AsyncWebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[AsyncServerErrorRetryHandler()])
    await retrying.chat_postMessage(channel="U1", text="x")  # 500 once more, then ok
    assert (await error_of(client.conversations_invite(channel="C1", users="U1"))).response["error"] == (
        "channel_not_found"
    )
    assert len(fake.calls_to("chat.postMessage")) == 3


async def test_latency_does_not_serialise_concurrent_calls(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.latency = 0.4
    loop = asyncio.get_running_loop()
    started = loop.time()

    await asyncio.gather(*(client.auth_test() for _ in range(3)))

    elapsed = loop.time() - started
    assert 0.4 <= elapsed < 1.0  # three calls in sequence would take 1.2 s
    assert fake.auth_test_count == 3


async def test_auth_test_shape_missing_token_and_unknown_methods(fake: FakeSlack, client: AsyncWebClient) -> None:
    me = await client.auth_test()
    assert (me["user_id"], me["bot_id"], me["team_id"]) == ("UBOT", "BBOT", "T0001")

    anonymous = AsyncWebClient(base_url=fake.url)
    assert (await error_of(anonymous.auth_test())).response["error"] == "not_authed"
    assert (await error_of(client.api_call("reactions.add"))).response["error"] == "unknown_method"
    assert [c.method for c in fake.calls] == ["auth.test", "auth.test", "reactions.add"]
    assert fake.calls[0].token == "xoxb-test"


async def test_trigger_ids_are_single_use_and_expire(fake: FakeSlack, client: AsyncWebClient) -> None:
    trigger = fake.issue_trigger(user="U1")

    too_long = await error_of(client.views_open(trigger_id=trigger, view=modal(title="x" * 25)))
    opened = await client.views_open(trigger_id=trigger, view=modal())  # a rejected view leaves the trigger
    again = await error_of(client.views_open(trigger_id=trigger, view=modal()))
    expired = await error_of(client.views_open(trigger_id=fake.issue_trigger(ttl=0), view=modal()))
    unknown = await error_of(client.views_open(trigger_id="1.2.abc", view=modal()))

    assert too_long.response["error"] == "invalid_arguments"
    assert "/view/title/text" in too_long.response["response_metadata"]["messages"][0]
    assert opened["view"]["id"].startswith("V") and opened["view"]["callback_id"] == "report"
    assert [(v.view_id, v.user) for v in fake.opened_views] == [(opened["view"]["id"], "U1")]
    assert again.response["error"] == "exchanged_trigger_id"
    assert expired.response["error"] == "expired_trigger_id"
    assert unknown.response["error"] == "invalid_trigger_id"


async def test_views_update_and_home_publish(fake: FakeSlack, client: AsyncWebClient) -> None:
    opened = (await client.views_open(trigger_id=fake.issue_trigger(), view=modal()))["view"]
    updated = await client.views_update(view_id=opened["id"], view=modal(title="Stap 2"), hash=opened["hash"])
    conflict = await error_of(client.views_update(view_id=opened["id"], view=modal(), hash=opened["hash"]))
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Welkom"}}]}
    await client.views_publish(user_id="U1", view=home)

    assert updated["view"]["title"]["text"] == "Stap 2" and conflict.response["error"] == "hash_conflict"
    assert fake.home["U1"]["blocks"] == home["blocks"]
    assert (await error_of(client.views_publish(user_id="U1", view=modal()))).response["error"] == "invalid_arguments"


async def test_message_blocks_are_validated_by_the_server(client: AsyncWebClient) -> None:
    fifty = [{"type": "divider"}] * 50

    await client.chat_postMessage(channel="U1", text="ok", blocks=fifty)
    too_many = await error_of(
        client.chat_postMessage(channel="U1", text="te veel", blocks=[*fifty, {"type": "divider"}])
    )
    huge = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2900}}] * 5
    too_long = await error_of(client.chat_postMessage(channel="U1", text="lang", blocks=huge))

    assert too_many.response["error"] == "invalid_blocks"
    assert too_many.response["errors"] == ["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"]
    assert too_long.response["error"] == "msg_blocks_too_long"
    assert (await error_of(client.chat_postMessage(channel="U1", text="x" * 40_001))).response[
        "error"
    ] == "msg_too_long"


def test_check_blocks_finds_what_slack_rejects() -> None:
    valid = [
        {"type": "header", "text": {"type": "plain_text", "text": "Wat is er gebeurd?"}},
        {"type": "section", "block_id": "s", "text": {"type": "mrkdwn", "text": "*Stap 1*"}},
        {"type": "actions", "block_id": "a", "elements": [button("Ja", "yes"), button("Nee", "no")]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Protocolwijzer"}]},
    ]
    assert check_blocks(valid) == []
    assert check_blocks([valid[1], valid[1]]) == ["[ERROR] duplicate block_id 's' [json-pointer:/blocks/1/block_id]"]

    long_label = [{"type": "actions", "elements": [button("x" * 76)]}]
    assert check_blocks(long_label) == [
        "[ERROR] must be at most 75 characters [json-pointer:/blocks/0/elements/0/text/text]"
    ]
    duplicate_action = [{"type": "actions", "elements": [button("a", "same"), button("b", "same")]}]
    assert "duplicate action_id 'same'" in check_blocks(duplicate_action)[0]
    long_field = [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}]
    assert check_blocks(long_field) == [
        "[ERROR] must be at most 2000 characters [json-pointer:/blocks/0/fields/0/text]"
    ]
    assert "unsupported block type 'banner'" in check_blocks([{"type": "banner"}])[0]
    assert check_blocks([{"type": "divider"}] * 100, surface="home") == []


async def test_response_url_accepts_five_posts(fake: FakeSlack) -> None:
    webhook = AsyncWebhookClient(fake.response_url("r1"))

    statuses = [(await webhook.send(text=f"stap {n}", replace_original=True)).status_code for n in range(6)]
    rejected = await AsyncWebhookClient(fake.response_url("r2")).send_dict({"blocks": [{"type": "nope"}]})

    assert statuses == [200] * 5 + [404]
    assert [p["text"] for p in fake.responses["r1"]] == [f"stap {n}" for n in range(5)]
    assert rejected.status_code == 400 and rejected.body == "invalid_blocks"


# -- Socket Mode ----------------------------------------------------------------------------------------------


async def test_socket_mode_round_trip_with_the_sdk_client(fake: FakeSlack) -> None:
    async def ack(client: SocketModeClient, request: SocketModeRequest) -> None:
        await client.send_socket_mode_response(SocketModeResponse(request.envelope_id, payload={"text": "ok"}))

    async with FakeSocketMode(fake) as socket:
        client = SocketModeClient(app_token="xapp-1-test", web_client=AsyncWebClient(base_url=fake.url))
        client.socket_mode_request_listeners.append(ack)
        try:
            await client.connect()
            await socket.wait_connected()
            first = await socket.send("events_api", event_callback(message_im("U1", "hoi")))
            await socket.send_disconnect()
            await socket.wait_connected(count=2)
            second = await socket.send("slash_commands", slash_command("U1", "", trigger_id="t", response_url="u"))
        finally:
            await client.close()

    assert first == {"envelope_id": socket.sent[0]["envelope_id"], "payload": {"text": "ok"}}
    assert second["envelope_id"] == socket.sent[1]["envelope_id"]
    calls = fake.calls_to("apps.connections.open")
    assert len(calls) == 2 and calls[0].token == "xapp-1-test"


async def test_bolt_socket_mode_handler_reaches_both_fakes(fake: FakeSlack) -> None:
    app = AsyncApp(client=AsyncWebClient(base_url=fake.url), authorize=authorize)

    @app.event("message")
    async def echo(say: Any, request: Any) -> None:
        await say(f"retry {request.headers['x-slack-retry-num'][0]}")

    async with FakeSocketMode(fake) as socket:
        handler = AsyncSocketModeHandler(app, app_token="xapp-1-test")
        await handler.connect_async()
        try:
            await socket.wait_connected()
            ack = await socket.send(
                "events_api", event_callback(message_im("U1", "hoi")), accepts_response_payload=False
            )
            await fake.wait_for("chat.postMessage")
        finally:
            await handler.close_async()

    assert ack == {"envelope_id": socket.sent[0]["envelope_id"]}
    assert [m["text"] for m in fake.messages_in("U1")] == ["retry 0"]  # a first delivery carries retry_attempt 0


async def test_connections_open_needs_an_app_token(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.socket_url = "ws://127.0.0.1:1/link"
    assert (await error_of(client.apps_connections_open(app_token="xoxb-test"))).response["error"] == (
        "not_allowed_token_type"
    )


# -- payload builders -----------------------------------------------------------------------------------------


async def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=enterprise_id, team_id=team_id, bot_token="xoxb-test", bot_user_id="UBOT", bot_id="BBOT"
    )


def build_app(fake: FakeSlack, seen: list[tuple[str, Any]]) -> AsyncApp:
    app = AsyncApp(
        client=AsyncWebClient(base_url=fake.url),
        signing_secret=SECRET,
        authorize=authorize,
        process_before_response=True,
    )

    @app.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        seen.append(("message", event.get("subtype") or event["channel_type"]))

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any]) -> None:
        seen.append(("app_mention", event["text"]))

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any]) -> None:
        seen.append(("app_home_opened", event["tab"]))

    @app.action("ack")
    async def on_button(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        seen.append(("action", body["container"]["type"]))

    @app.view("report")
    async def on_submit(ack: Any, view: dict[str, Any]) -> None:
        await ack()
        values = view["state"]["values"]
        seen.append(("view", (values["what"]["text"]["value"], values["kind"]["pick"]["selected_option"]["value"])))

    @app.shortcut("report_message")
    async def on_shortcut(ack: Any, shortcut: dict[str, Any]) -> None:
        await ack()
        seen.append(("shortcut", shortcut["message"]["files"][0]["id"]))

    @app.command("/protocol")
    async def on_command(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        await ack()
        await respond(f"Je vroeg: {command['text']}")

    return app


async def test_payloads_are_accepted_by_bolt(fake: FakeSlack) -> None:
    seen: list[tuple[str, Any]] = []
    app = build_app(fake, seen)
    dm = fake.dm_id("U1")
    home = {"id": "VHOME", "type": "home", "blocks": [], "team_id": "T0001", "hash": "1.a", "callback_id": ""}
    screenshot = file_object("F1", "chat.png", user="U2")
    click = {"action_id": "ack", "value": "1", "block_id": "b", "trigger_id": fake.issue_trigger()}
    bodies = [
        (json_body(event_callback(message_im("U1", "Er wordt iemand gepest"))), JSON),
        (json_body(event_callback(message_im("U1", "", files=[screenshot]))), JSON),
        (json_body(event_callback(message_in_channel("U2", "Update", "C0TEAM"))), JSON),
        (json_body(event_callback(app_mention("U1", "<@UBOT> help", "C0TEAM"))), JSON),
        (json_body(event_callback(app_home_opened("U1", view=home))), JSON),
        (interactive_body(block_actions("U1", channel=dm, message_ts="1.1", response_url="u", **click)), FORM),
        (interactive_body(block_actions("U1", container_type="view", view=home, **click)), FORM),
        (
            interactive_body(
                view_submission(
                    "U1",
                    callback_id="report",
                    private_metadata="incident-1",
                    values={"what": {"text": plain_value("Foto gedeeld")}, "kind": {"pick": select_value("sexting")}},
                )
            ),
            FORM,
        ),
        (
            interactive_body(
                message_shortcut(
                    "U1",
                    callback_id="report_message",
                    message_text="",
                    channel="C0TEAM",
                    message_ts="2.2",
                    trigger_id=fake.issue_trigger(),
                    response_url="u",
                    files=[screenshot],
                    message_user="U2",
                )
            ),
            FORM,
        ),
    ]
    for body, content_type in bodies:
        request = AsyncBoltRequest(body=body, headers={**sign(body, SECRET), "content-type": content_type})
        response = await app.async_dispatch(request)
        assert response.status == 200, (body[:120], response.body)

    assert seen == [
        ("message", "im"),
        ("message", "file_share"),
        ("message", "group"),
        ("app_mention", "<@UBOT> help"),
        ("app_home_opened", "home"),
        ("action", "message"),
        ("action", "view"),
        ("view", ("Foto gedeeld", "sexting")),
        ("shortcut", "F1"),
    ]


@pytest.fixture
async def served_app(fake: FakeSlack) -> AsyncIterator[str]:
    runner = web.AppRunner(build_app(fake, []).web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/slack/events"
    finally:
        await runner.cleanup()


async def test_post_signed_slash_command_and_respond_over_http(fake: FakeSlack, served_app: str) -> None:
    form = slash_command("U1", "gepest", trigger_id=fake.issue_trigger(), response_url=fake.response_url(7))

    async with aiohttp.ClientSession() as session:
        status, _ = await post_signed(session, served_app, form_body(form), SECRET, content_type=FORM)
        stale, _ = await post_signed(session, served_app, form_body(form), SECRET, content_type=FORM, timestamp=1)
        forged, _ = await post_signed(session, served_app, form_body(form), "other-secret", content_type=FORM)

    assert (status, stale, forged) == (200, 401, 401)
    await fake.wait_until(lambda: "7" in fake.responses, what="respond() reached the response_url")
    assert fake.responses["7"][0]["text"] == "Je vroeg: gepest"
