"""A recording chat platform: a first-class implementation of the port for tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.events import UserRef
from bot.messages import Reply
from bot.ports import ChannelRef, MessageRef, Unreachable


@dataclass
class Sent:
    kind: str
    to: str
    reply: Reply
    ref: str = ""


@dataclass
class FakePlatform:
    name: str = "web"
    sent: list[Sent] = field(default_factory=list)
    spaces: dict[str, set[str]] = field(default_factory=dict)
    messages: dict[str, Reply] = field(default_factory=dict)
    """The current content of every message by id (updates replace it)."""
    failures: int = 0
    """Fail this many calls first (a platform outage)."""
    unreachable: set[str] = field(default_factory=set)
    """People who blocked the bot: a direct message to them raises :class:`Unreachable`."""

    def _maybe_fail(self) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("platform unavailable")

    def _store(self, kind: str, to: str, reply: Reply) -> MessageRef:
        ref = f"m{len(self.sent) + 1}"
        self.sent.append(Sent(kind, to, reply, ref))
        self.messages[ref] = reply
        return MessageRef(self.name, to, ref)

    async def dm(self, to: UserRef, reply: Reply, *, key: str = "") -> MessageRef:
        self._maybe_fail()
        if to.id in self.unreachable:
            raise Unreachable(to.platform)
        return self._store("dm", to.id, reply)

    async def post(self, to: ChannelRef, reply: Reply, *, key: str = "") -> MessageRef:
        self._maybe_fail()
        return self._store("post", to.id, reply)

    async def update(self, ref: MessageRef, reply: Reply, *, key: str = "") -> None:
        self._maybe_fail()
        if ref.id not in self.messages:
            raise LookupError(f"no message {ref.id}")
        self.sent.append(Sent("update", ref.channel_id, reply, ref.id))
        self.messages[ref.id] = reply

    async def open_space(self, *, name: str, members: list[UserRef], excluded: frozenset[str] = frozenset(),
                         key: str = "") -> ChannelRef:
        self._maybe_fail()
        if name not in self.spaces:
            self.sent.append(Sent("open_space", name, Reply(name)))
        self.spaces.setdefault(name, set()).update(m.id for m in members)
        return ChannelRef(self.name, name)

    async def invite(self, space: ChannelRef, members: list[UserRef], *, key: str = "") -> None:
        self._maybe_fail()
        self.spaces[space.id].update(m.id for m in members)
        self.sent.append(Sent("invite", space.id, Reply(", ".join(m.id for m in members))))

    def to(self, user_id: str) -> list[Reply]:
        """Direct messages and posts sent to a user or channel, as first sent."""
        return [s.reply for s in self.sent if s.to == user_id and s.kind in ("dm", "post")]

    def current(self, user_id: str) -> list[Reply]:
        """What a user or channel sees now: every message with its latest update."""
        return [self.messages[s.ref] for s in self.sent if s.to == user_id and s.kind in ("dm", "post")]

    def everyone(self) -> set[str]:
        """Every user or channel that received anything, including space memberships."""
        people = {s.to for s in self.sent if s.kind in ("dm", "post")}
        for members in self.spaces.values():
            people |= members
        return people
