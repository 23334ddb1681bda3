"""Neutral replies and forms as Block Kit: messages, modals and the App Home view.

Pure functions, no I/O. Every text goes through :mod:`adapters.slack.mrkdwn` (escaped
first, then the core's markup), labels become ``plain_text`` (which Slack never parses
for mentions). Slack's limits are respected by construction: long texts are split at
paragraphs, labels are shortened, and a reply that would pass 50 blocks or Slack's
undocumented ~12k characters of blocks is split into several messages
(:func:`render_pages`); the tests check every rendered reply against the limits with
slack_sdk's block models and the fake Web API.

Buttons carry the core's payload as ``value``. Their ``action_id`` says what kind of
button it is: ``pw`` (a core payload), ``open`` (a protocol chosen from a list that is
not part of a conversation: the Home tab, a channel thread) or ``resume`` (re-open a form
whose trigger expired). A conversation's buttons carry their owner in the ``block_id``
(``o.<user>.<n>``) so that a press by anyone else is refused instead of acted upon.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any

from adapters.slack import mrkdwn, texts
from bot.messages import Button, ButtonStyle, ChecklistItem, Form, FormField, Reply, Section, Tone

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
#: Slack answers ``msg_blocks_too_long`` somewhere above ~13k characters of blocks.
MAX_BLOCKS_CHARS = 11_000
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTONS = 25
MAX_VIEW_TITLE = 24
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_FALLBACK_TEXT = 3000

ACTION_PAYLOAD = "pw"
ACTION_OPEN = "open"
ACTION_RESUME = "resume"
FORM_CALLBACK = "pw_form"
FIELD_ACTION = "value"
FIELD_PREFIX = "f."

_TONE_MARK = {Tone.WARNING: ":warning: ", Tone.DANGER: ":rotating_light: ", Tone.INFO: ":information_source: ",
              Tone.NORMAL: ""}


@dataclass(frozen=True)
class SlackMessage:
    """What ``chat.postMessage``/``chat.update`` get: the notification text and blocks."""

    text: str
    blocks: list[Block]


def plain_text(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": shorten(mrkdwn.to_plain(text), limit) or " ", "emoji": True}


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split()) if "\n" in text and limit < 200 else text
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fallback_text(reply: Reply) -> str:
    """The top-level ``text``: what a phone notification and a screen reader get."""
    return shorten(mrkdwn.escape(mrkdwn.to_plain(reply.text)), MAX_FALLBACK_TEXT)


# -- messages ------------------------------------------------------------------------
def render_pages(reply: Reply, *, owner: str = "") -> list[SlackMessage]:
    """A reply as one message, or several when it is too long for one (the buttons are
    always in the last). ``owner``: the user whose conversation this is (DM replies)."""
    body = _body_blocks(reply, owner)
    buttons = _button_blocks(reply, owner)
    pages: list[list[Block]] = [[]]
    size = 0
    for block in body:
        cost = len(json.dumps(block, ensure_ascii=False))
        if pages[-1] and (len(pages[-1]) + 1 > MAX_BLOCKS or size + cost > MAX_BLOCKS_CHARS):
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += cost
    button_cost = sum(len(json.dumps(b, ensure_ascii=False)) for b in buttons)
    if pages[-1] and (len(pages[-1]) + len(buttons) > MAX_BLOCKS or size + button_cost > MAX_BLOCKS_CHARS):
        pages.append([])
    pages[-1].extend(buttons)
    text = fallback_text(reply)
    if len(pages) == 1:
        return [SlackMessage(text, pages[0])]
    return [SlackMessage(text if n == 0 else f"{text} {n + 1}/{len(pages)}", page) for n, page in enumerate(pages)]


def render_one(reply: Reply) -> SlackMessage:
    """A reply that must stay one message, because it is updated in place later by its
    single ``ts`` (the incident card, a coordinator's DM). When it is too long, the
    longest texts are shortened (marked with "…") until it fits; buttons and checklist
    items are never dropped. The full record stays in the database and the export."""
    for _ in range(20):
        pages = render_pages(reply)
        if len(pages) == 1:
            return pages[0]
        longest = max(range(len(reply.sections)), key=lambda i: len(reply.sections[i].text), default=-1)
        if longest < 0 or len(reply.sections[longest].text) <= 200:
            break
        section = reply.sections[longest]
        shortened = dataclasses.replace(section, text=section.text[: len(section.text) // 2].rstrip() + " …")
        reply = dataclasses.replace(reply, sections=(*reply.sections[:longest], shortened,
                                                     *reply.sections[longest + 1:]))
    return render_pages(reply)[0]


def _body_blocks(reply: Reply, owner: str = "") -> list[Block]:
    if reply.ephemeral or not reply.sections:
        return _text_sections(reply.text, Tone.NORMAL)
    blocks: list[Block] = []
    first = reply.sections[0]
    if mrkdwn.to_plain(reply.text).strip() not in (mrkdwn.to_plain(first.text).strip(), first.title.strip()):
        if len(reply.text) <= MAX_HEADER and "\n" not in reply.text:
            blocks.append({"type": "header", "text": plain_text(reply.text, MAX_HEADER)})
        else:
            blocks.extend(_text_sections(f"**{mrkdwn.to_plain(reply.text)}**", Tone.NORMAL))
    for n, section in enumerate(reply.sections):
        blocks.extend(_section_blocks(section, owner=owner, n=n))
    return blocks


def _block_id(owner: str, own: str) -> str:
    """A button block's id, carrying the conversation's owner when there is one."""
    return f"o.{owner}.{own}" if owner else own


def _folded_blocks(section: Section, more: Button, owner: str, n: int) -> list[Block]:
    """Slack cannot fold text away: a folded section is its one-line title with a [Meer] button
    beside it, which sends the text as a message of its own (issue #15: steps that scan)."""
    title = _TONE_MARK[section.tone] + mrkdwn.to_mrkdwn(f"**{section.title}**")
    return [{"type": "section", "block_id": _block_id(owner, f"m{n}"),
             "text": {"type": "mrkdwn", "text": shorten(title, MAX_SECTION_TEXT)},
             "accessory": button(more, ACTION_PAYLOAD, index=n)}]


def _section_blocks(section: Section, *, owner: str = "", n: int = 0) -> list[Block]:
    blocks: list[Block] = []
    if section.collapsed and section.more is not None and section.title:
        blocks = _folded_blocks(section, section.more, owner, n)
    else:
        blocks = _open_blocks(section)
    if section.buttons:
        blocks.append({"type": "actions", "block_id": _block_id(owner, f"s{n}"),
                       "elements": [button(b, ACTION_PAYLOAD, index=i)
                                    for i, b in enumerate(section.buttons[:MAX_BUTTONS])]})
    return blocks


def _open_blocks(section: Section) -> list[Block]:
    blocks: list[Block] = []
    text = section.text
    if section.title:
        text = f"**{section.title}**" + (f"\n{text}" if text else "")
    if text:
        blocks.extend(_text_sections(text, section.tone))
    for start in range(0, len(section.fields), MAX_FIELDS):
        chunk = section.fields[start:start + MAX_FIELDS]
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": shorten(mrkdwn.to_mrkdwn(f"**{f.label}**\n{f.value}"), MAX_FIELD_TEXT)}
            for f in chunk]})
    blocks.extend(_checklist_block(item) for item in section.checklist)
    if section.footnote:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": shorten(mrkdwn.to_mrkdwn(section.footnote), MAX_SECTION_TEXT)}]})
    return blocks


