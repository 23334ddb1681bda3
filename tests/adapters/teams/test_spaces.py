"""Where an incident lives in Teams, and who can read it.

``channel`` mode: a thread in the safety team's channel, unless someone excluded from the
incident is a member of that team: then nothing goes in the channel and each member gets
the card in their 1:1 chat. ``graph`` mode: a group chat without the suspected colleague."""

from __future__ import annotations

from tests.adapters.teams.test_journey import QUESTION, REPORT, report, text_of
from tests.adapters.teams.world import Shown, TeamsWorld
from tests.fakes import teams_activities as a
from tests.fakes.teams_connector import buttons

THREAT = "een leerling wordt online bedreigd, wat moet ik doen?"
BY_STAFF = {"distress": "no", "concrete": "yes", "target": "pupil", "sender": "staff", "extortion": "no"}
LEADER_SUSPECTED = {**REPORT, "colleague_role": "directie"}


async def test_channel_mode_opens_a_thread_in_the_safety_channel(channel_world: TeamsWorld) -> None:
    world = channel_world
    number = await report(world, question=QUESTION)
    await world.work()
    channel = world.safety_team.channel("Incidenten")
    posted = world.teams.messages_in(channel)
    assert posted, "the incident is a thread in the safety channel"
    root, *replies = posted
    assert f"Incident {number}" in text_of(root.cards) and "K." not in text_of(root.cards), "a number, no names"
    [card] = [m for m in replies if number in text_of(m.cards)]
    assert card.thread_id == root.id and "K." in text_of(card.cards)
    assert not world.graph.calls, "channel mode needs no Graph at all"

    # A tick on the card in the thread updates it there for everyone.
    ping = world.latest("vp")
    await world.press("vp", ping, "Ik pak dit op")
    await world.work()
    place = a.channel(world.safety_team.id, channel, root.id)
    shown = Shown(card.conversation_id, card.id, world.teams.message(card.id).card, place)
    before = text_of(shown.card)
    await world.press("vp", shown, "Gedaan")
    await world.work()
    assert text_of(world.teams.message(card.id).card) != before
    assert world.teams.problems == []


async def test_channel_mode_keeps_an_incident_out_of_the_channel_when_a_member_is_suspected(
    channel_world: TeamsWorld,
) -> None:
    world = channel_world
    number = await report(world, question=THREAT, by_id=BY_STAFF, form=LEADER_SUSPECTED)
    await world.work()
    assert world.teams.messages_in(world.safety_team.channel("Incidenten")) == [], "not in the channel"
    assert world.teams.messages_to(world.people["directie"]) == [], "the suspected leader hears nothing"
    copies = [who for who in ("vp", "zorg", "board") if any(number in text_of(m.cards) and "Gedaan" in text_of(m.cards)
                                                            for m in world.teams.messages_to(world.people[who]))]
    assert copies, "the card went to the members' 1:1 chats instead"
    # The board (the leadership is suspected) is pinged at once and takes it; its copy follows every update.
    ping = next(Shown(m.conversation_id, m.id, m.card, a.personal(world.people["board"]))
                for m in world.teams.messages_to(world.people["board"]) if "Ik pak dit op" in text_of(m.cards))
    await world.press("board", ping, "Ik pak dit op")
    await world.work()
    card = next(m for m in world.teams.messages_to(world.people["board"])
                if number in text_of(m.cards) and "Gedaan" in text_of(m.cards))
    shown = Shown(card.conversation_id, card.id, card.card, a.personal(world.people["board"]))
    before = text_of(card.card)
    await world.press("board", shown, "Gedaan")
    await world.work()
    assert text_of(world.teams.message(card.id).card) != before, "the 1:1 copy is updated like the card"
    assert world.teams.messages_to(world.people["directie"]) == []
    assert world.teams.problems == []


