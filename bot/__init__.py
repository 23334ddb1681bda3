"""Protocolwijzer core: playbooks, guided conversations and incidents.

The core never imports a Slack or Teams SDK; adapters under ``adapters/`` translate
platform traffic into the neutral events of :mod:`bot.events` and render the neutral
messages of :mod:`bot.messages`.
"""

__version__ = "0.1.0"
