"""Requests as Slack sends them to the app, and signing, for scenario tests over HTTP or Socket Mode.

Bolt reads nested keys without defaults (``view.type``, ``container``, ``user.id``…); a fixture that
misses one gives a 500 instead of exercising the app (notes §3), so these builders copy complete shapes
from slackapi/bolt-python ``tests/scenario_tests_async`` and Slack's docs. They return plain dicts:

* events: build the inner event (``message_im``, ``app_mention``…) and wrap it with ``event_callback``;
* interactivity: ``block_actions``, ``view_submission``, ``message_shortcut`` give the ``payload`` dict;
  send it with ``interactive_body`` over HTTP, or as the payload of a Socket Mode envelope;
* ``slash_command`` gives the form fields; send them with ``form_body``.

``trigger_id`` and ``response_url`` come from ``FakeSlack.issue_trigger()`` / ``FakeSlack.response_url()``.
File objects carry ``url_private`` links on files.slack.com that the app must never fetch.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

Json = dict[str, Any]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
TEAM_ID = "T0001"
APP_ID = "A0001"
BOT_USER_ID = "UBOT"
TOKEN = "verification_token"
"""The deprecated verification token Slack still puts in payloads; Bolt ignores it."""

_ts_counter = itertools.count(1)


def _ts() -> str:
    """A unique, increasing message timestamp in Slack's ``seconds.micros`` format."""
    return f"{int(time.time())}.{next(_ts_counter):06d}"


def _rich_text(text: str) -> list[Json]:
    return [
        {
            "type": "rich_text",
            "block_id": uuid.uuid4().hex[:5],
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
        }
    ]


# -- signing and sending ------------------------------------------------------------------------------------


def sign(body: str, secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request-signing headers for ``body`` (the exact string that will be sent)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None  # None only without a timestamp
    return {"x-slack-request-timestamp": ts, "x-slack-signature": signature}


def interactive_body(payload: Json) -> str:
    """``payload=<url-encoded JSON>``, how Slack posts block actions, view submissions and shortcuts."""
    return urlencode({"payload": json.dumps(payload)})


def form_body(form: dict[str, str]) -> str:
    return urlencode(form)


def json_body(data: Json) -> str:
    return json.dumps(data)


async def post_signed(
    session: aiohttp.ClientSession,
    url: str,
    body: str,
    secret: str,
    *,
    content_type: str,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    timestamp: int | None = None,
) -> tuple[int, str]:
    """POST ``body`` signed as Slack does; returns ``(status, response text)``.

    ``retry_num`` adds ``x-slack-retry-num``/``x-slack-retry-reason``, as Slack's event retries carry.
    The encoded bytes are signed and sent unchanged: re-serialising after signing gives 401.
    """
    headers = {**sign(body, secret, timestamp=timestamp), "content-type": content_type}
    if retry_num is not None:
        headers.update({"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": retry_reason})
    async with session.post(url, data=body.encode(), headers=headers) as response:
        return response.status, await response.text()


# -- events -------------------------------------------------------------------------------------------------


def event_callback(
    event: Json,
    *,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    bot_user_id: str = BOT_USER_ID,
) -> Json:
    """The Events API envelope around ``event``; each call gets a fresh ``event_id`` unless one is given
    (pass the same id twice to simulate a retry)."""
    return {
        "token": TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex[:12]}",
    }


def file_object(
    file_id: str = "F0001",
    name: str = "screenshot.png",
    mimetype: str = "image/png",
    *,
    user: str = "U0001",
    team_id: str = TEAM_ID,
) -> Json:
    """A shared file as it appears in ``files`` of a ``file_share`` message."""
    filetype = name.rsplit(".", 1)[-1] if "." in name else "binary"
    private = f"https://files.slack.com/files-pri/{team_id}-{file_id}/{name}"
    return {
        "id": file_id,
        "created": int(time.time()),
        "timestamp": int(time.time()),
        "name": name,
        "title": name,
        "mimetype": mimetype,
        "filetype": filetype,
        "pretty_type": filetype.upper(),
        "user": user,
        "editable": False,
        "size": 92582,
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": False,
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": private,
        "url_private_download": f"https://files.slack.com/files-pri/{team_id}-{file_id}/download/{name}",
        "permalink": f"https://fake.slack.com/files/{user}/{file_id}/{name}",
        "has_rich_preview": False,
    }


