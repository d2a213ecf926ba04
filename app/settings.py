"""Settings from ``LOBBYQ_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOBBYQ_", extra="ignore")

    database_url: str = Field("sqlite+aiosqlite:///./lobbyq.db", description="SQLAlchemy async URL")
    redis_url: str | None = Field(None, description="redis://host:port/db for cross-worker fan-out")
    devices: str | None = Field(None, description="devices TOML file: run the device agent in-process")
    public_url: str | None = Field(None, description="base URL printed in QR codes, e.g. https://q.bank.example")
    pg_pool_size: int = Field(10, ge=1, le=200)
    kiosk_rate_per_minute: int = Field(120, ge=1, description="ticket issues per kiosk token per minute")
    track_rate_per_minute: int = Field(60, ge=1, description="public tracking requests per address per minute")
    booking_rate_per_minute: int = Field(
        30, ge=1, description="public booking requests (slots, book, change, cancel) per address per minute"
    )
    personal_data_days: int = Field(
        30,
        ge=1,
        le=3650,
        description="days after a visit when a booking's phone number (and a remote ticket's keys) are deleted",
    )
    stream_queue: int = Field(64, ge=4, le=100_000, description="messages buffered per stream client")
    ping_interval_s: float = Field(15.0, gt=0)
    stream_send_timeout_s: float = Field(
        10.0, gt=0, description="a client that takes longer to accept a message is dropped"
    )
    events_kept_days: int = Field(7, ge=1, description="older events are pruned; a stream after them gets a snapshot")
    sweep_interval_s: float = Field(15.0, gt=0, description="how often alerts and day rollover are checked")
    token_recheck_s: float = Field(
        5.0, gt=0, description="how long a worker trusts a token it checked, should a revocation's wake-up be lost"
    )
    max_body_bytes: int = Field(65536, ge=1024)
    log_format: Literal["text", "json"] = Field(
        "text", description="json: one JSON object a line (time, level, logger, message, request_id)"
    )
    metrics_branch_labels: bool = Field(
        True, description="per-branch series on /metrics; off sums them, for a bank of thousands of branches"
    )
    sqlite_durable: bool = Field(
        True,
        description="SQLite commits wait for the disk (fsync); off only for a throwaway database (lobbyq simulate)",
    )
    notify_webhook_url: str | None = Field(
        None, description="where messages to customers are POSTed (the bank's SMS gateway); none: they are logged"
    )
    notify_webhook_secret: str | None = Field(None, description="signs each POST: X-Lobbyq-Signature, HMAC-SHA256")
    notify_webhook_timeout_s: float = Field(5.0, gt=0, le=60)
    notify_interval_s: float = Field(2.0, gt=0, description="how often each worker looks for messages due")


@lru_cache
def get_settings() -> Settings:
    return Settings()
