"""R1: Slack delivers every event four times (the first, then retries 1-3, as it does when it did
not see an acknowledgement in time), some of them at the same moment. One reply, one incident,
one DM each; on SQLite and PostgreSQL (the dedupe lives in the database every replica shares)."""

from __future__ import annotations

import asyncio

from tests.adapters.slack.world import TEACHER, TEAM_CHANNEL, text_of
from tests.fakes import slack_payloads as p
from tests.reliability.conftest import Serve
from tests.reliability.exactly import assert_exactly_once, outbox_state, settled
from tests.reliability.served import (
    ANSWERS,
    FORM,
    QUESTION,
    answer_triage,
    find,
    incident_numbers,
    press,
    quiet,
    submit,
)


async def four_times(served, event: dict, event_id: str, *, together: bool = False) -> list[int]:  # type: ignore[no-untyped-def]
    sends = [served.event(event, event_id=event_id, retry_num=n) for n in (None, 1, 2, 3)]
    if together:
        return list(await asyncio.gather(*sends))
    return [await send for send in sends]


async def test_r1_every_event_four_times_one_reply_one_incident_one_dm_each(serve: Serve, fake, database_url: str,
                                                                            ) -> None:  # type: ignore[no-untyped-def]
    served = await serve(database_url)
    dm = fake.dm_id(TEACHER)

    # The question, four times one after the other: one answer.
    statuses = await four_times(served, p.message_im(TEACHER, QUESTION, channel=dm), "Ev0R1QUESTION")
    await quiet(fake)
    assert statuses == [200] * 4
    assert len(fake.messages_in(dm)) == 1, [text_of(m)[:80] for m in fake.messages_in(dm)]

    # A mention in the team channel, four times at once: one answer in the thread.
    mention = p.app_mention(TEACHER, "<@UBOT> wat doe ik bij een roddelaccount?", channel=TEAM_CHANNEL)
    statuses = await four_times(served, mention, "Ev0R1MENTION", together=True)
    await quiet(fake)
    assert statuses == [200] * 4
    answers = [m for m in fake.messages_in(TEAM_CHANNEL) if m.get("user") == fake.bot_user_id]
    whispers = [e for e in fake.ephemerals if e.get("user") == TEACHER]
    assert len(answers) + len(whispers) == 1, (answers, whispers)

    # A file shared in the DM, four times at once: one warning, and the file is never fetched.
    shared = p.message_im(TEACHER, "", channel=dm, files=[p.file_object("F0R1FILE", "foto.jpg")])
    before = len(fake.messages_in(dm))
    assert await four_times(served, shared, "Ev0R1FILE", together=True) == [200] * 4
    await quiet(fake)
    assert len(fake.messages_in(dm)) == before + 1
    assert not fake.calls_to("files.info")

    # The report: triage, the form submitted twice at once (a double tap): one incident.
    await served.event(p.message_im(TEACHER, QUESTION, channel=dm), event_id="Ev0R1AGAIN")
    await quiet(fake)
    steps = await answer_triage(served, fake, TEACHER, ANSWERS)
    status, _ = await press(served, fake, TEACHER, find(steps, "Meld bij coördinator", dm))
    assert status == 200
    await fake.wait_until(lambda: bool(fake.opened_views), what="the report form")
    results = await asyncio.gather(submit(served, fake, TEACHER, FORM), submit(served, fake, TEACHER, FORM))
    assert [status for status, _ in results] == [200, 200]
    await settled(database_url, timeout=30)
    await quiet(fake)
    [number] = incident_numbers(fake)
    seen = assert_exactly_once(fake, number)
    state = await outbox_state(database_url)
    assert state.get("failed", 0) == 0 and state["unknown_outcome"] == 0, state
    print(f"\nR1 {database_url.split(':')[0]}: 4x question, 4x mention, 4x file, 2x submit -> {seen}; outbox {state}")
