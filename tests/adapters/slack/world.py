"""A school on Slack for the scenario tests: the real Bolt app and core, served on
127.0.0.1, talking to the fake Slack Web API, driven by correctly signed requests in the
shapes Slack sends. Nothing leaves loopback and no real token is used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from adapters.slack.app import SlackService, create_slack, start_slack
from adapters.slack.config import SlackConfig, make_client
from bot.app import Core, build_core
from bot.clock import Clock
from bot.settings import Settings
from tests.conftest import PLAYBOOKS
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import FakeSlack
from tests.scenario.school import SCHOOL_HOURS

SECRET = "test-signing-secret"
TEACHER, VP, ZORG, DIRECTIE, BOARD, MENTOR = "UTEACH01", "UVP00001", "UZORG001", "UDIR0001", "UBOARD01", "UMENT001"
TEAM_CHANNEL = "CTEAM0001"
SCHOOL_YAML = f"""\
school: OBS De Regenboog
jurisdiction: nl
language: nl
roles:
  vertrouwenspersoon: {{name: "J. de Vries", slack: [{VP}]}}
  zorgcoordinator: {{name: "M. Bakker", slack: [{ZORG}]}}
  directie: {{name: "A. Jansen", slack: [{DIRECTIE}]}}
  bestuur: {{name: "Bestuurssecretariaat", slack: [{BOARD}]}}
  mentor: {{name: "Mentoren", slack: [{MENTOR}]}}
escalation: [vertrouwenspersoon, directie, bestuur]
channels:
  team: {{slack: {TEAM_CHANNEL}}}
working_hours: {{days: [mon, tue, wed, thu, fri], from: "08:00", to: "17:00", tz: Europe/Amsterdam}}
"""
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")
SLACK_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID",
                   "SLACK_CLIENT_SECRET", "SLACK_API_URL")


@dataclass
class Found:
    """A button in a message as Slack shows it."""

    message: dict[str, Any]
    channel: str
    block_id: str
    element: dict[str, Any]


@dataclass
class SlackWorld:
    fake: FakeSlack
    service: SlackService
    core: Core
    clock: Clock
    http: aiohttp.ClientSession
    events_url: str
    runner: Any
    presses: int = 0

    # -- sending as Slack does ---------------------------------------------------------------
    async def post(self, body: str, content_type: str, *, secret: str = SECRET, retry_num: int | None = None,
                   timestamp: int | None = None, settle: bool = True) -> tuple[int, str]:
        result = await p.post_signed(self.http, self.events_url, body, secret, content_type=content_type,
                                     retry_num=retry_num, timestamp=timestamp)
        if settle:
            await self.settle()
        return result

    async def event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None,
                    ) -> tuple[int, str]:
        return await self.post(p.json_body(p.event_callback(event, event_id=event_id)), p.JSON,
                               retry_num=retry_num)

    async def dm(self, user: str, text: str) -> dict[str, Any]:
        """A DM to the bot; returns the bot's latest message in that DM."""
        status, _ = await self.event(p.message_im(user, text, channel=self.fake.dm_id(user)))
        assert status == 200
        return self.latest(user)

    async def press(self, user: str, found: Found, *, trigger_ttl: float = 3.0) -> str:
        """Press a button as ``user``; returns the id of the press's response_url (its
        posts are in ``fake.responses[id]``)."""
        trigger = self.fake.issue_trigger(trigger_ttl, user=user)
        message = found.message
        self.presses += 1
        response_id = f"press{self.presses}"
        payload = p.block_actions(
            user, action_id=found.element["action_id"], value=found.element.get("value", ""),
            block_id=found.block_id, trigger_id=trigger, channel=found.channel,
            message_ts=str(message.get("ts") or message.get("message_ts") or "1700000000.000001"),
            response_url=self.fake.response_url(response_id), is_ephemeral=bool(message.get("_ephemeral")),
            message_blocks=message.get("blocks"), message_text=message.get("text", ""),
            button_text=found.element["text"]["text"], user_name=user.lower())
        status, _ = await self.post(p.interactive_body(payload), p.FORM)
        assert status == 200
        return response_id

    async def submit(self, user: str, values: dict[str, str], *, view: dict[str, Any] | None = None,
                     settle: bool = True) -> tuple[int, str]:
        view = view or self.fake.opened_views[-1].view
        state = {}
        for block in view["blocks"]:
            if block.get("type") != "input":
                continue
            name = block["block_id"].removeprefix("f.")
            if name not in values:
                continue
            kind = block["element"]["type"]
            state[block["block_id"]] = {"value": p.select_value(values[name]) if kind == "static_select"
                                        else p.plain_value(values[name])}
        payload = p.view_submission(user, callback_id=view["callback_id"],
                                    private_metadata=view.get("private_metadata", ""), values=state,
                                    view_id=view.get("id", "V1"), blocks=view["blocks"], user_name=user.lower())
        return await self.post(p.interactive_body(payload), p.FORM, settle=settle)

    async def close_view(self, user: str, view: dict[str, Any] | None = None) -> tuple[int, str]:
        view = view or self.fake.opened_views[-1].view
        payload = p.view_submission(user, callback_id=view["callback_id"],
                                    private_metadata=view.get("private_metadata", ""), values={},
                                    view_id=view.get("id", "V1"), blocks=view["blocks"])
        payload["type"] = "view_closed"
        payload["is_cleared"] = False
        return await self.post(p.interactive_body(payload), p.FORM)

    # -- time and background work -----------------------------------------------------------------
    async def settle(self) -> None:
        await self.service.listeners.drain()

    async def work(self) -> int:
        assert self.core.workers is not None
        delivered = await self.core.workers.run_once()
        await self.settle()
        return delivered

    async def later(self, minutes: float) -> int:
        self.clock.advance(timedelta(minutes=minutes))
        return await self.work()

    # -- what Slack shows --------------------------------------------------------------------------
    def latest(self, user_or_channel: str) -> dict[str, Any]:
        messages = self.fake.messages_in(user_or_channel)
        assert messages, f"no messages in {user_or_channel}"
        return messages[-1]

    def ephemerals_for(self, user: str) -> list[dict[str, Any]]:
        """Ephemeral messages as the user sees them, with what pressing their buttons needs:
        posted ones and those sent through a response_url."""
        shown = [dict(e, _ephemeral=True) for e in self.fake.ephemerals if e.get("user") == user]
        for response_id, posts in self.fake.responses.items():
            for body in posts:
                shown.append(dict(body, _ephemeral=True, _response=response_id, channel=body.get("channel", "")))
        return shown


