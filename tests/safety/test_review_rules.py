"""Safety rules for what the independent safeguarding review found (issue 10), checked on
every answer path of every playbook, in both languages and both jurisdictions.

MUST 1  staff involvement on sexual-image paths: the staff question is asked, the report
        form asks the suspect's role, the plan reaches the board (NL) and never the suspect.
MUST 2  acute distress: asked early, "yes" says what to do now and makes the report urgent;
        a compact 112 line on every screen; "do not call the parents" only with honour risk.
MUST 3/5 nobody but designated staff is asked to report sexual content (or, with honour
        risk, any content); the team hears "niet opzoeken, niet bekijken, niet delen".
MUST 4  a suspected colleague with criminal conduct: police first, no talk and no platform
        report before.
MUST 6  the sexual check comes before any screenshot advice, and a typed question with
        sexual words gets the no-copy rule first on any protocol.

Each test collects every violation before failing, so one run shows them all.
"""

from __future__ import annotations

import re
import tempfile
from functools import cache
from pathlib import Path

import pytest

from bot.conversation.state import ConversationState
from bot.directory import SchoolDirectory, load_directory
from bot.events import ButtonPressed, TextMessage
from bot.incidents import reporting
from bot.incidents.form import asks_colleague_role
from bot.notify import briefing
from bot.playbooks import paths
from bot.playbooks.schema import Playbook
from tests.safety.walk import (
    JURISDICTIONS,
    KEY,
    LANGS,
    USER,
    Walk,
    all_walks,
    engine,
    library,
    reply_text,
    sentences,
    shown_sections,
)
from tests.scenario.school import SCHOOL_YAML

NEGATION = re.compile(r"\b(niet|geen|nooit|niets|niemand|zonder|not|never|no|nothing|nobody|don't|without)\b",
                      re.IGNORECASE)


@cache
def school(jurisdiction: str) -> SchoolDirectory:
    """The scenario tests' school (every role, escalation vertrouwenspersoon -> directie -> bestuur)."""
    path = Path(tempfile.mkdtemp()) / "school.yaml"
    path.write_text(SCHOOL_YAML.replace("jurisdiction: nl", f"jurisdiction: {jurisdiction}"), encoding="utf-8")
    directory, problems = load_directory(path)
    assert directory is not None and problems == [], problems
    return directory


def effective(walk: Walk) -> dict[str, str]:
    return {"jurisdiction": walk.jurisdiction, **dict(walk.answers)}


def playbook_of(walk: Walk) -> Playbook:
    found = library().get(walk.playbook)
    assert found is not None
    return found


def sexual_path(playbook: Playbook, answers: dict[str, str]) -> bool:
    return playbook.sexual_image_when is not None and paths.holds(playbook.sexual_image_when, answers)


def suspect_path(playbook: Playbook, answers: dict[str, str]) -> bool:
    return playbook.colleague_suspected_when is not None and paths.holds(playbook.colleague_suspected_when, answers)


# -- MUST 1 ------------------------------------------------------------------------------------

NO_COPY_TITLE = "Niet kopiëren, alleen noteren en melden"


def test_every_no_copy_path_is_declared_a_sexual_image_path() -> None:
    """A path that shows the no-copy module is a sexual-image path, so the rules below reach it."""
    problems = set()
    for walk in all_walks():
        playbook, answers = playbook_of(walk), effective(walk)
        titles = {step.title.nl for step in paths.applicable_steps(playbook, answers)}
        if NO_COPY_TITLE in titles and not sexual_path(playbook, answers):
            problems.add(f"{walk.playbook}: {dict(walk.answers)} shows the no-copy step but sexual_image_when "
                         f"does not hold")
    assert not problems, "\n".join(sorted(problems)[:30])


