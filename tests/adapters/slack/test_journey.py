"""The whole journey on Slack, over signed HTTP requests against the fake Web API: DM →
answer with buttons → presses → steps → report → modal → private channel created and
invited → coordinator DM → re-escalation → acknowledge → briefing → close."""

from __future__ import annotations

import re

from tests.adapters.slack.world import (
    BOARD,
    DIRECTIE,
    MENTOR,
    TEACHER,
    TEAM_CHANNEL,
    VP,
    Found,
    SlackWorld,
    find,
    text_of,
)

QUESTION = "er gaat een naaktfoto rond van een leerling uit 3B <!channel>"
ANSWERS = {"distress": "Nee", "minor": "Ja", "staff": "Nee", "extortion": "Nee"}
REPORT = {"what": "Foto van leerling K. gaat rond <@UDIR0001>", "where": "WhatsApp-groep", "since": "gisteren"}


async def answer_triage(world: SlackWorld, user: str, by_id: dict[str, str] | None = None) -> dict:
    """Press the answer buttons in the DM until the steps show (by label from ``ANSWERS``,
    or by option id from ``by_id``; else the first); every press replaces the same message
    (chat.update), so the DM stays one message long."""
    message = world.latest(user)
    dm = world.fake.dm_id(user)
    for _ in range(10):
        answers = [e for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]
                   if ":ans:" in e.get("value", "")]
        if not answers:
            return message
        question = answers[0]["value"].split(":ans:")[1].split("=")[0]
        if by_id is not None:
            chosen = next((e for e in answers if e["value"].endswith(f"={by_id.get(question)}")), answers[0])
            label = chosen["text"]["text"]
        else:
            label = ANSWERS.get(question, answers[0]["text"]["text"])
        first = world.fake.messages_in(dm)[0]["ts"]
        await world.press(user, find(message, label, dm))
        shown = world.fake.messages_in(dm)
        assert shown[0]["ts"] == first, "an answer replaces the message, it does not add one"
        assert len(shown) <= 3, "only a long answer takes more than one message"
        message = shown[-1]
    raise AssertionError("the triage did not end")


async def test_the_whole_journey(world: SlackWorld) -> None:
    fake = world.fake
    # The teacher asks in a DM: the answer comes at once, with what to do now and buttons.
    first = await world.dm(TEACHER, QUESTION)
    assert "Naakt" in text_of(first) or "naakt" in text_of(first)
    assert "<!channel>" not in text_of(first)
    steps = await answer_triage(world, TEACHER)
    report = find(steps, "Meld bij coördinator", fake.dm_id(TEACHER))

    # [Meld bij coördinator] opens the modal with the press's trigger (within 3 s).
    await world.press(TEACHER, report)
    [opened] = fake.opened_views
    assert opened.view["type"] == "modal" and "Melden" in opened.view["submit"]["text"]
    status, body = await world.submit(TEACHER, REPORT)
    assert status == 200 and "errors" not in body, body
    assert body == "", "the modal closes: that is the receipt"

    # The background round confirms to the reporter (through the outbox: an outage delays it,
    # never loses it), opens the private channel, invites, posts the card, DMs the coordinator.
    await world.work()
    confirmation = world.latest(TEACHER)
    found = re.search(r"Incident (\d{4}-\d{4}) is gemeld", text_of(confirmation))
    assert found, [text_of(m)[:300] for m in fake.messages_in(TEACHER)]
    number = found.group(1)
    channel = fake.channel_by_name(f"incident-{number}")
    assert channel is not None and channel.is_private
    # This protocol pings the vertrouwenspersoon and the leadership at once (urgent).
    assert {VP, DIRECTIE} <= fake.members(channel.id)
    assert TEACHER not in fake.members(channel.id) and BOARD not in fake.members(channel.id)
    [card] = fake.messages_in(channel.id)
    assert number in text_of(card)
    assert "&lt;@UDIR0001&gt;" in text_of(card) and "<@UDIR0001>" not in text_of(card), "user text is escaped"
    vp_dm = world.latest(VP)
    assert number in text_of(vp_dm)
    take = find(vp_dm, "Ik pak dit op", fake.dm_id(VP))

    # Nobody takes it in time: re-escalation to the board, once.
    assert not fake.messages_in(BOARD)
    await world.later(minutes=16)
    assert number in text_of(world.latest(BOARD))
    await world.later(minutes=1)
    assert len(fake.messages_in(BOARD)) == 1

    # The vertrouwenspersoon takes it: their DM is replaced, the others' DMs say who took it.
    await world.press(VP, take)
    vp_after = next(m for m in fake.messages_in(VP) if m["ts"] == vp_dm["ts"])
    assert "Ik pak dit op" not in text_of(vp_after)
    await world.work()
    for other in (DIRECTIE, BOARD):
        assert "J. de Vries" in text_of(fake.messages_in(other)[0]), other
        assert "Ik pak dit op" not in text_of(fake.messages_in(other)[0])
    assert any("J. de Vries" in text_of(m) for m in fake.messages_in(TEACHER)), "the reporter hears who took it"

    # Steps ticked on the card (chat.update keeps the card current) until the briefing is due.
    for _ in range(12):
        card = fake.messages_in(channel.id)[0]
        try:
            tick = find(card, "Gedaan", channel.id)
        except AssertionError:
            break
        await world.press(VP, tick)
        await world.work()
        if any("briefing" in text_of(m).lower() for m in fake.messages_in(VP)[1:]):
            break
    preview = next(m for m in reversed(fake.messages_in(VP)) if "Versturen" in text_of(m))
    await world.press(VP, find(preview, "Versturen", fake.dm_id(VP)))
    await world.work()
    [briefing] = fake.messages_in(TEAM_CHANNEL)
    assert "K." not in text_of(briefing) and "WhatsApp-groep" not in text_of(briefing)

    # Close from the card: the outcome choice is for the presser only; the reporter is told.
    card = fake.messages_in(channel.id)[0]
    response = await world.press(VP, find(card, "sluiten", channel.id))
    [choice] = fake.responses[response]
    assert choice.get("response_type") == "ephemeral"
    choice_message = dict(choice, _ephemeral=True, ts="1700000099.000001")
    done = await world.press(VP, find(choice_message, "Opgelost", channel.id))
    [closed] = fake.responses[done]
    assert closed.get("replace_original") is True and "gesloten" in text_of(closed)
    await world.work()
    assert "afgerond" in text_of(world.latest(TEACHER))
    assert "Ik pak dit op" not in text_of(fake.messages_in(channel.id)[0])
    assert not fake.messages_in(MENTOR), "only the roles the protocol names hear of it"


