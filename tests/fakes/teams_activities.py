"""Inbound activities exactly as Teams posts them to the bot's ``/api/messages``, for scenario tests over HTTP.

The Agents SDK reads nested keys of these payloads (``conversation.conversationType``, ``channelData.tenant.id``,
``value.action.verb``…); a fixture that drops one exercises a path real Teams never takes. So the shapes are
copied from Microsoft's own examples, not guessed:

* personal message: msteams-docs ``bots/build-conversational-capability.md`` ("Receive a message activity";
  read-receipt example for ``conversation.tenantId``) — ``channelData`` holds only ``tenant`` in a 1:1 chat;
* channel message with a mention: a payload recorded from Teams in October 2025 (microsoft/teams.net,
  ``TeamsActivityTests``): ``conversation.id`` is ``<channel>;messageid=<root>``, ``isGroup``, ``tenantId``;
  ``channelData`` carries ``team``, ``channel``, ``tenant`` plus the deprecated ``teamsTeamId``/``teamsChannelId``;
  the text starts with ``<at>Bot</at>``; a ``mention`` entity and a ``text/html`` attachment come along;
  ``serviceUrl`` has the newer ``/amer/<tenant>/`` form;
* ``adaptiveCard/action`` invoke: ``value = {"action": {"type": "Action.Execute", "verb", "data"}, "trigger":
  "manual"}`` (adaptive-cards universal action model; notes §6), ``replyToId`` = the card's activity id;
* ``Action.Submit``: a ``message`` with ``value`` = the data merged with the inputs, no text, ``replyToId``
  (msteams-docs ``task-modules-and-cards/cards/cards-actions.md``);
* files: personal chat ``application/vnd.microsoft.teams.file.download.info`` with ``content.downloadUrl``
  (msteams-docs ``bots/how-to/bots-filesv4.md``); channel ``reference`` with a SharePoint ``contentUrl``;
* message action: ``composeExtension/submitAction`` with ``value.commandContext == "message"`` and
  ``value.messagePayload`` (msteams-docs ``messaging-extensions/how-to/action-commands/create-task-module.md``);
* ``installationUpdate`` / ``conversationUpdate``: msteams-docs
  ``bots/how-to/conversations/subscribe-to-conversation-events.md``.

Every builder takes ``service_url`` (the fake connector's ``url`` in tests) and returns a fresh plain dict.
A :class:`Place` says where the activity happens; a person is anything with ``id`` (the ``29:`` id), ``aad_id``
and ``name`` — :class:`tests.fakes.teams_connector.TeamsUser` is one.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

Json = dict[str, Any]
ConversationType = Literal["personal", "channel", "groupChat"]

TENANT_ID = "5f2b6c3e-0d4a-4c1e-9b7a-2f6e8d1c0a55"
BOT_APP_ID = "0b6fe6d1-fece-44f7-9a48-56465e2d5ab8"
BOT_ID = f"28:{BOT_APP_ID}"
BOT_NAME = "Protocolwijzer"
CHANNEL_ID = "msteams"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
FILE_DOWNLOAD_TYPE = "application/vnd.microsoft.teams.file.download.info"
MESSAGE_ACTION_COMMAND = "askProtocolwijzer"

_message_ids = itertools.count(1_760_000_000_000)


class Person(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def aad_id(self) -> str: ...
    @property
    def name(self) -> str: ...


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def user_mri(aad_id: str, bot_app_id: str = BOT_APP_ID) -> str:
    """The ``29:`` id Teams gives a person for one bot: opaque, stable, about 90 characters (docs examples)."""
    return "29:1" + _b64(hashlib.sha512(f"{aad_id.lower()}|{bot_app_id}".encode()).digest())


def personal_conversation_id(aad_id: str, bot_app_id: str = BOT_APP_ID) -> str:
    """The ``a:`` id of the 1:1 chat between a person and the bot. Real ones are about 130 characters; the
    Agents SDK cuts conversation ids at 150 (``max_conversation_id_length``), so this stays below that."""
    seed = f"{aad_id.lower()}|{bot_app_id}".encode()
    return "a:1" + _b64(hashlib.sha512(seed).digest()) + _b64(hashlib.sha256(seed).digest())


def thread_conversation_id(channel_id: str, root_id: str) -> str:
    """A reply chain in a channel: the channel id with ``;messageid=`` and the root post's id."""
    return f"{channel_id};messageid={root_id}"


def new_message_id() -> str:
    """Teams message ids are millisecond timestamps as strings."""
    return str(next(_message_ids))


