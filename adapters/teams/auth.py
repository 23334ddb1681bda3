"""Tokens: who the bot is to Teams and to Microsoft Graph.

Production: the SDK's MSAL connection with the bot's client secret or certificate, in the
school's own tenant (a single-tenant Azure Bot). MSAL is only asked for a token when one is
needed (its client does network discovery when it is built), and it caches tokens itself.

Locally (``--teams-anonymous``) and in the tests nobody is asked: inbound activities carry
no token and outbound calls to the fakes on 127.0.0.1 carry none either.
"""

from __future__ import annotations

from typing import Any

from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import ConnectionManager
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, AuthTypes, Connections

from adapters.teams.config import TeamsConfig

#: The audience of the Bot Connector's tokens.
BOT_SCOPE = "https://api.botframework.com"


def _configuration(config: TeamsConfig) -> AgentAuthConfiguration:
    if config.anonymous:
        return AgentAuthConfiguration(client_id=config.app_id or None, tenant_id=config.tenant_id or None,
                                      anonymous_allowed=True)
    if config.certificate_path:
        return AgentAuthConfiguration(AuthTypes.certificate, config.app_id, config.tenant_id,
                                      cert_pfx_file=config.certificate_path, anonymous_allowed=False,
                                      authority=f"{config.login_url}/{config.tenant_id}")
    return AgentAuthConfiguration(AuthTypes.client_secret, config.app_id, config.tenant_id, config.password,
                                  anonymous_allowed=False, authority=f"{config.login_url}/{config.tenant_id}")


def connections(config: TeamsConfig) -> Connections:
    return MsalConnectionManager({"SERVICE_CONNECTION": _configuration(config)})


class StaticTokenProvider:
    """Gives the same token for every audience: empty locally (no Authorization header), or a
    fixed one that a test's fake expects."""

    def __init__(self, configuration: AgentAuthConfiguration, token: str = "") -> None:
        self._configuration = configuration
        self.token = token

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        return self.token

    def __getattr__(self, name: str) -> Any:  # user sign-in and agentic flows: not used by this app
        raise AttributeError(name)


def static_connections(config: TeamsConfig | None = None, token: str = "") -> Connections:
    configuration = _configuration(config or TeamsConfig(anonymous=True))
    return ConnectionManager(lambda c: StaticTokenProvider(c, token),
                             connections_configurations={"SERVICE_CONNECTION": configuration})
