"""The whole journey on Teams, over HTTP against the fake Bot Connector and Graph: a question
in the personal chat → card → triage by invokes → the report form → the incident's group
chat (graph) or thread (channel) → the coordinators' 1:1 pings with [Ik pak dit op] →
re-escalation → take → the reporter told → checklist ticks → briefing preview → the team
channel post → close. The suspected colleague never hears of it, in either mode."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.adapters.teams.world import Shown, TeamsWorld
from tests.fakes import teams_activities as a
from tests.fakes.teams_connector import buttons

QUESTION = "er gaat een naaktfoto rond van een leerling uit 3B, wat moet ik doen?"
ANSWERS = {"distress": "Nee", "honour": "Nee", "minor": "Ja", "staff": "Nee", "extortion": "Nee"}
REPORT = {"what": "Foto van leerling K. gaat rond in de klassenapp", "where": "WhatsApp-groep", "since": "gisteren"}


def text_of(card: Any) -> str:
    return json.dumps(card, ensure_ascii=False)


def payload_of(action: dict[str, Any]) -> str:
    data = action.get("data") or {}
    return str(data.get("p", "")) if isinstance(data, dict) else ""


async def answer_triage(world: TeamsWorld, who: str, answers: dict[str, str] | None = None, *,
                        by_id: dict[str, str] | None = None) -> Shown:
    """Press answers until the steps show (by label from ``answers``, or by option id from ``by_id``; else
    the first); every press replaces the same card (the invoke's answer)."""
    answers = ANSWERS if answers is None else answers
    shown = world.latest(who)
    first = shown.activity_id
    for _ in range(12):
        options = [b for b in buttons(shown.card) if ":ans:" in payload_of(b)]
        if not options:
            return shown
        question = payload_of(options[0]).split(":ans:")[1].split("=")[0]
        if by_id is not None:
            chosen = next((b for b in options if payload_of(b).endswith(f"={by_id.get(question)}")), options[0])
        else:
            label = answers.get(question, str(options[0]["title"]))
            chosen = next((b for b in options if b["title"] == label), options[0])
        await world.press(who, shown, str(chosen["title"]))
        assert world.latest(who).activity_id == first, "an answer replaces the card, it adds no message"
    raise AssertionError("the triage did not end")


async def report(world: TeamsWorld, who: str = "teacher", question: str = QUESTION, *,
                 by_id: dict[str, str] | None = None, form: dict[str, str] | None = None,
                 deliver: bool = True) -> str:
    """Ask, answer, report: returns the incident number. ``deliver=False``: nothing queued in the
    outbox has gone out yet (a test can break the platform first); the number is the database's."""
    assert await world.say(who, question) in (200, 201, 202)
    steps = await answer_triage(world, who, by_id=by_id)
    opened = await world.press(who, steps, "Meld bij coördinator")
    assert opened["type"] == "application/vnd.microsoft.card.adaptive", opened
    assert any(i.get("id") == "f.what" for i in _inputs(steps.card)), "the form replaced the steps card"
    await world.press(who, steps, "Melden", inputs=form or REPORT)
    assert "verstuurd" in text_of(steps.card), "the receipt replaced the form in place"
    if not deliver:  # the receipt names no number (the confirmation does, once): ask the database
        return await latest_number(world)
    await world.work()  # the confirmation comes through the outbox, as a message of its own
    confirmations = [text_of(m.cards) for m in world.teams.messages_to(world.people[who])
                     if "is gemeld" in text_of(m.cards)]
    assert len(confirmations) == 1, confirmations
    found = re.search(r"\b20\d\d-\d{4}\b", confirmations[0])
    assert found, "the reporter gets the incident's number"
    return found.group(0)


async def latest_number(world: TeamsWorld) -> str:
    from sqlalchemy import select

    from bot.incidents.models import IncidentRow
    from bot.store.db import session_factory

    async with session_factory(world.core.db)() as session:
        number = (await session.execute(select(IncidentRow.number).order_by(IncidentRow.id.desc()).limit(1))
                  ).scalar_one()
    return str(number)


def _inputs(card: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def test_the_whole_journey_with_a_group_chat_per_incident(world: TeamsWorld) -> None:
    teams, graph, people = world.teams, world.graph, world.people
    number = await report(world)
    await world.work()

    # The incident's group chat: exactly the roles this protocol reports to, a topic with the number only.
    [chat] = graph.chats.values()
    assert chat.topic == f"Incident {number}"
    assert set(chat.members) == {people["vp"].aad_id, people["directie"].aad_id}
    assert chat.bot_installed
    card = world.in_conversation(chat.id, a.group_chat(chat.id))
    assert number in text_of(card.card) and "K." in text_of(card.card)

    # The coordinators get a proactive 1:1 ping with [Ik pak dit op], although they never wrote to the bot.
    ping = world.latest("vp")
    assert number in text_of(ping.card) and any(b["title"] == "Ik pak dit op" for b in buttons(ping.card))
    assert number in text_of(world.latest("directie").card)
    assert not teams.messages_to(people["board"])

    # Nobody takes it in time: the board, named by its Entra object id, is pinged once.
    world.advance(minutes=16)
    await world.work()
    assert number in text_of(world.latest("board").card)
    world.advance(minutes=1)
    await world.work()
    assert len(teams.messages_to(people["board"])) == 1

    # The vertrouwenspersoon takes it: their card changes in place, the others' say who took it.
    await world.press("vp", ping, "Ik pak dit op")
    assert "Ik pak dit op" not in text_of(ping.card)
    await world.work()
    for other in ("directie", "board"):
        shown = teams.messages_to(people[other])[0]
        assert "J. de Vries" in text_of(shown.card) and "Ik pak dit op" not in text_of(shown.card), other
    assert any("J. de Vries" in text_of(m.cards) for m in teams.messages_to(people["teacher"]))

    # Steps ticked on the card in the group chat; the card is updated for everyone there.
    for _ in range(12):
        card = world.in_conversation(chat.id, a.group_chat(chat.id))
        if not any("Gedaan" in str(b.get("title", "")) for b in buttons(card.card)):
            break
        await world.press("vp", card, "Gedaan")
        await world.work()
        if any("Versturen" in text_of(m.cards) for m in teams.messages_to(people["vp"])):
            break
    preview = next(m for m in reversed(teams.messages_to(people["vp"])) if "Versturen" in text_of(m.cards))
    shown = Shown(preview.conversation_id, preview.id, preview.card, a.personal(people["vp"]))
    await world.press("vp", shown, "Versturen")
    await world.work()
    [briefing] = teams.messages_in(world.staff_team.channel("Team"))
    assert "K." not in text_of(briefing.cards) and "WhatsApp" not in text_of(briefing.cards)

    # Close from the card: the outcome choice goes to the presser's own chat; the reporter is told.
    card = world.in_conversation(chat.id, a.group_chat(chat.id))
    answer = await world.press("vp", card, "Incident sluiten")
    assert answer["type"] == "application/vnd.microsoft.activity.message", "nothing personal shown in the chat"
    choice = world.latest("vp")
    await world.press("vp", choice, "Opgelost")
    await world.work()
    assert "afgerond" in text_of(world.latest("teacher").card)
    assert not teams.messages_to(people["mentor"]), "only the roles the protocol names hear of it"
    assert teams.problems == [] and graph.problems == []


async def test_a_long_answer_spans_cards_that_are_replaced_together(world: TeamsWorld) -> None:
    """All steps of a protocol may not fit in one Teams message: they take several cards, and the
    next press replaces them all (the extra ones are deleted) instead of leaving stale ones."""
    teams, teacher = world.teams, world.people["teacher"]
    await world.say("teacher", "een leerling wordt online bedreigd met geweld, wat moet ik doen?")
    steps = await answer_triage(world, "teacher")
    await world.press("teacher", steps, "Alle stappen")
    shown = teams.messages_to(teacher)
    assert shown[0].id == steps.activity_id, "the first card is where the steps were"
    last = world.latest("teacher")
    assert any(b.get("title") == "Menu" for b in buttons(last.card)), "the buttons are on the last card"
    await world.press("teacher", last, "Mijn stappen")
    after = teams.messages_to(teacher)
    assert len(after) == 1, "one answer, one card: the extra cards are gone"
    if len(shown) > 1:
        assert teams.calls_to("DELETE")

