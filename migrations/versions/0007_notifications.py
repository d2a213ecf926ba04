"""notifications: the outbox of messages to customers (confirmations, reminders, turn near)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

PENDING = "status = 'pending'"


def upgrade() -> None:
    op.create_table(
        'notifications',
        sa.Column('branch', sa.String(length=32), nullable=False),
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('recipient', sa.String(length=32), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('locale', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.Column('next_at', sa.Float(), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('sent_at', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('branch', 'id'),
    )
    op.create_index('ix_notifications_due', 'notifications', ['next_at'], unique=False,
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))


def downgrade() -> None:
    op.drop_index('ix_notifications_due', table_name='notifications',
                  postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))
    op.drop_table('notifications')
