"""deadlines that bite: agencies' default handling deadlines, notifications with their email,
each person's email choices and address, the leaders' urges, the completion time of incoming
documents (the dashboard's on-time figures; filled from the 06 statuses already recorded)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 20:59:13.205165
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deadline_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=100), nullable=False),
    sa.Column('urgency', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', engine.db.UtcDateTime(), nullable=False),
    sa.CheckConstraint("unit IN ('hours', 'days')", name='ck_deadline_policy_unit'),
    sa.CheckConstraint('amount > 0', name='ck_deadline_policy_amount'),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agency_id', 'doc_type', 'urgency', name='uq_deadline_policy')
    )
    with op.batch_alter_table('deadline_policy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_policy_agency_id'), ['agency_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('read_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('email_status', sa.String(length=20), nullable=True),
    sa.Column('email_to', sa.String(length=254), nullable=True),
    sa.Column('email_claimed_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('email_sent_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('email_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index('ix_notification_unread', ['user_id', 'read_at'], unique=False)
        batch_op.create_index('ix_notification_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('notification_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind')
    )
    op.create_table('digest_run',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('written', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'day')
    )
    op.create_table('urge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('incoming_document_id', sa.Integer(), nullable=True),
    sa.Column('outgoing_document_id', sa.Integer(), nullable=True),
    sa.Column('by_user_id', sa.Integer(), nullable=False),
    sa.Column('at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['by_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['incoming_document_id'], ['incoming_document.id'], ),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['outgoing_document_id'], ['outgoing_document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('urge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_urge_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_urge_incoming_document_id'), ['incoming_document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_urge_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_urge_outgoing_document_id'), ['outgoing_document_id'], unique=False)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))

    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_at', engine.db.UtcDateTime(), nullable=True))

    op.execute("UPDATE incoming_document SET completed_at = (SELECT max(s.at) FROM incoming_status s "
               "WHERE s.document_id = incoming_document.id AND s.code = '06') WHERE status = '06'")


def downgrade() -> None:
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.drop_column('completed_at')

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('urge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_urge_outgoing_document_id'))
        batch_op.drop_index(batch_op.f('ix_urge_instance_id'))
        batch_op.drop_index(batch_op.f('ix_urge_incoming_document_id'))
        batch_op.drop_index(batch_op.f('ix_urge_agency_id'))

    op.drop_table('urge')
    op.drop_table('digest_run')
    op.drop_table('notification_preference')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_created')
        batch_op.drop_index('ix_notification_unread')
        batch_op.drop_index(batch_op.f('ix_notification_agency_id'))

    op.drop_table('notification')
    with op.batch_alter_table('deadline_policy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_policy_agency_id'))

    op.drop_table('deadline_policy')
