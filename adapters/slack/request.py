"""Slack's request body, parsed once, for our checks and for Bolt alike.

A button press arrives as a form with one field, ``payload``: the URL-encoded JSON of the
press, which carries the whole message or Home tab the button was on (8 to 10 KB for our
Home tab). Bolt decodes it with the standard library's ``parse_qsl``, whose pure-Python
percent-decoding cost a fifth of a millisecond per press, about as much as the bot's own
decision and rendering together (``python bench/load.py --kinds press``). yarl, which aiohttp
already depends on, decodes it in C with the same result (``yarl.query_to_pairs``, which aiohttp
uses for its own forms; a test holds the two to the same answers), ten times faster. Not through
a ``yarl.URL``: URLs are kept in an LRU cache, and with them the last bodies, report forms and
all.

:class:`ParsedRequest` hands Bolt the body parsed here, and the raw body for Bolt's own
signature check (``checked_request`` checks it first, on the raw body, before anything is parsed;
Bolt's check stays as a second line).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from yarl import query_to_pairs


class ParsedRequest(AsyncBoltRequest):
    """Bolt's request on a body that was parsed already: the same attributes as Bolt would
    set from ``raw`` (``raw_body``, ``body``, ``context``), without parsing it again. (Bolt
    parses ``raw_body`` again only to copy a request for a lazy listener; this app has none.)"""

    def __init__(self, *, raw: str, body: dict[str, Any], query: str, headers: Mapping[str, str]) -> None:
        super().__init__(body="", query=query, headers=headers)  # type: ignore[arg-type]
        self.raw_body = raw
        self.body = body
        self.context = build_async_context(AsyncBoltContext({}), body)


def form_fields(text: str) -> dict[str, str]:
    """A form body's fields as ``dict(parse_qsl(text, keep_blank_values=True))`` has them (the
    last of a repeated name wins), decoded by yarl."""
    return dict(query_to_pairs(text))


def parse_body(text: str, *, as_json: bool) -> tuple[Any, bool]:
    """(what Bolt's listeners get as ``body``, whether it came from a form's ``payload``).

    JSON for an Events API request; for a form, the JSON of its ``payload`` field
    (interactivity) or its fields (a slash command, Slack's ``ssl_check``). Raises
    ``ValueError`` (or ``RecursionError``) for JSON that does not parse."""
    if as_json:
        return json.loads(text), False
    fields = form_fields(text)
    if "payload" in fields:
        return json.loads(fields["payload"]), True
    return fields, False
