"""Our exception hierarchy:

* BotError
  + UserFacingError(message)     -- a known, "business" reason; its text may reach a user
    x InvalidInput(field, message)
  + PlaybookError                -- a playbook or the school directory is invalid
  + StoreConflict                -- a concurrent update won; the caller retries
"""

from __future__ import annotations


class BotError(Exception):
    """Base of everything the core raises on purpose."""


class UserFacingError(BotError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(UserFacingError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class PlaybookError(BotError):
    """Raised when playbooks cannot be loaded; ``problems`` are ``file:line: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class StoreConflict(BotError):
    """Another request updated the same conversation first."""
