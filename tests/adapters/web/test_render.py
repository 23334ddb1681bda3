"""Golden tests for the simulator's reply rendering: Reply in, exact JSON/HTML out.

The escaping tests matter most: section text comes from playbooks and, through the
headline of a remark, can echo what a user typed; none of it may ever become markup.
"""

from __future__ import annotations

import pytest

from adapters.web.render import markup_html, render_reply, reply_html, section_html
from bot.messages import Button, ButtonStyle, ChecklistItem, Field, Form, FormField, Option, Reply, Section, Tone


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
        "form": None,
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


def test_a_collapsed_section_is_a_details_whose_summary_is_its_one_line_title() -> None:
    """A step scans as its title (with its role) and a small "Meer"; text, fields and
    footnote open on a tap."""
    section = Section("Bel de **politie**.", title="4. Politie · directie", fields=(Field("Wie", "Directie"),),
                      footnote="Geldt als: acuut", collapsed=True)
    assert section_html(section, lang="nl") == (
        '<section class="section step"><details><summary><h3>4. Politie · directie</h3>'
        '<span class="more">Meer</span></summary>'
        '<div class="step-body"><p>Bel de <strong>politie</strong>.</p>'
        '<dl class="fields"><dt>Wie</dt><dd>Directie</dd></dl>'
        "<small>Geldt als: acuut</small></div></details></section>"
    )
    assert '<span class="more">More</span>' in section_html(section, lang="en")
    toned = Section("Nu bellen.", title="1. Bel 112", tone=Tone.INFO, collapsed=True)
    assert section_html(toned).startswith('<section class="section tone-info step"><details><summary>')


def test_a_collapsed_section_without_a_title_keeps_its_fields_and_folds_the_text() -> None:
    section = Section("Bel <de> politie.", fields=(Field("Wie", "Directie"),), collapsed=True)
    assert section_html(section, lang="en") == (
        '<section class="section"><dl class="fields"><dt>Wie</dt><dd>Directie</dd></dl>'
        '<details><summary><span class="more">More</span></summary><p>Bel &lt;de&gt; politie.</p></details></section>'
    )


def test_a_section_s_buttons_follow_it_and_are_pressed_like_the_reply_s() -> None:
    report = Button("pw1:4:report", "Meld bij <coördinator>", ButtonStyle.PRIMARY)
    assert section_html(Section("Meld het eerst.", buttons=(report,))) == (
        '<section class="section"><p>Meld het eerst.</p><div class="section-buttons">'
        '<button type="button" class="section-button primary" data-payload="pw1:4:report">'
        "Meld bij &lt;coördinator&gt;</button></div></section>")
    folded = Section("Tekst.", title="1. Stap", buttons=(report,), collapsed=True)
    assert section_html(folded).endswith(
        '</details><div class="section-buttons"><button type="button" class="section-button primary" '
        'data-payload="pw1:4:report">Meld bij &lt;coördinator&gt;</button></div></section>')


def test_a_collapsed_section_with_nothing_to_fold_is_drawn_open() -> None:
    assert section_html(Section(title="2. Niets meer", collapsed=True)) == (
        '<section class="section"><h3>2. Niets meer</h3></section>')


# -- forms and checklist actions -----------------------------------------------------------
def _report_form() -> Reply:
    guidance = "**Gebruik initialen**, geen namen."
    form = Form(
        "pw1:7:submit", "Melden bij de coördinator", "Melden",
        (FormField("what", "Wat is er gebeurd?", "Bijvoorbeeld: J. wordt uitgescholden.", required=True,
                   multiline=True, max_length=2000),
         FormField("where", "Waar?", max_length=500, value="Snapchat"),
         FormField("colleague_role", "Rol van de collega?", required=True,
                   options=(Option("", "Kies…"), Option("none", "Geen")))),
        intro=guidance, cancel=Button("pw1:7:steps", "Annuleren"))
    return Reply("Melden bij de coördinator", (Section(guidance, tone=Tone.WARNING),), form=form)


