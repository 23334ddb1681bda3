"""Guided conversations: a pure engine over playbooks, a free-text router, and the
service that loads and saves conversation state around the engine."""
