"""How an incident can end (recorded when the owner closes it, kept after the purge)."""

OUTCOMES = ("resolved", "referred", "police", "no-action", "other")