def test_sexual_image_paths_ask_about_staff_and_keep_the_suspect_out() -> None:
    """On every sexual-image path the staff question is asked; where staff is involved the
    form asks the suspect's role, the plan reaches the board in NL (the school leadership or,
    when it is suspected, the board in Flanders) and no holder of the suspect's role is pinged,
    invited or given access."""
    problems = []
    for walk in all_walks():
        playbook, answers = playbook_of(walk), effective(walk)
        if not sexual_path(playbook, answers) or walk.lang != "nl":
            continue
        staff_questions = set(playbook.colleague_suspected_when or {})
        if not staff_questions & set(answers):
            problems.append(f"{walk.label()}: no staff question asked on a sexual-image path")
            continue
        if not suspect_path(playbook, answers):
            continue
        if not asks_colleague_role(playbook, answers):
            problems.append(f"{walk.label()}: the report form does not ask the suspect's role")
        directory = school(walk.jurisdiction)
        for suspect in ["none", *directory.roles]:
            plan = reporting.plan(playbook, answers, directory, skip=suspect)
            reached = set(plan.roles)
            if walk.jurisdiction == "nl" and suspect != "bestuur" and "bestuur" not in reached:
                problems.append(f"{walk.label()} suspect={suspect}: the board is not reported to ({plan.roles})")
            if walk.jurisdiction == "vl" and not reached & {"directie", "bestuur"} - {suspect}:
                problems.append(f"{walk.label()} suspect={suspect}: neither leadership nor board ({plan.roles})")
            if not plan.urgent:
                problems.append(f"{walk.label()} suspect={suspect}: not urgent")
            everyone = {*plan.roles, *plan.member_roles, *plan.access_roles, *plan.chain_roles}
            if suspect in everyone:
                problems.append(f"{walk.label()}: the suspect's role {suspect} would hear of it")
    assert not problems, "\n".join(problems[:40])


C05 = {"nl": (["bestuur", "vertrouwensinspecteur", "aangifte"], ["niet genoeg", "bezwaren van ouders"]),
       "en": (["board", "confidential inspector", "police report"], ["not enough", "objections"])}


def test_dutch_staff_paths_on_sexual_images_follow_c05() -> None:
    """NL: board -> vertrouwensinspecteur -> police report, in that order in the section that
    gives the route; informing only the leadership is not enough; parents cannot stop it."""
    problems = []
    for walk in all_walks():
        playbook, answers = playbook_of(walk), effective(walk)
        if walk.jurisdiction != "nl" or not (sexual_path(playbook, answers) and suspect_path(playbook, answers)):
            continue
        order, needed = C05[walk.lang]
        route = [s.text.lower() for r in walk.replies[:-1] for s in r.sections if order[1] in s.text.lower()]
        if not route:
            problems.append(f"{walk.label()}: no section gives the route to the {order[1]}")
            continue
        text = route[0]
        positions = [text.find(word) for word in order]
        if -1 in positions or positions != sorted(positions):
            problems.append(f"{walk.label()}: order {list(zip(order, positions, strict=True))}")
        problems += [f"{walk.label()}: missing '{w}'" for w in needed if w not in text]
    assert not problems, "\n".join(problems[:30])


# -- MUST 2 ------------------------------------------------------------------------------------

#: Protocols about a pupil as (possible) victim (docent-meme: the pupil possibly on a sexual
#: image of a colleague; medewerker-grensoverschrijdend: on its sexual paths); preventie-beleid
#: (policy questions) is not. Each question's ``when`` limits it to where a pupil is the victim.
PUPIL_VICTIM = ("naaktbeeld-sexting", "sextortion-chantage", "roddelaccount", "cyberpesten", "online-bedreiging",
                "beeldpesten", "hack-nepaccount", "docent-meme", "medewerker-grensoverschrijdend")
DISTRESS_NOTICE = {"nl": ["niet alleen", "112", "directie", "ouders"],
                   "en": ["alone", "112", "school leadership", "parents"]}
NOT_YOURSELF = re.compile(r"bel de ouders niet zelf|do not call the parents yourself", re.IGNORECASE)
HONOUR = re.compile(r"eer|familie|honour|family", re.IGNORECASE)


