"""Requests refused before Bolt sees them (#12, items 1 and 2): a bad or stale signature, a
timestamp that is not a number, and signed bodies Slack would never send get a 4xx, one short log
line without the body, and never a 500."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import pytest

from tests.adapters.slack.world import SECRET, SlackWorld
from tests.fakes import slack_payloads as p

NAME = "Sanne de Boer"


async def test_unsigned_stale_and_malformed_requests_are_refused_without_a_trace(
    world: SlackWorld, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    report = p.json_body(p.event_callback(p.message_im("UTEACH01", f"{NAME} krijgt naaktfoto's", channel="D1")))
    cases = {
        "wrong secret": (report, p.JSON, "another-secret", None, 401),
        "ten minutes old": (report, p.JSON, SECRET, int(time.time()) - 600, 401),
        "from the future": (report, p.JSON, SECRET, int(time.time()) + 600, 401),
        "signed, not JSON": (f'{{"text": "{NAME}"', p.JSON, SECRET, None, 400),
        "signed, a JSON array": (f'["{NAME}"]', p.JSON, SECRET, None, 400),
        "signed, deep nesting": ("[" * 5000 + "]" * 5000, p.JSON, SECRET, None, 400),
        "signed, broken payload form": (urlencode({"payload": f"{{{NAME}"}), p.FORM, SECRET, None, 400),
        "signed, payload a list": (urlencode({"payload": "[1]"}), p.FORM, SECRET, None, 400),
        "signed, neither": (urlencode({"text": NAME}), p.FORM, SECRET, None, 400),
    }
    for name, (body, content_type, secret, timestamp, expected) in cases.items():
        status, _ = await world.post(body, content_type, secret=secret, timestamp=timestamp, settle=False)
        assert status == expected, name
    async with world.http.post(world.events_url, data=report.encode(), headers={
            "content-type": p.JSON, "x-slack-request-timestamp": "soon", "x-slack-signature": "v0=0"}) as response:
        assert response.status == 401, "a timestamp that is not a number"
    async with world.http.post(world.events_url, data=b'{"text": "\xff\xfe"}', headers={
            **p.sign('{"text": "\xff\xfe"}', SECRET), "content-type": p.JSON}) as response:
        assert response.status in (400, 401)
    assert NAME not in caplog.text and "Traceback" not in caplog.text
    refusals = [r for r in caplog.records if r.name == "protocolwijzer.refused"]
    assert 0 < len(refusals) <= 7, "one line per reason (per minute), not one per request"
    assert world.fake.calls_to("chat.postMessage") == [], "nothing was answered"


def test_a_timestamp_of_digits_that_are_not_ascii_is_refused_not_a_crash() -> None:
    from adapters.slack.app import check_request

    refused = check_request(b"{}", {"X-Slack-Request-Timestamp": "\u00b2"}, "secret")
    assert refused == (401, "missing or stale timestamp")


def test_a_mention_from_a_workflow_has_no_user_and_is_a_shape_slack_sends() -> None:
    from adapters.slack.shapes import event_problem

    mention = {"type": "app_mention", "bot_id": "B1", "channel": "C1", "ts": "1.1", "text": "<@UBOT> hoi"}
    assert event_problem({"type": "event_callback", "event": mention}) is None
