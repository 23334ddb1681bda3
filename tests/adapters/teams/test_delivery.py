"""Delivery on Teams: through the outbox, exactly once, through outages and refusals.

429 is waited out (Retry-After) inside the call; a 5xx is retried by the outbox with
backoff, never by a second loop underneath; a repeat after a crash updates the message
sent under that outbox key; a person who blocked the bot is unreachable at once and the
escalation moves on."""

from __future__ import annotations

import json

import aiohttp

from adapters.teams.app import MESSAGES_PATH
from bot.events import UserRef
from bot.messages import Reply, Section
from bot.notify.outbox import backoff
from tests.adapters.teams.test_journey import report, text_of
from tests.adapters.teams.world import TeamsWorld


def pings(world: TeamsWorld, who: str, number: str) -> int:
    return sum(1 for m in world.teams.messages_to(world.people[who]) if number in text_of(m.cards)
               and "Ik pak dit op" in text_of(m.cards))


async def test_an_outage_delivers_everything_exactly_once_afterwards(world: TeamsWorld) -> None:
    number = await report(world, deliver=False)
    world.teams.fail("POST /v3/conversations", 503, times=6)  # Teams is down for the first round
    world.graph.fail("POST /v1.0/chats", 503, times=1)
    await world.work()
    assert pings(world, "vp", number) == 0
    for attempt in range(1, 4):
        world.advance(seconds=backoff(attempt).total_seconds())
        await world.work()
    assert pings(world, "vp", number) == 1 and pings(world, "directie", number) == 1
    assert len(world.graph.chats) == 1, "one incident chat, not one per attempt"
    [chat] = world.graph.chats.values()
    assert sum(1 for m in world.teams.messages_in(chat.id) if number in text_of(m.cards)) == 1, "one card"
    assert world.teams.problems == []


async def test_rate_limits_are_waited_out_within_the_call(world: TeamsWorld) -> None:
    number = await report(world, deliver=False)
    world.teams.fail("POST", 429, times=2, retry_after=0.05)
    await world.work()
    assert pings(world, "vp", number) == 1 and pings(world, "directie", number) == 1
    statuses = [c.status for c in world.teams.calls if c.method == "POST"]
    assert statuses.count(429) == 2


async def test_a_repeat_under_the_same_key_updates_instead_of_sending_again(world: TeamsWorld) -> None:
    """The outbox marks a message sent after the platform answered; a crash in between makes it
    deliver again. The platform remembers what it sent under the key and updates that."""
    platform = world.service.platform
    vp = UserRef("teams", world.people["vp"].upn)
    first = await platform.dm(vp, Reply("Eerste", (Section("Eerste versie"),)), key="2026-0099:escalation:0:x")
    again = await platform.dm(vp, Reply("Tweede", (Section("Tweede versie"),)), key="2026-0099:escalation:0:x")
    assert again == first
    [message] = world.teams.messages_to(world.people["vp"])
    assert "Tweede versie" in text_of(message.card)


async def test_someone_who_blocked_the_bot_is_skipped_at_once_and_health_shows_it(world: TeamsWorld) -> None:
    world.teams.block(world.people["vp"])
    world.teams.uninstalled(world.people["directie"])
    number = await report(world)
    await world.work()
    assert pings(world, "board", number) == 1, "the board is pinged at once, not after the 15-minute window"
    host = world.url.removesuffix(MESSAGES_PATH)
    async with aiohttp.ClientSession() as http, http.get(f"{host}/healthz") as response:
        health = json.loads(await response.text())
    assert response.status == 200 and health["outbox"]["unreachable"] == 2
    world.advance(minutes=16)
    await world.work()
    assert pings(world, "board", number) == 1, "and only once"


async def test_at_start_the_school_s_people_are_found_and_their_chats_opened(world: TeamsWorld) -> None:
    """So the first incident's pings take one call each; who cannot be found or reached shows in /healthz."""
    assert world.service.platform.people.health == {"directory_people": 5, "not_found": 0, "blocked": 0,
                                                    "named_twice": 0}
    number = await report(world)
    calls = len(world.teams.calls)
    await world.work()
    creates = [c for c in world.teams.calls[calls:] if c.method == "POST" and c.path == "/v3/conversations"]
    assert creates == [], "no 1:1 chat had to be opened during the incident"
    assert pings(world, "vp", number) == 1