@pytest.mark.parametrize("playbook_id", PUPIL_VICTIM)
def test_acute_distress_is_asked_early_and_makes_the_report_urgent(playbook_id: str) -> None:
    playbook = library().get(playbook_id)
    assert playbook is not None
    distress = playbook.question("distress")
    assert distress is not None, f"{playbook_id} has no 'distress' question"
    problems = []
    for lang in LANGS:
        for jurisdiction in JURISDICTIONS:
            for option in distress.options:
                if option.id == "no":
                    continue
                notice = option.notice.get(lang, jurisdiction) if option.notice else ""
                missing = [w for w in DISTRESS_NOTICE[lang] if w not in notice]
                if missing:
                    problems.append(f"{playbook_id} distress={option.id} [{lang}/{jurisdiction}]: "
                                    f"notice lacks {missing}")
                if NOT_YOURSELF.search(notice):
                    problems.append(f"{playbook_id} distress={option.id}: 'do not call the parents' belongs to "
                                    f"the honour-related risk only (C-04)")
    for walk in all_walks():
        if walk.playbook != playbook_id or walk.lang != "nl":
            continue
        asked = [q for q, _ in walk.answers]
        if "distress" in asked and asked.index("distress") > 2:
            problems.append(f"{walk.label()}: distress asked as question {asked.index('distress') + 1}")
        answers = effective(walk)
        if answers.get("distress") in ("yes", "unknown"):
            plan = reporting.plan(playbook, answers, school(walk.jurisdiction))
            if not plan.urgent or "directie" not in plan.roles:
                problems.append(f"{walk.label()}: acute distress is not urgent to the leadership ({plan.roles})")
    assert not problems, "\n".join(problems[:30])


def test_distress_is_never_skipped_where_a_pupil_is_the_victim() -> None:
    """The question may only be skipped where its own condition says no pupil is the victim."""
    problems = []
    for walk in all_walks():
        if walk.playbook not in PUPIL_VICTIM or walk.lang != "nl":
            continue
        playbook = playbook_of(walk)
        question = playbook.question("distress")
        answers = effective(walk)
        if question and "distress" not in answers and paths.holds(question.when, answers):
            problems.append(f"{walk.label()}: distress was not asked")
    assert not problems, "\n".join(problems[:30])


def test_every_screen_of_a_flow_has_the_112_line_once() -> None:
    """Research A.4 rule 2 (S-063): 112 on every screen, and once (issue #15): the compact line,
    or an urgent notice that says it in its place. Folded text (a step's details) is not on screen."""
    problems = set()
    for walk in all_walks():
        for index, reply in enumerate(walk.replies):
            lines = [s for s in reply.sections if "112" in s.text and not s.collapsed]
            if len(lines) != 1:
                problems.add(f"{walk.playbook} [{walk.lang}] screen {index}: {len(lines)} compact 112 lines")
    assert not problems, "\n".join(sorted(problems)[:30])


def test_do_not_call_the_parents_only_with_honour_related_risk() -> None:
    problems = set()
    for shown in shown_sections():
        parts = sentences(shown.text)
        for i, sentence in enumerate(parts):
            context = " ".join(parts[max(0, i - 1):i + 1])
            if NOT_YOURSELF.search(sentence) and not HONOUR.search(context):
                problems.add(f"{shown.playbook} [{shown.lang}]: {sentence}")
    assert not problems, "\n".join(sorted(problems))


# -- MUST 3 and 5 --------------------------------------------------------------------------------

#: "Aangifte" is not reporting content to a platform.
POLICE_REPORT = re.compile(r"(official |police |criminal )report|report to the police|aangifte", re.IGNORECASE)
REPORT_VERB = re.compile(r"\b(meld|meldt|melden|melding|rapporteer|rapporteren|report|reports|reporting|flag)\b",
                         re.IGNORECASE)
AUDIENCE = re.compile(r"\b(leerling(en)?|ouders?|iedereen|collega'?s?|team|klas|pupils?|parents?|everyone|"
                      r"colleagues?|staff|class|students?|allemaal|all)\b", re.IGNORECASE)
#: What is reported: the content, the account or the platform (a report *to* a role is internal).
TARGET = re.compile(r"platform|account|profiel|profile|\bpost\b|bericht|message|video|meldknop|helpwanted|meldpunt|"
                    r"rapporteren|\bReport\b", re.IGNORECASE)
INTERNAL = re.compile(r"\b(bij|aan) (de|het) (vertrouwenspersoon|directie|bestuur|mentor|zorgco\w*)|\bto the "
                      r"(confidential counsellor|school leadership|school board|board|mentor|care coordinator)",
                      re.IGNORECASE)
ONLY_STAFF = re.compile(r"\balleen (de )?(vertrouwenspersoon|directie)|\bonly (the )?(confidential counsellor|"
                        r"school leadership)", re.IGNORECASE)
LOOK_AWAY = {"nl": "niet opzoeken, niet bekijken, niet delen",
             "en": "do not look it up, do not view it, do not share it"}


