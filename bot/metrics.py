"""What ``/metrics`` shows, in Prometheus' text format (prometheus-client).

Why: a board that runs the bot for its schools must see that it works: requests and their
latency, events handled, what waits in the outbox and for how long, escalations due and
fired, incidents open, delivery errors by platform and code, how questions were routed.

No label carries pupil data, free text or a user id: labels are platforms, event kinds,
outcomes and error codes, each from a small fixed set. The counters live in one registry of
their own (not prometheus-client's global one), and the figures that are state (the outbox,
timers, open incidents) are read from the database when ``/metrics`` is asked, so every
replica reports the same truth about the shared database.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

REGISTRY = CollectorRegistry()
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Histogram("protocolwijzer_http_request_seconds", "HTTP requests the bot answered, by platform and status",
                     ["platform", "status"], registry=REGISTRY,
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EVENTS = Counter("protocolwijzer_events", "Events the core handled, by platform and kind", ["platform", "kind"],
                 registry=REGISTRY)
ROUTER = Counter("protocolwijzer_router_decisions", "Typed questions: a protocol opened, a choice offered, or the menu",
                 ["decision"], registry=REGISTRY)
DELIVERIES = Counter("protocolwijzer_deliveries", "Outbox deliveries by platform, kind and result",
                     ["platform", "kind", "result"], registry=REGISTRY)
DELIVERY_ERRORS = Counter("protocolwijzer_delivery_errors", "Failed outbox deliveries by platform and error code",
                          ["platform", "code"], registry=REGISTRY)
ESCALATIONS_FIRED = Counter("protocolwijzer_escalations_fired", "Escalation steps fired (nobody took it in time)",
                            registry=REGISTRY)
OUTBOX = Gauge("protocolwijzer_outbox_messages", "Outbox messages by status", ["status"], registry=REGISTRY)
OUTBOX_OLDEST = Gauge("protocolwijzer_outbox_oldest_pending_seconds",
                      "How long the oldest pending message has been due (0: none overdue)", registry=REGISTRY)
ESCALATIONS_DUE = Gauge("protocolwijzer_escalations_due", "Escalation timers past their time, not yet fired",
                        registry=REGISTRY)
INCIDENTS_OPEN = Gauge("protocolwijzer_incidents_open", "Incidents not closed", registry=REGISTRY)

#: Error codes beyond these many distinct ones are counted as "other" (labels stay a small set).
MAX_CODES = 50
_codes: set[str] = set()


def error_code(exc: BaseException) -> str:
    """A platform's own short code where it gives one (Slack's ``error``, an HTTP status, Teams'
    code), else the exception's type: never its message."""
    response = getattr(exc, "response", None)
    code = ""
    if isinstance(response, dict) or hasattr(response, "get"):
        try:
            code = str(response.get("error") or "")  # type: ignore[union-attr]
        except Exception:
            code = ""
    code = code or str(getattr(exc, "code", "") or getattr(exc, "status", "") or type(exc).__name__)
    code = code[:40] if code.replace("_", "").replace("-", "").isalnum() else type(exc).__name__
    if code not in _codes and len(_codes) >= MAX_CODES:
        return "other"
    _codes.add(code)
    return code


async def refresh(sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    """Read the state figures from the database (at each scrape)."""
    from bot.incidents.models import IncidentRow
    from bot.notify.escalation import PENDING as TIMER_PENDING
    from bot.notify.escalation import EscalationRow
    from bot.notify.outbox import CANCELLED, FAILED, PENDING, SENT, OutboxRow

    async with sessions() as session:
        counts = dict((await session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))).all())
        oldest = (await session.execute(select(func.min(OutboxRow.due_at)).where(
            OutboxRow.status == PENDING, OutboxRow.due_at <= now))).scalar_one_or_none()
        due = (await session.execute(select(func.count()).select_from(EscalationRow).where(
            EscalationRow.status == TIMER_PENDING, EscalationRow.due_at <= now))).scalar_one()
        open_ = (await session.execute(select(func.count()).select_from(IncidentRow).where(
            IncidentRow.status != "closed"))).scalar_one()
    for status in (PENDING, SENT, FAILED, CANCELLED):
        OUTBOX.labels(status).set(counts.get(status, 0))
    if oldest is not None and oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=now.tzinfo)
    OUTBOX_OLDEST.set(max((now - oldest).total_seconds(), 0) if oldest is not None else 0)
    ESCALATIONS_DUE.set(due)
    INCIDENTS_OPEN.set(open_)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
