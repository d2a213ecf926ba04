"""The schema. Timestamps are epoch seconds (float): portable, sortable, and the API
renders them in the branch's own offset. JSON payloads are stored as text."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

branches = Table(
    "branches",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("layout", Text, nullable=False),
    Column("layout_version", Integer, nullable=False, server_default="1"),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
    Column("current_day", String(10), nullable=True),
    Column("vip_salt", String(64), nullable=False),
    Column("updated_at", Float, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("id", String(16), nullable=False),
    Column("role", String(16), nullable=False),
    Column("branch", String(32), nullable=True),
    Column("name", String(100), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=True),
    Column("revoked_at", Float, nullable=True),
    UniqueConstraint("id", name="uq_tokens_id"),
)

vip_cards = Table(
    "vip_cards",
    metadata,
    Column("branch", String(32), nullable=False),
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("branch", "hash"),
)

# One row per (branch, business day, prefix): the number comes from this row, updated in
# the ticket's own transaction, so numbers never repeat and never skip.
number_seqs = Table(
    "number_seqs",
    metadata,
    Column("branch", String(32), nullable=False),
    Column("day", String(10), nullable=False),
    Column("prefix", String(3), nullable=False),
    Column("last", Integer, nullable=False),
    PrimaryKeyConstraint("branch", "day", "prefix"),
)

# The length of each category's queue (unpinned waiting tickets), kept by the transaction
# that changes it (app/store/queue_lengths.py): an issue reads it rather than counting the queue.
queue_lengths = Table(
    "queue_lengths",
    metadata,
    Column("branch", String(32), nullable=False),
    Column("category", String(32), nullable=False),
    Column("waiting", Integer, nullable=False),
    PrimaryKeyConstraint("branch", "category"),
)

WAITING_WHERE = "status = 'waiting'"
PENDING_WHERE = "status = 'pending'"
QUEUED_WHERE = "status = 'waiting' AND pinned_counter IS NULL"

# Every key of a branch's table holds the branch (docs/deployment.md, Citus): a key's
# uniqueness is then a question for one branch's shard.
tickets = Table(
    "tickets",
    metadata,
    Column("id", String(32), nullable=False),
    Column("branch", String(32), nullable=False),
    Column("day", String(10), nullable=False),
    Column("number", String(8), nullable=False),
    Column("category", String(32), nullable=False),
    Column("priority", String(8), nullable=False),
    Column("status", String(12), nullable=False),
    Column("issued_at", Float, nullable=False),
    Column("queued_at", Float, nullable=False),
    Column("issue_seq", BigInteger, nullable=False),
    Column("called_at", Float),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("counter", Integer),
    Column("pinned_counter", Integer),
    Column("recall_count", Integer, nullable=False, server_default="0"),
    Column("score", Integer),
    Column("kiosk", String(100)),
    Column("teller", String(100)),
    Column("evaluation_until", Float),
    Column("estimated_wait_s", Integer),
    Column("print_failed", Boolean, nullable=False, server_default=text("false")),
    Column("track_token", String(64), nullable=False),
    PrimaryKeyConstraint("branch", "id"),
    # The code leads: a customer's poll knows only the code, and it is one seek.
    UniqueConstraint("track_token", "branch", name="uq_ticket_track"),
    UniqueConstraint("branch", "day", "number", name="uq_ticket_number"),
    Index("ix_tickets_day", "branch", "day"),
    Index("ix_tickets_counter", "branch", "counter", "status"),
    # A category's queue in call order within each priority: the next ticket is one seek,
    # a queue position one range count (ticket_rows). The last two columns are implied
    # by the condition but let SQLite count from the index alone. Pinned tickets apart.
    Index(
        "ix_tickets_queue",
        "branch",
        "category",
        "priority",
        "queued_at",
        "issue_seq",
        "pinned_counter",
        "status",
        postgresql_where=text(QUEUED_WHERE),
        sqlite_where=text(QUEUED_WHERE),
    ),
    Index(
        "ix_tickets_pinned",
        "branch",
        "pinned_counter",
        postgresql_where=text(WAITING_WHERE),
        sqlite_where=text(WAITING_WHERE),
    ),
)

counters = Table(
    "counters",
    metadata,
    Column("branch", String(32), nullable=False),
    Column("number", Integer, nullable=False),
    Column("state", String(8), nullable=False, server_default="closed"),
    Column("teller", String(100)),
    Column("teller_token", String(64)),
    Column("current_ticket", String(32)),
    Column("pause_reason", String(200)),
    Column("stray_presses", Integer, nullable=False, server_default="0"),
    Column("updated_at", Float, nullable=False),
    PrimaryKeyConstraint("branch", "number"),
)

events = Table(
    "events",
    metadata,
    Column("branch", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(40), nullable=False),
    Column("at", Float, nullable=False),
    Column("data", Text, nullable=False),
    PrimaryKeyConstraint("branch", "seq"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(32), nullable=False),
    Column("branch", String(32), nullable=False),
    Column("type", String(40), nullable=False),
    Column("key", String(200), nullable=False),
    Column("status", String(8), nullable=False),
    Column("raised_at", Float, nullable=False),
    Column("data", Text, nullable=False),
    Column("note", Text),
    Column("acked_at", Float),
    Column("acked_by", String(100)),
    Column("cleared_at", Float),
    PrimaryKeyConstraint("branch", "id"),
    Index("ix_alerts_open", "branch", "status", "type", "key"),
)

devices = Table(
    "devices",
    metadata,
    Column("branch", String(32), nullable=False),
    Column("id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(8), nullable=False),
    Column("detail", String(500)),
    Column("updated_at", Float, nullable=False),
    PrimaryKeyConstraint("branch", "id"),
)

# Rate-limit hits per key (a kiosk's token hash, a public address) and minute, so that a
# limit holds across workers and nodes sharing PostgreSQL when there is no Redis.
rate_hits = Table(
    "rate_hits",
    metadata,
    Column("key", String(200), nullable=False),
    Column("minute", BigInteger, nullable=False),
    Column("hits", Integer, nullable=False),
    PrimaryKeyConstraint("key", "minute"),
)

# Messages to customers waiting to be delivered, and a while after (docs/notifications.md):
# the outbox of the notifier, written in the transaction that has something to say.
notifications = Table(
    "notifications",
    metadata,
    Column("branch", String(32), nullable=False),
    Column("id", String(32), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("recipient", String(32), nullable=False),
    Column("data", Text, nullable=False),
    Column("locale", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("next_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("status", String(8), nullable=False),
    Column("last_error", String(500)),
    Column("sent_at", Float),
    PrimaryKeyConstraint("branch", "id"),
    # The dispatcher's one question, over every branch: what is due now.
    Index("ix_notifications_due", "next_at", postgresql_where=text(PENDING_WHERE), sqlite_where=text(PENDING_WHERE)),
)

# Bookings of appointment slots (issue #13): only what the visit needs; the code that
# lets the customer change, cancel and check in is kept as its SHA-256, never itself.
bookings = Table(
    "bookings",
    metadata,
    Column("id", String(32), nullable=False),
    Column("branch", String(32), nullable=False),
    Column("category", String(32), nullable=False),
    Column("day", String(10), nullable=False),
    Column("slot_start", Float, nullable=False),
    Column("slot_end", Float, nullable=False),
    Column("hour_start", Float, nullable=False),
    Column("status", String(12), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("phone", String(32)),
    Column("amount", BigInteger),
    Column("currency", String(3)),
    Column("booked_by", String(100)),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("ticket_id", String(32)),
    Column("checked_in_at", Float),
    Column("reminded_day_at", Float),
    Column("reminded_hour_at", Float),
    Column("ahead_notified_at", Float),
    PrimaryKeyConstraint("branch", "id"),
    # The code leads: the customer's page knows only the code (a Citus key holds the branch).
    UniqueConstraint("code_hash", "branch", name="uq_booking_code"),
    Index("ix_bookings_day", "branch", "day", "slot_start"),
    # A ticket's booking, for the teller to see the slot and the amount.
    Index("ix_bookings_ticket", "branch", "ticket_id"),
)

# Places taken per slot and per clock hour of a category: a booking takes one of each
# with a guarded upsert (``booked < limit``), so the last place goes to one booking only,
# on SQLite's single writer and under PostgreSQL's row lock alike.
booking_counts = Table(
    "booking_counts",
    metadata,
    Column("branch", String(32), nullable=False),
    Column("category", String(32), nullable=False),
    Column("span", String(4), nullable=False),
    Column("start", BigInteger, nullable=False),
    Column("booked", Integer, nullable=False),
    PrimaryKeyConstraint("branch", "category", "span", "start"),
)

# Remote tickets taken from the phone (issue #13): a place in the queue from the moment
# taken, which becomes a ticket when confirmed at the branch. Its phone number and its
# address are kept as hashes, to count them against the daily limit; the number itself
# only when given, for the "3 ahead of you" notice.
remote_tickets = Table(
    "remote_tickets",
    metadata,
    Column("id", String(32), nullable=False),
    Column("branch", String(32), nullable=False),
    Column("category", String(32), nullable=False),
    Column("day", String(10), nullable=False),
    Column("requested_at", Float, nullable=False),
    Column("status", String(12), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("phone_hash", String(64)),
    Column("address_hash", String(64)),
    Column("phone", String(32)),
    Column("ahead_notified_at", Float),
    Column("ticket_id", String(32)),
    Column("confirmed_at", Float),
    PrimaryKeyConstraint("branch", "id"),
    UniqueConstraint("code_hash", "branch", name="uq_remote_code"),
    Index("ix_remote_tickets_day", "branch", "day"),
)
