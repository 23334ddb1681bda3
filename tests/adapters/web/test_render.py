"""Golden tests for the simulator's reply rendering: Reply in, exact JSON/HTML out.

The escaping tests matter most: section text comes from playbooks and, through the
headline of a remark, can echo what a user typed; none of it may ever become markup.
"""

from __future__ import annotations

import pytest

from adapters.web.render import markup_html, render_reply, reply_html, section_html
from bot.messages import Button, ButtonStyle, ChecklistItem, Field, Reply, Section, Tone


def test_question_reply_golden() -> None:
    reply = Reply(
        "Naaktbeeld",
        (
            Section("**Niet doorsturen**, niet kopiëren.\n\n- Bewaar niets\n- Noteer wat je zag",
                    title="Doe nu", tone=Tone.WARNING),
            Section("**Is iemand jonger dan 18?**", title="Vraag 1 van 2"),
        ),
        choices=(Button("pw1:1:ans:minor=yes", "Ja"), Button("pw1:1:ans:minor=no", "Nee")),
        actions=(Button("pw1:1:menu", "Menu"),),
    )
    assert render_reply(reply) == {
        "text": "Naaktbeeld",
        "html": (
            '<h2 class="headline">Naaktbeeld</h2>'
            '<section class="section tone-warning"><h3>Doe nu</h3>'
            "<p><strong>Niet doorsturen</strong>, niet kopiëren.</p>"
            "<ul><li>Bewaar niets</li><li>Noteer wat je zag</li></ul></section>"
            '<section class="section"><h3>Vraag 1 van 2</h3>'
            "<p><strong>Is iemand jonger dan 18?</strong></p></section>"
        ),
        "choices": [
            {"payload": "pw1:1:ans:minor=yes", "label": "Ja", "style": "default"},
            {"payload": "pw1:1:ans:minor=no", "label": "Nee", "style": "default"},
        ],
        "actions": [{"payload": "pw1:1:menu", "label": "Menu", "style": "default"}],
        "replace": False,
        "ephemeral": False,
        "lang": "nl",
    }


def test_steps_reply_golden_with_fields_footnote_and_tones() -> None:
    reply = Reply(
        "Naaktbeeld — Stappen die passen bij jouw antwoorden",
        (
            Section("Bel nu 112.", tone=Tone.DANGER),
            Section(title="Jouw antwoorden", fields=(Field("Jonger dan 18?", "Ja"),)),
            Section("Meld het.\n\n**Direct melden bij:** Directie", title="1. Melden", tone=Tone.INFO,
                    fields=(Field("Wie", "Mentor"),), footnote="Bronnen: S-001, C-01"),
        ),
        choices=(Button("pw1:3:related:x", "Open protocol: X", ButtonStyle.PRIMARY),),
        replace=True,
        lang="en",
    )
    rendered = render_reply(reply)
    assert rendered["html"] == (
        '<h2 class="headline">Naaktbeeld — Stappen die passen bij jouw antwoorden</h2>'
        '<section class="section tone-danger"><p>Bel nu 112.</p></section>'
        '<section class="section"><h3>Jouw antwoorden</h3>'
        '<dl class="fields"><dt>Jonger dan 18?</dt><dd>Ja</dd></dl></section>'
        '<section class="section tone-info"><h3>1. Melden</h3>'
        "<p>Meld het.</p><p><strong>Direct melden bij:</strong> Directie</p>"
        '<dl class="fields"><dt>Wie</dt><dd>Mentor</dd></dl>'
        "<small>Bronnen: S-001, C-01</small></section>"
    )
    assert rendered["choices"] == [
        {"payload": "pw1:3:related:x", "label": "Open protocol: X", "style": "primary"}
    ]
    assert rendered["actions"] == []
    assert (rendered["replace"], rendered["ephemeral"], rendered["lang"]) == (True, False, "en")