def _message(
    user: str,
    text: str,
    channel: str,
    channel_type: str,
    *,
    ts: str | None,
    files: list[Json] | None,
    subtype: str | None,
    thread_ts: str | None,
    team_id: str,
) -> Json:
    ts = ts or _ts()
    event: Json = {
        "client_msg_id": str(uuid.uuid4()),
        "type": "message",
        "text": text,
        "user": user,
        "ts": ts,
        "team": team_id,
        "blocks": _rich_text(text) if text else [],
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if files is not None:
        event.update(files=files, upload=False, display_as_bot=False)
        subtype = subtype or "file_share"
    if subtype:
        event["subtype"] = subtype
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message_im(
    user: str,
    text: str,
    *,
    channel: str | None = None,
    ts: str | None = None,
    files: list[Json] | None = None,
    subtype: str | None = None,
    thread_ts: str | None = None,
    team_id: str = TEAM_ID,
) -> Json:
    """A ``message`` event in the app DM. ``channel`` defaults to ``"D" + user[1:]``, the id
    ``FakeSlack.dm_id(user)`` gives. With ``files`` the subtype becomes ``file_share``."""
    channel = channel or "D" + user[1:]
    return _message(
        user, text, channel, "im", ts=ts, files=files, subtype=subtype, thread_ts=thread_ts, team_id=team_id
    )


def message_in_channel(
    user: str,
    text: str,
    channel: str,
    *,
    channel_type: str = "group",
    ts: str | None = None,
    files: list[Json] | None = None,
    subtype: str | None = None,
    thread_ts: str | None = None,
    team_id: str = TEAM_ID,
) -> Json:
    """A ``message`` event in a channel: ``channel_type`` is ``group`` (private), ``channel`` or ``mpim``."""
    return _message(
        user, text, channel, channel_type, ts=ts, files=files, subtype=subtype, thread_ts=thread_ts, team_id=team_id
    )


def app_mention(
    user: str,
    text: str,
    channel: str,
    *,
    ts: str | None = None,
    thread_ts: str | None = None,
    team_id: str = TEAM_ID,
) -> Json:
    ts = ts or _ts()
    event: Json = {
        "client_msg_id": str(uuid.uuid4()),
        "type": "app_mention",
        "text": text,
        "user": user,
        "ts": ts,
        "team": team_id,
        "blocks": _rich_text(text),
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened(user: str, *, tab: str = "home", channel: str | None = None, view: Json | None = None) -> Json:
    """``view`` is the published Home view (e.g. ``fake.home[user]``); Slack includes it only on the home
    tab and only once a view was published."""
    event: Json = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel or "D" + user[1:],
        "tab": tab,
        "event_ts": _ts(),
    }
    if view is not None and tab == "home":
        event["view"] = view
    return event


# -- interactivity ------------------------------------------------------------------------------------------


def _team(team_id: str) -> Json:
    return {"id": team_id, "domain": "fake"}


def _user(user: str, user_name: str, team_id: str) -> Json:
    name = user_name or user.lower()
    return {"id": user, "username": name, "name": name, "team_id": team_id}


def block_actions(
    user: str,
    *,
    action_id: str,
    value: str,
    block_id: str,
    trigger_id: str,
    channel: str | None = None,
    message_ts: str | None = None,
    response_url: str | None = None,
    is_ephemeral: bool = False,
    thread_ts: str | None = None,
    message_blocks: list[Json] | None = None,
    message_text: str = "",
    container_type: str = "message",
    view: Json | None = None,
    user_name: str = "",
    button_text: str = "Button",
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    bot_user_id: str = BOT_USER_ID,
    bot_id: str = "BBOT",
) -> Json:
    """A button click. On a message (``container_type="message"``) ``channel``, ``message_ts`` and
    ``response_url`` are needed; the ``message`` is left out for ephemeral ones, as Slack does. On a
    modal or the App Home (``container_type="view"``) pass the ``view`` (e.g. ``fake.home[user]``);
    there is then no channel, message or response_url."""
    action = {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": button_text, "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": _ts(),
    }
    payload: Json = {
        "type": "block_actions",
        "user": _user(user, user_name, team_id),
        "api_app_id": api_app_id,
        "token": TOKEN,
        "trigger_id": trigger_id,
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [action],
    }
    if container_type == "view":
        if view is None:
            raise ValueError("container_type='view' needs the view")
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
        return payload
    if channel is None or message_ts is None or response_url is None:
        raise ValueError("a message button needs channel, message_ts and response_url")
    container: Json = {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": is_ephemeral}
    if thread_ts:
        container["thread_ts"] = thread_ts
    payload["container"] = container
    payload["channel"] = {"id": channel, "name": "directmessage" if channel.startswith("D") else "channel"}
    payload["response_url"] = response_url
    if not is_ephemeral:
        if message_blocks is None:
            button = {k: v for k, v in action.items() if k not in ("block_id", "action_ts")}
            message_blocks = [{"type": "actions", "block_id": block_id, "elements": [button]}]
        message: Json = {
            "type": "message",
            "user": bot_user_id,
            "bot_id": bot_id,
            "app_id": api_app_id,
            "team": team_id,
            "ts": message_ts,
            "text": message_text,
            "blocks": message_blocks,
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        payload["message"] = message
    return payload


def plain_value(value: str) -> Json:
    """A ``plain_text_input`` entry of ``view.state.values``."""
    return {"type": "plain_text_input", "value": value}


def select_value(value: str, text: str | None = None) -> Json:
    """A ``static_select`` entry of ``view.state.values``."""
    return {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value},
    }


def view_submission(
    user: str,
    *,
    callback_id: str,
    private_metadata: str,
    values: dict[str, dict[str, Json]],
    view_id: str = "VF0000001",
    title: str = "Protocolwijzer",
    blocks: list[Json] | None = None,
    user_name: str = "",
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    bot_id: str = "BBOT",
) -> Json:
    """A modal submission; ``values`` is ``{block_id: {action_id: plain_value(...) | select_value(...)}}``.
    Without ``blocks`` one input block per value is derived, so blocks and state agree."""
    if blocks is None:
        blocks = [
            {
                "type": "input",
                "block_id": block_id,
                "label": {"type": "plain_text", "text": block_id},
                "optional": False,
                "element": {"type": entry["type"], "action_id": action_id},
            }
            for block_id, actions in values.items()
            for action_id, entry in actions.items()
        ]
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user, user_name, team_id),
        "api_app_id": api_app_id,
        "token": TOKEN,
        "trigger_id": trigger_id or f"{next(_ts_counter)}.{int(time.time())}.{uuid.uuid4().hex}",
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks,
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Annuleren", "emoji": True},
            "submit": {"type": "plain_text", "text": "Versturen", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def slash_command(
    user: str,
    text: str,
    *,
    trigger_id: str,
    response_url: str,
    command: str = "/protocol",
    channel: str = "C0001",
    channel_name: str = "general",
    user_name: str = "",
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
) -> dict[str, str]:
    """The form fields of a slash command; send them with ``form_body``. In the app DM use the ``D…`` id
    and ``channel_name="directmessage"``."""
    return {
        "token": TOKEN,
        "team_id": team_id,
        "team_domain": "fake",
        "channel_id": channel,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": user_name or user.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def message_shortcut(
    user: str,
    *,
    callback_id: str,
    message_text: str,
    channel: str,
    message_ts: str,
    trigger_id: str,
    response_url: str,
    files: list[Json] | None = None,
    message_user: str | None = None,
    channel_name: str = "channel",
    user_name: str = "",
    team_id: str = TEAM_ID,
) -> Json:
    """ "Report this message" style shortcut on someone's message (``message_user``, default ``user``)."""
    message: Json = {
        "client_msg_id": str(uuid.uuid4()),
        "type": "message",
        "text": message_text,
        "user": message_user or user,
        "ts": message_ts,
        "team": team_id,
        "blocks": _rich_text(message_text) if message_text else [],
    }
    if files is not None:
        message.update(files=files, upload=False, subtype="file_share", display_as_bot=False)
    return {
        "type": "message_action",
        "token": TOKEN,
        "action_ts": _ts(),
        "team": _team(team_id),
        "user": _user(user, user_name, team_id),
        "channel": {"id": channel, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "message_ts": message_ts,
        "message": message,
    }
