"""A school on Teams for the scenario tests: the real Agents SDK app and core, served on
127.0.0.1, talking to a fake Bot Connector and a fake Microsoft Graph, driven by activities
in the shapes Teams sends. Nothing leaves loopback and no token is sent anywhere.

People are named in school.yaml the way an IT admin knows them: by e-mail (most), by Entra
object id (the board). The bot has to find out who is who itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.teams.app import MESSAGES_PATH, TeamsService, create_teams, start_teams
from adapters.teams.auth import static_connections
from adapters.teams.config import TeamsConfig
from bot.app import Core, build_core
from bot.clock import Clock
from bot.settings import Settings
from tests.conftest import PLAYBOOKS
from tests.fakes import teams_activities as a
from tests.fakes.graph import GRAPH_TOKEN, FakeGraph
from tests.fakes.teams_connector import FakeConnector, Json, TeamsUser, button, buttons
from tests.scenario.school import SCHOOL_HOURS

TENANT = a.TENANT_ID
APP_ID = a.BOT_APP_ID
SCHOOL = "obs-regenboog.nl"


def link(channel_id: str, name: str) -> str:
    """The link Teams copies for a channel ("Get link to channel")."""
    quoted = channel_id.replace(":", "%3a").replace("@", "%40")
    return (f"https://teams.microsoft.com/l/channel/{quoted}/{name}?groupId=6f1c2a8e-1111-2222-3333-444455556666"
            f"&tenantId={TENANT}")


def school_yaml(space: str, people: dict[str, TeamsUser], safety_channel: str, team_channel: str) -> str:
    return f"""\
school: OBS De Regenboog
jurisdiction: nl
language: nl
teams:
  tenant_id: {TENANT}
  incident_space: {space}
  safety_channel: "{safety_channel}"
roles:
  vertrouwenspersoon: {{name: "J. de Vries", teams: [{people['vp'].upn}]}}
  zorgcoordinator: {{name: "M. Bakker", teams: [{people['zorg'].upn}]}}
  directie: {{name: "A. Jansen", teams: [{people['directie'].upn}]}}
  bestuur: {{name: "Bestuurssecretariaat", teams: [{people['board'].aad_id}]}}
  mentor: {{name: "Mentoren", teams: [{people['mentor'].upn}]}}
escalation: [vertrouwenspersoon, directie, bestuur]
channels:
  team: {{teams: "{link(team_channel, 'Team')}"}}
working_hours: {{days: [mon, tue, wed, thu, fri], from: "08:00", to: "17:00", tz: Europe/Amsterdam}}
"""


@dataclass
class Shown:
    """A card as a person sees it now: where it is and its content (an invoke's answer
    replaces it only in their view, so the fake's stored copy can be older)."""

    conversation: str
    activity_id: str
    card: Json
    place: a.Place


@dataclass
class TeamsWorld:
    teams: FakeConnector
    graph: FakeGraph
    service: TeamsService
    core: Core
    clock: Clock
    http: aiohttp.ClientSession
    url: str
    runner: Any
    people: dict[str, TeamsUser]
    safety_team: Any
    staff_team: Any
    views: dict[str, Json] = field(default_factory=dict)
    """activity id -> the card the last invoke answer showed there."""

    # -- sending as Teams does ----------------------------------------------------------------
    async def post(self, activity: Json | bytes, *, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        async with self.http.post(self.url, data=body, headers={"Content-Type": "application/json",
                                                                 **(headers or {})}) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text) if text else None
            except ValueError:
                return response.status, text

    async def say(self, who: str, text: str) -> int:
        status, _ = await self.post(a.personal_message(self.people[who], text, service_url=self.teams.url))
        return status

    def latest(self, who: str) -> Shown:
        """The last card in someone's personal chat, as they see it."""
        user = self.people[who]
        message = [m for m in self.teams.messages_to(user) if m.cards][-1]
        return Shown(message.conversation_id, message.id, self.views.get(message.id, message.card),
                     a.personal(user))

    def in_conversation(self, conversation: str, place: a.Place) -> Shown:
        message = [m for m in self.teams.messages_in(conversation) if m.cards][-1]
        return Shown(message.conversation_id, message.id, self.views.get(message.id, message.card), place)

    async def press(self, who: str, shown: Shown, title: str, *, inputs: dict[str, str] | None = None,
                    fallback: bool = False) -> Any:
        """Press the button called ``title`` (or starting with it) as ``who``; returns the invoke's answer
        (a card answer becomes what they see of that message)."""
        titles = [(b, str(b.get("title", ""))) for b in buttons(shown.card)]
        found = next((b for b, t in titles if t == title), None) or next(
            (b for b, t in titles if t.startswith(title)), None) or next((b for b, t in titles if title in t), None)
        if found is None:
            found = button(shown.card, title)  # raises with the titles there are
        ids = {f"f.{k}": v for k, v in (inputs or {}).items()}
        activity = a.press(found, self.people[who], shown.place, reply_to_id=shown.activity_id,
                           service_url=self.teams.url, inputs=ids, fallback=fallback)
        status, body = await self.post(activity)
        assert status in (200, 201, 202), (status, body)
        if isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.card.adaptive":
            self.views[shown.activity_id] = body["value"]
            shown.card = body["value"]
        return body

    # -- time and background work -----------------------------------------------------------------
    async def work(self) -> int:
        assert self.core.workers is not None
        return await self.core.workers.run_once()

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))


