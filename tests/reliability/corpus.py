"""Hostile requests for R5 (#12): what an attacker, a broken proxy or a confused client sends to
``/slack/events``. Every body carries :data:`MARKER`, so a scan of the log shows whether any
of it was written down.

A :class:`Raw` is sent as is (signed or not, with the headers given); ``expected`` is the
set of statuses that count as handled cleanly. The cases that need the running conversation
(typed texts, forged buttons and forms) are built in the test from the fake's state.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.adapters.slack.world import TEACHER
from tests.fakes import slack_payloads as p

MARKER = "MARKER-QX7"
TEN_MB = 10 * 1024 * 1024
REFUSED = frozenset({401})
MALFORMED = frozenset({400})
#: A signed body of a shape no listener takes: Bolt's "no listener" 404, or a clean 200/400.
UNHANDLED = frozenset({200, 400, 404})


@dataclass(frozen=True)
class Raw:
    name: str
    body: str | bytes
    content_type: str = p.JSON
    secret: str | None = "signed"
    """``"signed"``: with the app's secret; another string: with that (wrong) secret; None: unsigned."""
    timestamp: int | str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    expected: frozenset[int] = REFUSED
    method: str = "POST"
    path: str = "/slack/events"


def _dm(text: str) -> str:
    return p.json_body(p.event_callback(p.message_im(TEACHER, text)))


def nested(depth: int, inner: str = f'"{MARKER}"') -> str:
    return "[" * depth + inner + "]" * depth


def raw_cases() -> list[Raw]:
    """Requests refused (or ignored) before or by Bolt, whatever their content."""
    report = _dm(f"Sanne de Boer krijgt naaktfoto's {MARKER}")
    now = int(time.time())
    no_event = {"type": "event_callback", "team_id": "T0001", "api_app_id": "A0001", "event_id": "Ev0NOEVENT",
                "event_time": now, "note": MARKER}
    no_view = {"type": "view_submission", "user": {"id": TEACHER, "name": "leraar"}, "team": {"id": "T0001"},
               "api_app_id": "A0001", "token": p.TOKEN, "note": MARKER}
    user_a_string = {**_press(), "user": MARKER}
    deep_event = p.event_callback(p.message_im(TEACHER, f"diep {MARKER}"))
    deep_event["event"]["blocks"] = json.loads(nested(900))
    return [
        Raw("wrong secret", report, secret="another-secret"),
        Raw("timestamp 10 min old", report, timestamp=now - 600),
        Raw("timestamp 10 min ahead", report, timestamp=now + 600),
        Raw("timestamp not a number", report, timestamp="soon"),
        Raw("timestamp negative", report, timestamp="-1"),
        Raw("no signature header", report, secret=None, headers={"x-slack-request-timestamp": str(now)}),
        Raw("no headers at all", report, secret=None),
        Raw("signature v0= (empty)", report, secret=None,
            headers={"x-slack-request-timestamp": str(now), "x-slack-signature": "v0="}),
        Raw("10 MB body, unsigned", "x" * TEN_MB + MARKER, secret=None, expected=frozenset({413})),
        Raw("10 MB body, signed", '{"text": "' + "x" * TEN_MB + MARKER + '"}', expected=frozenset({413})),
        Raw("malformed JSON, unsigned", f'{{"text": "{MARKER}"', secret=None),
        Raw("malformed JSON, signed", f'{{"text": "{MARKER}"', expected=MALFORMED),
        Raw("JSON array, unsigned", f'["{MARKER}"]', secret=None),
        Raw("JSON array, signed", f'["{MARKER}"]', expected=MALFORMED),
        Raw("broken payload= form, unsigned", urlencode({"payload": f"{{{MARKER}"}), p.FORM, secret=None),
        Raw("broken payload= form, signed", urlencode({"payload": f"{{{MARKER}"}), p.FORM, expected=MALFORMED),
        Raw("payload= a JSON list, signed", urlencode({"payload": f'["{MARKER}"]'}), p.FORM, expected=MALFORMED),
        Raw("form with neither payload nor command, signed", urlencode({"text": MARKER}), p.FORM,
            expected=MALFORMED),
        Raw("JSON sent as a form, signed", report, p.FORM, expected=MALFORMED),
        Raw("bad UTF-8, unsigned", f'{{"text": "{MARKER} '.encode() + b'\xff\xfe\xc3"}', secret=None,
            expected=frozenset({400, 401})),
        Raw("bad UTF-8, signed", f'{{"text": "{MARKER} '.encode() + b'\xff\xfe\xc3"}', expected=MALFORMED),
        Raw("nested 100,000 deep, unsigned", nested(100_000), secret=None),
        Raw("nested 100,000 deep, signed", nested(100_000), expected=MALFORMED),
        Raw("payload= nested 20,000 deep, signed", urlencode({"payload": nested(20_000)}), p.FORM,
            expected=MALFORMED),
        Raw("nested 900 deep inside a signed DM", json.dumps(deep_event), expected=frozenset({200, 400})),
        Raw("signed block_actions whose user is a string", p.interactive_body(user_a_string), p.FORM,
            expected=UNHANDLED),
        Raw("signed event_callback without event", json.dumps(no_event), expected=UNHANDLED),
        Raw("signed view_submission without view", p.interactive_body(no_view), p.FORM, expected=UNHANDLED),
        Raw("signed JSON null", "null", expected=MALFORMED),
        Raw("signed url_verification (the challenge is echoed)", json.dumps(
            {"type": "url_verification", "token": p.TOKEN, "challenge": MARKER}), expected=frozenset({200})),
        Raw("signed ssl_check", urlencode({"ssl_check": "1", "token": p.TOKEN}), p.FORM, expected=frozenset({200})),
        Raw("Content-Encoding br (not supported), unsigned", f"{MARKER} x", secret=None,
            headers={"content-encoding": "br"}, expected=frozenset({400, 401, 415})),
        Raw("signed empty body", "", expected=MALFORMED),
        Raw("GET on the events path", "", secret=None, method="GET", expected=frozenset({405})),
        Raw("POST to an unknown path, signed", report, path="/slack/other", expected=frozenset({404, 405})),
    ]


