"""Privacy on Slack's own paths: a suspected colleague never hears of the incident (no
invite, no DM, nothing on their Home tab), and a channel someone else made under the next
incident's name never receives a report."""

from __future__ import annotations

from tests.adapters.slack.test_journey import REPORT, answer_triage
from tests.adapters.slack.world import BOARD, DIRECTIE, TEACHER, VP, SlackWorld, find, text_of
from tests.fakes import slack_payloads as p

STAFF = "een collega stuurt een leerling van 15 flirterige berichten via Instagram"
STAFF_ANSWERS = {"sexual": "yes", "ongoing": "yes", "age": "under-18", "role": "colleague"}


async def test_a_suspected_leader_hears_nothing_on_slack(world: SlackWorld) -> None:
    await world.dm(TEACHER, STAFF)
    steps = await answer_triage(world, TEACHER, STAFF_ANSWERS)
    await world.press(TEACHER, find(steps, "Meld bij coördinator", world.fake.dm_id(TEACHER)))
    view = world.fake.opened_views[-1].view
    select = next(b for b in view["blocks"] if b.get("block_id") == "f.colleague_role")["element"]
    assert "initial_option" not in select and select["placeholder"]["text"], "a real choice is required"
    assert all(option["value"] for option in select["options"])
    status, body = await world.submit(TEACHER, {**REPORT, "colleague_role": "directie"})
    assert status == 200 and "errors" not in body, body
    await world.work()
    await world.later(minutes=60 * 24)
    channel = next(c for c in world.fake.channels.values() if c.name.startswith("incident-"))
    assert DIRECTIE not in world.fake.members(channel.id)
    assert not world.fake.messages_in(DIRECTIE), "no DM, no escalation, no update"
    assert BOARD in world.fake.members(channel.id) or world.fake.messages_in(BOARD), "the board stands in"
    await world.event(p.app_home_opened(DIRECTIE))
    assert "2026-0001" not in str(world.fake.home[DIRECTIE])


async def test_a_channel_made_by_someone_else_under_the_incidents_name_gets_no_report(world: SlackWorld) -> None:
    # Someone guesses the next number, makes the channel and invites the bot.
    world.fake.add_channel("CSQUAT001", "incident-2026-0001", is_private=True, members={DIRECTIE})
    await world.dm(TEACHER, "er gaat een naaktfoto rond van een leerling")
    steps = await answer_triage(world, TEACHER, {"distress": "no", "minor": "yes", "staff": "no",
                                                 "extortion": "no"})
    await world.press(TEACHER, find(steps, "Meld bij coördinator", world.fake.dm_id(TEACHER)))
    await world.submit(TEACHER, REPORT)
    await world.work()
    assert not world.fake.messages_in("CSQUAT001"), "nothing is posted in their channel"
    assert world.fake.members("CSQUAT001") == {DIRECTIE, world.fake.bot_user_id}
    space = world.fake.channel_by_name("incident-2026-0001-2")
    assert space is not None and "2026-0001" in text_of(world.fake.messages_in(space.id)[0])


async def test_a_coordinator_slack_does_not_know_does_not_break_the_space(world: SlackWorld) -> None:
    """A mistyped or deactivated id in school.yaml: the others are invited, the card is
    posted once, and the space works."""
    world.fake.users.pop(VP)
    await world.dm(TEACHER, "er gaat een naaktfoto rond van een leerling")
    steps = await answer_triage(world, TEACHER, {"distress": "no", "minor": "yes", "staff": "no",
                                                 "extortion": "no"})
    await world.press(TEACHER, find(steps, "Meld bij coördinator", world.fake.dm_id(TEACHER)))
    await world.submit(TEACHER, REPORT)
    for _ in range(3):
        await world.later(minutes=5)
    space = world.fake.channel_by_name("incident-2026-0001")
    assert space is not None
    cards = [m for m in world.fake.messages_in(space.id) if "2026-0001" in text_of(m)]
    assert len(cards) == 1, "one card, however often the delivery is retried"
    assert DIRECTIE in world.fake.members(space.id)


async def test_the_web_api_session_keeps_no_cookies(world: SlackWorld) -> None:
    """The Web API authenticates by token: cookies from its answers (or a proxy's) are neither
    kept nor sent back, and reading them cost CPU on every call."""
    import aiohttp

    session = world.service.platform.client.session
    assert session is not None and isinstance(session.cookie_jar, aiohttp.DummyCookieJar)
