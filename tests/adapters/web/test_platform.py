"""The simulator's side of the port, on a real SQLite file: what it keeps and who sees it.

Every method may be repeated by the outbox after a crash, so repeats must change nothing;
and the inbox is the simulator's access rule: DMs to their person, a space to its
members, a private reply in a space to the one who asked for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.web.platform import WebPlatform
from bot.events import UserRef
from bot.messages import Reply, Section
from bot.ports import ChannelRef, MessageRef
from bot.store.db import create_schema, make_engine, session_factory


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[WebPlatform]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/web.db")
    await create_schema(engine)
    await create_schema(engine)  # a restart on the same database
    yield WebPlatform(session_factory(engine))
    await engine.dispose()


def reply(text: str) -> Reply:
    return Reply(text, (Section(text),))


def users(*ids: str) -> list[UserRef]:
    return [UserRef("web", user_id) for user_id in ids]


async def test_dms_reach_only_their_person_and_updates_replace_them(platform: WebPlatform) -> None:
    ref = await platform.dm(UserRef("web", "vertrouwenspersoon"), reply("Kun je het oppakken?"))
    await platform.dm(UserRef("web", "directie"), reply("Voor de directie"))
    assert ref == MessageRef("web", "dm:vertrouwenspersoon", ref.id)
    box = await platform.inbox("vertrouwenspersoon", team="team")
    assert [m.content["text"] for m in box.dms] == ["Kun je het oppakken?"]
    assert (box.spaces, box.team) == ([], [])

    await platform.update(ref, reply("Opgepakt door J."))
    again = (await platform.inbox("vertrouwenspersoon", team="team")).dms
    assert [(m.id, m.version, m.content["text"]) for m in again] == [(int(ref.id), 2, "Opgepakt door J.")]
    with pytest.raises(LookupError):
        await platform.update(MessageRef("web", "dm:directie", ref.id), reply("x"))  # not in that channel
    with pytest.raises(LookupError):
        await platform.update(MessageRef("web", "dm:vertrouwenspersoon", "999"), reply("x"))


async def test_a_space_is_found_by_name_and_inviting_twice_is_a_no_op(platform: WebPlatform) -> None:
    space = await platform.open_space(name="incident-2026-0001", members=users("vertrouwenspersoon", "mentor"))
    assert space == ChannelRef("web", "space:incident-2026-0001")
    assert await platform.open_space(name="incident-2026-0001", members=users("mentor")) == space
    await platform.invite(space, users("directie", "directie"))
    await platform.invite(space, users("directie"))
    assert await platform.members("incident-2026-0001") == {"vertrouwenspersoon", "mentor", "directie"}
    with pytest.raises(LookupError):
        await platform.invite(ChannelRef("web", "space:no-such-space"), users("bestuur"))

    card = await platform.post(space, reply("Incident 2026-0001"))
    for member in ("vertrouwenspersoon", "directie"):
        box = await platform.inbox(member, team="team")
        assert [(s.name, [m.content["text"] for m in s.messages]) for s in box.spaces] == [
            ("incident-2026-0001", ["Incident 2026-0001"])]
    for outsider in ("bestuur", "zorgcoordinator", "a-teacher-session"):
        assert (await platform.inbox(outsider, team="team")).spaces == []
        assert await platform.visible(int(card.id), outsider, team="team") is None
    assert await platform.visible(int(card.id), "directie", team="team") is not None


async def test_a_private_reply_in_a_space_is_seen_by_its_person_only(platform: WebPlatform) -> None:
    space = await platform.open_space(name="incident-2026-0002", members=users("vertrouwenspersoon", "directie"))
    await platform.post(space, reply("De kaart"))
    private = await platform.add(space.id, reply("Voorbeeld teambriefing"), only_for="vertrouwenspersoon")
    seen = {member: [m.content["text"] for m in (await platform.inbox(member, team="team")).spaces[0].messages]
            for member in ("vertrouwenspersoon", "directie")}
    assert seen == {"vertrouwenspersoon": ["De kaart", "Voorbeeld teambriefing"], "directie": ["De kaart"]}
    assert await platform.visible(int(private.id), "directie", team="team") is None


async def test_the_team_channel_is_seen_by_everyone(platform: WebPlatform) -> None:
    await platform.post(ChannelRef("web", "team"), reply("Teambriefing"))
    for person in ("a-teacher-session", "bestuur"):
        assert [m.content["text"] for m in (await platform.inbox(person, team="team")).team] == ["Teambriefing"]
    assert (await platform.inbox("bestuur", team="")).team == []  # no team channel configured