@dataclass(frozen=True)
class Place:
    """Where an activity happens. Build it with :func:`personal`, :func:`channel` or :func:`group_chat`."""

    conversation_id: str
    conversation_type: ConversationType
    tenant_id: str = TENANT_ID
    team_id: str | None = None
    channel_id: str | None = None
    """For channel places: the channel (``19:…@thread.tacv2``) without ``;messageid``."""

    @property
    def is_group(self) -> bool:
        return self.conversation_type != "personal"


def personal(person: Person, *, tenant_id: str = TENANT_ID, bot_app_id: str = BOT_APP_ID) -> Place:
    return Place(personal_conversation_id(person.aad_id, bot_app_id), "personal", tenant_id)


def channel(team_id: str, channel_id: str, root_id: str | None = None, *, tenant_id: str = TENANT_ID) -> Place:
    """A channel post. ``root_id`` names the thread; ``None`` is a new post (its own id becomes the root)."""
    conversation = thread_conversation_id(channel_id, root_id) if root_id else channel_id
    return Place(conversation, "channel", tenant_id, team_id=team_id, channel_id=channel_id)


def group_chat(chat_id: str, *, tenant_id: str = TENANT_ID) -> Place:
    return Place(chat_id, "groupChat", tenant_id)


# -- the envelope --------------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _account(person: Person) -> Json:
    return {"id": person.id, "name": person.name, "aadObjectId": person.aad_id}


def _channel_data(place: Place) -> Json:
    data: Json = {"tenant": {"id": place.tenant_id}}
    if place.conversation_type == "channel":
        data.update(
            teamsChannelId=place.channel_id,
            teamsTeamId=place.team_id,
            channel={"id": place.channel_id},
            team={"id": place.team_id},
        )
    return data


def _conversation(place: Place, activity_id: str) -> Json:
    conversation_id = place.conversation_id
    if place.conversation_type == "channel" and ";messageid=" not in conversation_id:
        conversation_id = thread_conversation_id(conversation_id, activity_id)  # a new post roots its own thread
    conversation: Json = {"conversationType": place.conversation_type, "tenantId": place.tenant_id}
    if place.is_group:
        conversation["isGroup"] = True
    conversation["id"] = conversation_id
    return conversation


def envelope(
    kind: str,
    person: Person,
    place: Place,
    *,
    service_url: str,
    activity_id: str | None = None,
    bot_id: str = BOT_ID,
    locale: str = "nl-NL",
) -> Json:
    """The keys every activity from Teams carries; builders add ``text``, ``value``, ``name``…"""
    activity_id = activity_id or (new_message_id() if kind == "message" else f"f:{uuid.uuid4().int % 10**19}")
    return {
        "type": kind,
        "id": activity_id,
        "timestamp": _now(),
        "localTimestamp": _now(),
        "serviceUrl": service_url,
        "channelId": CHANNEL_ID,
        "from": _account(person),
        "conversation": _conversation(place, activity_id),
        "recipient": {"id": bot_id, "name": BOT_NAME},
        "entities": [
            {"locale": locale, "country": "NL", "platform": "Web", "timezone": "Europe/Amsterdam", "type": "clientInfo"}
        ],
        "channelData": _channel_data(place),
        "locale": locale,
        "localTimezone": "Europe/Amsterdam",
    }


def _html(text: str) -> Json:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return {"contentType": "text/html", "content": f"<p>{escaped}</p>"}


# -- messages ------------------------------------------------------------------------------------------------


def personal_message(person: Person, text: str, *, service_url: str, place: Place | None = None, **kw: Any) -> Json:
    """A message typed in the 1:1 chat with the bot (``textFormat`` plain, the HTML rendering attached).
    ``place`` defaults to :func:`personal` for the default bot and tenant."""
    activity = envelope("message", person, place or personal(person), service_url=service_url, **kw)
    activity.update(textFormat="plain", text=text, attachments=[_html(text)])
    return activity


def mention_message(
    person: Person,
    text: str,
    place: Place,
    *,
    service_url: str,
    bot_name: str = BOT_NAME,
    bot_id: str = BOT_ID,
    **kw: Any,
) -> Json:
    """``<at>Protocolwijzer</at> text`` in a channel or group chat, with the ``mention`` entity Teams adds.
    Bots only receive channel and group-chat messages that mention them (without RSC permissions)."""
    activity = envelope("message", person, place, service_url=service_url, bot_id=bot_id, **kw)
    tag = f"<at>{bot_name}</at>"
    activity.update(textFormat="plain", text=f"{tag} {text}")
    activity["entities"].insert(0, {"mentioned": {"id": bot_id, "name": bot_name}, "text": tag, "type": "mention"})
    html = f'<p><span itemtype="http://schema.skype.com/Mention" itemscope="" itemid="0">{bot_name}</span>&nbsp;'
    activity["attachments"] = [{"contentType": "text/html", "content": html + _html(text)["content"][3:]}]
    return activity


