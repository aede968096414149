"""the dashboard's indexes: running, completed and received incoming documents per agency, each
partial and covering what its figures read (bench/dashboard.py: 100,000 documents an agency)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 21:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.create_index('ix_incoming_dashboard_running', ['agency_id', 'handling_deadline'], unique=False,
                              postgresql_include=['lead_unit_id', 'lead_user_id', 'status', 'closed_at'],
                              postgresql_where=sa.text("status NOT IN ('02', '06') AND closed_at IS NULL "
                                                       "AND withdrawn_at IS NULL"))
        batch_op.create_index('ix_incoming_dashboard_completed', ['agency_id', 'completed_at'], unique=False,
                              postgresql_include=['handling_deadline', 'received_at', 'lead_unit_id', 'lead_user_id'],
                              postgresql_where=sa.text('completed_at IS NOT NULL AND withdrawn_at IS NULL'))
        batch_op.create_index('ix_incoming_dashboard_received', ['agency_id', 'received_at'], unique=False,
                              postgresql_include=['lead_unit_id', 'lead_user_id'],
                              postgresql_where=sa.text('withdrawn_at IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.drop_index('ix_incoming_dashboard_received')
        batch_op.drop_index('ix_incoming_dashboard_completed')
        batch_op.drop_index('ix_incoming_dashboard_running')
