"""From an HTTP request of the simulator page to who asks and the neutral core event.

The browser is untrusted even on localhost: every field is checked before it becomes a
core event, and a refusal is a :class:`BadRequest` with a short, clear message (the
middleware in ``app.py`` turns it into a 4xx JSON error, never a stack trace).

Who asks: the page picks a *persona*. A teacher is anonymous and known by the page's
random session id; the school roles (vertrouwenspersoon, zorgcoordinator, directie,
bestuur) are the demo school's ``web`` ids, so every browser that picks a role is that
role holder. A session may therefore not be spelled like a role holder's id: a teacher
must never act as, or read the messages of, a coordinator by choosing a session name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

from bot.directory import SchoolDirectory
from bot.events import ButtonPressed, Command, ConversationKey, Event, FormSubmitted, TextMessage, UserRef

PLATFORM = "web"
CHANNEL = "simulator"
MAX_BODY = 64 * 1024
MAX_TEXT = 2000
MAX_PAYLOAD = 500
MAX_FORM_FIELDS = 20
MAX_FORM_VALUE = 3000
MAX_CLOCK_MINUTES = 7 * 24 * 60
#: Matched with ``fullmatch``: a ``$`` would also accept a trailing newline.
SESSION_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
FIELD_NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MESSAGE_ID_PATTERN = re.compile(r"[1-9][0-9]{0,17}")
COMMANDS = frozenset({"resume", "menu", "restart", "lang", "start"})
EVENT_TYPES = ("text", "button", "command", "form")

TEACHER = "teacher"
#: The personas of the role switcher and how a teacher is shown to the incident's members.
PERSONAS = ("teacher", "vertrouwenspersoon", "zorgcoordinator", "directie", "bestuur")
TEACHER_NAME = "Leraar"


class BadRequest(Exception):
    """A request we refuse; ``status`` and ``message`` become the JSON error response."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Who:
    persona: str
    user: UserRef

    @property
    def key(self) -> ConversationKey:
        return ConversationKey(platform=PLATFORM, user_id=self.user.id, channel_id=CHANNEL)


async def read_json(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BadRequest(f"Request body is larger than {MAX_BODY // 1024} KiB.", 413)
    if request.content_type != "application/json":
        raise BadRequest("Content-Type must be application/json.", 415)
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise BadRequest(f"Request body is larger than {MAX_BODY // 1024} KiB.", 413) from exc
    except RequestPayloadError as exc:  # cut short, or not in the encoding it claims
        raise BadRequest("Request body could not be read.") from exc
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("Request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise BadRequest("Request body must be a JSON object.")
    return data


def string(data: dict[str, Any], name: str, *, limit: int, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if value is None:
        raise BadRequest(f"Field '{name}' is required.")
    if not isinstance(value, str):
        raise BadRequest(f"Field '{name}' must be a string.")
    if len(value) > limit:
        raise BadRequest(f"Field '{name}' must be at most {limit} characters.")
    return value


def who(data: dict[str, Any], directory: SchoolDirectory | None) -> Who:
    """The persona and session of a request (a JSON body or the query string)."""
    session = string(data, "session", limit=64)
    if not SESSION_PATTERN.fullmatch(session):
        raise BadRequest("Field 'session' must be 8 to 64 characters: letters, digits, '-' or '_'.")
    persona = string(data, "persona", limit=32, required=False) or TEACHER
    if persona not in PERSONAS:
        raise BadRequest(f"Field 'persona' must be one of: {', '.join(PERSONAS)}.")
    if persona == TEACHER:
        if session in _staff_ids(directory):
            raise BadRequest("Field 'session' must not be a school role's id.")
        return Who(persona, UserRef(PLATFORM, session, TEACHER_NAME))
    holders = directory.roles.get(persona) if directory else None
    return Who(persona, UserRef(PLATFORM, persona, holders.name if holders and holders.name else persona))


def _staff_ids(directory: SchoolDirectory | None) -> set[str]:
    ids = set(PERSONAS) - {TEACHER}
    for holders in directory.roles.values() if directory else ():
        ids.update(holders.web)
    return ids


def parse_event(data: dict[str, Any], asker: Who) -> Event:
    """Validate the event fields and build the neutral core event they describe."""
    key, user = asker.key, asker.user
    kind = data.get("type")
    if kind == "text":
        text = string(data, "text", limit=MAX_TEXT)
        if not text.strip():
            raise BadRequest("Field 'text' must not be empty.")
        return TextMessage(key, user, text)
    if kind == "button":
        return ButtonPressed(key, user, _payload(data))
    if kind == "form":
        return FormSubmitted(key, user, _payload(data), form_values(data))
    if kind == "command":
        name = string(data, "name", limit=32)
        if name not in COMMANDS:
            raise BadRequest(f"Field 'name' must be one of: {', '.join(sorted(COMMANDS))}.")
        return Command(key, user, name, string(data, "arg", limit=MAX_TEXT, required=False))
    raise BadRequest(f"Field 'type' must be one of: {', '.join(EVENT_TYPES)}.")


def _payload(data: dict[str, Any]) -> str:
    payload = string(data, "payload", limit=MAX_PAYLOAD)
    if not payload:
        raise BadRequest("Field 'payload' must not be empty.")
    return payload


def form_values(data: dict[str, Any]) -> dict[str, str]:
    """``values``: an object of at most 20 named strings, each at most 3000 characters."""
    values = data.get("values")
    if values is None:
        raise BadRequest("Field 'values' is required.")
    if not isinstance(values, dict):
        raise BadRequest("Field 'values' must be an object.")
    if len(values) > MAX_FORM_FIELDS:
        raise BadRequest(f"Field 'values' must have at most {MAX_FORM_FIELDS} entries.")
    for name, value in values.items():
        if not FIELD_NAME_PATTERN.fullmatch(name):
            raise BadRequest("Field 'values' may only have names of 1 to 64 letters, digits, '-' or '_'.")
        if not isinstance(value, str):
            raise BadRequest(f"Field 'values.{name}' must be a string.")
        if len(value) > MAX_FORM_VALUE:
            raise BadRequest(f"Field 'values.{name}' must be at most {MAX_FORM_VALUE} characters.")
    return dict(values)


def message_id(data: dict[str, Any]) -> int | None:
    """``message``: the stored message (a DM, a card) whose button was pressed, if any."""
    value = string(data, "message", limit=18, required=False)
    if not value:
        return None
    if not MESSAGE_ID_PATTERN.fullmatch(value):
        raise BadRequest("Field 'message' must be a message id (digits).")
    return int(value)


def clock_minutes(data: dict[str, Any]) -> int:
    minutes = data.get("minutes")
    if minutes is None:
        raise BadRequest("Field 'minutes' is required.")
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise BadRequest("Field 'minutes' must be a whole number.")
    if not 1 <= minutes <= MAX_CLOCK_MINUTES:
        raise BadRequest(f"Field 'minutes' must be between 1 and {MAX_CLOCK_MINUTES} (one week).")
    return minutes