def find(message: dict[str, Any], label: str, channel: str = "") -> Found:
    """The button whose label contains ``label``, in an actions block or as a section accessory."""
    labels = []
    for block in message.get("blocks") or []:
        elements = block.get("elements", []) if block.get("type") == "actions" else \
            [block["accessory"]] if block.get("accessory") else []
        for element in elements:
            if element.get("type") != "button":
                continue
            labels.append(element["text"]["text"])
            if label in element["text"]["text"]:
                return Found(message, channel or message.get("channel", ""), block.get("block_id", ""), element)
    raise AssertionError(f"no button {label!r}; buttons: {labels}")


def text_of(message: dict[str, Any]) -> str:
    parts = [message.get("text", "")]
    for block in message.get("blocks") or []:
        for key in ("text",):
            if isinstance(block.get(key), dict):
                parts.append(block[key].get("text", ""))
        for field in block.get("fields", []):
            parts.append(field.get("text", ""))
        for element in block.get("elements", []):
            if isinstance(element.get("text"), dict):
                parts.append(element["text"].get("text", ""))
            elif isinstance(element.get("text"), str):
                parts.append(element["text"])
    return "\n".join(parts)


async def open_world(tmp_path: Path, *, start: Any = SCHOOL_HOURS, mode: str = "http",
                     fake: FakeSlack | None = None, settings: Settings | None = None) -> SlackWorld:
    fake = fake or FakeSlack()
    if not fake.started:
        await fake.start()
    for user, name in ((TEACHER, "leraar"), (VP, "jdevries"), (ZORG, "mbakker"), (DIRECTIE, "ajansen"),
                       (BOARD, "bestuur"), (MENTOR, "mentor")):
        if user not in fake.users:
            fake.add_user(user, name)
    if TEAM_CHANNEL not in fake.channels:
        fake.add_channel(TEAM_CHANNEL, "team", is_private=False, members={VP, ZORG, DIRECTIE, TEACHER,
                                                                         fake.bot_user_id})
    school = tmp_path / "school.yaml"
    if not school.exists():
        school.write_text(SCHOOL_YAML, encoding="utf-8")
    settings = settings or Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/slack.db", playbooks_dir=PLAYBOOKS,
                                    school_config=school)
    clock = Clock(start)
    core = await build_core(settings, clock=clock)
    config = SlackConfig("xoxb-test-token", "xapp-test" if mode == "socket" else "", SECRET, fake.url)
    client = make_client(config.bot_token, config.api_url, timeout=5)
    service = create_slack(core, config, client=client, run_workers=False)
    runner = await start_slack(service, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    http = aiohttp.ClientSession()
    return SlackWorld(fake, service, core, clock, http, f"http://127.0.0.1:{port}/slack/events", runner)


async def close_world(world: SlackWorld) -> None:
    await world.http.close()
    await world.runner.cleanup()
    await world.core.close()
    await world.fake.close()
