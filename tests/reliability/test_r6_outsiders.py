"""R6 (#12): people who must not act on an incident press its buttons, on a real ``serve``.

A teacher reports a colleague suspected of grooming (``medewerker-grensoverschrijdend``)
and names the colleague's school role in the form: ``directie``. The board is pinged and
invited. Then three people press the incident's buttons, copied from the board's DM
(take it), the incident card (tick, prepare the briefing, close) and, once the board took
it, from what the board was shown (the outcome choice, the briefing editor), each with
their own user id: someone in the workspace who is not in school.yaml, the reporter, and
the suspected colleague (who holds a role of the school's chain). Every press is refused
with the one sentence that says so and nothing else (no number of others, no names, no
report text), and nothing changes: not the card, not a DM, not a channel's members, not a
row of the incident's tables, and no modal opens.
"""

from __future__ import annotations

import json
import time

from adapters.slack import texts as slack_texts
from bot.incidents import texts as incident_texts
from tests.adapters.slack.world import BOARD, DIRECTIE, TEACHER, Found, find, text_of
from tests.fakes.slack_api import FakeSlack
from tests.reliability.conftest import OUTSIDER, Serve
from tests.reliability.served import (
    FORM,
    Served,
    changed,
    database_rows,
    incident_channel,
    press,
    quiet,
    report,
    snapshot,
)

STAFF = "een collega stuurt een leerling van 15 flirterige berichten via Instagram"
STAFF_ANSWERS = {"sexual": "yes", "ongoing": "yes", "distress": "no", "jurisdiction": "nl", "age": "under-18",
                 "role": "colleague"}
MARKS = {"what": "MARKER-OW6", "where": "MARKER-OP6", "since": "MARKER-OS6"}
STAFF_FORM = {**{k: f"{v} {MARKS[k]}" for k, v in FORM.items()}, "colleague_role": "directie"}
INTRUDERS = {OUTSIDER: "outsider", TEACHER: "reporter", DIRECTIE: "suspected colleague"}
REFUSALS = {incident_texts.not_allowed("nl"), slack_texts.not_yours("nl")}
#: Tables an incident lives in (conversations and the event dedupe are per user, not per incident).
INCIDENT_TABLES = ("incidents", "incident_checklist", "incident_chronology", "outbox")


def world_state(fake: FakeSlack) -> str:
    """Everything shared the presses could change: every message, every membership, every modal."""
    return json.dumps({"messages": {c: fake.messages_in(c) for c in sorted(fake.channels)},
                       "members": {c: sorted(fake.members(c)) for c in sorted(fake.channels)},
                       "views": len(fake.opened_views)}, sort_keys=True, default=str)


async def incident_state(database_url: str) -> str:
    rows = await database_rows(database_url)
    return json.dumps({name: rows.get(name, []) for name in INCIDENT_TABLES}, sort_keys=True, default=str)


def seen_by(fake: FakeSlack, user: str) -> tuple[int, int]:
    """How many ephemerals and DM messages ``user`` has been shown so far."""
    dms = len(fake.messages_in(user)) if user in fake.users else 0
    return len([e for e in fake.ephemerals if e.get("user") == user]), dms


def shown_since(fake: FakeSlack, user: str, response_id: str, before: tuple[int, int]) -> list[str]:
    """Lines only ``user`` was shown since ``before``: the press's response_url posts, new
    ephemerals, new messages in their DM."""
    messages = list(fake.responses.get(response_id, []))
    messages += [e for e in fake.ephemerals if e.get("user") == user][before[0]:]
    if user in fake.users:
        messages += fake.messages_in(user)[before[1]:]
    return [line for m in messages for line in text_of(m).splitlines() if line.strip()]


async def intrude(served: Served, fake: FakeSlack, buttons: dict[str, Found]) -> list[tuple[str, int, str]]:
    """Every intruder presses every button (and, where the block carries an owner, the same
    button with the owner stripped); returns (case, status, what they were shown)."""
    rows = []
    for user, who in INTRUDERS.items():
        for label, found in buttons.items():
            variants = [found.block_id] + ([found.block_id.split(".", 2)[2]] if found.block_id.startswith("o.") else [])
            for block_id in variants:
                case = f"{who} presses {label}" + (" (owner stamp removed)" if block_id != found.block_id else "")
                before = seen_by(fake, user)
                status, response = await press(served, fake, user, found, block_id=block_id)

                def answered(user: str = user, response: str = response, before: tuple[int, int] = before) -> bool:
                    return bool(shown_since(fake, user, response, before))

                await fake.wait_until(answered, timeout=10, what=f"an answer to {who} pressing {label}")
                await quiet(fake, settle=0.1)
                rows.append((case, status, " / ".join(shown_since(fake, user, response, before))))
    await quiet(fake)
    return rows