def _press(**changes: object) -> dict[str, object]:
    payload = p.block_actions(TEACHER, action_id="pw.0", value=f"pw1:1:{MARKER}", block_id="a0", trigger_id="1.2.3",
                              channel="D" + TEACHER[1:], message_ts="1700000000.000001",
                              response_url="http://127.0.0.1:9/unused")
    payload.update(changes)
    return payload


def _submission(**changes: object) -> dict[str, object]:
    view: dict[str, object] = {"id": "V1", "type": "modal", "callback_id": "pw_form", "blocks": [],
                               "state": {"values": {}},
                               "private_metadata": json.dumps({"u": TEACHER, "s": "pw1:1:report"})}
    view.update(changes)
    return {"type": "view_submission", "user": {"id": TEACHER, "name": "leraar"}, "team": {"id": "T0001"},
            "api_app_id": "A0001", "token": p.TOKEN, "view": view}


def _event(**changes: object) -> str:
    envelope = p.event_callback(p.message_im(TEACHER, f"naaktfoto {MARKER}"))
    envelope.update(changes)
    return json.dumps(envelope)


@dataclass(frozen=True)
class Bug:
    """Requests that a product bug still answers with a 5xx or a traceback (#12): the R5 test
    of each is marked ``xfail(strict=True)`` until the bug is fixed."""

    id: str
    reason: str
    cases: tuple[Raw, ...]


KNOWN_BUGS = (  # found by the first run of R5, fixed since; kept as regression cases
    Bug("content-encoding", "an undecodable gzip/deflate body, signed or not, gives 500 before any check: "
        "request.read() raises RequestPayloadError, which _events does not catch", (
            Raw("gzip garbage, unsigned", f"{MARKER} not gzip", secret=None,
                headers={"content-encoding": "gzip"}, expected=frozenset({400, 401, 415})),
            Raw("deflate garbage, unsigned", f"{MARKER} not deflate", secret=None,
                headers={"content-encoding": "deflate"}, expected=frozenset({400, 401, 415})),
            Raw("gzip garbage, signed", f"{MARKER} not gzip", headers={"content-encoding": "gzip"},
                expected=frozenset({400, 401, 415})),
        )),
    Bug("signed-interactive-shapes", "a signed block_actions or view_submission of an impossible shape gives 500 "
        "(IndexError, TypeError or AttributeError in Bolt or in on_submit), most with a Traceback in the log", (
            Raw("block_actions with actions: []", p.interactive_body(_press(actions=[])), p.FORM, expected=UNHANDLED),
            Raw("block_actions whose actions is a string", p.interactive_body(_press(actions=MARKER)), p.FORM,
                expected=UNHANDLED),
            Raw("block_actions whose action is a string", p.interactive_body(_press(actions=[MARKER])), p.FORM,
                expected=UNHANDLED),
            Raw("block_actions whose action_id is a list", p.interactive_body(_press(actions=[
                {"type": "button", "action_id": [MARKER], "block_id": "a0", "value": "x"}])), p.FORM,
                expected=UNHANDLED),
            Raw("view_submission whose view is a string", p.interactive_body({**_submission(), "view": MARKER}),
                p.FORM, expected=UNHANDLED),
            Raw("view_submission whose view.state is a string", p.interactive_body(_submission(state=MARKER)),
                p.FORM, expected=UNHANDLED),
            Raw("view_submission whose view.state.values is a list", p.interactive_body(
                _submission(state={"values": [MARKER]})), p.FORM, expected=UNHANDLED),
            Raw("view_submission whose view.blocks is a string", p.interactive_body(_submission(blocks=MARKER)),
                p.FORM, expected=UNHANDLED),
        )),
    Bug("signed-event-shapes", "a signed event_callback whose event is not an object, or whose authorizations is "
        "a string, gives 500 (AttributeError in Bolt's authorization middleware), with a Traceback", (
            Raw("event_callback whose event is a string", _event(event=MARKER), expected=UNHANDLED),
            Raw("event_callback whose event is a list", _event(event=[MARKER]), expected=UNHANDLED),
            Raw("event_callback whose authorizations is a string", _event(authorizations=MARKER),
                expected=UNHANDLED),
        )),
    Bug("signed-listener-tracebacks", "signed payloads with a wrong-typed field reach a listener that fails: "
        "the status is < 500 but 'a Slack listener failed' is logged with a Traceback", (
            Raw("block_actions whose user is a list", p.interactive_body(_press(user=[MARKER])), p.FORM,
                expected=UNHANDLED),
            Raw("block_actions whose message is a string", p.interactive_body(_press(message=MARKER)), p.FORM,
                expected=UNHANDLED),
            Raw("message_action whose message is a string", p.interactive_body({
                "type": "message_action", "callback_id": "ask_protocolwijzer", "user": {"id": TEACHER},
                "message": MARKER, "channel": {"id": "C1"}, "trigger_id": "1.2.3"}), p.FORM, expected=UNHANDLED),
            Raw("app_home_opened whose user is an object", json.dumps(p.event_callback(
                {"type": "app_home_opened", "user": {"id": MARKER}, "tab": "home"})), expected=UNHANDLED),
            Raw("app_mention without a channel", json.dumps(p.event_callback(
                {"type": "app_mention", "user": TEACHER, "text": f"naaktfoto {MARKER}", "ts": "1.1"})),
                expected=UNHANDLED),
        )),
)
