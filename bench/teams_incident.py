"""Teams, part 2 of bench/teams_ack.py: the time to open an incident, in both incident-space modes.

With ``latency`` added to every fake connector and Graph call, a teacher reports an incident over
HTTP (test_journey ``report``); one background round (the group chat or thread, the app install,
the card, the coordinators' 1:1 pings) is timed, its calls shown in waves of calls in flight
together, and its effects checked. Goal: <= 3x one call. The fake connector's card schema check
(~50 ms of CPU a card: the tests' business, not Teams' latency) is kept out of the timed work.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest.mock import patch

from tests.adapters.teams import world as tw
from tests.adapters.teams.test_journey import report, text_of
from tests.fakes import teams_activities as a
from tests.fakes import teams_connector as fake_connector
from tests.fakes.teams_connector import buttons


def describe(source: str, call: Any, names: dict[str, str]) -> str:
    """``graph POST /chats``, ``teams create 1:1 vp``, ``teams POST <1:1 vp>/activities``…"""
    path = re.sub(r"^/v1\.0|^/v3/conversations(?=/)", "", call.path)
    if path == "/v3/conversations" and isinstance(call.json, dict):
        path = ("create thread" if call.json.get("isGroup") else
                "create 1:1 " + str((call.json.get("members") or [{}])[0].get("id", "")))
    for long, short in names.items():
        path = path.replace(long, short)
    return f"{source} {'' if path.startswith('create') else call.method + ' '}{re.sub(r'[^/ ]{32,}', '…', path)}"


async def open_incident(latency: float, space: str) -> tuple[float, list[tuple[float, str]]]:
    with tempfile.TemporaryDirectory() as tmp:
        world = await tw.open_world(Path(tmp), space=space)
        teams, graph, people = world.teams, world.graph, world.people
        teams.latency = graph.latency = latency
        try:
            number = await report(world, deliver=False)  # the round that opens it is what is timed
            first_teams, first_graph, cards = len(teams.calls), len(graph.calls), list[Any]()

            def later(card: Any) -> list[str]:  # checked after the timed round (module docstring)
                cards.append(card)
                return []

            started = time.monotonic()
            with patch.object(fake_connector, "card_problems", later):
                await world.work()
            seconds = time.monotonic() - started
            names: dict[str, str] = {}
            if space == "graph":
                [chat] = graph.chats.values()
                assert chat.topic == f"Incident {number}" and chat.bot_installed, "no chat, or the app is not in it"
                assert set(chat.members) == {people["vp"].aad_id, people["directie"].aad_id}, "the wrong members"
                assert number in text_of(world.in_conversation(chat.id, a.group_chat(chat.id)).card), "no card in it"
                names[chat.id] = "<chat>"
            else:
                posted = teams.messages_in(world.safety_team.channel("Incidenten"))
                assert len(posted) == 2 and number in text_of(posted[1].cards), "no thread with the card in it"
                assert posted[1].thread_id == posted[0].id, "the card is not in the incident's thread"
            for coordinator in ("vp", "directie"):
                ping = world.latest(coordinator).card
                assert number in text_of(ping) and any(b.get("title") == "Ik pak dit op" for b in buttons(ping)), \
                    f"no ping to {coordinator}"
            assert not any(fake_connector.card_problems(card) for card in cards), "a card Teams would refuse"
            assert teams.problems == [] and graph.problems == [], teams.problems + graph.problems
            names.update({world.safety_team.channel("Incidenten"): "<safety channel>",
                          world.staff_team.channel("Team"): "<staff channel>"})
            for role, user in people.items():
                names.update({a.personal_conversation_id(user.aad_id): f"<1:1 {role}>", user.id: role,
                              user.aad_id: role, user.upn: role})
            calls = [(c.at - started, describe("graph", c, names)) for c in graph.calls[first_graph:]]
            calls += [(c.at - started, describe("teams", c, names)) for c in teams.calls[first_teams:]]
            return seconds, sorted(calls)
        finally:
            await tw.close_world(world)


async def incidents(runs: int, latency: float) -> None:
    for space in ("graph", "channel"):
        await incident_figures(runs, latency, space)


async def incident_figures(runs: int, latency: float, space: str) -> None:
    results = [await open_incident(latency, space) for _ in range(runs)]
    seconds = [s for s, _ in results]
    median = statistics.median(seconds)
    print(f"\nOpening an incident (one background round, {space} mode), {latency * 1000:.0f} ms per connector/Graph "
          f"call, {runs} runs: " + ", ".join(f"{s * 1000:.0f}" for s in seconds) + " ms")
    print(f"  median {median * 1000:.0f} ms = {median / latency:.2f}x one call (max {max(seconds) / latency:.2f}x); "
          f"goal <= 3x ({3 * latency * 1000:.0f} ms): {'PASS' if median / latency <= 3 else 'MISS'}")
    calls = results[0][1]
    waves: list[list[tuple[float, str]]] = []
    for at, call in calls:  # a call that starts while the first of a wave is in flight is part of it
        if not waves or at - waves[-1][0][0] >= latency / 2:
            waves.append([])
        waves[-1].append((at, call))
    print(f"  the first run's {len(calls)} calls in {len(waves)} waves (calls in flight together); round done at "
          f"+{seconds[0] * 1000:.0f} ms:")
    for n, wave in enumerate(waves, 1):
        print(f"  wave {n} at +{wave[0][0] * 1000:4.0f} ms: " + " | ".join(c for _, c in wave))
