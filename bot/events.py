"""The closed set of neutral inbound events an adapter hands to the core."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserRef:
    """Who acts. ``platform`` is ``web``, ``slack``, ``teams`` or ``terminal``."""

    platform: str
    id: str
    display_name: str = ""


@dataclass(frozen=True)
class ConversationKey:
    """Identifies one guided conversation: a user in a place (DM, thread, browser tab)."""

    platform: str
    user_id: str
    channel_id: str = ""

    def as_string(self) -> str:
        return f"{self.platform}:{self.channel_id}:{self.user_id}"


@dataclass(frozen=True)
class TextMessage:
    key: ConversationKey
    user: UserRef
    text: str


@dataclass(frozen=True)
class ButtonPressed:
    key: ConversationKey
    user: UserRef
    payload: str


@dataclass(frozen=True)
class FormSubmitted:
    """The answers to a :class:`~bot.messages.Form`; ``payload`` is the form's ``submit``.
    ``values`` maps field names to what was typed or chosen (adapters pass them as is)."""

    key: ConversationKey
    user: UserRef
    payload: str
    values: dict[str, str]


@dataclass(frozen=True)
class Command:
    """An explicit command: ``start`` (optionally with a question), ``menu``,
    ``restart``, ``resume`` (re-show where the user is), ``lang`` (arg ``nl``/``en``),
    ``open`` (arg: a playbook id, chosen from a list that is not part of the
    conversation, such as Slack's Home tab, so it carries no version)."""

    key: ConversationKey
    user: UserRef
    name: str
    arg: str = ""


@dataclass(frozen=True)
class FileShared:
    """Someone shared a file with the bot or in a channel it is in. Only the fact is
    passed on: adapters never download a file, and the core never sees its name or
    content. ``channel_id`` is the platform channel (an incident space is recognised by
    it); ``with_bot`` when the file was shared with the bot itself: in the user's direct
    conversation with it, in a message addressed to it, or in a message they asked it about."""

    key: ConversationKey
    user: UserRef
    channel_id: str
    with_bot: bool = False


ConversationEvent = TextMessage | ButtonPressed | FormSubmitted | Command
"""What a guided conversation answers; :class:`FileShared` never reaches one."""
Event = ConversationEvent | FileShared