def test_form_golden() -> None:
    rendered = render_reply(_report_form())
    assert rendered["form"] == {
        "submit": "pw1:7:submit",
        "title": "Melden bij de coördinator",
        "submit_label": "Melden",
        "intro_html": "",  # the same guidance is the reply's first section: drawn once
        "fields": [
            {"name": "what", "label": "Wat is er gebeurd?", "hint": "Bijvoorbeeld: J. wordt uitgescholden.",
             "required": True, "multiline": True, "max_length": 2000, "options": [], "value": ""},
            {"name": "where", "label": "Waar?", "hint": "", "required": False, "multiline": False,
             "max_length": 500, "options": [], "value": "Snapchat"},
            {"name": "colleague_role", "label": "Rol van de collega?", "hint": "", "required": True,
             "multiline": False, "max_length": 500,
             "options": [{"value": "", "label": "Kies…"}, {"value": "none", "label": "Geen"}], "value": ""},
        ],
        "cancel": {"payload": "pw1:7:steps", "label": "Annuleren", "style": "default"},
    }
    assert rendered["html"] == (
        '<h2 class="headline">Melden bij de coördinator</h2><section class="section tone-warning">'
        "<p><strong>Gebruik initialen</strong>, geen namen.</p></section>"
    )


def test_form_intro_is_escaped_markup_when_not_already_shown() -> None:
    form = Form("inc:2026-0001:save", "Briefing", "Voorbeeld bekijken",
                (FormField("text", "Tekst", value=f"{SCRIPT} **niet vet**"),), intro=f"**Let op** {IMG}")
    rendered = render_reply(Reply("Briefing", form=form))["form"]
    assert rendered["intro_html"] == (
        "<p><strong>Let op</strong> &lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>"
    )
    # Labels and values are data for textContent and .value: never HTML, so never escaped here.
    assert rendered["fields"][0]["value"] == f"{SCRIPT} **niet vet**"
    assert rendered["cancel"] is None


def test_checklist_actions_are_buttons_next_to_their_items() -> None:
    section = Section(checklist=(
        ChecklistItem("no-copy", "1. Niet kopiëren", done=True, action=Button("inc:2026-0001:untick:no-copy",
                                                                             "1. Ongedaan")),
        ChecklistItem("talk", "2. Gesprek", owner="Mentor",
                      action=Button("inc:2026-0001:tick:talk", "2. Gedaan", ButtonStyle.PRIMARY)),
        ChecklistItem("closed", "3. Klaar"),
    ))
    assert section_html(section) == (
        '<section class="section"><ul class="checklist">'
        '<li class="done" data-id="no-copy"><label><input type="checkbox" disabled checked> 1. Niet kopiëren</label>'
        '<button type="button" class="item-action" data-payload="inc:2026-0001:untick:no-copy">1. Ongedaan</button>'
        "</li>"
        '<li class="open" data-id="talk"><label><input type="checkbox" disabled> 2. Gesprek '
        '<span class="owner">(Mentor)</span></label>'
        '<button type="button" class="item-action primary" data-payload="inc:2026-0001:tick:talk">2. Gedaan</button>'
        "</li>"
        '<li class="open" data-id="closed"><label><input type="checkbox" disabled> 3. Klaar</label></li>'
        "</ul></section>"
    )


def test_checklist_action_cannot_inject_html() -> None:
    item = ChecklistItem("x", "X", action=Button('p" onclick="alert(1)', SCRIPT))
    html = section_html(Section(checklist=(item,)))
    assert 'data-payload="p&quot; onclick=&quot;alert(1)"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</button>" in html
    assert "<script" not in html


def test_a_notification_whose_section_repeats_the_headline_shows_it_once() -> None:
    dm = Reply("**Urgent incident 2026-0001** voor jou.", (Section("**Urgent incident 2026-0001** voor jou."),))
    assert reply_html(dm) == '<section class="section"><p><strong>Urgent incident 2026-0001</strong> voor jou.</p>' \
                             "</section>"
    briefing = Reply("Teambriefing — X (incident 2026-0001)",
                     (Section("**Teambriefing — X** (incident 2026-0001)\n- Stuur niets door."),))
    assert "<h2" not in reply_html(briefing)
    steps = Reply("Stappen", (Section("Iets anders"),))
    assert reply_html(steps).startswith('<h2 class="headline">Stappen</h2>')
