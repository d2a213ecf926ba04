# lobbyq server image: slim Python, a non-root user, `lobbyq serve`.
# Configure with LOBBYQ_* variables, e.g. LOBBYQ_DATABASE_URL=postgresql+asyncpg://…,
# LOBBYQ_REDIS_URL=redis://…; the schema is brought up to date on start.
# The embedded SQLite database lives in the volume /var/lib/lobbyq/data: recreating the
# container keeps it. Serial devices (printers, LED screens, keypads) are passed through with
#   --device /dev/ttyUSB0 --group-add dialout -v /path/devices.toml:/etc/lobbyq/devices.toml:ro
# and either LOBBYQ_DEVICES=/etc/lobbyq/devices.toml (drivers inside `lobbyq serve`) or the
# command `lobbyq agent --server … --token … --devices /etc/lobbyq/devices.toml`
# (README.md, "Running in Docker").
FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/lobbyq
COPY pyproject.toml README.md ./
COPY app ./app
COPY drivers ./drivers
COPY displays ./displays
COPY migrations ./migrations
RUN pip install --no-cache-dir .

RUN useradd --system --create-home --home-dir /var/lib/lobbyq --groups dialout lobbyq \
 && mkdir -p /var/lib/lobbyq/data \
 && chown lobbyq:lobbyq /var/lib/lobbyq/data
VOLUME /var/lib/lobbyq/data
USER lobbyq
WORKDIR /var/lib/lobbyq
ENV LOBBYQ_DATABASE_URL=sqlite+aiosqlite:////var/lib/lobbyq/data/lobbyq.db
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["lobbyq", "serve", "--host", "0.0.0.0", "--port", "8000"]
