"""Shared fixtures: paths to the repository's playbooks and a tiny valid playbook."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PLAYBOOKS = REPO / "playbooks"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def repo_playbooks() -> Path:
    return PLAYBOOKS
