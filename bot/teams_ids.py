"""How a school names Teams people and channels in ``school.yaml``, and what that means.

An IT admin knows people by their e-mail address or UPN, sometimes by their Entra object id
(a GUID in the Entra admin center); the bot sees Teams' own ``29:…`` ids. Channels are
known by the link Teams copies ("Get link to channel") or by their ``19:…`` id. These
pure functions tell the forms apart, so that ``lint`` can point at a typo before a
coordinator misses a ping, and the Teams adapter can resolve each form. No SDK here: the
core checks the directory without any platform installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
EMAIL = re.compile(r"^[^@\s:/]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
TEAMS_USER_ID = re.compile(r"^29:[A-Za-z0-9_-]{8,}$")
CHANNEL_ID = re.compile(r"^19:[A-Za-z0-9_.-]+@thread\.(tacv2|skype|v2)$")
LINK_HOSTS = frozenset({"teams.microsoft.com", "teams.cloud.microsoft", "teams.live.com"})

OBJECT_ID, UPN, TEAMS_ID = "object-id", "upn", "teams-id"


def person_kind(value: str) -> str | None:
    """``object-id``, ``upn`` or ``teams-id``; None for anything else (a typo)."""
    value = value.strip()
    if GUID.match(value):
        return OBJECT_ID
    if TEAMS_USER_ID.match(value):
        return TEAMS_ID
    if EMAIL.match(value):
        return UPN
    return None


def same_person(directory_value: str, *, object_id: str = "", upn: str = "", email: str = "",
                teams_id: str = "") -> bool:
    """Whether a directory entry names this person (e-mail and UPN ignore case)."""
    kind = person_kind(directory_value)
    value = directory_value.strip()
    if kind == OBJECT_ID:
        return bool(object_id) and value.lower() == object_id.lower()
    if kind == TEAMS_ID:
        return bool(teams_id) and value == teams_id
    if kind == UPN:
        return value.lower() in {v.lower() for v in (upn, email) if v}
    return False


@dataclass(frozen=True)
class TeamsChannel:
    channel_id: str
    """The ``19:…@thread.tacv2`` id the Bot Connector posts to."""
    team_id: str = ""
    """The team's Entra group id (from a copied link; empty for a bare id)."""
    tenant_id: str = ""


def parse_channel(value: str) -> TeamsChannel | None:
    """A channel id, or a link Teams copies: ``https://teams.microsoft.com/l/channel/19%3a…%40thread.tacv2/
    Naam?groupId=…&tenantId=…``. None when it is neither."""
    value = value.strip()
    if CHANNEL_ID.match(value):
        return TeamsChannel(value)
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme != "https" or parts.hostname not in LINK_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 3 or segments[0] != "l" or segments[1] != "channel":
        return None
    channel_id = unquote(segments[2])
    if not CHANNEL_ID.match(channel_id):
        return None
    query = parse_qs(parts.query)
    team_id = (query.get("groupId") or [""])[0]
    tenant_id = (query.get("tenantId") or [""])[0]
    return TeamsChannel(channel_id, team_id if GUID.match(team_id) else "", tenant_id if GUID.match(tenant_id) else "")
