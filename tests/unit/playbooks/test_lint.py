"""One test per kind of problem, each checking the ``file:line`` it is reported at."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.playbooks.lint import lint_paths
from tests.unit.playbooks.sample import VALID, with_replacement


def lint_text(tmp_path: Path, text: str, name: str = "sample.yaml", school: str | None = None) -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    school_path = None
    if school is not None:
        school_path = tmp_path / "school.yaml"
        school_path.write_text(school, encoding="utf-8")
    return [p.replace(str(tmp_path) + "/", "") for p in lint_paths([path], school_path)]


def test_valid_sample_has_no_problems(tmp_path: Path) -> None:
    assert lint_text(tmp_path, VALID) == []


def test_yes_and_no_stay_option_ids_not_booleans(tmp_path: Path) -> None:
    # YAML 1.1 would read these as booleans; our loader keeps them as ids.
    assert lint_text(tmp_path, VALID) == []


def test_unknown_key_reports_line_and_suggestion(tmp_path: Path) -> None:
    text = with_replacement("    actor: any-staff\n", "    actr: any-staff\n")
    problems = lint_text(tmp_path, text)
    assert "sample.yaml:26: steps[0].actr: unknown key 'actr' (did you mean 'actor'?)" in problems


def test_missing_translation(tmp_path: Path) -> None:
    text = with_replacement('    ask: {nl: "Verspreid?", en: "Spread?"}', '    ask: {nl: "Verspreid?"}')
    assert lint_text(tmp_path, text) == [
        "sample.yaml:16: questions[1].ask: missing translation 'en' (every user-facing text needs nl and en)"
    ]


def test_empty_translation(tmp_path: Path) -> None:
    text = with_replacement('text: {nl: "Altijd doen.", en: "Always do."}', 'text: {nl: "Altijd doen.", en: " "}')
    assert lint_text(tmp_path, text) == ["sample.yaml:27: steps[0].text.en: must not be empty"]


def test_missing_required_field(tmp_path: Path) -> None:
    text = with_replacement('do_now: {nl: "Doe dit nu.", en: "Do this now."}\n', "")
    assert lint_text(tmp_path, text) == ["sample.yaml:1: do_now: required field 'do_now' is missing"]


def test_duplicate_step_id(tmp_path: Path) -> None:
    text = with_replacement("  - id: minor-many\n", "  - id: always\n")
    assert "sample.yaml:29: duplicate step id 'always'" in lint_text(tmp_path, text)


def test_duplicate_option_id(tmp_path: Path) -> None:
    text = with_replacement("      - id: many\n", "      - id: few\n")
    assert "sample.yaml:21: duplicate option id 'few' in question 'spread'" in lint_text(tmp_path, text)


def test_duplicate_mapping_key(tmp_path: Path) -> None:
    text = with_replacement("    briefing: true\n", "    briefing: true\n    briefing: false\n")
    assert "sample.yaml:36: steps[1].briefing: duplicate key 'briefing'" in lint_text(tmp_path, text)


def test_condition_names_unknown_question(tmp_path: Path) -> None:
    text = with_replacement("    when: {minor: [yes], spread: [many]}", "    when: {minor: [yes], spraed: [many]}")
    assert lint_text(tmp_path, text) == [
        "sample.yaml:32: step 'minor-many': condition names 'spraed', which is not a question"
    ]


def test_condition_names_unknown_option(tmp_path: Path) -> None:
    text = with_replacement("    when: {minor: [yes], spread: [many]}", "    when: {minor: [yes], spread: [lots]}")
    assert lint_text(tmp_path, text) == [
        "sample.yaml:32: step 'minor-many': question 'spread' has no option 'lots' (options: few, many)"
    ]


def test_question_condition_must_name_an_earlier_question(tmp_path: Path) -> None:
    text = with_replacement("    when: {minor: [yes]}\n", "    when: {spread: [few]}\n")
    problems = lint_text(tmp_path, text)
    assert "sample.yaml:17: question 'spread': condition names 'spread', which is not an earlier question" in problems


def test_unreachable_step(tmp_path: Path) -> None:
    text = with_replacement("    when: {minor: [yes], spread: [many]}", "    when: {minor: [no], spread: [many]}")
    assert lint_text(tmp_path, text) == [
        "sample.yaml:29: step 'minor-many' is unreachable: no answer path satisfies its condition"
    ]


def test_dead_end_path(tmp_path: Path) -> None:
    text = with_replacement("    actor: any-staff\n", "    actor: any-staff\n    when: {minor: [yes]}\n")
    problems = lint_text(tmp_path, text)
    assert problems == ["sample.yaml:23: dead end: the answers minor=no lead to no step"]


def test_malformed_source_id(tmp_path: Path) -> None:
    text = with_replacement("sources: [S-073, C-01]", "sources: [S-73, C-01]")
    assert lint_text(tmp_path, text) == [
        "sample.yaml:28: steps[0].sources: malformed source id 'S-73' (expected S-001..S-162 or C-01..C-15)"
    ]


def test_source_id_outside_inventory(tmp_path: Path) -> None:
    text = with_replacement("sources: [S-137]", "sources: [S-999]")
    assert lint_text(tmp_path, text) == ["sample.yaml:36: steps[1].sources: source id 'S-999' is not in the inventory"]


def test_bad_duration(tmp_path: Path) -> None:
    text = with_replacement("ack_within: 15m", "ack_within: soon")
    assert lint_text(tmp_path, text) == [
        "sample.yaml:34: steps[1].escalate.ack_within: 'soon' is not a duration like 15m, 2h or 1d"
    ]


def test_id_must_match_file_name(tmp_path: Path) -> None:
    assert lint_text(tmp_path, VALID, name="other.yaml") == [
        "other.yaml:1: id 'sample' must match the file name 'other.yaml'"
    ]


def test_related_playbook_must_exist(tmp_path: Path) -> None:
    text = with_replacement("    briefing: true\n", "    briefing: true\n    related: [nowhere]\n")
    assert lint_text(tmp_path, text) == ["sample.yaml:36: related playbook 'nowhere' does not exist"]


def test_pseudo_actor_cannot_be_escalated_to(tmp_path: Path) -> None:
    text = with_replacement("escalate: {roles: [directie]", "escalate: {roles: [team]")
    assert lint_text(tmp_path, text) == [
        "sample.yaml:34: 'team' cannot be escalated to; name a role from the school directory"
    ]


SCHOOL = """\
school: OBS De Regenboog
jurisdiction: nl
roles:
  vertrouwenspersoon: {slack: [U01AAA], name: "J. de Vries"}