async def test_a_long_answer_spans_messages_that_are_replaced_together(world: SlackWorld) -> None:
    """All steps of a protocol do not fit in one Slack message: they take several, and
    going back replaces them all (the extra ones are removed) instead of leaving stale ones."""
    fake = world.fake
    await world.dm(TEACHER, "een leerling wordt online bedreigd met geweld, wat moet ik doen?")
    steps = await answer_triage(world, TEACHER)
    before = fake.messages_in(TEACHER)
    await world.press(TEACHER, find(steps, "Alle stappen", fake.dm_id(TEACHER)))
    pages = fake.messages_in(TEACHER)
    assert len(pages) > len(before) and pages[0]["ts"] == before[0]["ts"]
    assert all(n in text_of(pages[-1]) for n in ("Menu",)), "the buttons are on the last page"
    await world.press(TEACHER, find(pages[-1], "Mijn stappen", fake.dm_id(TEACHER)))
    after = fake.messages_in(TEACHER)
    assert len(after) == len(before), "the extra pages are gone"
    assert fake.calls_to("chat.delete")


async def test_typed_answers_and_more_on_slack(world: SlackWorld) -> None:
    """Issue #15 on Slack: "ja" typed at a triage question answers it (read back, next question as
    a new message); a step's [Meer] posts its details as a message of its own."""
    dm = world.fake.dm_id(TEACHER)
    first = await world.dm(TEACHER, "een leerling wordt al weken gepest in de groepsapp van de klas, wat nu?")
    assert "bedreiging" in text_of(first).lower()
    answered = await world.dm(TEACHER, "nee")
    assert "Je antwoord: *Nee*" in text_of(answered)
    again = await world.dm(TEACHER, "hmm")
    assert "Tik op een knop" in text_of(again)
    steps = await answer_triage(world, TEACHER)
    before = len(world.fake.messages_in(dm))
    step = next(b for b in steps["blocks"] if b.get("accessory") and "*1. " in b["text"]["text"])
    await world.press(TEACHER, Found(steps, dm, step["block_id"], step["accessory"]))
    shown = world.fake.messages_in(dm)
    assert len(shown) == before + 1 and "*Wie*" in text_of(shown[-1])
    assert text_of(shown[-2]) == text_of(steps), "the steps stay as they were"
