"""The deployment files say what the README promises: an image without secrets that runs as a
user without rights, checks its own health and serves on every interface; PostgreSQL 16 with a
named volume and two replicas on it; Prometheus scraping both. (The image itself is built and
smoke-tested by .ci/run: with Docker where a daemon runs, else on a stand-in base.)"""

from __future__ import annotations

import re

import yaml

from tests.conftest import REPO

SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|KEY", re.I)


def dockerfile() -> list[tuple[str, str]]:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return [(line.split(" ", 1)[0], line.split(" ", 1)[1] if " " in line else "")
            for line in (raw.strip() for raw in text.splitlines()) if line and not line.startswith("#")]


def test_the_image_is_slim_python_311_without_secrets_and_not_root() -> None:
    steps = dockerfile()
    froms = [rest for word, rest in steps if word == "FROM"]
    assert len(froms) == 2 and all(f.startswith("${PYTHON_IMAGE}") for f in froms)
    assert ("ARG", "PYTHON_IMAGE=python:3.11-slim-bookworm") in steps
    envs = " ".join(rest for word, rest in steps if word in ("ENV", "ARG"))
    assert not SECRET.search(envs), "no secret is baked into the image"
    [user] = [rest for word, rest in steps if word == "USER"]
    assert user != "root" and user != "0"
    assert any(word == "HEALTHCHECK" and "/healthz" in rest for word, rest in steps)
    assert ("CMD", '["protocolwijzer", "serve", "--host", "0.0.0.0"]') in steps
    run = " ".join(rest for word, rest in steps if word == "RUN")
    assert ".[slack,teams,postgres]" in run and "dev" not in run, "only the runtime extras"


def test_the_context_leaves_out_what_the_image_must_not_carry() -> None:
    ignore = [line for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
              if line and not line.startswith("#")]
    assert ignore[0] == "*", "everything is left out unless named"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert allowed == {"pyproject.toml", "README.md", "bot", "adapters", "playbooks", "school.example.yaml"}


def test_compose_runs_postgres_16_and_two_replicas_on_it() -> None:
    compose = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["postgres"]["image"] == "postgres:16"
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"] and "pgdata" in compose["volumes"]
    bots = [s for name, s in services.items() if name.startswith("bot-")]
    assert len(bots) == 2
    for bot in bots:
        assert bot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert bot["env_file"] == ".env" and bot["stop_grace_period"] == "10s"
    assert len({b["ports"][0] for b in bots}) == 2, "each replica on a port of its own"
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            assert not SECRET.search(key) or str(value).startswith("${"), f"{name}.{key} is not from the .env"


def test_prometheus_scrapes_both_replicas() -> None:
    config = yaml.safe_load((REPO / "deploy" / "prometheus.yml").read_text(encoding="utf-8"))
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"][0]["targets"] == ["bot-1:3978", "bot-2:3978"]