def test_ephemeral_remark_shows_only_its_section() -> None:
    text = "Die knop hoort bij een eerder bericht."
    reply = Reply(text, (Section(text),), ephemeral=True)
    assert render_reply(reply)["html"] == (
        '<section class="section"><p>Die knop hoort bij een eerder bericht.</p></section>'
    )
    assert reply_html(Reply("Alleen een kop", ephemeral=True)) == "<p>Alleen een kop</p>"


def test_checklist_with_done_state() -> None:
    section = Section(checklist=(ChecklistItem("no-copy", "Niet kopiëren", owner="Mentor", done=True),
                                 ChecklistItem("report", "Melden")))
    assert reply_html(Reply("Checklist", (section,))) == (
        '<h2 class="headline">Checklist</h2><section class="section"><ul class="checklist">'
        '<li class="done" data-id="no-copy"><label><input type="checkbox" disabled checked> '
        'Niet kopiëren <span class="owner">(Mentor)</span></label></li>'
        '<li class="open" data-id="report"><label><input type="checkbox" disabled> Melden</label></li>'
        "</ul></section>"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Een regel", "<p>Een regel</p>"),
        ("Eerste\ntweede", "<p>Eerste<br>tweede</p>"),
        ("Intro\n- een\n- twee\nSlot", "<p>Intro</p><ul><li>een</li><li>twee</li></ul><p>Slot</p>"),
        ("A\n\n  \n\nB", "<p>A</p><p>B</p>"),
        ("**vet** en **nog eens**", "<p><strong>vet</strong> en <strong>nog eens</strong></p>"),
        ("geen **afsluiting", "<p>geen **afsluiting</p>"),
        ("-geen lijst", "<p>-geen lijst</p>"),
        ("", ""),
    ],
)
def test_markup(text: str, expected: str) -> None:
    assert markup_html(text) == expected


# -- escaping ------------------------------------------------------------------------------
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(1)">'


def test_section_text_cannot_inject_html() -> None:
    reply = Reply(
        f"Kop {SCRIPT}",
        (Section(f"{SCRIPT}\n\n- {IMG}\n\n**{IMG}**", title=IMG, tone=Tone.DANGER,
                 fields=(Field(SCRIPT, IMG),), footnote=SCRIPT,
                 checklist=(ChecklistItem('x" onclick="alert(1)', IMG, owner=SCRIPT),)),),
        choices=(Button("p", SCRIPT),),
    )
    rendered = render_reply(reply)
    html = rendered["html"]
    assert "<script" not in html and "<img" not in html
    assert 'onclick="' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "<strong>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</strong>" in html
    assert 'data-id="x&quot; onclick=&quot;alert(1)"' in html
    # Labels are plain text for textContent on the page; they are not HTML at all.
    assert rendered["choices"][0]["label"] == SCRIPT


def test_every_tag_in_escaped_output_is_one_we_made() -> None:
    import re

    hostile = "<b>x</b> <a href='javascript:alert(1)'>y</a> &amp; <!-- c --> <svg/onload=alert(1)>"
    html = reply_html(Reply(hostile, (Section(hostile, title=hostile, footnote=hostile,
                                              fields=(Field(hostile, hostile),)),)))
    tags = set(re.findall(r"</?([a-z0-9]+)", html))
    assert tags <= {"h2", "h3", "section", "p", "dl", "dt", "dd", "small"}
    assert "&amp;amp;" in html  # an entity typed by a user is shown, not interpreted


def test_collapsed_section_keeps_title_and_fields_and_folds_the_text() -> None:
    section = Section("Bel de **politie**.", title="4. Politie", fields=(Field("Wie", "Directie"),),
                      footnote="Bronnen: S-040", collapsed=True)
    assert section_html(section, lang="nl") == (
        '<section class="section"><h3>4. Politie</h3>'
        '<dl class="fields"><dt>Wie</dt><dd>Directie</dd></dl>'
        "<details><summary>Wat te doen</summary><p>Bel de <strong>politie</strong>.</p>"
        "<small>Bronnen: S-040</small></details></section>"
    )
    assert "<summary>What to do</summary>" in section_html(section, lang="en")