escalation: [vertrouwenspersoon]
"""


def test_role_not_in_school_directory(tmp_path: Path) -> None:
    problems = lint_text(tmp_path, VALID, school=SCHOOL)
    assert problems == [
        "sample.yaml:31: role 'directie' is not in the school directory",
        "sample.yaml:34: role 'directie' is not in the school directory",
    ]


def test_school_directory_problems_have_lines(tmp_path: Path) -> None:
    school = SCHOOL.replace("escalation: [vertrouwenspersoon]", "escalation: [vertrouwenspersoon, bestuur]")
    school += "working_hours: {from: '8am'}\n"
    problems = lint_text(tmp_path, VALID.replace("directie", "vertrouwenspersoon"), school=school)
    assert "school.yaml:6: working_hours.from: '8am' is not a time like 08:00" in problems


def test_school_escalation_names_unknown_role(tmp_path: Path) -> None:
    school = SCHOOL.replace("escalation: [vertrouwenspersoon]", "escalation: [vertrouwenspersoon, bestuur]")
    problems = lint_text(tmp_path, VALID.replace("directie", "vertrouwenspersoon"), school=school)
    assert problems == ["school.yaml:5: escalation names role 'bestuur' that is not under roles"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: [unclosed\n", "sample.yaml:2: YAML syntax error"),
        ("", "sample.yaml:1: the file is empty"),
        ("- just\n- a list\n", "sample.yaml:1: a playbook must be a mapping"),
    ],
)
def test_broken_files_are_reported_not_raised(tmp_path: Path, text: str, expected: str) -> None:
    problems = lint_text(tmp_path, text)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_unknown_concept_in_a_trigger_combination(tmp_path: Path) -> None:
    (tmp_path / "_concepts.yaml").write_text("staff:\n  nl: [leraar]\n  en: [teacher]\n", encoding="utf-8")
    text = with_replacement("do_now:", "trigger_concepts:\n  - [staff, pupil]\ndo_now:")
    assert lint_text(tmp_path, text) == ["sample.yaml:7: concept 'pupil' is not defined in _concepts.yaml"]


def test_concept_lexicon_problems_have_lines(tmp_path: Path) -> None:
    (tmp_path / "_concepts.yaml").write_text("staff:\n  nl: [leraar]\n  eng: [teacher]\n", encoding="utf-8")
    problems = lint_text(tmp_path, VALID)
    assert "_concepts.yaml:3: staff.eng: unknown key 'eng' (did you mean 'en'?)" in problems


MODULES = """\
platform-melden:
  title: {nl: "Meld bij het platform", en: "Report to the platform"}
  actor: [mentor]
  text: {nl: "Meld het.", en: "Report it."}
  sources: [S-007]