async def open_world(tmp_path: Path, *, space: str = "graph", db: AsyncEngine | None = None) -> TeamsWorld:
    teams = FakeConnector()
    graph = FakeGraph(teams)
    await teams.start()
    await graph.start()
    people = {
        "teacher": teams.add_user(f"l.peters@{SCHOOL}", "Lotte Peters"),
        "vp": teams.add_user(f"j.devries@{SCHOOL}", "Jan de Vries"),
        "zorg": teams.add_user(f"m.bakker@{SCHOOL}", "Mieke Bakker"),
        "directie": teams.add_user(f"a.jansen@{SCHOOL}", "Anne Jansen"),
        "board": teams.add_user(f"secretariaat@{SCHOOL}", "Bestuurssecretariaat"),
        "mentor": teams.add_user(f"mentor@{SCHOOL}", "Mentor"),
    }
    safety = teams.add_team("Veiligheidsteam", [people["vp"], people["zorg"], people["directie"]],
                            channels=["Incidenten"])
    staff = teams.add_team("Team OBS De Regenboog", list(people.values()), channels=["Team"])
    graph.publish_app(APP_ID)
    school = tmp_path / "school.yaml"
    school.write_text(school_yaml(space, people, link(safety.channel("Incidenten"), "Incidenten"),
                                  staff.channel("Team")), encoding="utf-8")
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'teams.db'}", playbooks_dir=PLAYBOOKS,
                        school_config=school)
    clock = Clock(SCHOOL_HOURS)
    core = await build_core(settings, clock=clock, db=db)
    assert core.directory is not None and core.directory.teams is not None, "the test school is valid"
    config = TeamsConfig(app_id=APP_ID, tenant_id=TENANT, anonymous=True, allowed_service_urls=(teams.url,),
                         graph_url=graph.url, service_url=teams.url)
    service = create_teams(core, config, manager=static_connections(config, token=GRAPH_TOKEN), run_workers=False)
    service.warm = False  # done here, before the test starts, instead of beside it in the background
    runner = await start_teams(service, "127.0.0.1", 0)
    await service.platform.people.warm()
    host, port = runner.addresses[0][:2]
    http = aiohttp.ClientSession()
    return TeamsWorld(teams, graph, service, core, clock, http, f"http://{host}:{port}{MESSAGES_PATH}", runner,
                      people, safety, staff)


async def close_world(world: TeamsWorld) -> None:
    await world.http.close()
    await world.runner.cleanup()
    await world.core.close()
    await world.graph.close()
    await world.teams.close()
