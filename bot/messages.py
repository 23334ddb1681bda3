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
    action: Button | None = None
    """Marks the item done (or open again); drawn next to the item."""


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
    more: Button | None = None
    """For a collapsed section, on platforms that cannot fold text away (Slack): the button
    that sends its text as a message of its own. Adapters that fold ignore it."""
    buttons: tuple[Button, ...] = ()
    """Buttons drawn right after this section (the report button above a long list of steps,
    so it is not a few screens down)."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    """One input of a form: free text (``multiline`` for a text area) or, when
    ``options`` is set, a single choice whose first option is the default."""

    name: str
    label: str
    hint: str = ""
    required: bool = False
    multiline: bool = False
    max_length: int = 500
    options: tuple[Option, ...] = ()
    value: str = ""


@dataclass(frozen=True)
class Form:
    """Asks for a few values at once (the incident report, an edited briefing).

    Adapters draw it as a Slack modal, an Adaptive Card with inputs or an HTML form and
    hand the answers back as :class:`~bot.events.FormSubmitted` with ``submit`` as its
    payload; ``intro`` is markup shown above the fields (the privacy guidance).
    """

    submit: str
    title: str
    submit_label: str
    fields: tuple[FormField, ...]
    intro: str = ""
    cancel: Button | None = None


def headline(markup: str) -> str:
    """A markup text's first line without markup: the ``text`` of a reply whose whole
    content is one section (notifications and screen readers get that line)."""
    return markup.strip().split("\n", 1)[0].replace("**", "")


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
        form: inputs to fill in; adapters that can open a dialog (a Slack modal) do so.
    """

    text: str
    sections: tuple[Section, ...] = ()
    choices: tuple[Button, ...] = ()
    actions: tuple[Button, ...] = ()
    replace: bool = False
    ephemeral: bool = False
    lang: str = "nl"
    form: Form | None = None
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def all_buttons(self) -> tuple[Button, ...]:
        return self.choices + self.actions
