"""State lives in the database: restarts continue, concurrent presses act once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import build_core
from bot.events import ButtonPressed, Command, TextMessage
from bot.settings import Settings
from tests.unit.conversation.helpers import KEY, USER, body
from tests.unit.playbooks.sample import VALID


def settings_for(tmp_path: Path) -> Settings:
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir(exist_ok=True)
    (playbooks / "sample.yaml").write_text(VALID, encoding="utf-8")
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/db/bot.db", playbooks_dir=playbooks)


async def test_a_restarted_process_continues_the_flow(tmp_path: Path) -> None:
    core = await build_core(settings_for(tmp_path))
    [first] = await core.conversations.handle(TextMessage(KEY, USER, "voorbeeldwoord"))
    [second] = await core.conversations.handle(ButtonPressed(KEY, USER, first.choices[0].payload))
    await core.close()

    restarted = await build_core(settings_for(tmp_path))  # new engine, same database file
    try:
        [resumed] = await restarted.conversations.handle(Command(KEY, USER, "resume"))
        assert "Verspreid?" in body(resumed)
        # The button on the message shown before the restart still works.
        [third] = await restarted.conversations.handle(ButtonPressed(KEY, USER, second.choices[1].payload))
        assert "Stappen die passen bij jouw antwoorden" in third.text
    finally:
        await restarted.close()


async def test_concurrent_presses_of_the_same_button_act_once(tmp_path: Path) -> None:
    core = await build_core(settings_for(tmp_path))
    try:
        [first] = await core.conversations.handle(TextMessage(KEY, USER, "voorbeeldwoord"))
        press = ButtonPressed(KEY, USER, first.choices[0].payload)
        results = await asyncio.gather(*(core.conversations.handle(press) for _ in range(5)))
        replies = [reply for batch in results for reply in batch]
        assert sum(1 for r in replies if not r.ephemeral) == 1
        assert sum(1 for r in replies if r.ephemeral) == 4
    finally:
        await core.close()


async def test_conversations_store_no_free_text(tmp_path: Path) -> None:
    core = await build_core(settings_for(tmp_path))
    try:
        secret = "voorbeeldwoord Jan Jansen uit 3B"
        await core.conversations.handle(TextMessage(KEY, USER, secret))
    finally:
        await core.close()
    raw = (tmp_path / "db" / "bot.db").read_bytes()
    assert b"Jansen" not in raw


async def test_a_broken_playbook_does_not_take_the_bot_down(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    (settings.playbooks_dir / "broken.yaml").write_text("id: broken\ntitle: [oops\n", encoding="utf-8")
    core = await build_core(settings)
    try:
        assert core.library.ids() == ["sample"]
        assert core.playbook_problems and core.playbook_problems[0].startswith(str(settings.playbooks_dir))
        [reply] = await core.conversations.handle(TextMessage(KEY, USER, "menu"))
        assert [b.label for b in reply.choices] == ["Voorbeeld"]
    finally:
        await core.close()


async def test_a_link_to_a_missing_playbook_hides_only_the_button(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    text = VALID.replace("    briefing: true\n", "    briefing: true\n    related: [not-written-yet]\n")
    (settings.playbooks_dir / "sample.yaml").write_text(text, encoding="utf-8")
    core = await build_core(settings)
    try:
        assert core.library.ids() == ["sample"]
        assert any("related playbook 'not-written-yet' does not exist" in p for p in core.playbook_problems)
    finally:
        await core.close()


async def test_unexpected_errors_answer_in_the_users_language_with_a_reference(tmp_path: Path) -> None:
    core = await build_core(settings_for(tmp_path))
    try:
        await core.conversations.handle(TextMessage(KEY, USER, "English"))

        def explode(*_args: object) -> None:
            raise RuntimeError("boom")

        core.conversations.engine.decide = explode  # type: ignore[method-assign,assignment]
        [reply] = await core.conversations.handle(TextMessage(KEY, USER, "anything"))
        assert reply.ephemeral and reply.text.startswith("Sorry, something went wrong (ref ")
        assert "boom" not in reply.text
    finally:
        await core.close()


async def test_a_playbook_with_an_unverified_number_is_not_served(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    (settings.playbooks_dir / "_contacts.yaml").write_text(
        'phones:\n  - {number: "112", use: Spoed, jurisdiction: [nl]}\n', encoding="utf-8")
    text = VALID.replace('text: {nl: "Breed.", en: "Wide."}', 'text: {nl: "Bel 113.", en: "Call 113."}')
    (settings.playbooks_dir / "sample.yaml").write_text(text, encoding="utf-8")
    core = await build_core(settings)
    try:
        assert core.library.ids() == []
        assert any("'113' is not a verified phone number" in p for p in core.playbook_problems)
    finally:
        await core.close()


async def test_a_replica_s_remembered_state_never_applies_a_press_twice(tmp_path: Path) -> None:
    """Two replicas share the database; each remembers what it last read or wrote. When the other
    one moved the conversation on, the remembered state is stale: the save's version check catches
    it, the press is decided again on the stored state and is recognised as stale."""
    from bot.conversation.service import ConversationService
    from bot.store.conversations import ConversationStore
    from bot.store.db import session_factory

    core = await build_core(settings_for(tmp_path))
    try:
        replica_a = core.conversations
        replica_b = ConversationService(core.engine, ConversationStore(session_factory(core.db)))
        [question] = await replica_a.handle(TextMessage(KEY, USER, "voorbeeldwoord"))
        answer = question.choices[0].payload
        [moved_on] = await replica_b.handle(ButtonPressed(KEY, USER, answer))
        assert not moved_on.ephemeral
        [again] = await replica_a.handle(ButtonPressed(KEY, USER, answer))  # A still remembers the question
        assert again.ephemeral, "the same press is stale now, not applied a second time"
        [shown] = await replica_a.handle(Command(KEY, USER, "resume"))
        assert body(shown) == body(moved_on), "and A shows what B saved"
    finally:
        await core.close()


async def test_a_press_on_a_newer_state_than_remembered_reads_first(tmp_path: Path) -> None:
    """A press whose button is newer than the state this replica remembers was made after another
    replica moved the conversation on: the replica reads the stored state at once and decides
    once, instead of first deciding on its stale memory (which can only end in a reread)."""
    from types import SimpleNamespace

    from bot.conversation.service import ConversationService
    from bot.store.conversations import ConversationStore
    from bot.store.db import session_factory

    core = await build_core(settings_for(tmp_path))
    try:
        decided = []

        def counting_decide(state, event):  # type: ignore[no-untyped-def]
            decided.append(state.version)
            return core.engine.decide(state, event)

        replica_a = ConversationService(core.engine, ConversationStore(session_factory(core.db)))
        replica_b = core.conversations
        [question] = await replica_a.handle(TextMessage(KEY, USER, "voorbeeldwoord"))
        [moved_on] = await replica_b.handle(ButtonPressed(KEY, USER, question.choices[0].payload))
        newer = next(b.payload for b in moved_on.choices if b.payload)
        replica_a.engine = SimpleNamespace(decide=counting_decide)  # type: ignore[assignment]
        [answered] = await replica_a.handle(ButtonPressed(KEY, USER, newer))
        assert not answered.ephemeral
        assert len(decided) == 1, f"decided once, on the stored state (versions seen: {decided})"
        [shown] = await replica_b.handle(Command(KEY, USER, "resume"))
        assert body(shown) == body(answered), "and B sees what A saved"
    finally:
        await core.close()
