"""exchange statuses

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 00:43:58.955397
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('delivery_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_agency_id', sa.Integer(), nullable=False),
    sa.Column('sender_reference', sa.String(length=200), nullable=False),
    sa.Column('recipient_agency_id', sa.Integer(), nullable=False),
    sa.Column('recipient_document_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recipient_agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['recipient_document_id'], ['incoming_document.id'], ),
    sa.ForeignKeyConstraint(['sender_agency_id'], ['agency.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('outbox_id')
    )
    with op.batch_alter_table('delivery_status', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_status_reference', ['sender_agency_id', 'sender_reference'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('delivery_status', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_status_reference')

    op.drop_table('delivery_status')