def honour_path(answers: dict[str, str]) -> bool:
    return answers.get("honour") in ("yes", "unknown")


def windows(text: str) -> list[tuple[str, str]]:
    """Each sentence with its neighbours ("Meld bij het platform. Ouders kunnen ook melden.")."""
    parts = sentences(text)
    return [(part, " ".join(parts[max(0, i - 1):i + 2])) for i, part in enumerate(parts)]


def invites_reports(sentence: str, window: str) -> bool:
    """The sentence has pupils, parents, colleagues or everyone report content or an account."""
    return bool(REPORT_VERB.search(POLICE_REPORT.sub("", sentence)) and AUDIENCE.search(sentence)
                and TARGET.search(POLICE_REPORT.sub("", window)) and not NEGATION.search(sentence)
                and not ONLY_STAFF.search(sentence) and not INTERNAL.search(sentence))


def test_nobody_but_designated_staff_is_asked_to_report_sexual_content() -> None:
    """On a sexual-image path (and with honour-related risk) no sentence invites pupils,
    parents, the team or everyone to report the account or post: reporting it means opening
    a sexual image of a minor (MUST 3, MUST 5; C-01, C-04)."""
    problems = set()
    for walk in all_walks():
        playbook, answers = playbook_of(walk), effective(walk)
        if not (sexual_path(playbook, answers) or honour_path(answers)):
            continue
        for reply in walk.replies[:-1]:
            for sentence, window in windows(reply_text(reply)):
                if invites_reports(sentence, window):
                    problems.add(f"{walk.playbook} [{walk.lang}/{walk.jurisdiction}] {dict(walk.answers)}: {sentence}")
    assert not problems, "\n".join(sorted(problems)[:40])


def test_the_team_briefing_on_sexual_paths_says_look_away_and_asks_no_reports() -> None:
    problems = set()
    for walk in all_walks():
        playbook, answers = playbook_of(walk), effective(walk)
        if playbook.briefing is None or not (sexual_path(playbook, answers) or honour_path(answers)):
            continue
        text = briefing.template(playbook, answers).get(walk.lang, walk.jurisdiction)
        if sexual_path(playbook, answers) and LOOK_AWAY[walk.lang] not in text.lower():
            problems.add(f"{walk.playbook} [{walk.lang}] {dict(walk.answers)}: briefing lacks '{LOOK_AWAY[walk.lang]}'")
        for sentence, window in windows(text):
            if invites_reports(sentence, window):
                problems.add(f"{walk.playbook} [{walk.lang}] briefing: {sentence}")
    assert not problems, "\n".join(sorted(problems)[:30])


# -- MUST 4 ------------------------------------------------------------------------------------

#: Paths on which a suspected colleague's conduct is criminal beyond doubt (threats,
#: stalking, a published address, sexual images): police first (C-13).
CRIMINAL_STAFF = {
    "roddelaccount": {"admin": ["staff"], "content": ["threat", "both", "sexual"]},
    "online-bedreiging": {"sender": ["staff"]},
}
TALK_TO_STAFF = re.compile(r"gesprek met (de|het) (medewerker|personeelslid|collega)|spreekt? (de|het) "
                           r"(medewerker|personeelslid) aan|talks? (with|to) the (staff member|colleague)|"
                           r"confront", re.IGNORECASE)
PLATFORM_REPORT = re.compile(r"bij het platform|to the platform|platform(melding| report)", re.IGNORECASE)
WAIT_FOR_POLICE = re.compile(r"pas (als|nadat|na)|only (after|once|when)|nadat de politie|na overleg met de politie|"
                             r"once the police|after the police|politie akkoord|police agree", re.IGNORECASE)


def test_a_criminal_colleague_meets_the_police_first() -> None:
    problems = set()
    for walk in all_walks():
        playbook, answers = playbook_of(walk), effective(walk)
        criminal = CRIMINAL_STAFF.get(walk.playbook)
        staff_sexual = sexual_path(playbook, answers) and suspect_path(playbook, answers)
        if not (staff_sexual or (criminal and paths.holds(criminal, answers))):
            continue
        for reply in walk.replies[:-1]:
            for sentence in sentences(reply_text(reply)):
                risky = TALK_TO_STAFF.search(sentence) or PLATFORM_REPORT.search(sentence)
                if risky and not (NEGATION.search(sentence) or WAIT_FOR_POLICE.search(sentence)):
                    problems.add(f"{walk.playbook} [{walk.lang}/{walk.jurisdiction}] {dict(walk.answers)}: {sentence}")
    assert not problems, "\n".join(sorted(problems)[:40])


