"""Teams settings from the environment, checked before anything starts.

* ``TEAMS_APP_ID`` switches Teams on: the client id of the school's single-tenant Azure Bot;
* ``TEAMS_APP_PASSWORD`` (a client secret) or ``TEAMS_CERTIFICATE_PATH`` (a .pfx file with
  the private key) proves that the bot is that app;
* ``TEAMS_TENANT_ID``: the school's tenant; activities from any other tenant are refused;
* ``TEAMS_SERVICE_URL``: where proactive messages go before anyone has written to the bot
  (Teams tells the real one with every activity; default the public Teams endpoint);
* ``TEAMS_ALLOW_SERVICE_URL``, ``TEAMS_GRAPH_URL``, ``TEAMS_LOGIN_URL``: the tests' fakes on
  127.0.0.1 (a loopback service URL is only ever accepted when named here).

``serve --teams-anonymous`` accepts activities without a token, for trying the bot
locally with a client such as the Agents Playground, and only when bound to 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.teams_ids import GUID

DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
GRAPH_URL = "https://graph.microsoft.com/v1.0"
LOGIN_URL = "https://login.microsoftonline.com"
#: The hosts Teams' Bot Connector answers on (public cloud, GCC, GCC High, DoD).
TEAMS_SERVICE_HOSTS = ("smba.trafficmanager.net", "smba.infra.gcc.teams.microsoft.com",
                       "smba.infra.gov.teams.microsoft.us", "smba.infra.dod.teams.microsoft.us")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class TeamsConfigError(ValueError):
    """A setting that cannot work; the message says which and what to do."""


@dataclass(frozen=True)
class TeamsConfig:
    app_id: str = ""
    password: str = ""
    certificate_path: str = ""
    tenant_id: str = ""
    anonymous: bool = False
    service_url: str = DEFAULT_SERVICE_URL
    allowed_service_urls: tuple[str, ...] = ()
    """Extra service URL prefixes accepted besides Teams' own (the tests' fake connector)."""
    graph_url: str = GRAPH_URL
    login_url: str = LOGIN_URL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, anonymous: bool = False) -> TeamsConfig | None:
        """None when Teams is not configured at all (and not asked for with ``anonymous``)."""
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return env.get(name, "").strip()

        if not anonymous and not any(get(n) for n in ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_CERTIFICATE_PATH")):
            return None
        allowed = tuple(u.strip().rstrip("/") + "/" for u in get("TEAMS_ALLOW_SERVICE_URL").split(",") if u.strip())
        config = cls(get("TEAMS_APP_ID"), get("TEAMS_APP_PASSWORD"), get("TEAMS_CERTIFICATE_PATH"),
                     get("TEAMS_TENANT_ID").lower(), anonymous, get("TEAMS_SERVICE_URL") or DEFAULT_SERVICE_URL,
                     allowed, get("TEAMS_GRAPH_URL") or GRAPH_URL, get("TEAMS_LOGIN_URL") or LOGIN_URL)
        config.check()
        return config

    def check(self) -> None:
        """Refuse a half configuration: with auth off the bot would post wherever a caller says."""
        if self.anonymous:
            return
        if not GUID.match(self.app_id):
            raise TeamsConfigError("TEAMS_APP_ID must be the Azure Bot's Microsoft App ID (a GUID; Azure portal → "
                                   "the bot → Configuration).")
        if not self.password and not self.certificate_path:
            raise TeamsConfigError("Set TEAMS_APP_PASSWORD (a client secret of the bot's app registration) or "
                                   "TEAMS_CERTIFICATE_PATH (a .pfx certificate).")
        if self.certificate_path and not os.path.isfile(self.certificate_path):
            raise TeamsConfigError(f"TEAMS_CERTIFICATE_PATH: no such file {self.certificate_path}")
        if not GUID.match(self.tenant_id):
            raise TeamsConfigError("TEAMS_TENANT_ID must be the school's Microsoft 365 tenant id (a GUID): the bot "
                                   "is registered single-tenant.")

    def check_bind(self, host: str) -> None:
        """Anonymous activities only on loopback: anyone who can reach the port could act as anyone."""
        if self.anonymous and host not in LOOPBACK:
            raise TeamsConfigError("--teams-anonymous is for local testing only: bind to 127.0.0.1 (--host).")

    def service_url_allowed(self, url: str) -> bool:
        """Teams' own connector hosts over https, or a prefix named in TEAMS_ALLOW_SERVICE_URL."""
        if not url:
            return False
        normalised = url.rstrip("/") + "/"
        if any(normalised.startswith(prefix) for prefix in self.allowed_service_urls):
            return True
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        host = (parts.hostname or "").lower()
        return parts.scheme == "https" and any(host == h or host.endswith("." + h) for h in TEAMS_SERVICE_HOSTS)
