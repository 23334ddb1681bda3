"""Neutral replies and forms as Adaptive Cards 1.5 for Teams; card actions decoded back.

Pure functions, no I/O. Every text goes through :mod:`adapters.teams.markup` (escaped
first, then the core's markup); labels, button titles and input labels are plain text.
A reply becomes one card, or several when it would not fit in one Teams message (the
all-steps view of a protocol): it is split between sections, the buttons always on the
last card, and each card wrapped in an activity stays under :data:`MAX_ACTIVITY_BYTES`
with room for what the SDK adds when it sends it.

Phones first: each answer button is its own row (Teams folds a row of more than a few
actions into an overflow menu), a collapsed section shows its title and fields and unfolds
its text with an ``Action.ToggleVisibility`` button, checklist rows keep their button
beside the item. Tones become container styles plus the same marks Slack shows, so they
survive themes that drop the colours.

Every button is an ``Action.Execute`` (verb ``pw``, data ``{"pw": kind, "p": payload,
"o": owner}``) with an ``Action.Submit`` fallback carrying the same data plus ``"verb"``;
a form's submit uses verb ``pwform``. :func:`parse_action` reads both shapes back and
never trusts them for more than routing: the owner check and the payload's own version
check happen in the adapter and the core.

The notification text: Teams shows "Sent a card" unless the activity has a ``summary``,
so :func:`card_activity` sets ``summary`` to the card's ``fallbackText`` (the reply's
headline as plain text). ``speak`` is not set: Teams does not use it, and it is SSML.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.teams import markup, texts
from adapters.teams.markup import ZWSP
from bot.messages import Button, ButtonStyle, ChecklistItem, Form, FormField, Reply, Section, Tone

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_ACTIVITY_BYTES = 80_000
#: Left free in every activity for the ids, conversation, sender and service URL the SDK adds.
SEND_MARGIN = 6_000
#: A section larger than this is split into several containers (so a page can always hold it).
MAX_UNIT_BYTES = 30_000
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
VERB, FORM_VERB = "pw", "pwform"
KINDS = frozenset({"p", "open", "resume"})
FIELD_PREFIX = "f."
MAX_TITLE = 100
MAX_TEXT = 3000
MAX_SUMMARY = 500
MAX_PAYLOAD = 2000
MAX_VALUE = 4000
MAX_VALUES = 50

Element = dict[str, Any]

_STYLE = {Tone.WARNING: "warning", Tone.DANGER: "attention", Tone.INFO: "accent"}
_MARK = {Tone.WARNING: "⚠️ ", Tone.DANGER: "🚨 ", Tone.INFO: "ℹ️ "}
_BUTTON_STYLE = {ButtonStyle.PRIMARY: "positive", ButtonStyle.DANGER: "destructive"}


# -- replies -------------------------------------------------------------------------------
def render_cards(reply: Reply, *, owner: str = "") -> list[dict[str, Any]]:
    """The cards of one reply, in order; usually one (see the module docstring)."""
    units = _body_units(reply, owner)
    choices = [{"type": "ActionSet", "actions": [button_action(b, owner=owner)]} for b in reply.choices]
    actions = [button_action(b, owner=owner) for b in reply.actions]
    summary = _summary(reply.text)
    widest = f"{summary} ({texts.page(reply.lang, 99, 99)})"
    budget = MAX_ACTIVITY_BYTES - SEND_MARGIN - activity_size(card_activity(_card([], actions, widest, reply.lang)))
    pages = _paginate(units, choices, budget)
    cards = []
    for n, elements in enumerate(pages):
        text = summary if len(pages) == 1 else f"{summary} ({texts.page(reply.lang, n + 1, len(pages))})"
        cards.append(_card(elements, actions if n == len(pages) - 1 else [], text, reply.lang))
    return cards


def render_one(reply: Reply, *, owner: str = "") -> dict[str, Any]:
    """A reply that must stay one card because it is updated in place by its activity id
    (the incident card): the longest section texts are halved (marked "…") until it fits;
    buttons, fields and checklist items are never dropped. The full record stays in the
    database and the export."""
    for _ in range(30):
        cards = render_cards(reply, owner=owner)
        longest = max(range(len(reply.sections)), key=lambda i: len(reply.sections[i].text), default=-1)
        if len(cards) == 1 or longest < 0 or len(reply.sections[longest].text) <= 200:
            break
        section = reply.sections[longest]
        shorter = dataclasses.replace(section, text=section.text[: len(section.text) // 2].rstrip() + " …")
        reply = dataclasses.replace(reply, sections=(*reply.sections[:longest], shorter,
                                                     *reply.sections[longest + 1:]))
    return {**cards[-1], "body": [element for card in cards for element in card["body"]]}


def _card(body: list[Element], actions: list[Element], summary: str, lang: str) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "lang": lang,
                            "fallbackText": summary, "body": body, "msteams": {"width": "Full"}}
    if actions:
        card["actions"] = actions
    return card


def _summary(text: str) -> str:
    """The headline as plain text for notifications, with links and tags defused (ZWSP)."""
    flat = " ".join(markup.plain(text).split())
    flat = flat if len(flat) <= MAX_SUMMARY else flat[: MAX_SUMMARY - 1].rstrip() + "…"
    return flat.replace("](", f"]{ZWSP}(").replace("<", f"<{ZWSP}")


def _paginate(units: list[Element], buttons: list[Element], budget: int) -> list[list[Element]]:
    pages: list[list[Element]] = [[]]
    size = 0
    for unit in units:
        cost = _cost(unit)
        if pages[-1] and size + cost > budget:
            pages.append([])
            size = 0
        pages[-1].append(unit)
        size += cost
    if pages[-1] and size + sum(_cost(b) for b in buttons) > budget:
        pages.append([])
        size = 0
    for button in buttons:  # only a reply with dozens of answers needs more than one page of them
        cost = _cost(button)
        if pages[-1] and size + cost > budget:
            pages.append([])
            size = 0
        pages[-1].append(button)
        size += cost
    return pages


def _cost(element: Element) -> int:
    return len(json.dumps(element).encode("utf-16-le")) + 4  # plus the ", " between elements


def _body_units(reply: Reply, owner: str) -> list[Element]:
    if reply.ephemeral or not reply.sections:
        return _section_units(Section(reply.text), 0)
    units: list[Element] = []
    if _shows_headline(reply):
        units.append(_text(markup.inline(" ".join(markup.plain(reply.text).split())), weight="Bolder",
                           size="Medium", style="heading"))
    for n, section in enumerate(reply.sections):
        units.extend(_section_units(section, n, lang=reply.lang, owner=owner))
    return units


def _shows_headline(reply: Reply) -> bool:
    """Not when the first section already says it (a notification, an ephemeral remark)."""
    first = reply.sections[0]

    def norm(text: str) -> str:
        return " ".join(markup.plain(text).split())

    head = norm(reply.text)
    return head not in (norm(first.title), norm(first.text), norm(first.text.strip().split("\n", 1)[0]))


def _section_units(section: Section, n: int, *, lang: str = "nl", owner: str = "") -> list[Element]:
    mark = _MARK.get(section.tone, "")
    title = [_text(mark + markup.inline(f"**{markup.plain(' '.join(section.title.split()))}**"))] \
        if section.title.strip() else []
    body = _text_items(section.text)
    footnote = [_text(markup.inline(" ".join(section.footnote.split())), size="Small", isSubtle=True)] \
        if section.footnote.strip() else []
    texts_first = body or footnote
    if mark and not title and texts_first and not texts_first[0]["text"].startswith("- "):
        texts_first[0]["text"] = mark + texts_first[0]["text"]
    facts = [_facts(section)] if section.fields else []
    rows = [_check_row(item, owner) for item in section.checklist]
    if section.collapsed and (body or footnote):
        toggle = {"type": "ActionSet", "actions": [{"type": "Action.ToggleVisibility", "title": texts.show_details(
            lang), "targetElements": [f"s{n}.more"]}]}
        hidden = {"type": "Container", "id": f"s{n}.more", "isVisible": False, "items": body + footnote}
        items = [*title, *facts, toggle, hidden, *rows]
    else:
        items = [*title, *body, *facts, *rows, *footnote]
    container = _container(items or [_text(" ")], section.tone)
    if _cost(container) <= MAX_UNIT_BYTES:
        return [container]
    flat = [*title, *body, *facts, *rows, *footnote]  # too big to fold: shown open, in pieces
    chunks: list[list[Element]] = [[]]
    for item in flat:
        if chunks[-1] and sum(map(_cost, chunks[-1])) + _cost(item) > MAX_UNIT_BYTES - 200:
            chunks.append([])
        chunks[-1].append(item)
    return [_container(chunk, section.tone, first=i == 0) for i, chunk in enumerate(chunks)]


def _container(items: list[Element], tone: Tone, *, first: bool = True) -> Element:
    container: Element = {"type": "Container", "items": items, "spacing": "Medium" if first else "None"}
    if tone in _STYLE:
        container["style"] = _STYLE[tone]
    return container


def _text(text: str, **extra: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def _text_items(text: str) -> list[Element]:
    """Paragraphs apart as usual; the lines inside a paragraph close together."""
    items: list[Element] = []
    for paragraph in markup.blocks(text, MAX_TEXT):
        items.extend(_text(part, spacing="None") if i else _text(part) for i, part in enumerate(paragraph))
    return items


def _facts(section: Section) -> Element:
    return {"type": "FactSet", "facts": [
        {"title": markup.inline(" ".join(markup.plain(f.label).split())),
         "value": "\n\n".join(markup.inline(line.strip()) for line in f.value.split("\n") if line.strip()) or " "}
        for f in section.fields]}


def _check_row(item: ChecklistItem, owner: str) -> Element:
    """☐/☑, the item with its owner (roles) underneath, and its button beside it."""
    text = [_text(markup.inline(" ".join(item.text.split())), isSubtle=item.done)]
    if item.owner.strip():
        text.append(_text(markup.inline(markup.plain(" ".join(item.owner.split()))), size="Small", isSubtle=True,
                          spacing="None"))
    columns: list[Element] = [{"type": "Column", "width": "auto", "items": [_text("☑" if item.done else "☐")]},
                              {"type": "Column", "width": "stretch", "items": text}]
    if item.action is not None:
        columns.append({"type": "Column", "width": "auto", "verticalContentAlignment": "Center",
                        "items": [{"type": "ActionSet", "actions": [button_action(item.action, owner=owner)]}]})
    return {"type": "ColumnSet", "columns": columns}


# -- buttons -----------------------------------------------------------------------------------
def action_data(kind: str, payload: str, owner: str) -> dict[str, str]:
    return {"pw": kind, "p": payload, "o": owner}


def button_action(button: Button, *, owner: str, kind: str = "p") -> Element:
    """A button as ``Action.Execute`` with its ``Action.Submit`` fallback (``kind`` "open"
    for a protocol chosen from a menu outside a conversation, "resume" to carry on)."""
    return _execute(button.label, VERB, action_data(kind, button.payload, owner), _BUTTON_STYLE.get(button.style))


def _execute(label: str, verb: str, data: dict[str, str], style: str | None = None, *,
             inputs: bool = True) -> Element:
    title = _title(label)
    fallback: Element = {"type": "Action.Submit", "title": title, "data": {**data, "verb": verb}}
    action: Element = {"type": "Action.Execute", "title": title, "verb": verb, "data": data}
    for element in (action, fallback):
        if style:
            element["style"] = style
        if not inputs:  # a cancel button must not wait for required fields to be filled in
            element["associatedInputs"] = "None"
    action["fallback"] = fallback
    return action


def _title(label: str) -> str:
    flat = " ".join(markup.plain(label).split()) or " "
    return flat if len(flat) <= MAX_TITLE else flat[: MAX_TITLE - 1].rstrip() + "…"


# -- forms -------------------------------------------------------------------------------------
def render_form(form: Form, *, owner: str, lang: str, errors: Mapping[str, str] | None = None,
                values: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A form as a card with inputs, which works on a phone without a Teams dialog."""
    errors, values = dict(errors or {}), dict(values or {})
    names = {f.name for f in form.fields}
    body: list[Element] = [_text(markup.inline(" ".join(markup.plain(form.title).split())), weight="Bolder",
                                 size="Medium", style="heading")]
    if form.intro.strip():
        body.extend(_section_units(Section(form.intro, tone=Tone.WARNING), 0, lang=lang))
    body.extend(_error(message) for name, message in errors.items() if name not in names)
    for f in form.fields:
        body.append(_input(f, lang, values.get(f.name, f.value)))
        if f.name in errors:
            body.append(_error(errors[f.name], spacing="Small"))
        if f.hint.strip():
            body.append(_text(markup.inline(" ".join(f.hint.split())), size="Small", isSubtle=True, spacing="Small"))
    data = {"pw": "form", "s": form.submit, "o": owner, "x": form.cancel.payload if form.cancel else ""}
    actions = [_execute(form.submit_label, FORM_VERB, data, "positive")]
    if form.cancel is not None:
        actions.append(_execute(form.cancel.label, VERB, action_data("p", form.cancel.payload, owner), inputs=False))
    return _card(body, actions, _summary(form.title), lang)


