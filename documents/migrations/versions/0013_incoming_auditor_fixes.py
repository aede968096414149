"""the incoming register made binding: the current assignment (handling deadline, lead), the reply
number, signature overrides, late entries, coordinators and for-information parties, metadata
corrections, and the agency's scan quality policy

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 15:30:00
"""
from alembic import op
import sqlalchemy as sa

from engine.db import UtcDateTime


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handling_deadline', UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('lead_unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lead_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reply_number', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('signature_override_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('signature_override_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signature_override_at', UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('entered_late', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('scan_findings', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_incoming_document_handling_deadline'), ['handling_deadline'], unique=False)
        batch_op.create_foreign_key('fk_incoming_document_lead_unit_id_org_unit', 'org_unit', ['lead_unit_id'], ['id'])
        batch_op.create_foreign_key('fk_incoming_document_lead_user_id_app_user', 'app_user', ['lead_user_id'], ['id'])
        batch_op.create_foreign_key('fk_incoming_document_signature_override_by_app_user', 'app_user',
                                    ['signature_override_by'], ['id'])
    # Documents being handled: the open handling's due time is their deadline.
    op.execute("UPDATE incoming_document SET handling_deadline = (SELECT MIN(t.due_at) FROM human_task t "
               "WHERE t.instance_id = incoming_document.process_instance_id AND t.role = 'incoming.handle' "
               "AND t.status = 'ready') WHERE process_instance_id IS NOT NULL")
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scan_quality_policy', sa.String(length=10), nullable=False,
                                      server_default='warn'))
    op.create_table(
        'incoming_party',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('named_by', sa.Integer(), nullable=True),
        sa.Column('named_at', UtcDateTime(), nullable=False),
        sa.Column('seen_at', UtcDateTime(), nullable=True),
        sa.CheckConstraint('unit_id IS NOT NULL OR user_id IS NOT NULL', name='ck_incoming_party_who'),
        sa.ForeignKeyConstraint(['document_id'], ['incoming_document.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['named_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id']),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('incoming_party', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incoming_party_document_id'), ['document_id'], unique=False)
        batch_op.create_index('ix_incoming_party_user', ['user_id', 'kind'], unique=False)
        batch_op.create_index('ix_incoming_party_unit', ['unit_id', 'kind'], unique=False)
    op.create_table(
        'incoming_correction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('corrected_by', sa.Integer(), nullable=False),
        sa.Column('corrected_at', UtcDateTime(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['corrected_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['document_id'], ['incoming_document.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('incoming_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incoming_correction_document_id'), ['document_id'], unique=False)


def downgrade() -> None:
    op.drop_table('incoming_correction')
    op.drop_table('incoming_party')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('scan_quality_policy')
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.drop_constraint('fk_incoming_document_signature_override_by_app_user', type_='foreignkey')
        batch_op.drop_constraint('fk_incoming_document_lead_user_id_app_user', type_='foreignkey')
        batch_op.drop_constraint('fk_incoming_document_lead_unit_id_org_unit', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_incoming_document_handling_deadline'))
        for column in ('scan_findings', 'entered_late', 'signature_override_at', 'signature_override_by', 'signature_override_reason',
                       'reply_number', 'lead_user_id', 'lead_unit_id', 'handling_deadline'):
            batch_op.drop_column(column)
