"""Incident tables.

Free text typed into the report form (what happened, where, since when) is kept in
columns of its own so that the retention job can blank exactly those and keep what the
school needs for statistics (type, dates, outcome). Logs never carry these fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow


class IncidentCounter(Base):
    """The last number handed out per year, for numbers like ``2026-0042``."""

    __tablename__ = "incident_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class IncidentRow(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    source_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    """The conversation and form version it was reported from: a double submit or a
    retried request finds this incident instead of opening a second one."""
    playbook: Mapped[str] = mapped_column(String(64), nullable=False)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    reporter_platform: Mapped[str] = mapped_column(String(16), nullable=False)
    reporter_id: Mapped[str] = mapped_column(String(128), nullable=False)
    reporter_name: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    owner_id: Mapped[str | None] = mapped_column(String(128))
    excluded: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    """Platform user ids that must never be invited, messaged, escalated to or briefed
    (a colleague suspected in the incident who holds a school role)."""
    excluded_role: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    """The suspected colleague's school role from the form: a role id, ``none`` (a
    colleague without one), or empty when the form did not ask."""
    member_roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    """Roles invited to the private space: those the fitting steps name."""
    access_roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    """Roles that may see and act on the incident: the members' plus the escalation chain."""
    chain_roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    """Roles that are (or may be) pinged with [Ik pak dit op]: only they can take it."""
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    lang: Mapped[str] = mapped_column(String(2), nullable=False, default="nl")
    space_id: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    card_id: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    briefing_draft: Mapped[str] = mapped_column(Text, nullable=False, default="")
    briefing_sent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    briefing_offered: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Free text from the report form: purged after the retention period.
    what: Mapped[str] = mapped_column(Text, nullable=False, default="")
    where: Mapped[str] = mapped_column(Text, nullable=False, default="")
    since: Mapped[str] = mapped_column(Text, nullable=False, default="")
    outcome: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChecklistRow(Base):
    __tablename__ = "incident_checklist"
    __table_args__ = (UniqueConstraint("incident_id", "step_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    step_id: Mapped[str] = mapped_column(String(64), nullable=False)
    roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    done_by: Mapped[str | None] = mapped_column(String(128))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChronologyRow(Base):
    __tablename__ = "incident_chronology"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    actor: Mapped[str] = mapped_column(String(128), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