def _error(message: str, **extra: Any) -> Element:
    return _text(markup.inline(" ".join(message.split())), color="Attention", weight="Bolder", **extra)


def _input(f: FormField, lang: str, current: str) -> Element:
    label = " ".join(markup.plain(f.label).split()) or f.name
    element: Element
    if f.options:
        prompt = f.options[0].label if not f.options[0].value else ""
        choices = [{"title": _title(o.label), "value": o.value[:MAX_VALUE]} for o in f.options if o.value]
        element = {"type": "Input.ChoiceSet", "id": FIELD_PREFIX + f.name, "label": label, "style": "compact",
                   "choices": choices, "wrap": True}
        chosen = current if any(c["value"] == current for c in choices) else ""
        if not chosen and not prompt and choices:
            chosen = choices[0]["value"]
        if chosen:
            element["value"] = chosen
        if prompt:
            element["placeholder"] = " ".join(markup.plain(prompt).split())
        if prompt or f.required:
            element.update(isRequired=True, errorMessage=texts.required_choice(lang))
        return element
    limit = max(1, f.max_length)
    element = {"type": "Input.Text", "id": FIELD_PREFIX + f.name, "label": label, "isMultiline": f.multiline,
               "maxLength": limit}
    if current:
        element["value"] = current[:limit]
    if f.required:
        element.update(isRequired=True, errorMessage=texts.required(lang))
    return element