def channel_mention(
    person: Person, text: str, *, team_id: str, channel_id: str, service_url: str, root_id: str | None = None, **kw: Any
) -> Json:
    return mention_message(person, text, channel(team_id, channel_id, root_id), service_url=service_url, **kw)


def group_chat_mention(person: Person, text: str, *, chat_id: str, service_url: str, **kw: Any) -> Json:
    return mention_message(person, text, group_chat(chat_id), service_url=service_url, **kw)


# -- card actions --------------------------------------------------------------------------------------------


def card_action(
    person: Person,
    place: Place,
    *,
    verb: str,
    data: Any,
    reply_to_id: str,
    service_url: str,
    trigger: str = "manual",
    **kw: Any,
) -> Json:
    """The ``adaptiveCard/action`` invoke an ``Action.Execute`` press sends. Teams merges the card's input
    values into ``data``; the bot must answer the HTTP request itself (200 + card or message)."""
    activity = envelope("invoke", person, place, service_url=service_url, **kw)
    activity.update(
        name="adaptiveCard/action",
        replyToId=reply_to_id,
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": trigger},
    )
    return activity


def card_submit(person: Person, place: Place, *, data: Any, reply_to_id: str, service_url: str, **kw: Any) -> Json:
    """An ``Action.Submit`` press (older clients take the fallback): a ``message`` with ``value`` and no text."""
    activity = envelope("message", person, place, service_url=service_url, **kw)
    activity.update(replyToId=reply_to_id, value=data)
    return activity


def press(
    button: Json,
    person: Person,
    place: Place,
    *,
    reply_to_id: str,
    service_url: str,
    inputs: dict[str, str] | None = None,
    fallback: bool = False,
    **kw: Any,
) -> Json:
    """What Teams sends when ``person`` presses ``button`` (an action dict from a card, e.g. from
    :func:`tests.fakes.teams_connector.buttons`) on the card message ``reply_to_id``. ``inputs`` are the
    card's input values by input id (merged into the data, as Teams does); ``fallback`` presses the
    ``Action.Submit`` fallback instead, like a client without Universal Actions."""
    action = button.get("fallback") if fallback else button
    if not isinstance(action, dict):
        raise ValueError("this button has no Action.Submit fallback")
    data = action.get("data", {})
    merged = {**data, **(inputs or {})} if isinstance(data, dict) else data
    if action.get("type") == "Action.Execute":
        return card_action(
            person,
            place,
            verb=str(action.get("verb", "")),
            data=merged,
            reply_to_id=reply_to_id,
            service_url=service_url,
            **kw,
        )
    if action.get("type") == "Action.Submit":
        return card_submit(person, place, data=merged, reply_to_id=reply_to_id, service_url=service_url, **kw)
    raise ValueError(f"cannot press an action of type {action.get('type')!r}")


# -- files ---------------------------------------------------------------------------------------------------


def personal_file(
    person: Person,
    *,
    service_url: str,
    name: str = "screenshot.png",
    text: str = "",
    place: Place | None = None,
    **kw: Any,
) -> Json:
    """A file sent in the 1:1 chat: Teams uploads it to the sender's OneDrive first and sends download info
    (the ``downloadUrl`` is pre-authenticated; the bot must never fetch it)."""
    activity = envelope("message", person, place or personal(person), service_url=service_url, **kw)
    stem, _, ext = name.rpartition(".")
    activity.update(
        textFormat="plain",
        text=text,
        attachments=[
            {
                "contentType": FILE_DOWNLOAD_TYPE,
                "contentUrl": f"https://school-my.sharepoint.com/personal/x/Documents/Microsoft%20Teams-chatbestanden/{name}",
                "name": name,
                "content": {
                    "downloadUrl": f"https://school-my.sharepoint.com/personal/x/_layouts/15/download.aspx?UniqueId={uuid.uuid4()}",
                    "uniqueId": str(uuid.uuid4()).upper(),
                    "fileType": ext or stem,
                    "etag": "1",
                },
            }
        ],
    )
    if text:
        activity["attachments"].insert(0, _html(text))
    return activity


def channel_file(
    person: Person,
    place: Place,
    *,
    service_url: str,
    name: str = "screenshot.png",
    text: str = "",
    bot_name: str = BOT_NAME,
    **kw: Any,
) -> Json:
    """A file posted with a mention in a channel or group chat: a ``reference`` attachment to SharePoint."""
    activity = mention_message(person, text, place, service_url=service_url, bot_name=bot_name, **kw)
    activity["attachments"].append(
        {
            "contentType": "reference",
            "contentUrl": f"https://school.sharepoint.com/sites/Veiligheidsteam/Shared%20Documents/General/{name}",
            "name": name,
        }
    )
    return activity


# -- message action, installation -----------------------------------------------------------------------------