async def test_outsiders_the_reporter_and_the_suspected_colleague_are_refused_and_change_nothing(
        database_url: str, serve: Serve, fake: FakeSlack) -> None:
    began = time.monotonic()
    served = await serve(database_url)
    number = await report(served, fake, STAFF, answers=STAFF_ANSWERS, form=STAFF_FORM)
    channel = incident_channel(fake, number)
    assert fake.members(channel) == {BOARD, fake.bot_user_id}, "the board stands in; the suspect is left out"
    card = fake.messages_in(channel)[0]
    board_dm = fake.messages_in(BOARD)[-1]
    ticks = [b for b in card["blocks"] if str(b.get("block_id", "")).startswith("check.")]
    buttons = {
        "[Ik pak dit op] (board's DM)": find(board_dm, "Ik pak dit op", fake.dm_id(BOARD)),
        "[1. Gedaan] (card)": Found(card, channel, ticks[0]["block_id"], ticks[0]["accessory"]),
        f"[{len(ticks)}. Gedaan] (card)": Found(card, channel, ticks[-1]["block_id"], ticks[-1]["accessory"]),
        "[Teambriefing voorbereiden] (card)": find(card, "Teambriefing", channel),
        "[Incident sluiten] (card)": find(card, "sluiten", channel),
    }

    for user in INTRUDERS:  # their app DMs exist (looking into one creates it in the fake)
        fake.dm_id(user)
    # Nobody has taken it yet.
    world, incident = world_state(fake), await incident_state(database_url)
    results = await intrude(served, fake, buttons)
    assert world_state(fake) == world, "a refused press changed what Slack shows"
    assert await incident_state(database_url) == incident, "a refused press changed the incident"

    # The board takes it, opens the outcome choice and the briefing preview: their buttons leak too.
    before = snapshot(fake, channel)
    status, _ = await press(served, fake, BOARD, buttons["[Ik pak dit op] (board's DM)"])
    assert status == 200
    await changed(fake, channel, before, what="the card naming the owner")
    await fake.wait_until(lambda: any("Bestuurssecretariaat" in text_of(m) for m in fake.messages_in(TEACHER)),
                          timeout=15, what="the reporter told who took it")
    await quiet(fake)
    card = fake.messages_in(channel)[0]
    _, closing = await press(served, fake, BOARD, find(card, "sluiten", channel))
    _, briefing = await press(served, fake, BOARD, find(card, "Teambriefing", channel))
    await fake.wait_until(lambda: bool(fake.responses.get(closing)) and bool(fake.responses.get(briefing)),
                          timeout=10, what="the board's outcome choice and briefing preview")
    await quiet(fake)
    choice = dict(fake.responses[closing][0], _ephemeral=True, ts="1700000099.000001")
    preview = dict(fake.responses[briefing][0], _ephemeral=True, ts="1700000099.000002")
    edit = find(preview, "Aanpassen", channel)
    send = {**edit.element, "value": f"inc:{number}:send:000000000000",
            "text": {"type": "plain_text", "text": "Versturen naar het team"}}
    buttons = {**buttons, "[Opgelost] (board's outcome choice)": find(choice, "Opgelost", channel),
               "[Aanpassen] (board's briefing preview)": edit,
               "[Versturen] (forged on the preview)": Found(preview, channel, edit.block_id, send)}
    world, incident = world_state(fake), await incident_state(database_url)
    results += await intrude(served, fake, buttons)
    assert world_state(fake) == world, "a refused press changed what Slack shows"
    assert await incident_state(database_url) == incident, "a refused press changed the incident"

    # The incident still works for its owner: the refusals were not a broken incident.
    before = snapshot(fake, channel)
    status, _ = await press(served, fake, BOARD, find(fake.messages_in(channel)[0], "1. Gedaan", channel))
    await changed(fake, channel, before, what="the owner's tick")
    await served.stop()
    log = served.log_text()

    print(f"\nR6 on {database_url.split(':')[0]}: {len(results)} refused presses, "
          f"{time.monotonic() - began:.1f} s, log {served.log_size()} bytes")
    width = max(len(case) for case, _, _ in results)
    for case, status, shown in results:
        print(f"  {case:<{width}}  {status}  {' / '.join(dict.fromkeys(shown.split(' / ')))}")
    for case, status, shown in results:
        assert status == 200, case
        lines = shown.split(" / ")
        assert lines and all(line in REFUSALS for line in lines), (case, shown)
    assert not fake.messages_in(DIRECTIE) and not fake.messages_in(OUTSIDER), "no DM to the suspect or outsider"
    assert all(mark not in log for mark in MARKS.values()) and "Traceback" not in log
