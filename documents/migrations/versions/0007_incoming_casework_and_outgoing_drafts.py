"""incoming casework (progress notes, related documents, re-assignment requests) and outgoing drafts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 02:06:47.875899
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incoming_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('low_id', sa.Integer(), nullable=False),
    sa.Column('high_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('linked_by', sa.Integer(), nullable=False),
    sa.Column('linked_at', engine.db.UtcDateTime(), nullable=False),
    sa.CheckConstraint('low_id < high_id', name='ck_incoming_link_order'),
    sa.ForeignKeyConstraint(['high_id'], ['incoming_document.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['linked_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['low_id'], ['incoming_document.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('low_id', 'high_id', name='uq_incoming_link')
    )
    with op.batch_alter_table('incoming_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incoming_link_high_id'), ['high_id'], unique=False)

    op.create_table('incoming_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=50), nullable=False),
    sa.Column('at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['incoming_document.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incoming_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incoming_progress_document_id'), ['document_id'], unique=False)

    op.create_table('outgoing_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('doc_type', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('in_reply_to', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('updated_at', engine.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['in_reply_to'], ['incoming_document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outgoing_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_draft_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_draft_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_draft_in_reply_to'), ['in_reply_to'], unique=False)

    op.create_table('reassignment_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('requested_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('new_handler_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['incoming_document.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['new_handler_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['requested_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['resolved_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reassignment_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reassignment_request_document_id'), ['document_id'], unique=False)
        batch_op.create_index('ix_reassignment_request_queue', ['state', 'unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reassignment_request', schema=None) as batch_op:
        batch_op.drop_index('ix_reassignment_request_queue')
        batch_op.drop_index(batch_op.f('ix_reassignment_request_document_id'))

    op.drop_table('reassignment_request')
    with op.batch_alter_table('outgoing_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_draft_in_reply_to'))
        batch_op.drop_index(batch_op.f('ix_outgoing_draft_author_id'))
        batch_op.drop_index(batch_op.f('ix_outgoing_draft_agency_id'))

    op.drop_table('outgoing_draft')
    with op.batch_alter_table('incoming_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incoming_progress_document_id'))

    op.drop_table('incoming_progress')
    with op.batch_alter_table('incoming_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incoming_link_high_id'))

    op.drop_table('incoming_link')
