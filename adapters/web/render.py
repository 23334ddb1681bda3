"""Render a neutral :class:`~bot.messages.Reply` to the JSON the simulator page draws.

The HTML is built here, on the server, so that the page never interprets markup itself:
every piece of text is HTML-escaped *first* and only then is the core's tiny markup
(``**bold**``, ``- `` bullet lines, blank lines between paragraphs) turned into tags.
Because escaping happens before any tag is produced, nothing a user or a playbook
author wrote can become markup; the browser may insert ``html`` with ``innerHTML``.

A form is not HTML but data (``form``): the page builds its inputs with DOM calls and
sets every label, hint and value with ``textContent``/``value``, so a value the user
typed earlier (an edited briefing) can never become markup either. Only its ``intro``
is markup, escaped first like everything else.

Pure functions, no I/O: easy to pin down with golden tests.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from bot.messages import Button, ChecklistItem, Field, Form, FormField, Reply, Section, Tone

#: ``**bold**`` on an already escaped line (``*`` is not touched by escaping).
_BOLD = re.compile(r"\*\*(.+?)\*\*")
#: Sections with these tones get a CSS class ``tone-<value>``; normal ones get none.
_TONE_CLASSES = {Tone.INFO: "tone-info", Tone.WARNING: "tone-warning", Tone.DANGER: "tone-danger"}


def render_reply(reply: Reply) -> dict[str, Any]:
    """The JSON object for one reply (see ``static/app.js`` for how it is drawn)."""
    return {
        "text": reply.text,
        "html": reply_html(reply),
        "choices": [render_button(button) for button in reply.choices],
        "actions": [render_button(button) for button in reply.actions],
        "replace": reply.replace,
        "ephemeral": reply.ephemeral,
        "lang": reply.lang,
        "form": render_form(reply.form, reply) if reply.form else None,
    }


def render_button(button: Button) -> dict[str, str]:
    """Labels stay plain text: the page puts them in a ``<button>`` with ``textContent``."""
    return {"payload": button.payload, "label": button.label, "style": button.style.value}


def render_form(form: Form, reply: Reply | None = None) -> dict[str, Any]:
    """A form as data for the page. The core also shows the intro as one of the reply's
    sections (for adapters without forms); it is drawn once, so ``intro_html`` is empty then."""
    shown = {section.text for section in reply.sections} if reply else set()
    return {
        "submit": form.submit,
        "title": form.title,
        "submit_label": form.submit_label,
        "intro_html": markup_html(form.intro) if form.intro and form.intro not in shown else "",
        "fields": [render_field(field) for field in form.fields],
        "cancel": render_button(form.cancel) if form.cancel else None,
    }


def render_field(field: FormField) -> dict[str, Any]:
    """A field as plain data: a ``select`` when it has options, else a text input or, when
    ``multiline``, a text area; ``max_length`` and ``required`` become the same attributes."""
    return {
        "name": field.name,
        "label": field.label,
        "hint": field.hint,
        "required": field.required,
        "multiline": field.multiline,
        "max_length": field.max_length,
        "options": [{"value": option.value, "label": option.label} for option in field.options],
        "value": field.value,
    }


def reply_html(reply: Reply) -> str:
    """The headline as ``<h2>`` followed by the sections.

    An ephemeral reply is a short remark whose headline repeats its only section, so it
    shows just the sections (or the headline as a paragraph when there are none); so does
    a notification whose first section begins with the headline.
    """
    body = "".join(section_html(section, lang=reply.lang) for section in reply.sections)
    if reply.ephemeral:
        return body or f"<p>{inline(reply.text)}</p>"
    if _repeats_headline(reply):
        return body
    return f'<h2 class="headline">{inline(reply.text)}</h2>{body}'


def _repeats_headline(reply: Reply) -> bool:
    """A notification (an escalation DM, a posted briefing) whose first section begins
    with its headline: the headline is there for previews and screen readers; show it once."""
    if not reply.sections or reply.sections[0].title or not reply.sections[0].text:
        return False
    first_line = reply.sections[0].text.strip().split("\n", 1)[0]
    return first_line.replace("**", "").strip() == reply.text.replace("**", "").strip()


#: The small affordance beside a collapsed section's title: it opens on a tap.
_MORE = {"nl": "Meer", "en": "More"}


def section_html(section: Section, *, lang: str = "nl") -> str:
    """One section. A collapsed one (a step) is a native ``<details>`` whose summary is its
    one-line title and a small "Meer"/"More": a list of steps then scans as a list of
    titles on a phone, and a tap (or Enter, or a screen reader's "expand") opens one.
    Native, so it works without script and without a handler of ours. The section's own
    buttons follow it, pressed like the reply's (``data-payload``)."""
    classes = " ".join(filter(None, ("section", _TONE_CLASSES.get(section.tone))))
    title = f"<h3>{inline(section.title)}</h3>" if section.title else ""
    text = markup_html(section.text) if section.text else ""
    fields = fields_html(section.fields) if section.fields else ""
    rest = checklist_html(section.checklist) if section.checklist else ""
    if section.footnote:
        rest += f"<small>{inline(section.footnote)}</small>"
    more = escape(_MORE.get(lang, _MORE["nl"]))
    if section.collapsed and title and (text or fields or rest):
        classes += " step"
        body = (f'<details><summary>{title}<span class="more">{more}</span></summary>'
                f'<div class="step-body">{text}{fields}{rest}</div></details>')
    elif section.collapsed and text:  # no title to show: the fields stay, the text folds
        body = f'{fields}<details><summary><span class="more">{more}</span></summary>{text}{rest}</details>'
    else:
        body = f"{title}{text}{fields}{rest}"
    if section.buttons:  # e.g. the report button above a long list of steps: never folded away
        buttons = "".join(button_html(button, "section-button") for button in section.buttons)
        body += f'<div class="section-buttons">{buttons}</div>'
    return f'<section class="{classes}">{body}</section>'


def inline(text: str) -> str:
    """Escape one line of text, then turn ``**bold**`` into ``<strong>``."""
    return _BOLD.sub(r"<strong>\1</strong>", escape(text, quote=True))


def markup_html(text: str) -> str:
    """Paragraphs (split on blank lines) of lines; runs of ``- `` lines become a list.

    Consecutive ordinary lines inside one paragraph are kept apart with ``<br>``, as a
    line break typed in a playbook is meant to be seen.
    """
    out: list[str] = []
    for paragraph in re.split(r"\n[ \t]*\n", text.strip().replace("\r\n", "\n")):
        lines: list[str] = []
        bullets: list[str] = []
        for raw in paragraph.split("\n"):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("- "):
                if lines:
                    out.append(f"<p>{'<br>'.join(lines)}</p>")
                    lines = []
                bullets.append(f"<li>{inline(line[2:].strip())}</li>")
            else:
                if bullets:
                    out.append(f"<ul>{''.join(bullets)}</ul>")
                    bullets = []
                lines.append(inline(line))
        if lines:
            out.append(f"<p>{'<br>'.join(lines)}</p>")
        if bullets:
            out.append(f"<ul>{''.join(bullets)}</ul>")
    return "".join(out)


def fields_html(fields: tuple[Field, ...]) -> str:
    items = "".join(f"<dt>{inline(f.label)}</dt><dd>{inline(f.value)}</dd>" for f in fields)
    return f'<dl class="fields">{items}</dl>'


def checklist_html(items: tuple[ChecklistItem, ...]) -> str:
    """A checklist: a disabled checkbox carries the done state for screen readers; an
    item's ``action`` (done / undo) is a button next to it, pressed like any other."""
    rendered = []
    for item in items:
        state = "done" if item.done else "open"
        checked = " checked" if item.done else ""
        owner = f' <span class="owner">({inline(item.owner)})</span>' if item.owner else ""
        action = button_html(item.action, "item-action") if item.action else ""
        rendered.append(
            f'<li class="{state}" data-id="{escape(item.id, quote=True)}">'
            f'<label><input type="checkbox" disabled{checked}> {inline(item.text)}{owner}</label>{action}</li>'
        )
    return f'<ul class="checklist">{"".join(rendered)}</ul>'


def button_html(button: Button, css_class: str) -> str:
    """A button inside server-built HTML: the page handles it like the reply's own buttons
    (``data-payload``); payload and label are escaped like any other text."""
    style = f" {button.style.value}" if button.style.value != "default" else ""
    return (f'<button type="button" class="{css_class}{style}" data-payload="{escape(button.payload, quote=True)}">'
            f"{escape(button.label, quote=True)}</button>")
