"""Exactly once on Slack: the outbox is the one retry loop, and a post whose outcome was
unknown is looked up (by the outbox key in its message metadata) before it is sent again."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from adapters.slack.blocks import render_one
from adapters.slack.platform import SlackPlatform
from adapters.slack.sent import SlackSentRow
from bot.events import UserRef
from bot.messages import Reply, Section
from bot.notify.outbox import PENDING, SENT, OutboxRow
from bot.ports import ChannelRef, RetryLater, Unreachable
from bot.store.db import session_factory
from tests.adapters.slack.test_reliability import reported
from tests.adapters.slack.world import BOARD, DIRECTIE, TEACHER, VP, SlackWorld, text_of

REPLY = Reply("Incident 2026-0001", (Section("Incident 2026-0001"),))


def platform_of(world: SlackWorld) -> SlackPlatform:
    return world.service.platform


async def test_a_post_slack_carried_out_before_failing_is_found_not_posted_again(world: SlackWorld) -> None:
    platform = platform_of(world)
    world.fake.fail_next("chat.postMessage", status=500, after=True)
    with pytest.raises(Exception, match="internal_error"):
        await platform.dm(UserRef("slack", VP), REPLY, key="2026-0001:escalation:1:" + VP)
    assert len(world.fake.calls_to("chat.postMessage")) == 1, "the client itself does not repeat a 500"
    ref = await platform.dm(UserRef("slack", VP), REPLY, key="2026-0001:escalation:1:" + VP)
    assert len(world.fake.messages_in(VP)) == 1
    assert ref.id == world.fake.messages_in(VP)[0]["ts"]
    [history] = world.fake.calls_to("conversations.history")
    assert history.args["include_all_metadata"] in (True, "true", "1", 1)
    # Found once, remembered: a third attempt asks Slack nothing.
    calls = len(world.fake.calls)
    assert await platform.dm(UserRef("slack", VP), REPLY, key="2026-0001:escalation:1:" + VP) == ref
    assert len(world.fake.calls) == calls


async def test_a_post_that_did_not_land_is_posted_after_looking(world: SlackWorld) -> None:
    platform = platform_of(world)
    world.fake.fail_next("chat.postMessage", status=500)  # refused before posting
    with pytest.raises(Exception, match="internal_error"):
        await platform.dm(UserRef("slack", VP), REPLY, key="k-refused")
    await platform.dm(UserRef("slack", VP), REPLY, key="k-refused")
    assert len(world.fake.messages_in(VP)) == 1
    assert len(world.fake.calls_to("conversations.history")) == 1
    [message] = world.fake.messages_in(VP)
    assert message["metadata"] == {"event_type": "protocolwijzer_outbox", "event_payload": {"key": "k-refused"}}


async def test_the_outbox_waits_out_no_rate_limit_in_the_call_an_answer_a_short_one(world: SlackWorld) -> None:
    """The outbox comes back after Retry-After instead of holding its round (and the lease) in a
    call; an answer to a teacher waits out a short one (nothing else would send it)."""
    platform = platform_of(world)
    world.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    with pytest.raises(RetryLater) as raised:
        await platform.dm(UserRef("slack", VP), REPLY, key="outbox")
    assert raised.value.seconds == 1 and len(world.fake.calls_to("chat.postMessage")) == 1
    async with session_factory(world.core.db)() as session:
        assert await session.get(SlackSentRow, "outbox") is None, "certainly not posted: no lookup next time"
    await platform.dm(UserRef("slack", VP), REPLY, key="outbox")
    assert not world.fake.calls_to("conversations.history")
    world.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    await platform.send(VP, [render_one(REPLY)])  # how answers are sent
    assert len(world.fake.messages_in(VP)) == 2 and len(world.fake.calls_to("chat.postMessage")) == 4


async def test_someone_slack_does_not_know_is_unreachable(world: SlackWorld) -> None:
    with pytest.raises(Unreachable):
        await platform_of(world).dm(UserRef("slack", "UGONE0001"), REPLY, key="gone")


async def test_an_outage_after_the_report_delays_every_message_and_doubles_none(world: SlackWorld) -> None:
    """Slack carries every call out and answers 500 (the worst case for doubling): nothing is
    posted twice, and when Slack answers again everyone has exactly one message."""
    number = await reported(world)
    world.fake.fail_for(3600, status=500, after=True, methods=["chat.postMessage"])
    await world.work()
    await world.later(minutes=1)
    world.fake.outages.clear()
    await world.later(minutes=1)
    await world.later(minutes=1)
    async with session_factory(world.core.db)() as session:
        rows = (await session.execute(select(OutboxRow.key, OutboxRow.status))).all()
        unresolved = (await session.execute(select(SlackSentRow.key).where(SlackSentRow.ts == ""))).all()
    assert {status for _, status in rows} <= {SENT}, rows
    assert not unresolved
    confirmations = [m for m in world.fake.messages_in(TEACHER) if re.search(rf"Incident {number} is gemeld",
                                                                             text_of(m))]
    assert len(confirmations) == 1
    for person in (VP, DIRECTIE):
        assert len([m for m in world.fake.messages_in(person) if number in text_of(m)]) <= 1
    assert len([m for m in world.fake.messages_in(VP) if number in text_of(m)]) == 1
    channel = world.fake.channel_by_name(f"incident-{number}")
    assert channel is not None and len(world.fake.messages_in(channel.id)) == 1, "one incident card"
    assert not world.fake.messages_in(BOARD)
    assert PENDING not in {status for _, status in rows}


async def test_where_the_history_cannot_be_read_the_post_is_repeated_rather_than_lost(world: SlackWorld) -> None:
    """A public team channel the bot posts in without joining: no lookup possible, so a post whose
    outcome was unknown is posted again (a doubled briefing is the lesser harm than a lost one)."""
    world.fake.chat_write_public = True
    world.fake.add_channel("CPUBLIC01", "leraren", bot_is_member=False)
    platform = platform_of(world)
    world.fake.fail_next("chat.postMessage", status=500, after=True)
    with pytest.raises(Exception, match="internal_error"):
        await platform.post(ChannelRef("slack", "CPUBLIC01"), REPLY, key="2026-0001:briefing")
    await platform.post(ChannelRef("slack", "CPUBLIC01"), REPLY, key="2026-0001:briefing")
    assert len(world.fake.messages_in("CPUBLIC01")) == 2
    assert world.fake.calls_to("conversations.history")


async def test_when_nobody_pinged_can_be_reached_on_slack_the_next_role_is_pinged_at_once(world: SlackWorld) -> None:
    """Both first-level coordinators left the workspace (Slack: user_not_found): the board hears
    now, not after the window, and the given-up messages show in the outbox's counts."""
    del world.fake.users[VP], world.fake.users[DIRECTIE]
    number = await reported(world)
    await world.work()
    await world.work()
    assert [m for m in world.fake.messages_in(BOARD) if number in text_of(m)], "the next role, at once"
    async with session_factory(world.core.db)() as session:
        rows = dict((await session.execute(select(OutboxRow.key, OutboxRow.last_error))).all())
    for gone in (VP, DIRECTIE):
        assert any(k.startswith(f"{number}:escalation:") and k.endswith(gone) and v == "Unreachable"
                   for k, v in rows.items()), rows


async def test_the_lookup_window_holds_in_any_time_zone(world: SlackWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite hands the first attempt's time back without a zone: read as UTC, not as local time
    (west of UTC the window would start after the post, and it would be posted twice)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        platform = platform_of(world)
        world.fake.fail_next("chat.postMessage", status=500, after=True)
        with pytest.raises(Exception, match="internal_error"):
            await platform.dm(UserRef("slack", VP), REPLY, key="tz")
        world.fake.fail_next("conversations.history", status=503)  # a read: the client repeats it
        await platform.dm(UserRef("slack", VP), REPLY, key="tz")
        assert len(world.fake.messages_in(VP)) == 1
        assert len(world.fake.calls_to("conversations.history")) == 2
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
