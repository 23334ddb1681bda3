"""Build an engine over playbook text and drive it like a chat transcript."""

from __future__ import annotations

from pathlib import Path

from bot.conversation.engine import Engine
from bot.conversation.router import Router
from bot.conversation.state import ConversationState
from bot.events import ButtonPressed, Command, ConversationKey, Event, TextMessage, UserRef
from bot.messages import Reply
from bot.playbooks.library import PlaybookLibrary, load_library

KEY = ConversationKey("test", "U1", "D1")
USER = UserRef("test", "U1")


def library_from_text(tmp_path: Path, **files: str) -> PlaybookLibrary:
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    library, problems = load_library(tmp_path)
    assert problems == []
    return library


class Chat:
    """A transcript-style driver over the pure engine."""

    def __init__(self, library: PlaybookLibrary) -> None:
        self.engine = Engine(library, Router(library))
        self.state = ConversationState()
        self.replies: list[Reply] = []

    def _send(self, event: Event) -> Reply:
        decision = self.engine.decide(self.state, event)
        self.state = decision.state
        self.replies.extend(decision.replies)
        assert len(decision.replies) == 1
        return decision.replies[0]

    def say(self, text: str) -> Reply:
        return self._send(TextMessage(KEY, USER, text))

    def command(self, name: str, arg: str = "") -> Reply:
        return self._send(Command(KEY, USER, name, arg))

    def press_payload(self, payload: str) -> Reply:
        return self._send(ButtonPressed(KEY, USER, payload))

    def last_interactive(self) -> Reply:
        return next(r for r in reversed(self.replies) if not r.ephemeral)

    def press(self, label: str) -> Reply:
        """Press the button with this label on the latest interactive message."""
        reply = self.last_interactive()
        for button in reply.all_buttons():
            if button.label == label:
                return self.press_payload(button.payload)
        raise AssertionError(f"no button {label!r} in {[b.label for b in reply.all_buttons()]}")


def body(reply: Reply) -> str:
    return "\n".join(f"{s.title}\n{s.text}" for s in reply.sections)
