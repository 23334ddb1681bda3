"""What an adapter must provide so the core can reach people: one small, typed port.

The core decides; an adapter (Slack, Teams, the web simulator) carries it out. Every
method takes neutral value objects and returns neutral references, so the same incident
code runs against Slack, Teams, the simulator, or the recording fake in the tests.

Example::

    class MyPlatform:
        name = "web"
        async def dm(self, to: UserRef, reply: Reply, *, key: str = "") -> MessageRef: ...
        async def post(self, to: ChannelRef, reply: Reply, *, key: str = "") -> MessageRef: ...
        async def update(self, ref: MessageRef, reply: Reply, *, key: str = "") -> None: ...
        async def open_space(self, *, name: str, members: list[UserRef], excluded: frozenset[str] = frozenset(),
                             key: str = "") -> ChannelRef: ...
        async def invite(self, space: ChannelRef, members: list[UserRef], *, key: str = "") -> None: ...

Every method may be called again for the same effect after a crash (the outbox delivers
at least once). ``key`` is the outbox message's key, unique per intended effect: a
platform that can remember what it sent under a key finds or updates that message on a
repeat instead of sending a second one. ``open_space`` with a name that exists returns
that space, and inviting someone who is already a member is not an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.events import UserRef
from bot.messages import Reply


@dataclass(frozen=True)
class ChannelRef:
    platform: str
    id: str
    extras: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class MessageRef:
    platform: str
    channel_id: str
    id: str


class Unreachable(Exception):
    """This person cannot be reached on this platform and retrying will not help soon: they
    blocked the bot or do not have the app. The outbox gives the message up at once, and an
    escalation moves on to the next role instead of waiting for an answer that cannot come."""


class RetryLater(Exception):
    """The platform asked to wait (a rate limit's ``Retry-After``) longer than is sensible to
    wait inside one delivery: the outbox tries again after ``seconds``, not sooner."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:g} s")
        self.seconds = seconds


class ChatPlatform(Protocol):
    name: str

    async def dm(self, to: UserRef, reply: Reply, *, key: str = "") -> MessageRef:
        """Send a direct message; returns where it landed (for later updates). Raises
        :class:`Unreachable` when the person cannot get messages from the bot."""

    async def post(self, to: ChannelRef, reply: Reply, *, key: str = "") -> MessageRef:
        """Post in a channel (a team channel, an incident space)."""

    async def update(self, ref: MessageRef, reply: Reply, *, key: str = "") -> None:
        """Replace an earlier message (e.g. "taken by J." on the other coordinators' DMs)."""

    async def open_space(self, *, name: str, members: list[UserRef], excluded: frozenset[str] = frozenset(),
                         key: str = "") -> ChannelRef:
        """Create a private space for an incident (or find the one an earlier attempt made).

        ``members`` are who will be in it; a platform that must name them when the space is
        created (a Teams group chat) does so, the others leave it to :meth:`invite`, which
        the core calls next anyway. ``excluded`` are the ids (of any platform) of people who
        must never see this incident: a platform whose spaces others can read (a channel of
        a team) keeps the incident out of them when one of those people could."""

    async def invite(self, space: ChannelRef, members: list[UserRef], *, key: str = "") -> None:
        """Add people to an incident space (the coordinator who took it over)."""