"""

WITH_INCLUDE = VALID.replace(
    "  - id: minor-many\n",
    "  - include: platform-melden\n    when: {minor: [\"no\"]}\n  - id: minor-many\n",
)


def test_included_module_becomes_a_step_with_overrides(tmp_path: Path) -> None:
    from bot.playbooks.library import load_library

    (tmp_path / "_modules.yaml").write_text(MODULES, encoding="utf-8")
    (tmp_path / "sample.yaml").write_text(WITH_INCLUDE, encoding="utf-8")
    library, problems = load_library(tmp_path)
    assert problems == []
    playbook = library.get("sample")
    assert playbook is not None
    step = playbook.step("platform-melden")
    assert step is not None and step.when == {"minor": ["no"]} and step.sources == ["S-007"]
    assert step.text.nl == "Meld het."


def test_unknown_module(tmp_path: Path) -> None:
    (tmp_path / "_modules.yaml").write_text(MODULES, encoding="utf-8")
    text = WITH_INCLUDE.replace("include: platform-melden", "include: platform-meldne")
    assert lint_text(tmp_path, text) == [
        "sample.yaml:29: unknown module 'platform-meldne' (modules in _modules.yaml: platform-melden)"
    ]


def test_problem_inside_a_module_points_to_the_module_file(tmp_path: Path) -> None:
    (tmp_path / "_modules.yaml").write_text(MODULES.replace("sources: [S-007]", "sources: [S-7]"), encoding="utf-8")
    problems = lint_text(tmp_path, WITH_INCLUDE)
    assert problems == [
        "_modules.yaml:5: platform-melden.sources: malformed source id 'S-7' (expected S-001..S-162 or C-01..C-15)",
        "sample.yaml:29: module 'platform-melden' has problems; see _modules.yaml",
    ]


def test_only_some_keys_may_be_set_next_to_include(tmp_path: Path) -> None:
    (tmp_path / "_modules.yaml").write_text(MODULES, encoding="utf-8")
    text = WITH_INCLUDE.replace('    when: {minor: ["no"]}\n', '    when: {minor: ["no"]}\n    text: {nl: a, en: b}\n')
    problems = lint_text(tmp_path, text)
    assert problems == ["sample.yaml:31: 'text' cannot be set next to include; a playbook may set actor, briefing, "
                        "escalate, id, related, when"]


def test_module_errors_in_an_including_playbook_point_to_the_module(tmp_path: Path) -> None:
    (tmp_path / "_modules.yaml").write_text(MODULES, encoding="utf-8")
    text = WITH_INCLUDE.replace('    when: {minor: ["no"]}\n', '    when: {minor: ["no"]}\n    actor: [nobody-role]\n')
    problems = lint_text(tmp_path, text, school=SCHOOL.replace("vertrouwenspersoon: {", "mentor: {}\n  "
                                                                  "directie: {}\n  vertrouwenspersoon: {"))
    assert problems == ["sample.yaml:31: role 'nobody-role' is not in the school directory"]


CONTACTS = """\
phones:
  - {number: "0900-8844", use: Politie, jurisdiction: [nl]}
  - {number: "116 000", use: Child Focus, jurisdiction: [vl]}
web:
  - {address: helpwanted.nl, use: HelpWanted, jurisdiction: [nl]}
"""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Bel 0900-8844 of 116 000, zie helpwanted.nl en www.helpwanted.nl.", None),
        ("Het kost 500 euro; leerlingen van 16 jaar; sinds 2018; 15 minuten.", None),
        ("Bel 113 voor hulp.", "'113' is not a verified phone number"),
        ("Bel 0900-8845.", "'0900-8845' is not a verified phone number"),
        ("Kijk op https://www.stoppestennu.nl/hulp.", "'https://www.stoppestennu.nl' is not a verified"),
    ],
)
def test_only_verified_numbers_and_addresses(tmp_path: Path, text: str, problem: str | None) -> None:
    (tmp_path / "_contacts.yaml").write_text(CONTACTS, encoding="utf-8")
    step_text = with_replacement('text: {nl: "Breed.", en: "Wide."}', f'text: {{nl: "{text}", en: "x"}}')
    problems = lint_text(tmp_path, step_text)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith(f"sample.yaml:33: {problem}"), problems


def test_jurisdiction_question_must_offer_nl_and_vl(tmp_path: Path) -> None:
    text = with_replacement("  - id: minor\n", "  - id: jurisdiction\n").replace("{minor:", "{jurisdiction:")
    problems = lint_text(tmp_path, text)
    assert "sample.yaml:8: the jurisdiction question must have exactly the options nl and vl" in problems[0]
