"""One frozen, injected settings object, read from the environment once at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/protocolwijzer.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    playbooks_dir: Path = Path("playbooks")
    school_config: Path = Path("school.yaml")
    host: str = "127.0.0.1"
    port: int = 3978
    default_lang: str = "nl"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            playbooks_dir=Path(env.get("PLAYBOOKS_DIR", "playbooks")),
            school_config=Path(env.get("SCHOOL_CONFIG", "school.yaml")),
            host=env.get("HOST", "127.0.0.1"),
            port=int(env.get("PORT", "3978")),
            default_lang="en" if env.get("DEFAULT_LANG") == "en" else "nl",
        )
