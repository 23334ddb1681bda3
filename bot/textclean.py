"""Text a database will store, whatever a platform delivered.

PostgreSQL refuses a NUL character in text and JSON, and no database driver can encode a lone
surrogate (half of a UTF-16 pair, which a broken client can produce). One such character in a
teacher's report made every attempt to save it fail. Cleaning happens at the edge, once, for
every platform: :meth:`bot.app.Core.handle` cleans each event before anything reads it.

The bidirectional embeddings and overrides (U+202A-U+202E) go too: an override typed into a
report turns the rest of the line around on the coordinator's card, so a report could be made
to read differently from what was typed. Nobody needs them in a chat: the isolates
(U+2066-U+2069) and the marks (U+200E, U+200F) that mixed Dutch-Arabic text uses are kept.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

T = TypeVar("T")

_REFUSED = re.compile("[\x00\u202a-\u202e\ud800-\udfff]")


def clean(text: str) -> str:
    """``text`` without NUL characters, bidi embeddings and overrides, and lone surrogates (a
    surrogate becomes U+FFFD)."""
    if not _REFUSED.search(text):
        return text
    return _REFUSED.sub(lambda m: "\ufffd" if "\ud800" <= m.group(0) <= "\udfff" else "", text)


def clean_value(value: Any) -> Any:
    """Strings cleaned inside strings, lists, tuples, dicts and (frozen) dataclasses."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_value(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: clean_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def clean_event(event: T) -> T:
    """The same event with every string in it cleaned."""
    return clean_value(event)  # type: ignore[no-any-return]
