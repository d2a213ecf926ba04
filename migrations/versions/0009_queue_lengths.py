"""queue lengths: each category's count of unpinned waiting tickets, kept per transaction

Filled from the tickets already waiting.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'queue_lengths',
        sa.Column('branch', sa.String(length=32), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('waiting', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('branch', 'category'),
    )
    op.execute(
        "INSERT INTO queue_lengths (branch, category, waiting) "
        "SELECT branch, category, count(*) FROM tickets "
        "WHERE status = 'waiting' AND pinned_counter IS NULL GROUP BY branch, category"
    )


def downgrade() -> None:
    op.drop_table('queue_lengths')
