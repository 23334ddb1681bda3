"""The App Home tab: the protocols as buttons and, for coordinators, their open incidents.

The buttons are not part of any conversation (``open`` with the playbook id as value):
a press starts that protocol in the user's DM with the bot, whatever state their
conversation is in. The incident list shows number, protocol, status and owner only,
with a link to the private channel; Slack itself hides the channel from anyone who is
not a member.
"""

from __future__ import annotations

from typing import Any

from adapters.slack import texts
from adapters.slack.blocks import ACTION_OPEN, MAX_BUTTONS, MAX_VIEW_BLOCKS, Block, button, plain_text
from adapters.slack.mrkdwn import escape, to_mrkdwn
from bot.incidents.listing import OpenIncident
from bot.messages import Button


def render_home(protocols: list[tuple[str, str]], incidents: list[OpenIncident] | None, *, lang: str) -> dict[str, Any]:
    """``protocols``: (playbook id, title) in menu order; ``incidents`` None for someone
    who holds no role (the section is left out), else their open incidents."""
    blocks: list[Block] = [
        {"type": "header", "text": plain_text(texts.home_title(lang), 150)},
        {"type": "section", "text": {"type": "mrkdwn", "text": to_mrkdwn(texts.home_intro(lang))}},
    ]
    if incidents is not None:
        blocks.append({"type": "header", "text": plain_text(texts.home_incidents(lang), 150)})
        if not incidents:
            none = escape(texts.home_no_incidents(lang))
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": none}})
        for incident in incidents:
            line = f"*{escape(incident.number)}* · {escape(incident.title)}"
            if incident.urgent:
                line += f" · :rotating_light: {texts.home_urgent(lang)}"
            line += f"\n{escape(incident.status)} · {escape(incident.owner)}"
            if incident.space_id:
                line += f"\n{texts.home_space(lang)}: <#{incident.space_id}>"
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": line}})
    blocks.append({"type": "header", "text": plain_text(texts.home_protocols(lang), 150)})
    for start in range(0, len(protocols), MAX_BUTTONS):
        chunk = protocols[start:start + MAX_BUTTONS]
        blocks.append({"type": "actions", "block_id": f"protocols{start}", "elements": [
            button(Button(playbook_id, title), ACTION_OPEN, index=start + i) for i, (playbook_id, title) in
            enumerate(chunk)]})
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}
