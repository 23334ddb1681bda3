"""The school directory (``school.yaml``): roles -> people and channels per platform.

The shape is the contract in DESIGN.md. It is validated like a playbook, with
``file:line`` for every problem, and is optional for trying playbooks locally.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from bot import teams_ids
from bot.playbooks.problems import validation_problems
from bot.playbooks.schema import CLOCK_PATTERN, Slug
from bot.yamlmarks import MarkedDocument, load_marked

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ClockTime = Annotated[str, StringConstraints(pattern=CLOCK_PATTERN)]


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


IdList = Annotated[list[str], BeforeValidator(_as_list)]


class RoleHolders(_Model):
    """Who holds a role on each platform; ``web`` ids are used by the local simulator."""

    name: str = ""
    slack: IdList = []
    teams: IdList = []
    web: IdList = []


class ChannelTargets(_Model):
    slack: str = ""
    teams: str = ""
    web: str = ""


class WorkingHours(_Model):
    days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    from_: ClockTime = Field("08:00", alias="from")
    to: ClockTime = "17:00"
    tz: str = "Europe/Amsterdam"


class TeamsSettings(_Model):
    """The school's Microsoft 365 tenant and where incidents live in Teams.

    ``incident_space``: ``graph`` (a private group chat per incident through Microsoft Graph,
    with exactly the people the protocol reports to) or ``channel`` (a thread per incident
    in ``safety_channel``, a standard channel of a private team; readable by every member of
    that team, so an incident whose suspected colleague is in that team goes 1:1 instead).
    """

    tenant_id: str = ""
    incident_space: Literal["graph", "channel"] = "graph"
    safety_channel: str = ""


class SchoolDirectory(_Model):
    school: str
    jurisdiction: Literal["nl", "vl"] = "nl"
    language: Literal["nl", "en"] = "nl"
    roles: dict[Slug, RoleHolders] = {}
    escalation: list[Slug] = []
    channels: dict[Slug, ChannelTargets] = {}
    working_hours: WorkingHours = WorkingHours()
    teams: TeamsSettings | None = None

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def holds_a_role(self, platform: str, user_id: str) -> bool:
        """Whether this person holds any school role on that platform (coordinators,
        leadership, board, mentors): who may see incidents at all."""
        return any(user_id in getattr(holders, platform, []) for holders in self.roles.values())


_TZ_PATTERN = re.compile(r"^[A-Za-z_]+(/[A-Za-z_+-]+)*$")


def load_directory(path: Path) -> tuple[SchoolDirectory | None, list[str]]:
    """Load and check ``school.yaml``; returns the directory or the problems."""
    doc = load_marked(path)
    if doc.problems:
        return None, doc.problems
    if not isinstance(doc.data, dict):
        return None, [f"{doc.file}:1: the school directory must be a mapping (school, roles, ...)"]
    try:
        directory = SchoolDirectory.model_validate(doc.data)
    except ValidationError as exc:
        return None, validation_problems(doc, exc)
    problems = []
    for index, role in enumerate(directory.escalation):
        if role not in directory.roles:
            problems.append(f"{doc.where(('escalation', index))}: escalation names role '{role}' "
                            "that is not under roles")
    if not _TZ_PATTERN.match(directory.working_hours.tz):
        problems.append(f"{doc.where(('working_hours', 'tz'))}: '{directory.working_hours.tz}' "
                        "is not a time zone like Europe/Amsterdam")
    problems.extend(_teams_problems(directory, doc))
    return (None, problems) if problems else (directory, [])


def _teams_problems(directory: SchoolDirectory, doc: MarkedDocument) -> list[str]:
    """The Teams fields: people as e-mail/UPN, Entra object id or 29: id; channels as an id
    or a copied link; a tenant id and, in channel mode, the safety channel."""
    problems = []
    uses_teams = directory.teams is not None
    for role, holders in directory.roles.items():
        for index, value in enumerate(holders.teams):
            uses_teams = True
            if teams_ids.person_kind(value) is None:
                problems.append(f"{doc.where(('roles', role, 'teams', index))}: '{value}' is not an e-mail address, "
                                "an Entra object id or a Teams 29: id")
    for name, target in directory.channels.items():
        if target.teams:
            uses_teams = True
            if teams_ids.parse_channel(target.teams) is None:
                problems.append(f"{doc.where(('channels', name, 'teams'))}: not a Teams channel link or 19:… id "
                                "(in Teams: ⋯ next to the channel → Get link to channel)")
    if not uses_teams:
        return problems
    settings = directory.teams or TeamsSettings()
    if not teams_ids.GUID.match(settings.tenant_id):
        where = doc.where(("teams", "tenant_id")) if directory.teams else f"{doc.file}:1"
        problems.append(f"{where}: teams.tenant_id must be the school's Microsoft 365 tenant id (a GUID, "
                        "Entra admin center → Overview)")
    if settings.incident_space == "channel":
        if not settings.safety_channel:
            problems.append(f"{doc.where(('teams', 'incident_space'))}: channel mode needs teams.safety_channel, "
                            "a standard channel of the private safety team")
        elif teams_ids.parse_channel(settings.safety_channel) is None:
            problems.append(f"{doc.where(('teams', 'safety_channel'))}: not a Teams channel link or 19:… id")
    return problems
