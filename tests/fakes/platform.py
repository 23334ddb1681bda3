"""A recording chat platform: a first-class implementation of the port for tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.events import UserRef
from bot.messages import Reply
from bot.ports import ChannelRef, MessageRef


@dataclass
class Sent:
    kind: str
    to: str
    reply: Reply


@dataclass
class FakePlatform:
    name: str = "web"
    sent: list[Sent] = field(default_factory=list)
    failures: int = 0
    """Fail this many calls first (a platform outage)."""

    def _maybe_fail(self) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("platform unavailable")

    async def dm(self, to: UserRef, reply: Reply) -> MessageRef:
        self._maybe_fail()
        self.sent.append(Sent("dm", to.id, reply))
        return MessageRef(self.name, f"D-{to.id}", str(len(self.sent)))

    async def post(self, to: ChannelRef, reply: Reply) -> MessageRef:
        self._maybe_fail()
        self.sent.append(Sent("post", to.id, reply))
        return MessageRef(self.name, to.id, str(len(self.sent)))

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        self._maybe_fail()
        self.sent.append(Sent("update", ref.id, reply))

    async def open_space(self, *, name: str, members: list[UserRef]) -> ChannelRef:
        self._maybe_fail()
        self.sent.append(Sent("open_space", name, Reply(name)))
        return ChannelRef(self.name, name)

    def to(self, user_id: str) -> list[Reply]:
        return [s.reply for s in self.sent if s.to == user_id]
