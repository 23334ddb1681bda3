"""R3: ``kill -9`` in the middle of a conversation, of a send and of an escalation, each time a
restart on the same database: the flow resumes, every message arrives exactly once, each
escalation step fires once. SQLite and PostgreSQL.

"In the middle of a send" is made exact with a slow fake: ``chat.postMessage`` takes 1.5 s, the
process is killed once such a call has arrived, and the fake still carries it out (as Slack
would): the outcome is unknown to the restarted process, which must find the post instead of
posting it again.
"""

from __future__ import annotations

import asyncio

from tests.adapters.slack.world import BOARD, TEACHER, text_of
from tests.fakes import slack_payloads as p
from tests.reliability.conftest import Serve
from tests.reliability.exactly import (
    arrived,
    assert_exactly_once,
    escalation_due,
    escalation_levels,
    outbox_state,
    settled,
    submitted_with_a_post_in_flight,
)
from tests.reliability.served import (
    ANSWERS,
    FORM,
    QUESTION,
    answer_triage,
    find,
    incident_numbers,
    press,
    quiet,
)

SLOW = 1.5
#: A killed process's claims run out after the outbox lease (30 s); then the restart takes over.
TAKE_OVER = 90.0


async def test_r3_killed_mid_conversation_mid_send_and_mid_escalation(serve: Serve, fake, database_url: str,
                                                                      ) -> None:  # type: ignore[no-untyped-def]
    served = await serve(database_url)
    dm = fake.dm_id(TEACHER)
    figures: dict[str, float] = {}

    # 1. Mid-conversation: killed right after acknowledging an answer, before (or while) answering.
    await served.event(p.message_im(TEACHER, QUESTION, channel=dm))
    await quiet(fake)
    first = fake.messages_in(dm)[-1]
    option = next(e for b in first.get("blocks", []) if b.get("type") == "actions" for e in b["elements"]
                  if ":ans:" in e.get("value", ""))
    status, _ = await press(served, fake, TEACHER, find(first, option["text"]["text"], dm))
    assert status == 200
    await served.kill()
    served = await served.restart()
    # The teacher goes on where the chat shows them to be: the bot answers, the triage ends.
    steps = await answer_triage(served, fake, TEACHER, ANSWERS)
    assert any("Meld bij coördinator" in text_of(m) for m in [steps]), text_of(steps)[:300]

    # 2. Mid-send: the report's messages are going out slowly; killed while one is in flight.
    status, _ = await press(served, fake, TEACHER, find(steps, "Meld bij coördinator", dm))
    assert status == 200
    await fake.wait_until(lambda: bool(fake.opened_views), what="the report form")
    await submitted_with_a_post_in_flight(served, fake, FORM, slow=SLOW)
    await served.kill()
    await asyncio.sleep(SLOW + 0.5)  # the fake carries the post out: the killed process never heard
    fake.latency_for.clear()
    served = await served.restart()
    figures["mid-send take-over s"] = await settled(database_url, timeout=TAKE_OVER)
    await quiet(fake)
    [number] = incident_numbers(fake)
    assert_exactly_once(fake, number)
    assert fake.calls_to("conversations.history"), "the post in flight was looked up, not posted again"
    assert "posted by an earlier attempt; not posted again" in served.log_text()

    # 3. Mid-escalation: nobody took it; the window passes; killed while the board's ping is in flight.
    fake.latency_for["chat.postMessage"] = SLOW
    mark = len(fake.arrived)
    assert await escalation_due(database_url) >= 1
    await arrived(fake, "chat.postMessage", lambda args: args.get("channel") == BOARD, after=mark)
    await served.kill()
    await asyncio.sleep(SLOW + 0.5)
    fake.latency_for.clear()
    served = await served.restart()
    figures["mid-escalation take-over s"] = await settled(database_url, timeout=TAKE_OVER)
    await quiet(fake)
    seen = assert_exactly_once(fake, number, board=1)
    levels = await escalation_levels(database_url)
    assert [level for level, status in levels if status != "pending"] == sorted(
        {level for level, status in levels if status != "pending"}), f"a level fired twice: {levels}"
    state = await outbox_state(database_url)
    assert state.get("failed", 0) == 0 and state["unknown_outcome"] == 0, state
    assert "Traceback" not in served.log_text()
    print(f"\nR3 {database_url.split(':')[0]}: 3 kills -> {seen}; escalations {levels}; {figures}; outbox {state}")
