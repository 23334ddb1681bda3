# Protocolwijzer: one image for Slack, Teams or both (set by the environment, never baked in).
#
#   docker build -t protocolwijzer .
#   docker run -e DATABASE_URL=postgresql+asyncpg://… -e SLACK_BOT_TOKEN=… -e SLACK_SIGNING_SECRET=… \
#     -v ./school.yaml:/app/config/school.yaml:ro -p 3978:3978 protocolwijzer
#
# deploy/compose.yaml runs PostgreSQL and two replicas. The playbooks are in the image and can be
# replaced by mounting /app/playbooks; the school directory is mounted at /app/config/school.yaml.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -- build: the app and its runtime extras in a virtual environment ---------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN python -m venv /opt/protocolwijzer \
 && /opt/protocolwijzer/bin/pip install --no-compile ".[slack,teams,postgres]" \
 && find /opt/protocolwijzer -name "__pycache__" -prune -exec rm -rf {} +

# -- run: the environment, the playbooks, a user without rights --------------------------------
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/protocolwijzer/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PLAYBOOKS_DIR=/app/playbooks \
    SCHOOL_CONFIG=/app/config/school.yaml \
    DATABASE_URL=sqlite+aiosqlite:////app/data/protocolwijzer.db \
    PORT=3978
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin protocolwijzer \
 && mkdir -p /app/config /app/data \
 && chown protocolwijzer:protocolwijzer /app/data
COPY --from=build /opt/protocolwijzer /opt/protocolwijzer
COPY playbooks /app/playbooks
COPY school.example.yaml /app/school.example.yaml
WORKDIR /app
USER protocolwijzer
VOLUME ["/app/data"]
EXPOSE 3978
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3978'), timeout=4)"]
CMD ["protocolwijzer", "serve", "--host", "0.0.0.0"]
