"""Every reply the core can give becomes valid Adaptive Cards 1.5 that fit in a Teams
message, keep every text (the safety lines visible on the first card), and let no typed
text become formatting; card actions decode back safely."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft6Validator

from adapters.teams import markup
from adapters.teams.cards import (
    CARD_TYPE,
    MAX_ACTIVITY_BYTES,
    CardAction,
    action_data,
    activity_size,
    button_action,
    card_activity,
    parse_action,
    render_cards,
    render_form,
    render_one,
)
from bot.conversation.state import ConversationState
from bot.events import ButtonPressed, Command, TextMessage
from bot.messages import Button, ButtonStyle, ChecklistItem, Field, Form, FormField, Option, Reply, Section, Tone
from tests.safety.walk import JURISDICTIONS, KEY, LANGS, USER, all_walks, engine, library
from tests.scenario.school import button, open_school

SCHEMA_NAME = "adaptive-card-1.5.schema.json"
REPO = Path(__file__).resolve().parents[3]
OWNER = "29:1a2b3c-teacher"


@cache
def validator() -> Draft6Validator:
    """The official 1.5 schema: vendored in the repository if it is, else ``../shared/schemas``."""
    for folder in (REPO / "adapters" / "teams" / "schemas", REPO / "tests" / "data",
                   REPO.parent / "shared" / "schemas"):
        if (folder / SCHEMA_NAME).exists():
            return Draft6Validator(json.loads((folder / SCHEMA_NAME).read_text(encoding="utf-8")))
    pytest.fail(f"{SCHEMA_NAME} not found")


def card_errors(card: dict[str, Any]) -> list[str]:
    stripped = {k: v for k, v in card.items() if k != "msteams"}  # allowed by Teams, not by the schema
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator().iter_errors(stripped)]


# -- checks shared by the tests ----------------------------------------------------------------
def nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from nodes(item)


def part_problems(part: dict[str, Any]) -> list[str]:
    """What the schema cannot say about one element: wrapped text, and well-formed buttons
    (an ``Action.Execute`` with verb, data and title, and an ``Action.Submit`` fallback
    with the same title and data plus the verb; no other ``Action.Submit``)."""
    problems = []
    typed = [n for n in nodes(part) if isinstance(n.get("type"), str)]
    for n in typed:
        if n["type"] == "TextBlock" and n.get("wrap") is not True:
            problems.append(f"unwrapped text {n['text'][:40]!r}")
        if n["type"] == "Action.Execute":
            fallback = n["fallback"] if isinstance(n.get("fallback"), dict) else {}
            if not (n.get("verb") in ("pw", "pwform") and isinstance(n.get("data"), dict) and 0 < len(n["title"]) <= 100
                    and fallback.get("type") == "Action.Submit" and fallback.get("title") == n["title"]
                    and fallback.get("data") == {**n["data"], "verb": n["verb"]}):
                problems.append(f"malformed button {n}")
    if sum(n["type"] == "Action.Submit" for n in typed) != sum(n["type"] == "Action.Execute" for n in typed):
        problems.append("an Action.Submit that is not a fallback")
    return problems


def card_problems(card: dict[str, Any], *, last: bool = True) -> list[str]:
    """:func:`part_problems`, plus unique ids, toggles that find their target, buttons on
    the last card only, version and fallback text."""
    problems = part_problems(card)
    typed = [n for n in nodes(card) if isinstance(n.get("type"), str)]
    ids = [n["id"] for n in typed if "id" in n]
    if len(ids) != len(set(ids)):
        problems.append(f"duplicate ids {ids}")
    for n in typed:
        if n["type"] == "Action.ToggleVisibility" and not set(n["targetElements"]) <= set(ids):
            problems.append(f"toggle without target {n['targetElements']}")
        if n["type"] == "Action.Execute" and not last:
            problems.append(f"a button above the last card: {n['title']}")
    if card.get("version") != "1.5" or not card.get("fallbackText"):
        problems.append("no version 1.5 or no fallbackText")
    return problems


_TEXT_KEYS = ("text", "title", "value", "fallbackText", "label", "placeholder", "errorMessage", "p", "o", "s", "x",
              "lang", "id", "tooltip")
_STRING = re.compile(r'"(' + "|".join(_TEXT_KEYS) + r')": "(?:[^"\\]|\\.)*"')
_TARGETS = re.compile(r'"targetElements": \[[^\]]*\]')


@dataclass(frozen=True)
class Part:
    """What the checks need to know of one body element or card action."""

    errors: tuple[str, ...]
    problems: tuple[str, ...]
    ids: tuple[str, ...]
    targets: tuple[str, ...]
    buttons: int
    visible: frozenset[str]
    hidden: frozenset[str]


class Checker:
    """The checks of :func:`assert_valid` for ten thousand screens in seconds.

    The schema validates a card's frame, each body element and each action independently,
    and no free string in it has a pattern or enum; so a card is valid when its frame and
    each part are, and a part's validity follows from its shape (strings blanked). Each
    distinct part is examined once and each distinct shape validated once; what spans the
    card (unique ids, toggle targets, buttons on the last card) is checked per card."""

    def __init__(self) -> None:
        self.parts: dict[bytes, Part] = {}
        self.shapes: dict[str, tuple[str, ...]] = {}

    def _errors(self, card: dict[str, Any], dumped: str) -> tuple[str, ...]:
        shape = _TARGETS.sub('"targetElements": ["x"]', _STRING.sub(r'"\1": ""', dumped))
        if shape not in self.shapes:
            self.shapes[shape] = tuple(card_errors(card))
        return self.shapes[shape]

    def part(self, element: dict[str, Any], key: str) -> Part:
        dumped = json.dumps(element, sort_keys=True)
        digest = hashlib.blake2b(dumped.encode(), digest_size=16).digest()
        if digest not in self.parts:
            mini = {"type": "AdaptiveCard", "version": "1.5", key: [element]}
            typed = [n for n in nodes(element) if isinstance(n.get("type"), str)]
            visible, hidden = shown_lines(mini)
            self.parts[digest] = Part(
                self._errors(mini, dumped), tuple(part_problems(element)), tuple(n["id"] for n in typed if "id" in n),
                tuple(t for n in typed if n["type"] == "Action.ToggleVisibility" for t in n["targetElements"]),
                sum(n["type"] == "Action.Execute" for n in typed), frozenset(visible), frozenset(hidden))
        return self.parts[digest]

    def check(self, cards: list[dict[str, Any]]) -> tuple[list[str], list[tuple[frozenset[str], frozenset[str]]]]:
        """Problems, and each card's (visible, folded) lines."""
        problems: list[str] = []
        shown = []
        for n, card in enumerate(cards):
            frame = {k: v for k, v in card.items() if k not in ("body", "actions")}
            problems += self._errors(frame, json.dumps(frame, sort_keys=True))
            if card.get("version") != "1.5" or not card.get("fallbackText"):
                problems.append("no version 1.5 or no fallbackText")
            parts = [self.part(e, "body") for e in card["body"]] + [self.part(a, "actions")
                                                                    for a in card.get("actions", [])]
            ids = [i for part in parts for i in part.ids]
            if len(ids) != len(set(ids)):
                problems.append(f"card {n + 1}: duplicate ids")
            if not {t for part in parts for t in part.targets} <= set(ids):
                problems.append(f"card {n + 1}: a toggle without its target")
            if n < len(cards) - 1 and any(part.buttons for part in parts):
                problems.append(f"card {n + 1}: a button above the last card")
            problems += [p for part in parts for p in (*part.errors, *part.problems)]
            shown.append((frozenset().union(*(p.visible for p in parts)),
                          frozenset().union(*(p.hidden for p in parts))))
        return problems, shown


