"""``protocolwijzer serve`` as ``make run`` starts it: the real process, a real port."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import REPO


def test_serve_starts_the_simulator_and_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/serve.db", "PORT": "0",
           "SCHOOL_CONFIG": str(tmp_path / "no-school.yaml")}
    with subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=REPO, env=env,
                          stderr=subprocess.PIPE, text=True) as process:
        code = _exercise(process)
    assert code == 0
    assert (tmp_path / "serve.db").exists()


def _exercise(process: subprocess.Popen[str]) -> int:
    try:
        port = None
        deadline = time.monotonic() + 60
        assert process.stderr is not None
        while port is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            if match := re.search(r"simulator at http://127\.0\.0\.1:(\d+)", line):
                port = int(match.group(1))
        assert port, "the simulator did not report its address"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            health = json.load(response)
        assert health == {"status": "ok", "playbooks": health["playbooks"]} and health["playbooks"] >= 3
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert b"Protocolwijzer" in response.read()
        # Without a school.yaml the demo school is loaded: the simulator knows working hours.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/inbox?session=serve-test&persona=directie",
                                    timeout=10) as response:
            inbox = json.load(response)
        assert inbox["dms"] == [] and isinstance(inbox["now"]["working_hours"], bool)
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    return code


def test_serve_reports_a_taken_port_without_a_traceback(tmp_path: Path) -> None:
    import socket

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/serve.db"}
        result = subprocess.run([sys.executable, "-m", "bot", "serve", "--port", str(port)], cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "cannot start the simulator" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_simulator_stays_on_this_computer_unless_allowed(tmp_path: Path) -> None:
    """It has no login: served beyond loopback only when asked for, and then with a warning."""
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/serve.db", "PORT": "0",
           "SCHOOL_CONFIG": str(tmp_path / "no-school.yaml")}
    refused = subprocess.run([sys.executable, "-m", "bot", "serve", "--host", "0.0.0.0"], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "--allow-remote" in refused.stderr and "Traceback" not in refused.stderr
    with subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "0.0.0.0", "--allow-remote"], cwd=REPO,
                          env=env, stderr=subprocess.PIPE, text=True) as process:
        assert process.stderr is not None
        seen = ""
        deadline = time.monotonic() + 60
        while "simulator at" not in seen and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            seen += line
        port = re.search(r"simulator at http://0\.0\.0\.0:(\d+)", seen)
        assert port, seen
        with urllib.request.urlopen(f"http://127.0.0.1:{port.group(1)}/healthz", timeout=10) as response:
            assert response.status == 200  # it runs (and has set up its clean stop)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    assert "has no login" in seen
