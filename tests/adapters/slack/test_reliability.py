"""What goes wrong on a real network: forged and stale requests, Slack's retries, rate
limits and outages, buttons from someone else, expired triggers, a fresh channel that is
not ready, a channel name that is taken."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import select

from adapters.slack.platform import SlackPlatform
from bot.events import UserRef
from bot.notify.outbox import PENDING, SENT, OutboxRow
from bot.store.db import session_factory
from tests.adapters.slack.test_journey import REPORT, answer_triage
from tests.adapters.slack.world import DIRECTIE, TEACHER, VP, SlackWorld, find, text_of
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import FakeSlack

QUESTION = "er gaat een naaktfoto rond van een leerling"


async def reported(world: SlackWorld) -> str:
    await world.dm(TEACHER, QUESTION)
    steps = await answer_triage(world, TEACHER)
    await world.press(TEACHER, find(steps, "Meld bij coördinator", world.fake.dm_id(TEACHER)))
    await world.submit(TEACHER, REPORT)
    return "2026-0001"


# -- signatures --------------------------------------------------------------------------
async def test_a_bad_signature_or_a_stale_timestamp_gets_401_and_changes_nothing(world: SlackWorld) -> None:
    body = p.json_body(p.event_callback(p.message_im(TEACHER, QUESTION, channel=world.fake.dm_id(TEACHER))))
    status, _ = await world.post(body, p.JSON, secret="not-the-secret")
    assert status == 401
    status, _ = await world.post(body, p.JSON, timestamp=int(time.time()) - 600)
    assert status == 401
    assert not world.fake.calls, "nothing reached Slack, not even auth.test"
    status, _ = await world.post(body, p.JSON)
    assert status == 200 and world.fake.messages_in(TEACHER)


async def test_the_token_is_checked_once_lazily(world: SlackWorld) -> None:
    await world.dm(TEACHER, "hallo")
    await world.dm(TEACHER, QUESTION)
    assert world.fake.auth_test_count == 1


# -- retries -----------------------------------------------------------------------------
async def test_a_retried_event_is_answered_once(world: SlackWorld) -> None:
    event = p.message_im(TEACHER, QUESTION, channel=world.fake.dm_id(TEACHER))
    for retry in (None, 1, 2, 3):
        status, _ = await world.event(event, event_id="Ev0RETRY01", retry_num=retry)
        assert status == 200
    assert len(world.fake.messages_in(TEACHER)) == 1


async def test_a_rate_limit_is_waited_out_and_the_message_sent_once(world: SlackWorld) -> None:
    world.fake.fail_next("chat.postMessage", status=429, retry_after=0)
    await world.dm(TEACHER, QUESTION)
    assert len(world.fake.calls_to("chat.postMessage")) == 2
    assert len(world.fake.messages_in(TEACHER)) == 1


async def test_what_still_fails_stays_in_the_outbox_until_slack_is_back(world: SlackWorld) -> None:
    await reported(world)
    world.fake.fail_next("conversations.create", status=503, times=10)
    world.fake.fail_next("chat.postMessage", status=500, times=10)
    await world.work()
    assert world.fake.channel_by_name("incident-2026-0001") is None
    async with session_factory(world.core.db)() as session:
        statuses = set((await session.execute(select(OutboxRow.status))).scalars())
    assert statuses == {PENDING}, "nothing is lost and nothing is given up"
    world.fake._failures.clear()
    await world.later(minutes=2)
    await world.later(minutes=2)
    assert world.fake.channel_by_name("incident-2026-0001") is not None
    async with session_factory(world.core.db)() as session:
        statuses = set((await session.execute(select(OutboxRow.status))).scalars())
    assert PENDING not in statuses and SENT in statuses
    vp_dms = [m for m in world.fake.messages_in(VP) if "2026-0001" in text_of(m)]
    assert len(vp_dms) == 1, "delivered once, not once per attempt"


# -- someone else's buttons and forms ----------------------------------------------------------
async def test_a_button_from_someone_elses_conversation_is_refused(world: SlackWorld) -> None:
    answer = await world.dm(TEACHER, QUESTION)
    button = next(e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
    block_id = next(b["block_id"] for b in answer["blocks"] if b["type"] == "actions")
    assert TEACHER in block_id
    payload = p.block_actions(VP, action_id=button["action_id"], value=button["value"], block_id=block_id,
                              trigger_id="t", channel=world.fake.dm_id(TEACHER), message_ts=answer["ts"],
                              response_url=world.fake.response_url("x1"), message_blocks=answer["blocks"])
    await world.post(p.interactive_body(payload), p.FORM)
    assert not world.fake.calls_to("chat.update"), "the teacher's message is untouched"
    assert not world.fake.messages_in(VP)
    [refusal] = world.fake.responses["x1"]
    assert "iemand anders" in refusal["text"]


async def test_a_forged_button_value_is_refused_politely(world: SlackWorld) -> None:
    answer = await world.dm(TEACHER, QUESTION)
    block_id = next(b["block_id"] for b in answer["blocks"] if b["type"] == "actions")
    for value in ("pw1:999:ans:x=y", "inc:2026-0042:close", "<!channel>"):
        payload = p.block_actions(TEACHER, action_id="pw.0", value=value, block_id=block_id, trigger_id="t",
                                  channel=world.fake.dm_id(TEACHER), message_ts=answer["ts"],
                                  response_url=world.fake.response_url("x2"), message_blocks=answer["blocks"])
        status, _ = await world.post(p.interactive_body(payload), p.FORM)
        assert status == 200
    shown = [post["text"] for post in world.fake.responses["x2"]]
    assert len(shown) == 3 and all("knop" in text for text in shown)
    assert "<!channel>" not in json.dumps(world.fake.responses["x2"])
    assert world.fake.messages_in(TEACHER)[0]["ts"] == answer["ts"] and not world.fake.calls_to("chat.update")


async def test_an_incident_button_pressed_by_someone_without_a_role_is_refused(world: SlackWorld) -> None:
    await reported(world)
    await world.work()
    vp_dm = world.latest(VP)
    take = find(vp_dm, "Ik pak dit op", world.fake.dm_id(VP))
    # The teacher gets hold of the button (say a forwarded payload): refused, nothing taken.
    payload = p.block_actions(TEACHER, action_id=take.element["action_id"], value=take.element["value"],
                              block_id=take.block_id, trigger_id="t", channel=world.fake.dm_id(TEACHER),
                              message_ts="1700000500.000100", response_url=world.fake.response_url("x3"))
    await world.post(p.interactive_body(payload), p.FORM)
    [refusal] = world.fake.responses["x3"]
    assert refusal["response_type"] == "ephemeral" and "niet" in refusal["text"]
    await world.press(VP, take)
    assert "Ik pak dit op" not in text_of(next(m for m in world.fake.messages_in(VP) if m["ts"] == vp_dm["ts"]))


async def test_a_form_submitted_by_someone_else_is_refused(world: SlackWorld) -> None:
    await world.dm(TEACHER, QUESTION)
    steps = await answer_triage(world, TEACHER)
    await world.press(TEACHER, find(steps, "Meld bij coördinator", world.fake.dm_id(TEACHER)))
    status, body = await world.submit(DIRECTIE, REPORT)
    assert status == 200 and "errors" in body
    await world.work()
    assert world.fake.channel_by_name("incident-2026-0001") is None


# -- modals ----------------------------------------------------------------------------------
async def test_an_expired_trigger_offers_a_button_that_opens_the_form(world: SlackWorld) -> None:
    await world.dm(TEACHER, QUESTION)
    steps = await answer_triage(world, TEACHER)
    await world.press(TEACHER, find(steps, "Meld bij coördinator", world.fake.dm_id(TEACHER)), trigger_ttl=0)
    assert not world.fake.opened_views
    offer = world.latest(TEACHER)
    await world.press(TEACHER, find(offer, "Formulier openen", world.fake.dm_id(TEACHER)))
    [opened] = world.fake.opened_views
    assert opened.view["callback_id"] == "pw_form"
    await world.submit(TEACHER, REPORT)
    await world.work()  # the confirmation comes through the outbox
    assert "Incident 2026-0001 is gemeld" in text_of(world.latest(TEACHER))


async def test_closing_the_form_brings_the_report_button_back(world: SlackWorld) -> None:
    await world.dm(TEACHER, QUESTION)
    steps = await answer_triage(world, TEACHER)
    await world.press(TEACHER, find(steps, "Meld bij coördinator", world.fake.dm_id(TEACHER)))
    await world.close_view(TEACHER)
    again = world.latest(TEACHER)
    await world.press(TEACHER, find(again, "Meld bij coördinator", world.fake.dm_id(TEACHER)))
    assert len(world.fake.opened_views) == 2
    status, body = await world.submit(TEACHER, REPORT)
    assert status == 200 and "errors" not in body
    await world.work()
    assert "Incident 2026-0001 is gemeld" in text_of(world.latest(TEACHER))


async def edit_briefing(world: SlackWorld) -> str:
    """Reported and taken by the vertrouwenspersoon, who opens the briefing editor from
    the card (preview for them alone, then the modal); returns the incident channel."""
    await reported(world)
    await world.work()
    await world.press(VP, find(world.latest(VP), "Ik pak dit op", world.fake.dm_id(VP)))
    await world.work()
    channel = world.fake.channel_by_name("incident-2026-0001")
    assert channel is not None
    response = await world.press(VP, find(world.fake.messages_in(channel.id)[0], "briefing", channel.id))
    preview = dict(world.fake.responses[response][0], _ephemeral=True, ts="1700000600.000100")
    await world.press(VP, find(preview, "Aanpassen", channel.id))
    return channel.id


async def test_a_briefing_edit_with_a_name_keeps_the_modal_open_with_the_reason(world: SlackWorld) -> None:
    await edit_briefing(world)
    view = world.fake.opened_views[-1].view
    status, body = await world.submit(VP, {"text": "Leerling K. van WhatsApp-groep"}, view=view)
    assert status == 200
    assert json.loads(body)["response_action"] == "errors"


# -- channels --------------------------------------------------------------------------------
async def test_invites_go_in_chunks_and_wait_for_a_fresh_channel() -> None:
    async with FakeSlack() as fake:
        users = [f"UMANY{i:04d}" for i in range(45)]
        for user in users:
            fake.add_user(user, user.lower())
        fake.not_found_after_create = 2
        from adapters.slack.config import make_client

        platform = SlackPlatform(make_client("xoxb-test", fake.url, timeout=5), pauses=(0.01, 0.01, 0.01, 0.01))
        space = await platform.open_space(name="incident-2026-0007", members=[UserRef("slack", u) for u in users])
        await platform.invite(space, [UserRef("slack", u) for u in users])
        assert fake.members(space.id) >= set(users)
        assert fake.max_invite_chunk <= 30
        # Repeated (the outbox after a crash): the same channel, no second one, no error.
        again = await platform.open_space(name="incident-2026-0007", members=[UserRef("slack", users[0])])
        assert again.id == space.id
        assert [c.name for c in fake.channels.values() if c.name.startswith("incident-")] == ["incident-2026-0007"]


async def test_a_name_taken_by_a_channel_the_bot_is_not_in_gets_a_suffix(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        fake.add_user("UOTHER01", "iemand")
        fake.add_channel("CTAKEN001", "incident-2026-0008", is_private=True, members={"UOTHER01"},
                         bot_is_member=False)
        from adapters.slack.config import make_client

        platform = SlackPlatform(make_client("xoxb-test", fake.url, timeout=5))
        space = await platform.open_space(name="incident-2026-0008", members=[])
        assert fake.channels[space.id].name == "incident-2026-0008-2"


async def test_a_mention_typed_into_the_briefing_reaches_the_team_as_text(world: SlackWorld) -> None:
    channel = await edit_briefing(world)
    typed = "<!channel> Let op <@UZORG001>: er speelt iets online. Meld signalen bij de vertrouwenspersoon."
    status, body = await world.submit(VP, {"text": typed}, view=world.fake.opened_views[-1].view)
    assert status == 200 and "errors" not in body, body
    previews = [post for posts in world.fake.responses.values() for post in posts if "Versturen" in text_of(post)]
    edited = dict(previews[-1], _ephemeral=True, ts="1700000700.000200")
    assert "Let op" in text_of(edited), "the preview shows the edited text"
    await world.press(VP, find(edited, "Versturen", channel))
    await world.work()
    [briefing] = world.fake.messages_in("CTEAM0001")
    shown = text_of(briefing)
    assert "&lt;!channel&gt;" in shown and "&lt;@UZORG001&gt;" in shown
    assert "<!channel>" not in shown and "<@UZORG001>" not in shown
