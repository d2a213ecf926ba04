"""alerts clear themselves: when an alert's cause went away (issue #11)

An alert whose type the branch's ``policy.alert_auto_clear`` lists gets the status
``cleared`` and the moment in ``cleared_at`` once its cause is gone; the others are
still closed only by an acknowledgement with a note. Rows before it have no moment.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cleared_at', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('cleared_at')
