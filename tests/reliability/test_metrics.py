"""``/metrics`` of a real ``serve`` after a report: Prometheus' text format with requests,
events, router decisions, deliveries, the outbox, timers and open incidents; no label
carries a user id, a question's words or anything else a person typed."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.adapters.slack.world import TEACHER, VP
from tests.reliability.conftest import Serve
from tests.reliability.served import FORM, QUESTION, report


async def test_metrics_after_a_report(serve: Serve, fake, tmp_path) -> None:  # type: ignore[no-untyped-def]
    served = await serve(f"sqlite+aiosqlite:///{tmp_path}/metrics.db")
    await report(served, fake)
    async with served.http.get(served.url + "/metrics") as response:
        assert response.status == 200 and response.content_type == "text/plain"
        text = await response.text()
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    assert value("protocolwijzer_incidents_open") == 1
    assert value("protocolwijzer_outbox_messages", status="sent") >= 4
    assert value("protocolwijzer_outbox_messages", status="pending") == 0
    assert value("protocolwijzer_router_decisions_total", decision="open") >= 1
    assert value("protocolwijzer_events_total", platform="slack", kind="TextMessage") >= 1
    assert value("protocolwijzer_events_total", platform="slack", kind="FormSubmitted") == 1
    assert value("protocolwijzer_deliveries_total", platform="slack", kind="dm", result="sent") >= 3
    assert value("protocolwijzer_http_request_seconds_count", platform="slack", status="200") >= 5
    assert value("protocolwijzer_escalations_due") == 0
    for private in (TEACHER, VP, QUESTION, *FORM.values()):
        assert private not in text
