"""rate hits: limits that hold across workers and nodes when there is no Redis

Unlogged on PostgreSQL: a count of the last two minutes is not worth a WAL record.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 00:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    unlogged = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        'rate_hits',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('minute', sa.BigInteger(), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key', 'minute'),
        prefixes=['UNLOGGED'] if unlogged else [],
    )


def downgrade() -> None:
    op.drop_table('rate_hits')
