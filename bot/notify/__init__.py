"""Notifications: the delivery outbox (and, later, escalation and the team briefing)."""
