"""Text into and out of Slack's ``mrkdwn``.

Out: the core's small markup (``**bold**``, ``- `` bullets, blank lines) becomes mrkdwn,
and everything else is escaped first. Slack treats only ``&``, ``<`` and ``>`` as control
characters; replacing them (in that order) turns ``<!channel>``, ``<@U123>`` and
``<http://evil|label>`` typed by a user into visible text that notifies nobody and links
nowhere (safety rule 6). Escaping happens before any markup is produced, so nothing a
user or a playbook author wrote can become a mention.

In: the text of a message a user sent (or the message behind a shortcut) carries Slack's
own markup; :func:`plain` turns it back into what a person sees, so the router reads words.
"""

from __future__ import annotations

import re

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)\|([^>]+)>")
_BARE = re.compile(r"<((?:https?|mailto):[^>|]+)>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]+))?>")
_CHANNEL = re.compile(r"<#(C[A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]+))?>")
_DATE = re.compile(r"<!date\^[^|>]*\|([^>]+)>")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(text: str) -> str:
    """Core markup → mrkdwn, escaping all text first."""
    lines = []
    for line in escape(text).split("\n"):
        line = _BOLD.sub(r"*\1*", line)
        if line.startswith("- "):
            line = "• " + line[2:]
        lines.append(line)
    return "\n".join(lines)


def to_plain(text: str) -> str:
    """Core markup → plain text (notification fallbacks, ``plain_text`` objects)."""
    return _BOLD.sub(r"\1", text)


def plain(text: str) -> str:
    """Slack message markup → the text a person reads (links by their label, mentions as
    ``@name``). Used on what users send, before it reaches the router."""
    text = _LINK.sub(r"\2", text)
    text = _BARE.sub(r"\1", text)
    text = _USER.sub(lambda m: "@" + (m.group(2) or "iemand"), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or "kanaal"), text)
    text = _SPECIAL.sub(r"@\1", text)
    text = _SUBTEAM.sub(lambda m: m.group(1) or "@groep", text)
    text = _DATE.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def without_mention(text: str, bot_user_id: str) -> str:
    """A channel mention's text without the leading ``<@BOT>`` that addressed the bot."""
    return re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text).strip()
