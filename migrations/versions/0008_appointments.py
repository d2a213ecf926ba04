"""appointments: bookings of slots, the places taken per slot and hour, remote tickets (issue #13)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'bookings',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('branch', sa.String(length=32), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('slot_start', sa.Float(), nullable=False),
        sa.Column('slot_end', sa.Float(), nullable=False),
        sa.Column('hour_start', sa.Float(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('phone', sa.String(length=32), nullable=True),
        sa.Column('amount', sa.BigInteger(), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=True),
        sa.Column('booked_by', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.Column('updated_at', sa.Float(), nullable=False),
        sa.Column('ticket_id', sa.String(length=32), nullable=True),
        sa.Column('checked_in_at', sa.Float(), nullable=True),
        sa.Column('reminded_day_at', sa.Float(), nullable=True),
        sa.Column('reminded_hour_at', sa.Float(), nullable=True),
        sa.Column('ahead_notified_at', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('branch', 'id'),
        sa.UniqueConstraint('code_hash', 'branch', name='uq_booking_code'),
    )
    op.create_index('ix_bookings_day', 'bookings', ['branch', 'day', 'slot_start'], unique=False)
    op.create_index('ix_bookings_ticket', 'bookings', ['branch', 'ticket_id'], unique=False)
    op.create_table(
        'booking_counts',
        sa.Column('branch', sa.String(length=32), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('span', sa.String(length=4), nullable=False),
        sa.Column('start', sa.BigInteger(), nullable=False),
        sa.Column('booked', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('branch', 'category', 'span', 'start'),
    )
    op.create_table(
        'remote_tickets',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('branch', sa.String(length=32), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('requested_at', sa.Float(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('phone_hash', sa.String(length=64), nullable=True),
        sa.Column('address_hash', sa.String(length=64), nullable=True),
        sa.Column('phone', sa.String(length=32), nullable=True),
        sa.Column('ahead_notified_at', sa.Float(), nullable=True),
        sa.Column('ticket_id', sa.String(length=32), nullable=True),
        sa.Column('confirmed_at', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('branch', 'id'),
        sa.UniqueConstraint('code_hash', 'branch', name='uq_remote_code'),
    )
    op.create_index('ix_remote_tickets_day', 'remote_tickets', ['branch', 'day'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_remote_tickets_day', table_name='remote_tickets')
    op.drop_table('remote_tickets')
    op.drop_table('booking_counts')
    op.drop_index('ix_bookings_ticket', table_name='bookings')
    op.drop_index('ix_bookings_day', table_name='bookings')
    op.drop_table('bookings')
