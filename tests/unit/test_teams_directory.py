"""The Teams fields of school.yaml: people and channels in the forms an IT admin has at hand,
and a clear file:line for anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import teams_ids
from bot.directory import load_directory

GROUP = "6f1c2a8e-1111-2222-3333-444455556666"
TENANT = "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
LINK = (f"https://teams.microsoft.com/l/channel/19%3aQx7h2kP0cd1a%40thread.tacv2/Teamkanaal?groupId={GROUP}"
        f"&tenantId={TENANT}")


@pytest.mark.parametrize(("value", "kind"), [
    ("j.devries@obs-regenboog.nl", teams_ids.UPN), ("J.deVries@School.NL", teams_ids.UPN),
    (GROUP, teams_ids.OBJECT_ID), ("29:1AbCdEfGhIjKlMnOp-qrstu_vw", teams_ids.TEAMS_ID),
    ("jan", None), ("29:", None), ("U01AAAAAAAA", None), ("mailto:j@x.nl", None), ("", None),
])
def test_people_are_named_by_email_object_id_or_teams_id(value: str, kind: str | None) -> None:
    assert teams_ids.person_kind(value) == kind


def test_a_directory_entry_matches_a_person_whatever_form_it_uses() -> None:
    assert teams_ids.same_person("J.deVries@School.nl", upn="j.devries@school.nl", object_id=GROUP)
    assert teams_ids.same_person(GROUP.upper(), object_id=GROUP)
    assert teams_ids.same_person("29:abcdefgh12", teams_id="29:abcdefgh12")
    assert not teams_ids.same_person("jan", upn="jan")
    assert not teams_ids.same_person("j@x.nl", upn="", email="")


def test_a_copied_channel_link_gives_the_channel_the_team_and_the_tenant() -> None:
    channel = teams_ids.parse_channel(LINK)
    assert channel == teams_ids.TeamsChannel("19:Qx7h2kP0cd1a@thread.tacv2", GROUP, TENANT)
    assert teams_ids.parse_channel("19:Qx7h2kP0cd1a@thread.tacv2") == teams_ids.TeamsChannel(
        "19:Qx7h2kP0cd1a@thread.tacv2")
    for wrong in ("http://teams.microsoft.com/l/channel/19%3ax%40thread.tacv2/a", "https://evil.example/l/channel/x",
                  "https://teams.microsoft.com/l/chat/19%3ax%40thread.v2/0", "C01TEAMTEAM", "https://[::1"):
        assert teams_ids.parse_channel(wrong) is None, wrong


def test_lint_points_at_every_teams_field_that_cannot_work(tmp_path: Path) -> None:
    school = tmp_path / "school.yaml"
    school.write_text(f"""\
school: X
roles:
  vertrouwenspersoon: {{teams: [jan, j@x.nl]}}
  directie: {{teams: [{GROUP}]}}
channels:
  team: {{teams: "{LINK}"}}
  other: {{teams: "C01TEAMTEAM"}}
teams: {{incident_space: channel}}
escalation: [vertrouwenspersoon, directie]
""", encoding="utf-8")
    directory, problems = load_directory(school)
    assert directory is None
    text = "\n".join(problems)
    assert f"{school}:3: 'jan' is not an e-mail address" in text
    assert f"{school}:7: not a Teams channel link" in text
    assert f"{school}:8: teams.tenant_id must be" in text
    assert "channel mode needs teams.safety_channel" in text
    assert len(problems) == 4


def test_a_school_without_teams_needs_no_teams_fields(tmp_path: Path) -> None:
    school = tmp_path / "school.yaml"
    school.write_text("school: X\nroles: {vertrouwenspersoon: {slack: [U01AAAAAAAA]}}\n"
                      "escalation: [vertrouwenspersoon]\n", encoding="utf-8")
    directory, problems = load_directory(school)
    assert problems == [] and directory is not None and directory.teams is None


def test_the_example_school_is_valid() -> None:
    directory, problems = load_directory(Path(__file__).parents[2] / "school.example.yaml")
    assert problems == [] and directory is not None and directory.teams is not None
