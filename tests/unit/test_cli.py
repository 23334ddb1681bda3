"""The console script as an admin uses it: lint, route, chat."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from adapters.terminal.chat import run_chat
from bot.app import build_core
from bot.settings import Settings
from tests.conftest import PLAYBOOKS, REPO
from tests.unit.playbooks.sample import VALID


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, capture_output=True, text=True,
                          env=full_env, timeout=120)


def test_lint_repository_playbooks_exits_0() -> None:
    result = cli("lint", "playbooks")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_lint_reports_file_line_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "sample.yaml"
    bad.write_text(VALID.replace("    actor: any-staff\n", "    actr: any-staff\n"), encoding="utf-8")
    result = cli("lint", str(bad))
    assert result.returncode == 1
    assert result.stdout.strip() == f"{bad}:26: steps[0].actr: unknown key 'actr' (did you mean 'actor'?)"


def test_lint_missing_path_exits_1(tmp_path: Path) -> None:
    result = cli("lint", str(tmp_path / "nope"))
    assert result.returncode == 1 and "no such file" in result.stderr


def test_route_json_shape() -> None:
    result = cli("route", "--json", "er gaat een naaktfoto rond van een leerling uit 3B, wat moet ik doen?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["lang"] == "nl"
    assert data["decision"] == "open" and data["playbooks"] == ["naaktbeeld-sexting"]
    assert data["matches"][0]["playbook"] == "naaktbeeld-sexting"
    assert all(set(m) == {"playbook", "score"} for m in data["matches"])


def test_route_out_of_scope_gives_the_menu() -> None:
    result = cli("route", "--json", "--lang", "en", "I forgot my password")
    data = json.loads(result.stdout)
    assert data["lang"] == "en" and data["decision"] == "menu" and data["playbooks"] == []


async def test_terminal_chat(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/chat.db", playbooks_dir=PLAYBOOKS)
    core = await build_core(settings)
    stdin = io.StringIO("er gaat een naaktfoto rond van een leerling\n1\n99\nq\n")
    stdout = io.StringIO()
    try:
        assert await run_chat(core, stdin=stdin, stdout=stdout, user_id="admin") == 0
    finally:
        await core.close()
    out = stdout.getvalue()
    assert "Doe nu" in out and "[1]" in out
    assert "Kies een nummer van 1 tot" in out  # 99 is not a button


def test_show_renders_a_playbook_as_markdown() -> None:
    result = cli("show", "naaktbeeld-sexting", "--lang", "en", "--jurisdiction", "nl")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("# A nude or sexual image of a pupil is being shared\n")
    for heading in ("## Do now", "## Triage questions", "## Steps", "## Team briefing", "## All answer paths"):
        assert heading in out
    assert "**Who:**" in out and "**Sources:**" in out and "S-073" in out


def test_show_unknown_playbook_exits_1() -> None:
    result = cli("show", "no-such-protocol")
    assert result.returncode == 1 and "available:" in result.stderr


def test_the_example_school_directory_lints_with_the_playbooks() -> None:
    result = cli("lint", "playbooks", "--school", "school.example.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


async def test_terminal_chat_takes_typed_answers_and_unfolds_a_step(tmp_path: Path) -> None:
    """Issue #15 in the terminal: "nee" typed at a question answers it ("vaak" is not an answer to
    "Eenmalig / Herhaald / Meerdere slachtoffers": asked again); the steps print one line each with
    m1, m2…, and "m3" prints the first step's details (m1 is the do-now block, m2 the answers)."""
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/chat.db", playbooks_dir=PLAYBOOKS)
    core = await build_core(settings)
    answers = "\n".join(["nee", "geen beelden", "nee", "ja, van onze school", "vaak"])
    stdin = io.StringIO(f"een leerling wordt al weken gepest in de groepsapp van de klas\n{answers}\nherhaald\nm3\nq\n")
    stdout = io.StringIO()
    try:
        assert await run_chat(core, stdin=stdin, stdout=stdout, user_id="admin") == 0
    finally:
        await core.close()
    out = stdout.getvalue()
    assert "Je antwoord: NEE" in out and "Dat kan ik niet als antwoord lezen" in out
    assert "[m3]" in out and out.count("Wie: ") == 1  # steps fold to one line; m3 printed one step in full