def _text_sections(text: str, tone: Tone) -> list[Block]:
    """Markup text as sections of at most 3000 characters, split between paragraphs
    (or lines, or as a last resort anywhere) so a long step list never breaks a limit."""
    converted = _TONE_MARK[tone] + mrkdwn.to_mrkdwn(text)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": part}}
            for part in _split(converted, MAX_SECTION_TEXT)]


def _split(text: str, limit: int) -> list[str]:
    parts: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit))
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
            while cut > 0 and text[cut - 1] == "&":  # never split inside an escape
                cut -= 1
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    if text.strip():
        parts.append(text)
    return parts


def _checklist_block(item: ChecklistItem) -> Block:
    mark = ":white_check_mark:" if item.done else ":white_large_square:"
    text = f"{mark} " + mrkdwn.to_mrkdwn(item.text) + (f"\n_{mrkdwn.escape(item.owner)}_" if item.owner else "")
    block: Block = {"type": "section", "block_id": f"check.{shorten(item.id, 200)}",
                    "text": {"type": "mrkdwn", "text": shorten(text, MAX_SECTION_TEXT)}}
    if item.action is not None:
        block["accessory"] = button(item.action, ACTION_PAYLOAD)
    return block


def _button_blocks(reply: Reply, owner: str) -> list[Block]:
    blocks = []
    for group, buttons in (("c", reply.choices), ("a", reply.actions)):
        for start in range(0, len(buttons), MAX_BUTTONS):
            chunk = buttons[start:start + MAX_BUTTONS]
            block_id = f"{group}{start}" if not owner else f"o.{owner}.{group}{start}"
            blocks.append({"type": "actions", "block_id": block_id,
                           "elements": [button(b, ACTION_PAYLOAD, index=start + i) for i, b in enumerate(chunk)]})
    return blocks


