"""Every reply the core can give fits in Slack: checked against Slack's limits with
slack_sdk's block models plus the limits they do not check (50 blocks, text lengths),
through the same validator the fake Web API enforces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.slack import mrkdwn
from adapters.slack.blocks import (
    FORM_CALLBACK,
    form_values,
    owner_of,
    render_modal,
    render_one,
    render_pages,
)
from adapters.slack.home import render_home
from bot.events import Command, ConversationKey, UserRef
from bot.incidents.listing import OpenIncident
from bot.messages import Button, ButtonStyle, ChecklistItem, Field, Form, FormField, Option, Reply, Section, Tone
from tests.fakes.slack_api import check_blocks
from tests.scenario.school import School, button, open_school


def assert_fits(reply: Reply) -> None:
    pages = render_pages(reply, owner="U123")
    for page in pages:
        problems = check_blocks(page.blocks, surface="message")
        assert not problems, (reply.text, problems)
        assert page.text and len(page.text) <= 40_000
    if reply.form is not None:
        view = render_modal(reply.form, metadata={"u": "U123", "c": "D1", "m": "1.2", "e": 0, "r": "", "t": "",
                                                  "x": "pw1:1:steps"}, lang=reply.lang)
        assert not check_blocks(view["blocks"], surface="modal")
        assert len(view["private_metadata"]) <= 3000
        assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24


async def walk(school: School, user: str, playbook: str) -> list[Reply]:
    """Open a protocol and answer its questions (every option of the first question, the
    first option after that), collecting every reply on the way, the all-steps view and
    the report form included."""
    key, who = ConversationKey("web", user, "dm"), UserRef("web", user)
    seen: list[Reply] = []
    [first] = await school.core.handle(Command(key, who, "open", playbook))
    seen.append(first)
    options = [b for b in first.choices if ":ans:" in b.payload]
    for option_index in range(max(1, len(options))):
        [reply] = await school.core.handle(Command(key, who, "open", playbook))
        options = [b for b in reply.choices if ":ans:" in b.payload]
        if options:
            [reply] = await school.press(user, options[option_index].payload)
            seen.append(reply)
        while [b for b in reply.choices if ":ans:" in b.payload]:
            [reply] = await school.press(user, [b for b in reply.choices if ":ans:" in b.payload][0].payload)
            seen.append(reply)
        seen.extend(await school.core.handle(Command(key, who, "all")))
        seen.extend(await school.core.handle(Command(key, who, "back")))
    if any("Meld bij" in b.label for b in reply.all_buttons()):
        seen.extend(await school.press(user, button(reply, "Meld bij coördinator").payload))
    return seen


async def test_every_playbook_reply_fits_in_slack(tmp_path: Path) -> None:
    school = await open_school(tmp_path)
    try:
        for n, playbook in enumerate(school.core.library.ids()):
            for reply in await walk(school, f"teacher{n}", playbook):
                assert_fits(reply)
        [menu] = await school.say("someone", "menu")
        assert_fits(menu)
    finally:
        await school.core.close()


async def test_the_incident_card_preview_and_dms_fit(tmp_path: Path) -> None:
    school = await open_school(tmp_path)
    try:
        number = await school.report("teacher", "er gaat een naaktfoto rond van een leerling",
                                     {"distress": "no", "minor": "yes", "staff": "no", "extortion": "no"},
                                     {"what": "Foto in groepsapp", "where": "WhatsApp", "since": "gisteren"})
        await school.work()
        assert school.platform.messages
        for reply in school.platform.messages.values():
            assert_fits(reply)
        await school.press("vp1", f"inc:{number}:ack")
        await school.work()
        for reply in await school.press("vp1", f"inc:{number}:brief"):
            assert_fits(reply)
        for reply in await school.press("vp1", f"inc:{number}:edit"):
            assert_fits(reply)
        for reply in await school.press("vp1", f"inc:{number}:close"):
            assert_fits(reply)
    finally:
        await school.core.close()


def test_a_reply_too_long_for_one_message_is_split_into_valid_pages() -> None:
    long = "\n\n".join(f"Alinea {i}: " + "woord " * 120 for i in range(12))
    reply = Reply("Alle stappen", tuple(Section(long, title=f"Stap {i}", fields=(Field("Wie", "Directie"),))
                                        for i in range(30)),
                  choices=tuple(Button(f"pw1:1:ans:q=o{i}", f"Optie {i}") for i in range(30)),
                  actions=(Button("pw1:1:menu", "Menu"),))
    pages = render_pages(reply)
    assert len(pages) > 1
    for page in pages:
        assert not check_blocks(page.blocks, surface="message")
    assert all(b["type"] != "actions" for page in pages[:-1] for b in page.blocks), "buttons come last"
    text = json.dumps([p.blocks for p in pages], ensure_ascii=False)
    assert "Alinea 11" in text and "Optie 29" in text, "nothing is dropped"


def test_labels_and_texts_past_slack_limits_are_shortened_not_rejected() -> None:
    reply = Reply("x" * 400, (Section("y" * 7000, title="t" * 200, footnote="z" * 4000,
                                      checklist=(ChecklistItem("s" * 300, "c" * 4000, "o", False,
                                                               Button("inc:2026-0001:tick:a", "b" * 100)),)),),
                  choices=(Button("p" * 1999, "l" * 200, ButtonStyle.PRIMARY),))
    for page in render_pages(reply):
        assert not check_blocks(page.blocks, surface="message")


def test_user_text_is_escaped_so_mentions_and_links_stay_text() -> None:
    typed = "<!channel> kijk <@U999> en <http://evil.example|klik> & meer"
    reply = Reply(typed, (Section(f"**Wat:** {typed}", fields=(Field("Waar", typed),)),))
    page = render_pages(reply)[0]
    parsed = [page.text, *mrkdwn_texts(page.blocks)]  # plain_text (the header) is never parsed by Slack
    dumped = "\n".join(parsed)
    assert "<!channel>" not in dumped and "<@U999>" not in dumped and "<http" not in dumped
    assert "&lt;!channel&gt;" in dumped and "&amp; meer" in dumped
    assert "*Wat:*" in dumped, "the core's bold still works"


def mrkdwn_texts(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "mrkdwn" else []
        return found + [t for value in node.values() for t in mrkdwn_texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    return []


def test_mrkdwn_in_and_out() -> None:
    assert mrkdwn.to_mrkdwn("**vet** en\n- punt") == "*vet* en\n• punt"
    slack_text = "<@U1|jan> zag <https://x.nl|dit> in <#C1|klas> &amp; <!here>"
    assert mrkdwn.plain(slack_text) == "@jan zag dit in #klas & @here"
    assert mrkdwn.without_mention("<@UBOT> wat nu?", "UBOT") == "wat nu?"


def test_conversation_buttons_carry_their_owner() -> None:
    reply = Reply("Vraag", (Section("?"),), choices=(Button("pw1:2:ans:q=a", "Ja"),))
    [actions] = [b for b in render_pages(reply, owner="U42")[0].blocks if b["type"] == "actions"]
    assert owner_of(actions["block_id"]) == "U42"
    assert actions["elements"][0]["value"] == "pw1:2:ans:q=a"


def test_a_form_becomes_a_modal_and_its_answers_come_back_by_name() -> None:
    form = Form("pw1:3:submit", "Melding aan de coördinator (lang)", "Melden",
                (FormField("what", "Wat", required=True, multiline=True, max_length=500),
                 FormField("colleague", "Rol", options=(Option("none", "Geen"), Option("directie", "Directie")),
                           value="directie")),
                intro="Geen namen.", cancel=Button("pw1:3:steps", "Annuleren"))
    view = render_modal(form, metadata={"u": "U1"}, lang="nl")
    assert view["callback_id"] == FORM_CALLBACK and view["notify_on_close"] is True
    assert not check_blocks(view["blocks"], surface="modal")
    select = view["blocks"][-1]["element"]
    assert select["initial_option"]["value"] == "directie"
    state = {"f.what": {"value": {"type": "plain_text_input", "value": "iets"}},
             "f.colleague": {"value": {"type": "static_select", "selected_option": {"value": "none"}}}}
    assert form_values(state) == {"what": "iets", "colleague": "none"}


@pytest.mark.parametrize("coordinator", [True, False])
def test_the_home_tab_fits(coordinator: bool) -> None:
    protocols = [(f"p{i}", f"Protocol nummer {i}") for i in range(12)]
    incidents = [OpenIncident(f"2026-{i:04d}", "Naaktbeeld van een leerling gaat rond", "Opgepakt", "J. de Vries",
                              i % 2 == 0, f"C{i:08d}", "nl") for i in range(20)] if coordinator else None
    view = render_home(protocols, incidents, lang="nl")
    assert not check_blocks(view["blocks"], surface="home")
    text = json.dumps(view)
    assert ("2026-0019" in text) is coordinator


def test_tones_are_marked() -> None:
    page = render_pages(Reply("Let op", (Section("Gevaar", tone=Tone.DANGER), Section("Info", tone=Tone.INFO))))[0]
    texts = [b["text"]["text"] for b in page.blocks if b["type"] == "section"]
    assert texts[0].startswith(":rotating_light:") and texts[1].startswith(":information_source:")


def test_a_card_too_long_for_one_message_is_shortened_but_keeps_every_button() -> None:
    items = tuple(ChecklistItem(f"s{i}", f"{i}. Stap " + "lang " * 40, "Directie", False,
                                Button(f"inc:2026-0001:tick:s{i}", f"Stap {i} gedaan")) for i in range(20))
    card = Reply("Incident 2026-0001", (Section("melding " * 900, title="Melding"), Section(title="Checklist",
                 checklist=items), Section("\n".join(f"- 10:{i:02d} · iets gebeurd " * 3 for i in range(40)),
                 title="Chronologie")), actions=(Button("inc:2026-0001:close", "Sluiten"),))
    assert len(render_pages(card)) > 1
    page = render_one(card)
    assert not check_blocks(page.blocks, surface="message")
    dumped = json.dumps(page.blocks, ensure_ascii=False)
    assert all(f"Stap {i} gedaan" in dumped for i in range(20)) and "Sluiten" in dumped
    assert "…" in dumped


def test_folded_steps_are_one_line_with_a_more_button_and_the_report_button_comes_first() -> None:
    """Slack cannot fold text: a step is its title with [Meer] beside it, which sends the text as a
    message of its own; the report button stands above the steps as well (issue #15)."""
    report = Button("pw1:4:report", "Meld bij coördinator", ButtonStyle.PRIMARY)
    reply = Reply("Cyberpesten — Stappen", (
        Section("Meld het eerst bij de coördinator; lees daarna de stappen.", buttons=(report,)),
        Section("Lange uitleg.\n\n- met een lijst", title="1. Luister · Iedere medewerker", collapsed=True,
                more=Button("pw1:4:more:listen", "Meer")),
        Section("Niet gevouwen", title="2. Zonder knop", collapsed=True),
    ), (report,))
    [page] = render_pages(reply, owner="U123")
    assert not check_blocks(page.blocks, surface="message")
    report_block, step, unfolded = page.blocks[2:5]
    assert report_block["type"] == "actions" and owner_of(report_block["block_id"]) == "U123"
    assert report_block["elements"][0]["value"] == "pw1:4:report"
    assert step["text"]["text"] == "*1. Luister · Iedere medewerker*" and "Lange uitleg" not in json.dumps(step)
    assert step["accessory"]["value"] == "pw1:4:more:listen" and owner_of(step["block_id"]) == "U123"
    assert step["accessory"]["action_id"].startswith("pw.")
    assert "Niet gevouwen" in unfolded["text"]["text"]  # nothing to tap: shown in full
