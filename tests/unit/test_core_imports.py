"""The core must work without any platform SDK (DESIGN: bot/ imports none)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

BLOCKER = """
import importlib.abc, sys
BLOCKED = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "msal")
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"blocked platform SDK: {name}")
sys.meta_path.insert(0, Block())
import pkgutil, importlib, bot
for module in pkgutil.walk_packages(bot.__path__, "bot."):
    if module.name != "bot.__main__":
        importlib.import_module(module.name)
print("ok")
"""


def test_every_core_module_imports_without_platform_sdks() -> None:
    result = subprocess.run([sys.executable, "-c", BLOCKER], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_no_core_module_mentions_a_platform_sdk_import() -> None:
    offenders = []
    for path in (REPO / "bot").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")) and any(
                sdk in stripped for sdk in ("slack_bolt", "slack_sdk", "botbuilder", "msal")
            ):
                offenders.append(f"{path.relative_to(REPO)}: {stripped}")
    assert offenders == []


def test_bot_main_module_exists() -> None:
    assert (Path(REPO) / "bot" / "__main__.py").exists()
