"""incoming documents closed without handling

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 03:20:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', engine.db.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('closure_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.drop_column('closure_reason')
        batch_op.drop_column('closed_at')