# -- activities --------------------------------------------------------------------------------
def card_activity(card: dict[str, Any], *, text: str = "") -> dict[str, Any]:
    """A message activity carrying one card; ``summary`` is what Teams shows in the
    notification and the chat list instead of "Sent a card"."""
    activity: dict[str, Any] = {"type": "message", "attachments": [{"contentType": CARD_TYPE, "content": card}]}
    summary = str(card.get("fallbackText") or "").replace(ZWSP, "")
    if summary:
        activity["summary"] = summary
    if text:
        activity["text"] = text
    return activity


def activity_size(activity: dict[str, Any]) -> int:
    """The measure Teams' message limit is checked against (UTF-16 bytes of the JSON)."""
    return len(json.dumps(activity).encode("utf-16-le"))


# -- card actions coming back -----------------------------------------------------------------
@dataclass(frozen=True)
class CardAction:
    kind: str  # "p", "open", "resume", "form"
    payload: str  # core payload, protocol id, or form.submit
    owner: str
    cancel: str = ""
    values: dict[str, str] = field(default_factory=dict)  # form inputs by field name ("f." removed)


def parse_action(value: Any) -> CardAction | None:
    """A pressed button or submitted form, from an ``adaptiveCard/action`` invoke's value
    or an ``Action.Submit`` message's value; None for anything that is not ours."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    if isinstance(action, dict):
        if action.get("type", "Action.Execute") != "Action.Execute":
            return None
        verb, data = action.get("verb"), action.get("data")
    else:
        verb, data = value.get("verb"), value
    if not isinstance(data, dict) or not isinstance(data.get("o", ""), str):
        return None
    owner = str(data.get("o", ""))[:MAX_PAYLOAD]
    if verb == VERB and data.get("pw") in KINDS and isinstance(data.get("p"), str):
        return CardAction(str(data["pw"]), data["p"][:MAX_PAYLOAD], owner)
    if verb == FORM_VERB and data.get("pw") == "form" and isinstance(data.get("s"), str) \
            and isinstance(data.get("x", ""), str):
        values = {key[len(FIELD_PREFIX):][:100]: item[:MAX_VALUE] for key, item in data.items()
                  if isinstance(key, str) and key.startswith(FIELD_PREFIX) and isinstance(item, str)}
        return CardAction("form", data["s"][:MAX_PAYLOAD], owner, str(data.get("x", ""))[:MAX_PAYLOAD],
                          dict(list(values.items())[:MAX_VALUES]))
    return None
