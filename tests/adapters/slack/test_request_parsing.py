"""The body parsed once for Bolt (adapters/slack/request.py): yarl's decoding gives what the
standard library's would, and Bolt's listeners get the same ``body`` and context from our
request as from Bolt's own."""

from __future__ import annotations

import gc
import json
import string
import uuid
from collections.abc import Mapping
from urllib.parse import parse_qsl

from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.slack.app import checked_request
from adapters.slack.request import ParsedRequest, form_fields, parse_body
from tests.fakes import slack_payloads as p

SECRET = "request-parsing-secret"
RESPOND = "http://127.0.0.1:9/commands/T1/1/x"
#: What a form body is made of, escapes that decode to the separators and broken ones included.
PIECES = [*string.ascii_letters[:6], *"=&+%;#?/ é\x00\t", "%26", "%3D", "%2B", "%25", "%C3%A9", "%E9",
          "%zz", "%F0%9F%98%80", "%u00e9", "%2", "%"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=16).map("".join))
def test_form_fields_decode_as_the_standard_library_does(text: str) -> None:
    assert form_fields(text) == dict(parse_qsl(text, keep_blank_values=True))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_any_text_survives_the_round_trip_through_a_form(name: str, value: str) -> None:
    body = p.form_body({"a": name, "payload_not": value})
    assert form_fields(body) == {"a": name, "payload_not": value}


def _bodies() -> dict[str, tuple[str, str]]:
    label = {"type": "plain_text", "text": "Cyberpesten & één + 100%"}
    home = {"type": "home", "blocks": [{"type": "actions", "block_id": "h.1", "elements": [
        {"type": "button", "action_id": "open.1", "value": "cyberpesten", "text": label}]}]}
    press = p.block_actions("UTEACH01", container_type="view", view={**home, "id": "VH1"}, action_id="open.1",
                            value="cyberpesten", block_id="h.1", trigger_id="1.2.3")
    submit = p.view_submission("UTEACH01", callback_id="pw.form", private_metadata=json.dumps({"u": "UTEACH01"}),
                               values={"b": {"a": p.plain_value("Sanne & co = 3B")}})
    return {
        "a press on the Home tab": (p.interactive_body(press), p.FORM),
        "a form submitted": (p.interactive_body(submit), p.FORM),
        "a slash command": (p.form_body(p.slash_command("UTEACH01", "wat doe ik nu & hoe = snel?",
                                                        trigger_id="1.2.3", response_url=RESPOND)), p.FORM),
        "an event": (p.json_body(p.event_callback(p.message_im("UTEACH01", "hallo", channel="D1"))), p.JSON),
    }


def test_bolt_gets_the_body_and_context_it_would_have_parsed_itself() -> None:
    for name, (body, content_type) in _bodies().items():
        headers = CIMultiDict({**p.sign(body, SECRET), "Content-Type": content_type})
        ours, refusal = checked_request(body.encode(), headers, SECRET, query="a=1")
        assert refusal is None and isinstance(ours, ParsedRequest), name
        bolts = AsyncBoltRequest(body=body, query="a=1", headers=headers)  # type: ignore[arg-type]
        assert ours.raw_body == bolts.raw_body, name
        assert ours.body == bolts.body, name
        assert dict(ours.context) == dict(bolts.context), name
        assert ours.query == bolts.query and ours.headers == bolts.headers and ours.content_type == bolts.content_type


def test_a_slash_command_that_mentions_a_payload_is_still_a_command() -> None:
    """Bolt's own parse reads any form with the word "payload" in it as an interactive payload,
    and a command like this one became an empty body (and was refused)."""
    body = p.form_body(p.slash_command("UTEACH01", "payload", trigger_id="1.2.3", response_url=RESPOND))
    parsed, from_payload = parse_body(body, as_json=False)
    assert not from_payload and parsed["command"] == "/protocol" and parsed["text"] == "payload"
    headers = CIMultiDict({**p.sign(body, SECRET), "Content-Type": p.FORM})
    request, refusal = checked_request(body.encode(), headers, SECRET)
    assert refusal is None and request is not None and request.body["text"] == "payload"


def test_nothing_keeps_a_body_once_it_was_parsed() -> None:
    """A report form names a pupil: once the request is handled, no cache may hold its body
    (a ``yarl.URL`` would have: URLs live on in an LRU cache, their decoded query with them)."""
    marker = f"Pupil{uuid.uuid4().hex}"
    body = p.interactive_body({"type": "view_submission", "note": f"{marker} uit 3B"})
    assert marker in parse_body(body, as_json=False)[0]["note"]
    assert marker in form_fields(body)["payload"]
    del body
    gc.collect()
    holders = [type(o).__name__ for o in gc.get_objects() if _holds(o, marker)]
    assert holders == []


def _holds(container: object, marker: str) -> bool:
    """Whether ``container`` refers to a text with ``marker`` in it: through its items, its
    attributes (``__dict__`` or ``__slots__``) or, for a mapping such as a MultiDict, its values."""
    try:
        if isinstance(container, list | tuple):
            values: list[object] = list(container)
        elif isinstance(container, Mapping):
            values = list(container.values())
        else:
            values = list(getattr(container, "__dict__", {}).values())
            slots = (name for kind in type(container).__mro__ for name in getattr(kind, "__slots__", ()))
            values += [getattr(container, name, None) for name in slots if isinstance(name, str)]
        return any(isinstance(v, str) and marker in v for v in values)
    except Exception:  # attributes that refuse to be read, or a container that changed meanwhile
        return False


def test_ids_of_a_shape_bolt_cannot_read_are_refused_not_a_crash() -> None:
    """Bolt reads the team, user and channel ids from the body as it builds the request: a list
    where it expects an object is a 400, never an error inside the server."""
    for field in ("enterprise", "team", "user", "channel"):
        event = {**p.event_callback(p.message_im("UTEACH01", "hallo", channel="D1")), field: ["id"]}
        body = p.json_body(event)
        headers = CIMultiDict({**p.sign(body, SECRET), "Content-Type": p.JSON})
        request, refusal = checked_request(body.encode(), headers, SECRET)
        assert request is None and refusal is not None and refusal[0] == 400, field
