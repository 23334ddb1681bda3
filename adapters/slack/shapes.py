"""The shapes of the requests Slack sends, checked before Bolt sees them.

Why: Bolt and our listeners read fields as Slack documents them (``body["actions"][0]``,
``view["state"]["values"]``, ``event["user"]`` a string). A signed request of another
shape can only come from someone who holds the signing secret, or from a Slack change;
either way it must get a clean 400, not a 500 with a traceback from deep inside Bolt.
Only the fields something reads are checked, and only their kind: a field Slack adds
later passes.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

#: Event fields read as text wherever they occur.
EVENT_TEXT = ("type", "user", "channel", "text", "ts", "thread_ts", "subtype", "channel_type", "tab", "bot_id",
              "event_ts")
#: Per event type, the text fields it must have.
EVENT_REQUIRED = {"message": ("channel",), "app_mention": ("channel", "ts"), "app_home_opened": ("user",)}
# (an app_mention from a workflow or another bot has ``bot_id`` and no ``user``: the listener skips it)
#: Interactive payloads that name who acted.
WITH_USER = frozenset({"block_actions", "view_submission", "view_closed", "shortcut", "message_action"})


def event_problem(body: Json) -> str | None:
    """What is wrong with an Events API body (None: nothing we read is of the wrong kind)."""
    kind = body.get("type")
    if not isinstance(kind, str):
        return "no type"
    if kind == "url_verification":
        return None if isinstance(body.get("challenge"), str) else "a challenge that is not text"
    for name in ("team_id", "api_app_id", "event_id"):
        if name in body and not isinstance(body[name], str):
            return f"{name} that is not text"
    authorizations = body.get("authorizations", [])
    if not isinstance(authorizations, list) or not all(isinstance(a, dict) for a in authorizations):
        return "authorizations that are not a list of objects"
    if kind != "event_callback":
        return None
    event = body.get("event")
    if not isinstance(event, dict):
        return "an event that is not an object"
    for name in EVENT_TEXT:
        if name in event and not isinstance(event[name], str):
            return f"event.{name} that is not text"
    for name in EVENT_REQUIRED.get(str(event.get("type")), ()):
        if not event.get(name):
            return f"an event without {name}"
    if "files" in event and not _objects(event["files"]):
        return "event.files that are not a list of objects"
    for name in ("message", "previous_message", "view"):
        if name in event and not isinstance(event[name], dict):
            return f"event.{name} that is not an object"
    return None


def payload_problem(payload: Json) -> str | None:
    """What is wrong with an interactive ``payload=`` (buttons, modals, shortcuts)."""
    kind = payload.get("type")
    if not isinstance(kind, str):
        return "a payload without a type"
    if kind in WITH_USER and not (isinstance(payload.get("user"), dict) and isinstance(payload["user"].get("id"), str)):
        return "a payload without a user"
    for name in ("team", "channel", "container", "message", "view", "enterprise"):
        if payload.get(name) is not None and not isinstance(payload[name], dict):
            return f"{name} that is not an object"
    for name in ("response_url", "trigger_id", "callback_id", "action_ts"):
        if name in payload and not isinstance(payload[name], str):
            return f"{name} that is not text"
    if kind == "block_actions":
        return _actions_problem(payload.get("actions"))
    if kind in ("view_submission", "view_closed"):
        return _view_problem(payload.get("view"))
    if kind == "message_action" and not isinstance(payload.get("message"), dict):
        return "a message action without a message"
    return None


def _actions_problem(actions: Any) -> str | None:
    if not isinstance(actions, list) or not actions or not _objects(actions):
        return "actions that are not a non-empty list of objects"
    for action in actions:
        for name in ("action_id", "block_id", "value", "type"):
            if name in action and not isinstance(action[name], str):
                return f"action.{name} that is not text"
        if not isinstance(action.get("action_id"), str):
            return "an action without an action_id"
        selected = action.get("selected_option")
        if selected is not None and not isinstance(selected, dict):
            return "a selected option that is not an object"
    return None


def _view_problem(view: Any) -> str | None:
    if not isinstance(view, dict):
        return "a view that is not an object"
    for name in ("id", "callback_id", "private_metadata", "hash", "type"):
        if name in view and not isinstance(view[name], str):
            return f"view.{name} that is not text"
    if "blocks" in view and not _objects(view["blocks"]):
        return "view.blocks that are not a list of objects"
    state = view.get("state", {})
    if not isinstance(state, dict):
        return "a view state that is not an object"
    values = state.get("values", {})
    if not isinstance(values, dict) or not all(
            isinstance(block, dict) and all(isinstance(v, dict) for v in block.values()) for block in values.values()):
        return "view state values that are not objects of objects"
    return None


def _objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)