async def test_graph_mode_leaves_the_suspected_colleague_out_and_one_member_gets_the_card_1_on_1(
    world: TeamsWorld,
) -> None:
    """The leadership suspected: the board alone stands in. A group chat needs two people, so the board's
    card comes in its 1:1 chat (and the suspect is in no chat and hears nothing)."""
    number = await report(world, question=THREAT, by_id=BY_STAFF, form=LEADER_SUSPECTED)
    await world.work()
    directie = world.people["directie"]
    for chat in world.graph.chats.values():
        assert directie.aad_id not in chat.members
        assert chat.topic == f"Incident {number}"
    assert world.teams.messages_to(directie) == []
    board = world.teams.messages_to(world.people["board"])
    assert any(number in text_of(m.cards) and "Gedaan" in text_of(m.cards) for m in board), "the card, 1:1"
    assert any("Ik pak dit op" in [b.get("title") for b in buttons(m.card)] for m in board), "and the ping"
    assert world.graph.chats == {}


async def test_a_failed_app_install_is_retried_and_the_card_still_arrives(world: TeamsWorld) -> None:
    from bot.notify.outbox import backoff

    number = await report(world, deliver=False)
    world.graph.fail("POST /v1.0/chats/", 503)  # the install into the new chat, not the chat itself
    await world.work()
    [chat] = world.graph.chats.values()
    assert not chat.bot_installed
    world.advance(seconds=backoff(1).total_seconds())
    await world.work()
    assert chat.bot_installed and len(world.graph.chats) == 1, "installed into the same chat, no second chat"
    assert sum(1 for m in world.teams.messages_in(chat.id) if number in text_of(m.cards)) == 1


async def test_channel_mode_fails_closed_when_an_excluded_person_cannot_be_found(channel_world: TeamsWorld) -> None:
    """Someone excluded whom Teams does not know (an alias, a typo that passes lint) might be in the
    safety team: the incident does not go in the channel."""
    from bot.events import UserRef

    platform = channel_world.service.platform
    vp = UserRef("teams", channel_world.people["vp"].upn)
    space = await platform.open_space(name="incident-2026-0901", members=[vp],
                                      excluded=frozenset({"anne.jansen.alias@obs-regenboog.nl", "U01SLACKID"}))
    assert space.id.startswith("direct:")
    space = await platform.open_space(name="incident-2026-0902", members=[vp],
                                      excluded=frozenset({channel_world.people["mentor"].upn, "U01SLACKID"}))
    assert not space.id.startswith("direct:"), "someone known to be outside the team keeps the channel usable"


async def test_the_whole_journey_in_channel_mode(channel_world: TeamsWorld) -> None:
    """Thread → pings → take → the reporter told → ticks on the card in the thread → briefing preview in
    the owner's own chat → the team channel post; nothing personal in the safety channel but the card."""
    world = channel_world
    teams, people = world.teams, world.people
    number = await report(world)
    await world.work()
    channel = world.safety_team.channel("Incidenten")
    root, card = teams.messages_in(channel)[:2]
    place = a.channel(world.safety_team.id, channel, root.id)
    await world.press("vp", world.latest("vp"), "Ik pak dit op")
    await world.work()
    assert any("J. de Vries" in text_of(m.cards) for m in teams.messages_to(people["teacher"]))
    for _ in range(12):
        shown = Shown(card.conversation_id, card.id, teams.message(card.id).card, place)
        if any("Versturen" in text_of(m.cards) for m in teams.messages_to(people["vp"])) or not any(
                "Gedaan" in str(b.get("title", "")) for b in buttons(shown.card)):
            break
        await world.press("vp", shown, "Gedaan")
        await world.work()
    shown = Shown(card.conversation_id, card.id, teams.message(card.id).card, place)
    answer = await world.press("vp", shown, "Teambriefing")
    assert answer["type"] == "application/vnd.microsoft.activity.message", "the preview is not shown in the channel"
    preview = next(m for m in reversed(teams.messages_to(people["vp"])) if "Versturen" in text_of(m.cards))
    await world.press("vp", Shown(preview.conversation_id, preview.id, preview.card, a.personal(people["vp"])),
                      "Versturen")
    await world.work()
    [briefing] = teams.messages_in(world.staff_team.channel("Team"))
    assert "K." not in text_of(briefing.cards) and number in text_of(teams.message(card.id).card)
    assert len(teams.messages_in(channel)) == 2, "only the thread's root and the card are in the safety channel"
    assert teams.problems == []
