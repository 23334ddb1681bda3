"""``LOG_FORMAT=json``: a real ``serve`` writes one JSON object per line, libraries' lines too,
with the request's id on what a request caused and the incident's number where there is one."""

from __future__ import annotations

import json

from tests.adapters.slack.world import TEACHER
from tests.reliability.conftest import Serve
from tests.reliability.served import report


async def test_every_line_is_json_with_request_ids_and_incident_numbers(serve: Serve, fake, tmp_path,
                                                                         ) -> None:  # type: ignore[no-untyped-def]
    served = await serve(f"sqlite+aiosqlite:///{tmp_path}/json.db", env={"LOG_FORMAT": "json"})
    number = await report(served, fake)
    status, _ = await served.post(b"{}")  # refused: one line, with its request id
    assert status in (400, 401)
    await served.stop()
    lines = [json.loads(line) for line in served.log_text().splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    reported = [line for line in lines if line.get("incident") == number]
    assert reported and any(line.get("request") for line in reported), reported
    assert any(line["logger"] == "protocolwijzer.refused" and line.get("request") for line in lines)
    assert TEACHER not in served.log_text()
