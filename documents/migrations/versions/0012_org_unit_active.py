"""an agency's units can be deactivated (kept for the records that name them, offered no more)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 12:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The server default fills the existing rows (every unit so far is in use) on both databases.
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.drop_column('active')