def message_action(
    person: Person,
    place: Place,
    *,
    service_url: str,
    html: str,
    author: Person | None = None,
    attachments: list[Json] | None = None,
    command_id: str = MESSAGE_ACTION_COMMAND,
    data: Json | None = None,
    **kw: Any,
) -> Json:
    """``composeExtension/submitAction`` from the "…" menu of a message: ``messagePayload`` is the message the
    action was started on (HTML body, its attachments, its author), ``data`` what the dialog submitted."""
    activity = envelope("invoke", person, place, service_url=service_url, **kw)
    if place.conversation_type == "channel":
        activity["channelData"]["source"] = {"name": "message"}
    writer = author or person
    message_id = new_message_id()
    payload: Json = {
        "id": message_id,
        "replyToId": None,
        "createdDateTime": _now(),
        "lastModifiedDateTime": None,
        "deleted": False,
        "subject": None,
        "summary": None,
        "importance": "normal",
        "locale": "en-us",
        "body": {"contentType": "html", "content": html},
        "from": {
            "device": None,
            "conversation": None,
            "application": None,
            "user": {"userIdentityType": "aadUser", "id": writer.aad_id, "displayName": writer.name},
        },
        "reactions": [],
        "mentions": [],
        "attachments": attachments or [],
    }
    if place.channel_id:
        payload["linkToMessage"] = f"https://teams.microsoft.com/l/message/{place.channel_id}/{message_id}"
    activity.update(
        name="composeExtension/submitAction",
        value={
            "commandId": command_id,
            "commandContext": "message",
            "requestId": uuid.uuid4().hex,
            "messagePayload": payload,
            "context": {"theme": "default"},
            "data": data or {},
        },
    )
    return activity


def installation_update(person: Person, place: Place, *, service_url: str, action: str = "add", **kw: Any) -> Json:
    """The app was installed (``add``) or removed (``remove``) in a personal chat, team or group chat."""
    activity = envelope("installationUpdate", person, place, service_url=service_url, **kw)
    activity["action"] = action
    if place.conversation_type == "channel":
        activity["channelData"]["settings"] = {"selectedChannel": {"id": place.channel_id}}
    return activity


def members_added(
    person: Person,
    place: Place,
    *,
    service_url: str,
    members: list[Json] | None = None,
    bot_id: str = BOT_ID,
    **kw: Any,
) -> Json:
    """``conversationUpdate`` with ``membersAdded`` (by default: the bot itself, as on installation)."""
    activity = envelope("conversationUpdate", person, place, service_url=service_url, bot_id=bot_id, **kw)
    activity["membersAdded"] = members if members is not None else [{"id": bot_id}]
    if place.conversation_type == "channel":
        activity["channelData"]["eventType"] = "teamMemberAdded"
        activity["conversation"]["id"] = place.channel_id
    return activity


# -- malformed input -----------------------------------------------------------------------------------------


def malformed(person: Person, *, service_url: str) -> dict[str, bytes]:
    """Bodies the endpoint must refuse or ignore without a 5xx or a traceback: by name, the raw bytes."""
    base = personal_message(person, "hallo", service_url=service_url)

    def without(*keys: str) -> bytes:
        return json.dumps({k: v for k, v in base.items() if k not in keys}).encode()

    invoke = card_action(
        person, personal(person), verb="pw", data={"pw": "p"}, reply_to_id="1", service_url=service_url
    )
    return {
        "not json": b"{this is not json",
        "json array": b"[1, 2, 3]",
        "json string": b'"message"',
        "empty object": b"{}",
        "no type": without("type"),
        "unknown type": json.dumps({**base, "type": "bogus"}).encode(),
        "no conversation": without("conversation"),
        "no from": without("from"),
        "no service url": without("serviceUrl"),
        "null text": json.dumps({**base, "text": None}).encode(),
        "text is a number": json.dumps({**base, "text": 42}).encode(),
        "invoke without name": json.dumps({k: v for k, v in invoke.items() if k != "name"}).encode(),
        "unknown invoke": json.dumps({**invoke, "name": "bogus/thing"}).encode(),
        "invoke without value": json.dumps({k: v for k, v in invoke.items() if k != "value"}).encode(),
        "invoke action is a string": json.dumps({**invoke, "value": {"action": "pw"}}).encode(),
        "invoke data is a list": json.dumps(
            {**invoke, "value": {"action": {"type": "Action.Execute", "verb": "pw", "data": [1]}}}
        ).encode(),
        "submit value is a string": json.dumps({**base, "text": "", "value": "x"}).encode(),
        "deep nesting": ("[" * 5000 + "]" * 5000).encode(),
        "invalid utf-8": b'{"type": "message", "text": "\xff\xfe"}',
    }
