"""The neutral message model that the engine emits and every adapter renders.

Text fields use a deliberately small markup so that Block Kit, Adaptive Cards, HTML and
a terminal can all render it faithfully:

* ``**bold**`` for emphasis,
* lines starting with ``- `` for bullet lists,
* blank lines between paragraphs.

Anything a user typed must be passed through the adapter's escaping before it reaches
platform markup; the core never builds platform markup itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Tone(StrEnum):
    """How a section or a whole reply should stand out."""

    NORMAL = "normal"
    INFO = "info"
    WARNING = "warning"
    DANGER = "danger"


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Button:
    """A button; ``payload`` is opaque to adapters and comes back in ``ButtonPressed``."""

    payload: str
    label: str
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str
    owner: str = ""
    done: bool = False


@dataclass(frozen=True)
class Section:
    """A block of content: an optional title, markup text, short fields, a checklist."""

    text: str = ""
    title: str = ""
    tone: Tone = Tone.NORMAL
    fields: tuple[Field, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()
    footnote: str = ""
    collapsed: bool = False
    """A hint: adapters that can show the title and fields, and reveal text and footnote
    on request, so a long list of steps stays scannable on a phone."""


@dataclass(frozen=True)
class Reply:
    """One message from the bot.

    Attributes:
        text: the headline, always present so that notifications and screen readers
            have something meaningful (Slack's ``text`` fallback, a card's summary).
        sections: the body, in order.
        choices: the buttons that answer the current question (the main action).
        actions: navigation buttons (back, restart, all steps, menu, language).
        replace: replace the message whose button was pressed instead of posting anew,
            so that a conversation stays short on a phone.
        ephemeral: a short remark only the asking user needs to see; it carries its text
            both as ``text`` and as its single section, and changes nothing else.
    """

    text: str
    sections: tuple[Section, ...] = ()
    choices: tuple[Button, ...] = ()
    actions: tuple[Button, ...] = ()
    replace: bool = False
    ephemeral: bool = False
    lang: str = "nl"
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def all_buttons(self) -> tuple[Button, ...]:
        return self.choices + self.actions
