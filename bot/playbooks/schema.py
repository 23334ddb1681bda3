"""The playbook shape, documented for authors in ``playbooks/README.md``.

Every model forbids unknown keys so that a typo (``actr:``) is an error with a line
number instead of a silently ignored field. Conditions are plain data
(``{question_id: [option_id, ...]}``) and are never evaluated as code.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from bot.playbooks.places import for_jurisdiction

Lang = Literal["nl", "en"]
LANGS: tuple[Lang, ...] = ("nl", "en")
Jurisdiction = Literal["nl", "vl"]

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
DURATION_PATTERN = r"^[1-9][0-9]*(m|h|d)$"
CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]

#: Inventory ids in ``shared/domain/protocol-research.md``: S-001..S-162, C-01..C-15.
SOURCE_PATTERN = re.compile(r"^(S-(\d{3})|C-(\d{2}))$")
MAX_INVENTORY_ITEM = 162
MAX_CONFLICT = 15

#: Actors that are not roles in the school directory.
PSEUDO_ACTORS = frozenset({"any-staff", "team"})

#: The reserved question a school directory answers: options exactly ``nl`` and ``vl``.
JURISDICTION_QUESTION = "jurisdiction"

#: Incident types of the inventory (``shared/domain/inventory.yaml``), for coverage.
IncidentType = Literal["BEELD", "RODDEL", "PEST", "HACK", "AFPERS", "STAFF", "MEME", "ALG"]

#: Things a team briefing may never contain (safety rule 4 in DESIGN.md).
BriefingExclusion = Literal[
    "victim-identity", "images", "suspect-names", "reporter-text", "suspicion-details"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


class _Bilingual(_Model):
    nl: str
    en: str

    _check = field_validator("nl", "en")(_non_empty)


class Text(_Bilingual):
    """A user-facing text in both languages; both are required.

    ``vl`` optionally replaces the text for schools in Flanders (the school directory's
    ``jurisdiction: vl``), so that Flemish staff get their own organisations and no Dutch
    legal duty presented as theirs. Without a known jurisdiction the main text is shown,
    so it must be right (or clearly labelled) for both.
    """

    vl: _Bilingual | None = None

    def get(self, lang: str, jurisdiction: str | None = None) -> str:
        """The text in ``lang`` for a school in ``jurisdiction``: its Flemish variant, and
        without the parts labelled for the other place (see :mod:`bot.playbooks.places`)."""
        source: _Bilingual = self.vl if jurisdiction == "vl" and self.vl else self
        return for_jurisdiction(source.en if lang == "en" else source.nl, jurisdiction)


class TextList(_Model):
    nl: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)

    def get(self, lang: str) -> list[str]:
        return self.en if lang == "en" else self.nl


#: ``{question_id: [option_id, ...]}``: true when every named question was answered
#: with one of the listed options.
Condition = dict[Slug, Annotated[list[Slug], Field(min_length=1)]]


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


class Option(_Model):
    id: Slug
    label: Text
    notice: Text | None = None
    """Shown straight after this option is chosen (e.g. "call 112 now")."""


class Question(_Model):
    id: Slug
    ask: Text
    help: Text | None = None
    when: Condition | None = None
    """Ask only when this holds; otherwise the question is skipped."""
    options: list[Option] = Field(min_length=2, max_length=6)


Duration = Annotated[str, StringConstraints(pattern=DURATION_PATTERN)]


class Escalation(_Model):
    roles: Annotated[list[Slug], Field(min_length=1)]
    ack_within: Duration = "30m"
    urgent: bool = False


class Step(_Model):
    id: Slug
    title: Text
    actor: Annotated[list[Slug], BeforeValidator(_as_list), Field(min_length=1)]
    when: Condition | None = None
    text: Text
    escalate: Escalation | None = None
    briefing: bool = False
    """This is the protocol's inform-the-team step."""
    related: list[Slug] = []
    """Other playbooks worth opening from this step (rendered as buttons)."""
    sources: Annotated[list[str], Field(min_length=1)]

    _sources = field_validator("sources")(lambda sources: check_sources(sources))


def check_sources(sources: list[str]) -> list[str]:
    """Source ids must be inventory items S-001..S-162 or conflicts C-01..C-15."""
    for source in sources:
        match = SOURCE_PATTERN.match(source)
        if not match:
            raise ValueError(f"malformed source id '{source}' (expected S-001..S-162 or C-01..C-15)")
        number = int(match.group(2) or match.group(3))
        limit = MAX_INVENTORY_ITEM if match.group(2) else MAX_CONFLICT
        if not 1 <= number <= limit:
            raise ValueError(f"source id '{source}' is not in the inventory")
    return sources


class BriefingCase(_Model):
    """A template for some answers only: on a sexual-image path, for example, the team hears
    "niet opzoeken, niet bekijken, niet delen" and nothing that names the account."""

    when: Condition
    include: Text


class Briefing(_Model):
    include: Text
    never: list[BriefingExclusion] = Field(min_length=1)
    cases: list[BriefingCase] = []
    """Checked in order; the first whose ``when`` holds replaces ``include``."""


class Concepts(_Model):
    """``_concepts.yaml``: word classes shared by all playbooks' ``trigger_concepts``."""

    concepts: dict[Slug, TextList]


class Playbook(_Model):
    id: Slug
    title: Text
    summary: Text
    jurisdiction: Annotated[list[Jurisdiction], Field(min_length=1)]
    incident_types: Annotated[list[IncidentType], Field(min_length=1)]
    """Inventory incident types this playbook covers; its steps must cite every
    mandatory inventory item of these types (checked by the coverage test)."""
    triggers: TextList
    trigger_concepts: list[Annotated[list[Slug], Field(min_length=2, max_length=5)]] = []
    """Combinations of concepts (from ``_concepts.yaml``) that together point to this
    playbook: a question matches a combination when it mentions every concept in it."""
    demote_concepts: list[Slug] = []
    """Concepts that make this playbook less likely: a pupil-incident protocol when the
    staff member asking is the one targeted, or any incident when the question is about
    teaching or policy."""
    examples: TextList | None = None
    """Questions staff might type about this situation, written fresh and varied in
    situation (target, culprit, platform, explicit or implied, Flemish, phone style, long
    stories). The learned router is trained on them (``protocolwijzer train-router``)."""
    do_now: Text
    questions: list[Question] = []
    steps: Annotated[list[Step], Field(min_length=1)]
    briefing: Briefing | None = None
    sexual_image_when: Condition | None = None
    """When these answers hold, a naked or sexual image of a (possible) minor is involved
    (``{}``: always). On those paths the staff question must be asked, nobody but designated
    staff reports the content, and a typed question with sexual words gets the no-copy rule
    first. The safety tests walk every such path."""
    reportable: bool = True
    """``false`` for a protocol that answers questions (policy, prevention): no report button."""
    report_hint: Text | None = None
    """The report form's hint under "what happened", when the default (about a pupil) does
    not fit, e.g. when the target is a colleague."""
    colleague_suspected_when: Condition | None = None
    """When these answers hold, a colleague is suspected: the report form asks whether that
    colleague holds a school role, and whoever holds it is never invited, messaged,
    escalated to or briefed (``{}``: always, as in the staff-misconduct playbook)."""

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)
