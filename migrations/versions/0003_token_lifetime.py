"""token lifetime: a public id to name a token by, an expiry, a revocation

``lobbyq token list`` and ``token revoke ID`` name a token by the first 12 characters of
its hash; existing tokens get theirs here.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 11:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.Float(), nullable=True))
    op.execute("UPDATE tokens SET id = substr(hash, 1, 12)")
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.alter_column('id', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint('uq_tokens_id', ['id'])


def downgrade() -> None:
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_constraint('uq_tokens_id', type_='unique')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('id')
