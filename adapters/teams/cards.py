"""Neutral replies and forms as Adaptive Cards 1.5 for Teams; card actions decoded back.

Pure functions, no I/O. Texts go through :mod:`adapters.teams.markup` (escaped first, then
the core's markup); labels and button titles are plain text. A reply is one card, or
several when it would not fit in one Teams message (the all-steps view): split between
sections, buttons on the last card, each card wrapped in an activity under
:data:`MAX_ACTIVITY_BYTES` with room for what the SDK adds when sending it.

Phones first: each answer is a button on its own row (Teams folds a row of many actions
into an overflow menu); a collapsed section shows title and fields and unfolds its text
with ``Action.ToggleVisibility``; checklist buttons sit beside their item; tones are
container styles plus Slack's marks, which survive themes that drop the colours.

Buttons are ``Action.Execute`` (verb ``pw``, data ``{"pw": kind, "p": payload, "o": owner}``)
with an ``Action.Submit`` fallback carrying the same data plus ``"verb"``; a form submits
with verb ``pwform``. :func:`parse_action` reads both shapes and decides nothing: the owner
and version checks happen in the adapter and the core. Notifications: Teams shows "Sent a
card" unless the activity has a ``summary``, so :func:`card_activity` sets it from the
card's ``fallbackText`` (the headline, plain). ``speak`` is left out: Teams ignores it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.teams import markup, texts
from adapters.teams.markup import JOINER
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
MAX_FACT_TITLE = 32
#: Source characters per TextBlock: even when every character is an emoji (12 characters of
#: JSON each) one block stays far below a card's budget.
MAX_TEXT = 1500
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
    """The headline as plain text for notifications, links and tags defused (U+2060)."""
    flat = " ".join(markup.plain(text).split())
    flat = flat if len(flat) <= MAX_SUMMARY else flat[: MAX_SUMMARY - 1].rstrip() + "…"
    return flat.replace("](", f"]{JOINER}(").replace("<", f"<{JOINER}")


def _paginate(units: list[Element], buttons: list[Element], budget: int) -> list[list[Element]]:
    """Whole units per card, in order; the buttons together on the last card (only a
    reply with dozens of answers would spill them over more than one)."""
    pages: list[list[Element]] = [[]]
    size, button_cost = 0, sum(map(_cost, buttons))
    for n, element in enumerate([*units, *buttons]):
        cost = _cost(element)
        if pages[-1] and (size + cost > budget or (n == len(units) and size + button_cost > budget)):
            pages.append([])
            size = 0
        pages[-1].append(element)
        size += cost
    return pages


def _cost(element: Element) -> int:
    return len(json.dumps(element).encode("utf-16-le")) + 4  # plus the ", " between elements


def _body_units(reply: Reply, owner: str) -> list[Element]:
    if reply.ephemeral or not reply.sections:
        return _section_units(Section(reply.text), 0, lang=reply.lang)
    units: list[Element] = []
    if _shows_headline(reply):
        units.append(_text(_line(markup.plain(reply.text)), weight="Bolder", size="Medium", style="heading"))
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
    title = [_text(mark + _line(section.title, bold=True))] if section.title.strip() else []
    body = _text_items(section.text)
    footnote = _text_items(section.footnote, size="Small", isSubtle=True)
    texts_first = body or footnote
    if mark and not title and texts_first and not texts_first[0]["text"].startswith("- "):
        texts_first[0]["text"] = mark + texts_first[0]["text"]
    facts = [_facts(section)] if section.fields else []
    rows = [_check_row(item, owner) for item in section.checklist]
    buttons: list[Element] = [{"type": "ActionSet", "actions": [button_action(b, owner=owner)
                                                                 for b in section.buttons]}] if section.buttons else []
    if section.collapsed and title and (body or footnote):
        # One row: the title and "Meer"; a tap anywhere on it unfolds the rest (issue #15).
        toggle = {"type": "Action.ToggleVisibility", "title": texts.show_details(lang),
                  "targetElements": [f"s{n}.more"]}
        row: Element = {"type": "ColumnSet", "selectAction": toggle, "columns": [
            {"type": "Column", "width": "stretch", "items": title},
            {"type": "Column", "width": "auto", "verticalContentAlignment": "Center",
             "items": [_text(texts.show_details(lang), color="Accent", size="Small")]}]}
        hidden: Element = {"type": "Container", "id": f"s{n}.more", "isVisible": False,
                           "items": body + facts + footnote}
        items: list[Element] = [row, hidden, *rows, *buttons]
    elif section.collapsed and (body or footnote):
        toggle_set: Element = {"type": "ActionSet", "actions": [{
            "type": "Action.ToggleVisibility", "title": texts.show_details(lang), "targetElements": [f"s{n}.more"]}]}
        hidden = {"type": "Container", "id": f"s{n}.more", "isVisible": False, "items": body + footnote}
        items = [*facts, toggle_set, hidden, *rows, *buttons]
    else:
        items = [*title, *body, *facts, *rows, *footnote, *buttons]
    container = _container(items or [_text(" ")], section.tone)
    if _cost(container) <= MAX_UNIT_BYTES:
        return [container]
    chunks: list[list[Element]] = [[]]  # too big to fold: shown open, in pieces
    size = 0
    for item in [*title, *body, *facts, *rows, *footnote, *buttons]:
        cost = _cost(item)
        if chunks[-1] and size + cost > MAX_UNIT_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += cost
    return [_container(chunk, section.tone, first=i == 0) for i, chunk in enumerate(chunks)]


def _container(items: list[Element], tone: Tone, *, first: bool = True) -> Element:
    container: Element = {"type": "Container", "items": items, "spacing": "Medium" if first else "None"}
    if tone in _STYLE:
        container["style"] = _STYLE[tone]
    return container


def _text(text: str, **extra: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def _line(text: str, *, bold: bool = False) -> str:
    """A short text (title, label, fact, checklist item) on one line, escaped, at most
    ``MAX_TEXT`` characters so no single element can outgrow a card."""
    flat = " ".join(markup.plain(text).split() if bold else text.split())
    flat = flat if len(flat) <= MAX_TEXT else flat[: MAX_TEXT - 1].rstrip() + "…"
    return markup.inline(f"**{flat}**" if bold else flat)


def _text_items(text: str, **extra: Any) -> list[Element]:
    """Paragraphs apart as usual; the lines inside a paragraph close together."""
    items: list[Element] = []
    for paragraph in markup.blocks(text, MAX_TEXT):
        items.extend(_text(part, spacing="None", **extra) if i else _text(part, **extra)
                     for i, part in enumerate(paragraph))
    return items


def _facts(section: Section) -> Element:
    """Short labels side by side (a FactSet); long ones (the questions answered) above their
    value, because a FactSet's title column is narrow on a phone."""
    values = ["\n\n".join(_line(line) for line in f.value.split("\n") if line.strip()) or " " for f in section.fields]
    if all(len(f.label) <= MAX_FACT_TITLE for f in section.fields):
        return {"type": "FactSet", "facts": [{"title": _line(markup.plain(f.label)), "value": value}
                                             for f, value in zip(section.fields, values, strict=True)]}
    return {"type": "Container", "items": [item for f, value in zip(section.fields, values, strict=True) for item in (
        _text(_line(f.label, bold=True), spacing="Small"), _text(value, spacing="None"))]}


