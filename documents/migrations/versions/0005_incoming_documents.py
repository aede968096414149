"""incoming documents

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 00:38:47.397919
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incoming_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=2), nullable=False),
    sa.Column('register_entry_id', sa.Integer(), nullable=True),
    sa.Column('incoming_number', sa.Integer(), nullable=True),
    sa.Column('arrived_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('received_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('issuer_code', sa.String(length=35), nullable=True),
    sa.Column('issuer_name', sa.String(length=255), nullable=False),
    sa.Column('number_notation', sa.String(length=100), nullable=False),
    sa.Column('document_date', sa.Date(), nullable=False),
    sa.Column('doc_type', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('signer_position', sa.String(length=255), nullable=True),
    sa.Column('signer_name', sa.String(length=255), nullable=True),
    sa.Column('urgency', sa.String(length=20), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('signature_check', sa.JSON(), nullable=False),
    sa.Column('sender_agency_id', sa.Integer(), nullable=True),
    sa.Column('sender_reference', sa.String(length=200), nullable=True),
    sa.Column('process_instance_id', sa.Integer(), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], ),
    sa.ForeignKeyConstraint(['register_entry_id'], ['register_entry.id'], ),
    sa.ForeignKeyConstraint(['sender_agency_id'], ['agency.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('register_entry_id')
    )
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incoming_document_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incoming_document_doc_type'), ['doc_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_incoming_document_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incoming_document_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_incoming_document_urgency'), ['urgency'], unique=False)
        batch_op.create_index('ix_incoming_duplicate', ['agency_id', 'number_notation', 'issuer_name'], unique=False)

    op.create_table('incoming_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['incoming_document.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incoming_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incoming_status_document_id'), ['document_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('incoming_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incoming_status_document_id'))

    op.drop_table('incoming_status')
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.drop_index('ix_incoming_duplicate')
        batch_op.drop_index(batch_op.f('ix_incoming_document_urgency'))
        batch_op.drop_index(batch_op.f('ix_incoming_document_status'))
        batch_op.drop_index(batch_op.f('ix_incoming_document_received_at'))
        batch_op.drop_index(batch_op.f('ix_incoming_document_doc_type'))
        batch_op.drop_index(batch_op.f('ix_incoming_document_agency_id'))

    op.drop_table('incoming_document')
