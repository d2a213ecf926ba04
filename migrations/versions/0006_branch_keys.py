"""branch keys: every key of a branch's table holds the branch

Citus distributes a table on one column and wants it in every primary key and unique
constraint, so that a row's uniqueness is checked on its own shard. Tickets and alerts
were keyed by id alone, and the tracking code was unique across the bank; they become
(branch, id) and (track_token, branch). The tracking code leads its key so that a
customer's poll, which knows only the code, is still one index seek.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

WAITING = "status = 'waiting'"
QUEUED = "status = 'waiting' AND pinned_counter IS NULL"


def _tickets(branch_keyed: bool) -> sa.Table:
    """The tickets table as SQLite rebuilds it (it cannot alter a key in place)."""
    keys = (
        [sa.PrimaryKeyConstraint('branch', 'id'), sa.UniqueConstraint('track_token', 'branch', name='uq_ticket_track')]
        if branch_keyed
        else [sa.PrimaryKeyConstraint('id'), sa.UniqueConstraint('track_token')]
    )
    return sa.Table(
        'tickets', sa.MetaData(),
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('branch', sa.String(length=32), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('number', sa.String(length=8), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('priority', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('issued_at', sa.Float(), nullable=False),
        sa.Column('queued_at', sa.Float(), nullable=False),
        sa.Column('issue_seq', sa.BigInteger(), nullable=False),
        sa.Column('called_at', sa.Float(), nullable=True),
        sa.Column('started_at', sa.Float(), nullable=True),
        sa.Column('finished_at', sa.Float(), nullable=True),
        sa.Column('counter', sa.Integer(), nullable=True),
        sa.Column('pinned_counter', sa.Integer(), nullable=True),
        sa.Column('recall_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('kiosk', sa.String(length=100), nullable=True),
        sa.Column('teller', sa.String(length=100), nullable=True),
        sa.Column('evaluation_until', sa.Float(), nullable=True),
        sa.Column('estimated_wait_s', sa.Integer(), nullable=True),
        sa.Column('print_failed', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
        sa.Column('track_token', sa.String(length=64), nullable=False),
        *keys,
        sa.UniqueConstraint('branch', 'day', 'number', name='uq_ticket_number'),
        sa.Index('ix_tickets_counter', 'branch', 'counter', 'status'),
        sa.Index('ix_tickets_day', 'branch', 'day'),
        sa.Index('ix_tickets_queue', 'branch', 'category', 'priority', 'queued_at', 'issue_seq', 'pinned_counter',
                 'status', sqlite_where=sa.text(QUEUED)),
        sa.Index('ix_tickets_pinned', 'branch', 'pinned_counter', sqlite_where=sa.text(WAITING)),
    )


def _alerts(branch_keyed: bool) -> sa.Table:
    return sa.Table(
        'alerts', sa.MetaData(),
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('branch', sa.String(length=32), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('raised_at', sa.Float(), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('acked_at', sa.Float(), nullable=True),
        sa.Column('acked_by', sa.String(length=100), nullable=True),
        sa.Column('cleared_at', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('branch', 'id') if branch_keyed else sa.PrimaryKeyConstraint('id'),
        sa.Index('ix_alerts_open', 'branch', 'status', 'type', 'key'),
    )


def _rekey(branch_keyed: bool) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for table in (_tickets(branch_keyed), _alerts(branch_keyed)):
            with op.batch_alter_table(table.name, copy_from=table, recreate='always'):
                pass
        return
    new = ('branch', 'id') if branch_keyed else ('id',)
    for name in ('tickets', 'alerts'):
        op.drop_constraint(f'{name}_pkey', name, type_='primary')
        op.create_primary_key(f'{name}_pkey', name, list(new))
    if branch_keyed:
        op.drop_constraint('tickets_track_token_key', 'tickets', type_='unique')
        op.create_unique_constraint('uq_ticket_track', 'tickets', ['track_token', 'branch'])
    else:
        op.drop_constraint('uq_ticket_track', 'tickets', type_='unique')
        op.create_unique_constraint('tickets_track_token_key', 'tickets', ['track_token'])


def upgrade() -> None:
    _rekey(branch_keyed=True)


def downgrade() -> None:
    _rekey(branch_keyed=False)
