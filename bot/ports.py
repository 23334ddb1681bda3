"""What an adapter must provide so the core can reach people: one small, typed port.

The core decides; an adapter (Slack, Teams, the web simulator) carries it out. Every
method takes neutral value objects and returns neutral references, so the same incident
code runs against Slack, Teams, the simulator, or the recording fake in the tests.

Example::

    class MyPlatform:
        name = "web"
        async def dm(self, to: UserRef, reply: Reply) -> MessageRef: ...
        async def post(self, to: ChannelRef, reply: Reply) -> MessageRef: ...
        async def update(self, ref: MessageRef, reply: Reply) -> None: ...
        async def open_space(self, *, name: str, members: list[UserRef]) -> ChannelRef: ...
        async def invite(self, space: ChannelRef, members: list[UserRef]) -> None: ...

Every method may be called again for the same effect after a crash (the outbox delivers
at least once): ``open_space`` with a name that exists returns that space, and inviting
someone who is already a member is not an error.
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


class ChatPlatform(Protocol):
    name: str

    async def dm(self, to: UserRef, reply: Reply) -> MessageRef:
        """Send a direct message; returns where it landed (for later updates)."""

    async def post(self, to: ChannelRef, reply: Reply) -> MessageRef:
        """Post in a channel (a team channel, an incident space)."""

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        """Replace an earlier message (e.g. "taken by J." on the other coordinators' DMs)."""

    async def open_space(self, *, name: str, members: list[UserRef]) -> ChannelRef:
        """Create a private space for an incident (or find the one with that name) and
        invite its members."""

    async def invite(self, space: ChannelRef, members: list[UserRef]) -> None:
        """Add people to an incident space (the coordinator who took it over)."""
