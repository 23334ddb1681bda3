"""The terminal loop: type a question, or the number of a button; ``q`` quits."""

from __future__ import annotations

import asyncio
import getpass
import re
import sys
from typing import TextIO

from adapters.terminal.render import render_with_more
from bot.app import Core
from bot.events import ButtonPressed, Command, ConversationEvent, ConversationKey, TextMessage, UserRef
from bot.messages import Button

PROMPT = "\n> "
#: "m2", "meer 2", "more 2": the details of the second folded section.
MORE = re.compile(r"^(?:m|meer|more)\s*(\d{1,2})$", re.IGNORECASE)
QUIT = {"q", "quit", "exit", "stop"}


async def run_chat(core: Core, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
                   user_id: str | None = None) -> int:
    user_name = user_id or getpass.getuser()
    key = ConversationKey("terminal", user_name, "chat")
    user = UserRef("terminal", user_name)
    buttons: list[Button] = []
    more: list[Button] = []

    async def send(event: ConversationEvent) -> None:
        nonlocal buttons, more
        for reply in await core.conversations.handle(event):
            text, new_buttons, new_more = render_with_more(reply)
            stdout.write("\n" + text + "\n")
            if new_buttons:
                buttons, more = new_buttons, new_more
        stdout.flush()

    stdout.write("Protocolwijzer — typ je vraag, of het nummer van een knop; m1, m2… toont een stap. "
                 "'q' stopt.\nType your question, or the number of a button; m1, m2… shows a step. 'q' quits.\n")
    await send(Command(key, user, "resume"))
    loop = asyncio.get_running_loop()
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            stdout.write("\n")
            return 0
        text = line.strip()
        if not text:
            continue
        if text.lower() in QUIT:
            return 0
        if text.isdigit():
            number = int(text)
            if 1 <= number <= len(buttons):
                await send(ButtonPressed(key, user, buttons[number - 1].payload))
            else:
                stdout.write(f"(Kies een nummer van 1 tot {len(buttons)} / choose 1 to {len(buttons)})\n")
            continue
        folded = MORE.match(text)
        if folded and 1 <= int(folded.group(1)) <= len(more):
            await send(ButtonPressed(key, user, more[int(folded.group(1)) - 1].payload))
            continue
        await send(TextMessage(key, user, text))
