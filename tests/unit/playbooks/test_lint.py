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