@cache
def unmark(text: str) -> str:
    """What a reader sees of a TextBlock text, for comparison with the core's text."""
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text.replace(markup.JOINER, ""))
    for mark in ("⚠️ ", "🚨 ", "ℹ️ "):
        text = text.removeprefix(mark)
    return " ".join(text.replace("**", "").split())


def shown_lines(card: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Every line of text on a card, unescaped: (visible, hidden in a folded container)."""
    visible: set[str] = set()
    hidden: set[str] = set()

    def visit(node: Any, folded: bool) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item, folded)
            return
        if not isinstance(node, dict):
            return
        folded = folded or node.get("isVisible") is False
        target = hidden if folded else visible
        if node.get("type") == "TextBlock":
            target.update(unmark(line) for line in node["text"].split("\n"))
        for fact in node.get("facts", []):
            target.add(unmark(fact["title"]))
            target.update(unmark(line) for line in fact["value"].split("\n"))
        for key in ("body", "items", "columns", "actions"):
            visit(node.get(key), folded)
        if node.get("type") == "Action.Execute":
            target.add(node["title"])

    visit(card, False)
    return visible, hidden


@cache
def expected_lines(section: Section) -> frozenset[str]:
    lines = [section.title, *section.text.split("\n"), *section.footnote.split("\n")]
    lines += [text for f in section.fields for text in (f.label, *f.value.split("\n"))]
    lines += [text for item in section.checklist for text in (item.text, item.owner)]
    return frozenset(" ".join(line.replace("**", "").split()) for line in lines if line.strip())


def fits(cards: list[dict[str, Any]]) -> list[str]:
    return [f"card {n + 1} is {size} bytes" for n, card in enumerate(cards)
            if (size := activity_size(card_activity(card))) > MAX_ACTIVITY_BYTES]


def assert_valid(reply: Reply) -> list[dict[str, Any]]:
    cards = render_cards(reply, owner=OWNER)
    for n, card in enumerate(cards):
        assert not card_errors(card), (reply.text, card_errors(card)[:5])
        assert not card_problems(card, last=n == len(cards) - 1), (reply.text, card_problems(card)[:5])
    assert not fits(cards), (reply.text, fits(cards))
    return cards


# -- every screen of every playbook --------------------------------------------------------------
def extra_screens() -> Iterator[Reply]:
    """Screens a walk does not reach: the menu, suggestions, and every protocol opened after
    a question that spoke of a sexual image (the no-copy rule first)."""
    for jurisdiction in JURISDICTIONS:
        eng = engine(jurisdiction)
        for lang in LANGS:
            yield from eng.decide(ConversationState(lang=lang), Command(KEY, USER, "menu")).replies
            yield from eng.decide(ConversationState(lang=lang), TextMessage(KEY, USER, "iets met een leerling")).replies
            for playbook_id in library().ids_for(jurisdiction):
                state = ConversationState(lang=lang, sexual_hint=True)
                yield from eng.decide(state, ButtonPressed(KEY, USER, f"pw1:0:pick:{playbook_id}")).replies


@cache
def screens() -> tuple[tuple[Reply, bool], ...]:
    """Every distinct reply on every answer path (both languages and jurisdictions) plus
    the extra screens; the flag marks a protocol's first screen (the do-now answer)."""
    seen: dict[str, tuple[Reply, bool]] = {}
    for walk in all_walks():
        for index, reply in enumerate(walk.replies):
            seen.setdefault(repr(reply), (reply, index == 0))
    for reply in extra_screens():
        seen.setdefault(repr(reply), (reply, True))
    return tuple(seen.values())


NO_COPY = {"nl": "ook niet als bewijs", "en": "not even as evidence"}


def test_every_screen_of_every_playbook_is_a_valid_card_that_fits_and_keeps_its_texts() -> None:
    """Valid, within the size limit, buttons on the last card; every line of every
    section on a card (unfolded sections visible); the 112 line and, on a protocol's first
    screen, the no-copy rule visible on the first card; every button there."""
    checker = Checker()
    problems: list[str] = []
    for reply, first_screen in screens():
        cards = render_cards(reply, owner=OWNER)
        where = f"{reply.text[:60]!r} [{reply.lang}]"
        found, shown = checker.check(cards)
        problems += [f"{where}: {p}" for p in (*fits(cards), *found)]
        everything = frozenset().union(*(v | h for v, h in shown))
        visible = frozenset().union(*(v for v, _ in shown))
        for section in reply.sections:
            lines = expected_lines(section)
            problems += [f"{where}: lost {line[:80]!r}" for line in lines if line not in everything][:2]
            if not section.collapsed:
                problems += [f"{where}: folded {line[:80]!r}" for line in lines if line not in visible][:2]
            if "**112**" in section.text and not lines <= shown[0][0]:
                problems.append(f"{where}: the 112 line is not visible on the first card")
            if first_screen and not section.collapsed and NO_COPY[reply.lang] in section.text.lower() \
                    and not lines <= shown[0][0]:
                problems.append(f"{where}: the no-copy rule is not visible on the first card")
        labels = {" ".join(b.label.split())[:90] for b in reply.all_buttons()}
        problems += [f"{where}: button {label!r} lost" for label in labels - {t[:90] for t in visible}]
    assert not problems, "\n".join(sorted(set(problems))[:40])
    assert len(screens()) > 1000


@pytest.mark.parametrize("jurisdiction", ["nl", "vl", None])
@pytest.mark.parametrize("lang", LANGS)
def test_the_all_steps_view_of_every_playbook_is_split_into_valid_cards(lang: str, jurisdiction: str | None) -> None:
    """The largest screens (every step of a protocol; with an unknown jurisdiction, both
    countries' steps), validated whole: order kept, buttons and 112 line where they belong."""
    eng = engine(jurisdiction)
    for playbook_id in library().ids_for(jurisdiction):
        opened = eng.decide(ConversationState(lang=lang), ButtonPressed(KEY, USER, f"pw1:0:pick:{playbook_id}"))
        [reply] = eng.decide(opened.state, Command(KEY, USER, "all")).replies
        cards = assert_valid(reply)
        dumped = json.dumps(cards, ensure_ascii=False)
        positions = [dumped.find(json.dumps(markup.inline(f"**{s.title}**"), ensure_ascii=False)[1:-1])
                     for s in reply.sections if s.title]
        assert -1 not in positions and positions == sorted(positions), (playbook_id, "sections lost or reordered")
        assert all("actions" not in card for card in cards[:-1]) and "actions" in cards[-1]
        assert any("112" in line for line in shown_lines(cards[0])[0])


# -- the incident: report form, card, coordinator messages, briefing ------------------------------
async def test_the_report_form_incident_card_and_briefing_are_valid_cards(tmp_path: Path) -> None:
    school = await open_school(tmp_path)
    try:
        steps = await school.triage("teacher", "er gaat een naaktfoto rond van een leerling",
                                    {"distress": "no", "minor": "yes", "staff": "yes", "extortion": "no"})
        [form_reply] = await school.press("teacher", button(steps, "Meld bij coördinator").payload)
        form = form_reply.form
        assert form is not None and form.fields[-1].name == "colleague_role"
        card = render_form(form, owner=OWNER, lang="nl")
        assert not card_errors(card) and not card_problems(card) and not fits([card])
        role = next(e for e in card["body"] if e.get("id") == "f.colleague_role")
        assert role["placeholder"]
        assert role["isRequired"] and "value" not in role and all(c["value"] for c in role["choices"])

        [remark] = await school.submit("teacher", form.submit, {"what": " ", "where": "Snapchat"})
        assert remark.ephemeral
        field = remark.meta["field"]
        card = render_form(form, owner=OWNER, lang="nl", errors={field: remark.text}, values={"where": "Snapchat"})
        body = card["body"]
        index = next(i for i, e in enumerate(body) if e.get("id") == f"f.{field}")
        assert body[index + 1]["color"] == "Attention" and unmark(body[index + 1]["text"]) == unmark(remark.text)
        assert next(e for e in body if e.get("id") == "f.where")["value"] == "Snapchat"
        assert not card_errors(card) and not card_problems(card)

        number = await school.report("teacher2", "er gaat een naaktfoto rond van een leerling",
                                     {"distress": "no", "minor": "yes", "staff": "no", "extortion": "no"},
                                     {"what": "Foto in groepsapp [klik](http://x.example) <at>vp1</at>",
                                      "where": "WhatsApp", "since": "gisteren"})
        await school.work()
        await school.press("vp1", f"inc:{number}:ack")
        await school.work()
        replies = list(school.platform.messages.values())
        for verb in ("brief", "edit", "close"):
            replies += await school.press("vp1", f"inc:{number}:{verb}")
        for reply in replies:
            assert_valid(reply)
            if reply.form is not None:
                card = render_form(reply.form, owner="29:vp1", lang=reply.lang)
                assert not card_errors(card) and not card_problems(card) and not fits([card])
        incident = school.platform.current(f"incident-{number}")[0]
        [one] = render_cards(incident)
        assert render_one(incident) == one
        assert "](" not in json.dumps(one) and "<at>" not in json.dumps(one)
    finally:
        await school.core.close()


def test_a_huge_incident_card_stays_one_card_with_every_button() -> None:
    items = tuple(ChecklistItem(f"s{i}", f"{i}. Stap " + "lang " * 40, "Directie", False,
                                Button(f"inc:2026-0001:tick:s{i}", f"{i}. Gedaan")) for i in range(30))
    card = Reply("Incident 2026-0001", (Section("melding " * 9000, title="Melding"), Section(title="Checklist",
                 checklist=items), Section("\n".join(f"- 10:{i:02d} · iets gebeurd " * 3 for i in range(40)),
                 title="Chronologie")), actions=(Button("inc:2026-0001:close", "Sluiten", ButtonStyle.DANGER),))
    assert len(render_cards(card)) > 1
    one = render_one(card)
    assert not card_errors(one) and not card_problems(one) and not fits([one])
    titles = [n["title"] for n in nodes(one) if n.get("type") == "Action.Execute"]
    assert titles == [f"{i}. Gedaan" for i in range(30)] + ["Sluiten"]
    assert "…" in json.dumps(one, ensure_ascii=False)


# -- splitting, layout, escaping -----------------------------------------------------------------
def test_a_reply_too_big_for_one_message_is_split_in_order_with_buttons_last() -> None:
    long = "\n\n".join(f"Alinea {i}: " + "woord " * 300 + "\n- punt een\n- punt twee" for i in range(12))
    reply = Reply("Alle stappen", tuple(Section(long, title=f"Stap {i}", fields=(Field("Wie", "Directie"),),
                                                collapsed=i % 2 == 0, footnote="Alleen als: ja")
                                        for i in range(30)) + (Section("x" * 200_000, title="Enorm"),),
                  choices=tuple(Button(f"pw1:1:ans:q=o{i}", f"Optie {i}") for i in range(30)),
                  actions=(Button("pw1:1:menu", "Menu"),))
    cards = render_cards(reply, owner=OWNER)
    assert len(cards) > 5
    for n, card in enumerate(cards):
        assert not card_errors(card) and not card_problems(card, last=n == len(cards) - 1)
    assert not fits(cards)
    dumped = json.dumps(cards, ensure_ascii=False)
    order = [dumped.find(f"**Stap {i}**") for i in range(30)] + [dumped.find("**Enorm**")]
    assert -1 not in order and order == sorted(order)
    assert [n["title"] for n in nodes(cards[-1]) if n.get("type") == "Action.Execute"] == \
        [f"Optie {i}" for i in range(30)] + ["Menu"]
    assert dumped.count("x") >= 200_000, "nothing is dropped"
    assert cards[1]["fallbackText"].startswith("Alle stappen (deel 2 van")


def test_sections_become_styled_containers_facts_checklists_and_folds() -> None:
    reply = Reply("Incident", (
        Section("**Acuut gevaar**? Bel **112**.", tone=Tone.DANGER),
        Section("Let op", tone=Tone.WARNING), Section("- eerste\n- tweede", tone=Tone.INFO),
        Section("Wat je doet.\nNog een regel.", title="3. Stap", fields=(Field("Wie", "Mentor"),), collapsed=True,
                footnote="Alleen als: x"),
        Section(title="Checklist", checklist=(ChecklistItem("a", "1. Bellen", "Directie", True,
                                                            Button("inc:1:untick:a", "1. Ongedaan")),))),
        choices=(Button("p1", "Ja", ButtonStyle.PRIMARY), Button("p2", "Nee", ButtonStyle.DANGER)),
        actions=(Button("p3", "Menu"),), lang="en")
    [card] = assert_valid(reply)
    body = card["body"]
    assert body[0]["style"] == "heading" and [b.get("style") for b in body[1:6]] == \
        ["attention", "warning", "accent", None, None]
    assert body[1]["items"][0]["text"] == "🚨 **Acuut gevaar**? Bel **112**."
    assert body[3]["items"][0]["text"] == "- eerste\n- tweede", "a list keeps its first bullet"
    # A folded step is one row, its title and "More"; a tap anywhere on it unfolds the rest.
    row, hidden = body[4]["items"]
    assert row["selectAction"] == {"type": "Action.ToggleVisibility", "title": "More", "targetElements": ["s3.more"]}
    assert row["columns"][0]["items"][0]["text"] == "**3. Stap**" and row["columns"][1]["items"][0]["text"] == "More"
    assert hidden["isVisible"] is False and hidden["items"][2]["facts"] == [{"title": "Wie", "value": "Mentor"}]
    assert [t["text"] for t in hidden["items"] if "text" in t] == ["Wat je doet.", "Nog een regel.", "Alleen als: x"]
    row = body[5]["items"][1]["columns"]
    assert row[0]["items"][0]["text"] == "☑" and row[1]["items"][1]["text"] == "Directie"
    assert row[2]["items"][0]["actions"][0]["data"] == action_data("p", "inc:1:untick:a", OWNER)
    yes, no = (body[6]["actions"][0], body[7]["actions"][0])
    assert (yes["style"], no["style"], yes["data"]) == ("positive", "destructive", action_data("p", "p1", OWNER))
    assert card["actions"][0]["data"] == {"pw": "p", "p": "p3", "o": OWNER} and card["lang"] == "en"


def test_an_ephemeral_remark_or_notification_shows_its_text_once() -> None:
    [remark] = assert_valid(Reply("Deze knop is verlopen.", (Section("Deze knop is verlopen."),), ephemeral=True))
    assert [e["items"][0]["text"] for e in remark["body"]] == ["Deze knop is verlopen."]
    [note] = assert_valid(Reply("Incident 2026-0042: pak je dit op?", (Section(
        "**Incident 2026-0042: pak je dit op?**\n\nEen melding wacht."),),
        choices=(Button("inc:1:ack", "Ik pak dit op"),)))
    assert "heading" not in json.dumps(note["body"])


TYPED = ("[klik](http://evil.example) <at>Jan</at> **echt vet** _schuin_ *ster* `code` ~~weg~~ "
         "{{DATE(2026-01-01T00:00:00Z)}}")


def test_typed_text_never_becomes_links_mentions_or_formatting() -> None:
    reply = Reply(TYPED, (Section(f"**Wat:** {TYPED}\n# kop\n> citaat\n1. lijst\n---\n- punt [x][y]\n\n[y]: http://e",
                                  title=TYPED, fields=(Field(TYPED, TYPED),), footnote=TYPED),),
                  choices=(Button("p", TYPED),))
    [card] = assert_valid(reply)
    texts = [n.get("text") or n.get("value") or "" for n in nodes(card["body"]) if n.get("type") in (None, "TextBlock")]
    texts += [f["title"] for n in nodes(card["body"]) for f in n.get("facts", [])]
    joined = "\n".join(texts)
    assert "](" not in joined and "][" not in joined and "]:" not in joined and "<at" not in joined
    assert "{{" not in joined and "~~" not in joined
    assert "\\_schuin\\_" in joined and "\\*ster\\*" in joined and "\\`code\\`" in joined
    assert "**Wat:**" in joined and "**echt vet**" in joined, "the core's bold still works"
    assert card["fallbackText"].startswith("[klik]\u2060(") and "<\u2060at>" in card["fallbackText"]
    assert card_activity(card)["summary"].startswith("[klik](http"), "the notification is plain text"
    title = button_action(Button("p", TYPED), owner="")["title"]
    assert len(title) <= 100 and "**" not in title and title.startswith("[klik](http")


def test_escaped_text_renders_as_itself_in_a_commonmark_parser() -> None:
    """The desktop and web renderers are CommonMark-like: nothing typed becomes a link,
    emphasis, heading, quote, list, rule, table, code or strikethrough; bold stays bold."""
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    lines = [TYPED.replace("**", ""), "# kop", "> citaat", "1. lijst", "3) lijst", "+ lijst", "---", "===",
             "| a | b |", "|---|---|", "[y]: http://e", "<http://auto.example>", "<b>vet</b>", "\\*al ontsnapt\\*",
             "a_b_c", "~~~", "```"]
    for line in lines:
        html = parser.render(markup.inline(line))
        assert re.fullmatch(r"<p>[^<]*</p>\n", html.replace("\u2060", "")), (line, html)
    html = parser.render("\n".join(markup.blocks("**Wat:** iets\n- een _x_\n- twee", 3000)[0]))
    assert "<strong>Wat:</strong>" in html and "<li>een _x_</li>" in html and "<em>" not in html


# -- forms ---------------------------------------------------------------------------------------
FORM = Form("pw1:3:submit", "Melding aan de coördinator", "Melden",
            (FormField("what", "Wat", "Geen namen.", required=True, multiline=True, max_length=2000),
             FormField("where", "Waar", max_length=10, value="Instagram en meer"),
             FormField("role", "Rol", options=(Option("", "Kies…"), Option("none", "Geen"), Option("dir", "Directie"))),
             FormField("kind", "Soort", options=(Option("a", "A"), Option("b", "B")))),
            intro="**Geen namen**, geen beelden.", cancel=Button("pw1:3:steps", "Annuleren"))


def test_a_form_is_a_card_with_labelled_inputs_errors_and_two_buttons() -> None:
    card = render_form(FORM, owner=OWNER, lang="nl", errors={"role": "Kies een rol.", "other": "Er ging iets mis."},
                       values={"what": "iets", "role": "dir"})
    assert not card_errors(card) and not card_problems(card) and not fits([card])
    body = card["body"]
    assert body[0]["text"] == "Melding aan de coördinator" and body[1]["style"] == "warning"
    assert body[2]["text"] == "Er ging iets mis." and body[2]["color"] == "Attention"
    inputs = {e["id"]: e for e in body if "id" in e}
    assert inputs["f.what"] == {"type": "Input.Text", "id": "f.what", "label": "Wat", "isMultiline": True,
                                "maxLength": 2000, "value": "iets", "isRequired": True,
                                "errorMessage": "Vul dit veld in."}
    assert inputs["f.where"]["value"] == "Instagram " and "isRequired" not in inputs["f.where"]
    role = inputs["f.role"]
    assert (role["style"], role["placeholder"], role["isRequired"], role["value"]) == ("compact", "Kies…", True, "dir")
    assert [c["value"] for c in role["choices"]] == ["none", "dir"]
    assert body[body.index(role) + 1]["text"] == "Kies een rol."
    assert inputs["f.kind"]["value"] == "a" and "isRequired" not in inputs["f.kind"]
    submit, cancel = card["actions"]
    assert (submit["verb"], submit["data"]) == ("pwform", {"pw": "form", "s": "pw1:3:submit", "o": OWNER,
                                                           "x": "pw1:3:steps"})
    assert submit["fallback"]["data"]["verb"] == "pwform"
    assert cancel["data"] == action_data("p", "pw1:3:steps", OWNER) and cancel["associatedInputs"] == "None"
    assert cancel["fallback"]["associatedInputs"] == "None"


# -- card actions coming back ----------------------------------------------------------------------
def test_buttons_and_forms_round_trip_through_both_action_shapes() -> None:
    [card] = render_cards(Reply("Vraag", (Section("?"),), choices=(Button("pw1:2:ans:q=a", "Ja"),)), owner=OWNER)
    execute = next(n for n in nodes(card) if n.get("type") == "Action.Execute")
    invoke = {"action": {"type": "Action.Execute", "verb": execute["verb"], "data": execute["data"]},
              "trigger": "manual"}
    assert parse_action(invoke) == parse_action(execute["fallback"]["data"]) == CardAction("p", "pw1:2:ans:q=a",
                                                                                           OWNER)
    menu = button_action(Button("cyberpesten", "Cyberpesten"), owner="", kind="open")
    assert parse_action(menu["fallback"]["data"]) == CardAction("open", "cyberpesten", "")
    form = render_form(FORM, owner=OWNER, lang="en")
    submit = form["actions"][0]
    merged = {**submit["data"], "f.what": "iets", "f.role": "dir", "f.x" * 3: "y", "other": "z"}
    expected = CardAction("form", "pw1:3:submit", OWNER, "pw1:3:steps", {"what": "iets", "role": "dir", "xf.xf.x": "y"})
    assert parse_action({"action": {"type": "Action.Execute", "verb": "pwform", "data": merged}}) == expected
    assert parse_action({**merged, "verb": "pwform"}) == expected


@pytest.mark.parametrize("value", [
    None, [], "pw", 42, {}, {"action": None}, {"action": []}, {"action": {"verb": "pw"}},
    {"action": {"type": "Action.Submit", "verb": "pw", "data": {"pw": "p", "p": "x", "o": ""}}},
    {"action": {"verb": "pw", "data": "pw"}}, {"verb": "pw"}, {"verb": "pw", "pw": "p"},
    {"verb": "pw", "pw": "p", "p": 5, "o": ""}, {"verb": "pw", "pw": "p", "p": "x", "o": ["U1"]},
    {"verb": "pw", "pw": "form", "s": "x", "o": ""}, {"verb": "pwform", "pw": "p", "p": "x", "o": ""},
    {"verb": "pwform", "pw": "form", "o": ""}, {"verb": "pwform", "pw": "form", "s": "x", "x": 1},
    {"verb": "other", "pw": "p", "p": "x", "o": ""}, {"verb": "pw", "pw": "delete", "p": "x", "o": ""},
    {"verb": "pw", "pw": ["p"], "p": "x"}, {"verb": "pw", "pw": {"p": 1}, "p": "x"}, {"verb": ["pw"], "pw": "p"},
    {"action": {"type": "Action.Execute", "verb": {"pw": 1}, "data": {"pw": "p", "p": "x"}}},
    {"msteams": {"type": "messageBack"}, "text": "hi"},
])
def test_foreign_or_malformed_action_values_are_none(value: Any) -> None:
    assert parse_action(value) is None


def test_huge_action_values_are_truncated() -> None:
    action = parse_action({"verb": "pw", "pw": "p", "p": "x" * 100_000, "o": "o" * 100_000})
    assert action is not None and len(action.payload) == 2000 and len(action.owner) == 2000
    values = {f"f.{i}": "v" * 100_000 for i in range(200)}
    form = parse_action({"verb": "pwform", "pw": "form", "s": "s", "o": "", "x": "", **values, "f.n": 7})
    assert form is not None and len(form.values) == 50 and {len(v) for v in form.values.values()} == {4000}


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30) | st.sampled_from(
                               ["pw", "pwform", "p", "open", "resume", "form", "Action.Execute", "Action.Submit"]),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                               st.sampled_from(["action", "verb", "data", "pw", "p", "o", "s", "x", "f.a", "type"]),
                               inner, max_size=6), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_no_action_value_makes_the_parser_raise(value: Any) -> None:
    parsed = parse_action(value)
    assert parsed is None or (isinstance(parsed.payload, str) and parsed.kind in ("p", "open", "resume", "form"))


def test_an_activity_carries_the_card_and_a_plain_summary() -> None:
    [card] = render_cards(Reply("**Naaktbeeld** — Stappen", (Section("x"),)))
    activity = card_activity(card)
    assert activity == {"type": "message", "attachments": [{"contentType": CARD_TYPE, "content": card}],
                        "summary": "Naaktbeeld — Stappen"}
    assert card_activity(card, text="hoi")["text"] == "hoi"
    assert activity_size(activity) == len(json.dumps(activity).encode("utf-16-le"))
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json" and card["msteams"] == {
        "width": "Full"}