def _check_row(item: ChecklistItem, owner: str) -> Element:
    """☐/☑, the item with its owner (roles) underneath, and its button beside it."""
    text = [_text(_line(item.text), isSubtle=item.done)]
    if item.owner.strip():
        text.append(_text(_line(markup.plain(item.owner)), size="Small", isSubtle=True, spacing="None"))
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
    body: list[Element] = [_text(_line(markup.plain(form.title)), weight="Bolder", size="Medium", style="heading")]
    if form.intro.strip():
        body.extend(_section_units(Section(form.intro, tone=Tone.WARNING), 0, lang=lang))
    body.extend(_error(message) for name, message in errors.items() if name not in names)
    for f in form.fields:
        body.append(_input(f, lang, values.get(f.name, f.value)))
        if f.name in errors:
            body.append(_error(errors[f.name], spacing="Small"))
        if f.hint.strip():
            body.append(_text(_line(f.hint), size="Small", isSubtle=True, spacing="Small"))
    data = {"pw": "form", "s": form.submit, "o": owner, "x": form.cancel.payload if form.cancel else ""}
    actions = [_execute(form.submit_label, FORM_VERB, data, "positive")]
    if form.cancel is not None:
        actions.append(_execute(form.cancel.label, VERB, action_data("p", form.cancel.payload, owner), inputs=False))
    return _card(body, actions, _summary(form.title), lang)


def _error(message: str, **extra: Any) -> Element:
    return _text(_line(message), color="Attention", weight="Bolder", **extra)


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
    summary = str(card.get("fallbackText") or "").replace(JOINER, "")
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
    kind = data.get("pw")
    if verb == VERB and isinstance(kind, str) and kind in KINDS and isinstance(data.get("p"), str):
        return CardAction(kind, data["p"][:MAX_PAYLOAD], owner)
    if verb == FORM_VERB and kind == "form" and isinstance(data.get("s"), str) \
            and isinstance(data.get("x", ""), str):
        values = {key[len(FIELD_PREFIX):][:100]: item[:MAX_VALUE] for key, item in data.items()
                  if isinstance(key, str) and key.startswith(FIELD_PREFIX) and isinstance(item, str)}
        return CardAction("form", data["s"][:MAX_PAYLOAD], owner, str(data.get("x", ""))[:MAX_PAYLOAD],
                          dict(list(values.items())[:MAX_VALUES]))
    return None
