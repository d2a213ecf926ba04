# lobbyq server image: slim Python, a non-root user, `lobbyq serve`.
# Configure with LOBBYQ_* variables, e.g. LOBBYQ_DATABASE_URL=postgresql+asyncpg://…,
# LOBBYQ_REDIS_URL=redis://…; the schema is brought up to date on start.
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

RUN useradd --system --create-home --home-dir /var/lib/lobbyq lobbyq
USER lobbyq
WORKDIR /var/lib/lobbyq
ENV LOBBYQ_DATABASE_URL=sqlite+aiosqlite:////var/lib/lobbyq/lobbyq.db
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["lobbyq", "serve", "--host", "0.0.0.0", "--port", "8000"]