def button(b: Button, kind: str, *, index: int = 0, value: str | None = None) -> Block:
    element: Block = {"type": "button", "action_id": f"{kind}.{index}", "text": plain_text(b.label, MAX_BUTTON_TEXT),
                      "value": value if value is not None else b.payload}
    if b.style is ButtonStyle.PRIMARY:
        element["style"] = "primary"
    elif b.style is ButtonStyle.DANGER:
        element["style"] = "danger"
    return element


def owner_of(block_id: str) -> str:
    """The conversation owner stamped into a button block's id ("" when none)."""
    if block_id.startswith("o."):
        return block_id.split(".", 2)[1]
    return ""


#: Separates a button block's own id from the ``ts`` of the pages above it.
PAGES_MARK = "|"
_TS = re.compile(r"\d{1,12}\.\d{1,8}")
MAX_BLOCK_ID = 255


def stamp_pages(blocks: list[Block], earlier: list[str]) -> list[Block]:
    """The last page of a long reply, its button blocks naming the pages above it, so a
    press that replaces the reply can replace (or remove) those pages too."""
    if not earlier:
        return blocks
    stamped = []
    for block in blocks:
        if block.get("type") == "actions" and "block_id" in block:
            block_id = f"{block['block_id']}{PAGES_MARK}{','.join(earlier)}"
            if len(block_id) <= MAX_BLOCK_ID:
                block = {**block, "block_id": block_id}
        stamped.append(block)
    return stamped


def pages_of(block_id: str) -> list[str]:
    """The ``ts`` of the pages above the message whose button was pressed."""
    _, mark, pages = block_id.partition(PAGES_MARK)
    return [ts for ts in pages.split(",") if _TS.fullmatch(ts)] if mark else []


# -- modals ------------------------------------------------------------------------------
def render_modal(form: Form, *, metadata: dict[str, Any], lang: str) -> dict[str, Any]:
    """A form as a modal view. ``metadata`` (where the form was opened, whose it is, what
    its cancel does) travels in ``private_metadata`` and comes back on submit and close."""
    blocks: list[Block] = []
    if form.intro:
        blocks.extend(_text_sections(form.intro, Tone.INFO))
    blocks.extend(_input(field) for field in form.fields)
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": plain_text(form.title, MAX_VIEW_TITLE),
        "submit": plain_text(form.submit_label, MAX_VIEW_TITLE),
        "close": plain_text(form.cancel.label if form.cancel else texts.cancel(lang), MAX_VIEW_TITLE),
        "notify_on_close": True,
        "private_metadata": json.dumps(metadata, separators=(",", ":")),
        "blocks": blocks[:MAX_VIEW_BLOCKS],
    }


def _input(field: FormField) -> Block:
    element: Block
    if field.options:
        # An option without a value ("Kies…") is the prompt, not a choice: Slack shows it as
        # the placeholder and, for a required field, insists on a real choice.
        prompt = next((o.label for o in field.options if not o.value), "")
        options = [{"text": plain_text(o.label, MAX_OPTION_TEXT), "value": o.value[:MAX_OPTION_VALUE]}
                   for o in field.options[:MAX_OPTIONS] if o.value]
        element = {"type": "static_select", "action_id": FIELD_ACTION, "options": options}
        initial = next((o for o in options if o["value"] == field.value), None)
        if initial is None and not prompt and options:
            initial = options[0]
        if initial is not None:
            element["initial_option"] = initial
        if prompt:
            element["placeholder"] = plain_text(prompt, MAX_OPTION_TEXT)
    else:
        element = {"type": "plain_text_input", "action_id": FIELD_ACTION, "multiline": field.multiline,
                   "max_length": max(1, min(field.max_length, 3000))}
        if field.value:
            element["initial_value"] = field.value[: element["max_length"]]
    block: Block = {"type": "input", "block_id": FIELD_PREFIX + field.name, "optional": not field.required,
                    "label": plain_text(field.label, 2000), "element": element}
    if field.hint:
        block["hint"] = plain_text(field.hint, 2000)
    return block


def form_values(state: dict[str, Any]) -> dict[str, str]:
    """``view.state.values`` back into the form's field names and strings."""
    values: dict[str, str] = {}
    for block_id, actions in state.items():
        if not block_id.startswith(FIELD_PREFIX) or not isinstance(actions, dict):
            continue
        entry = actions.get(FIELD_ACTION) or {}
        if entry.get("type") == "static_select":
            values[block_id[len(FIELD_PREFIX):]] = str((entry.get("selected_option") or {}).get("value") or "")
        else:
            values[block_id[len(FIELD_PREFIX):]] = str(entry.get("value") or "")
    return values


def first_field_block(view: dict[str, Any]) -> str:
    return next((b.get("block_id", "") for b in view.get("blocks", []) if b.get("type") == "input"), "")