# -- MUST 6 ------------------------------------------------------------------------------------

SCREENSHOT_ADVICE = re.compile(r"screenshot|schermafbeelding", re.IGNORECASE)
SEXUAL = re.compile(r"naakt|seksue|nude|sexual", re.IGNORECASE)


def test_no_screenshot_advice_before_the_sexual_check() -> None:
    """In every first answer, the first sentence about screenshots is a prohibition or comes
    after a sentence that rules sexual images out (MUST 6)."""
    problems = set()
    for walk in all_walks():
        text = next(s.text for s in walk.first.sections if s.title in ("Doe nu", "Do now"))
        checked = False
        previous = ""
        for sentence in sentences(text):
            if SEXUAL.search(previous + " " + sentence) and NEGATION.search(sentence):
                checked = True  # "Naakt of seksueel getint? Kopieer het dan niet."
            previous = sentence
            if SCREENSHOT_ADVICE.search(sentence) and not NEGATION.search(sentence) and not checked:
                problems.add(f"{walk.playbook} [{walk.lang}/{walk.jurisdiction}]: {sentence}")
                break
    assert not problems, "\n".join(sorted(problems))


NO_COPY_FIRST = {"nl": ["kopieer", "screenshot", "stuur het niet door", "ook niet als bewijs"],
                 "en": ["copy", "screenshot", "forward", "not even as evidence"]}


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
@pytest.mark.parametrize("lang", LANGS)
def test_a_sexual_question_gets_the_no_copy_rule_first_on_any_protocol(lang: str, jurisdiction: str) -> None:
    eng = engine(jurisdiction)
    state = ConversationState(lang=lang, sexual_hint=True)
    problems = []
    for playbook_id in library().ids_for(jurisdiction):
        decision = eng.decide(state, ButtonPressed(KEY, USER, f"pw1:0:pick:{playbook_id}"))
        first = decision.replies[0].sections[0].text.lower()
        missing = [w for w in NO_COPY_FIRST[lang] if w not in first]
        if missing:
            problems.append(f"{playbook_id} [{lang}/{jurisdiction}]: first section lacks {missing}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("question", [
    "er is een nepaccount van een leerling gemaakt met naaktfoto's",
    "iemand heeft het insta account van een leerling gehackt en zet er nu naaktfotos op",
    "A fake account of a pupil is posting nudes, what do I do?",
])
def test_typed_sexual_words_put_the_no_copy_rule_before_anything_else(question: str) -> None:
    decision = engine("nl").decide(ConversationState(), TextMessage(KEY, USER, question))
    reply = decision.replies[0]
    lang = reply.lang
    first = reply.sections[0].text.lower()
    assert all(w in first for w in NO_COPY_FIRST[lang]), (decision.state.playbook, first)


# -- Everywhere ----------------------------------------------------------------------------------

INVENTORY_ID = re.compile(r"\b(S-\d{3}|C-\d{2})\b")
LABEL = {"nl": re.compile(r"\b(Vlaanderen|Flanders)( \([^)]*\))?:"),
         "vl": re.compile(r"\b(Nederland|Netherlands)( \([^)]*\))?:")}


def test_a_teacher_sees_no_inventory_ids() -> None:
    problems = {f"{s.playbook} [{s.lang}]: {m}" for s in shown_sections() for m in INVENTORY_ID.findall(s.text)}
    for walk in all_walks():
        for reply in walk.replies:
            problems |= {f"{walk.playbook}: footnote {s.footnote}" for s in reply.sections
                         if INVENTORY_ID.search(s.footnote)}
    assert not problems, "\n".join(sorted(problems)[:20])


def test_a_school_sees_no_lines_for_the_other_jurisdiction() -> None:
    problems = {f"{s.playbook} [{s.lang}/{s.jurisdiction}]: {sentence}"
                for s in shown_sections() for sentence in s.text.split("\n")
                if LABEL[s.jurisdiction].search(sentence)}
    assert not problems, "\n".join(sorted(problems)[:30])
