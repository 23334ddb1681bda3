"""Button payloads: ``pw1:<version>:<verb>[:<arg>]``.

The version ties a button to the state it was rendered for, so a button pressed twice
or from an old message is recognised instead of acting again. Payloads carry ids only,
never user text, and are short enough for every platform (Slack allows 2000 chars).
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "pw1"
VERBS = frozenset({"pick", "ans", "back", "restart", "all", "steps", "menu", "lang", "related", "report", "submit",
                   "more"})


@dataclass(frozen=True)
class Payload:
    version: int
    verb: str
    arg: str = ""

    def encode(self) -> str:
        return f"{PREFIX}:{self.version}:{self.verb}" + (f":{self.arg}" if self.arg else "")


def encode(version: int, verb: str, arg: str = "") -> str:
    return Payload(version, verb, arg).encode()


def decode(raw: str) -> Payload | None:
    """Parse a payload; anything malformed or forged yields None."""
    parts = raw.split(":", 3)
    if len(parts) < 3 or parts[0] != PREFIX or parts[2] not in VERBS or len(raw) > 500:
        return None
    try:
        version = int(parts[1])
    except ValueError:
        return None
    if version < 0:
        return None
    return Payload(version, parts[2], parts[3] if len(parts) == 4 else "")
