"""The Slack adapter: slack-bolt's AsyncApp translating Slack to the neutral core and back.

The core decides; this package only translates: Slack payloads become neutral events
(:mod:`adapters.slack.listeners`), neutral replies become Block Kit
(:mod:`adapters.slack.blocks`), and the port (:mod:`adapters.slack.platform`) carries out
what the core's outbox asks with Slack's Web API.
"""
