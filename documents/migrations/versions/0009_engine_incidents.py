"""engine incidents: failed timers and outbox rows become incidents; correlation by scope;
outbox rows are done when handled, with their own retry time

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 09:31:33
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=35), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('job', sa.String(length=20), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('element', sa.String(length=255), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('resolved_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_incident_open', ['scope', 'resolved_at'], unique=False)

    # Waits stored before this revision take their instance's scope.
    with op.batch_alter_table('message_wait', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=35), nullable=True))
    op.execute("UPDATE message_wait SET scope = (SELECT p.scope FROM process_instance p "
               "WHERE p.id = message_wait.instance_id)")
    with op.batch_alter_table('message_wait', schema=None) as batch_op:
        batch_op.alter_column('scope', existing_type=sa.String(length=35), nullable=False)
        batch_op.drop_index('ix_message_wait_lookup')
        batch_op.create_index('ix_message_wait_lookup', ['scope', 'name', 'correlation_key'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column('retry_at', engine.db.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('incident_id', sa.Integer(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_outbox_published_at'))
        batch_op.create_index('ix_outbox_pending', ['handled_at', 'published_at'], unique=False)
        batch_op.create_foreign_key('fk_outbox_incident', 'incident', ['incident_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incident_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_timer_incident', 'incident', ['incident_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.drop_constraint('fk_timer_incident', type_='foreignkey')
        batch_op.drop_column('incident_id')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_incident', type_='foreignkey')
        batch_op.drop_index('ix_outbox_pending')
        batch_op.create_index(batch_op.f('ix_outbox_published_at'), ['published_at'], unique=False)
        batch_op.drop_column('incident_id')
        batch_op.drop_column('retry_at')
        batch_op.drop_column('scope')

    with op.batch_alter_table('message_wait', schema=None) as batch_op:
        batch_op.drop_index('ix_message_wait_lookup')
        batch_op.create_index('ix_message_wait_lookup', ['name', 'correlation_key'], unique=False)
        batch_op.drop_column('scope')

    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_open')
        batch_op.drop_index(batch_op.f('ix_incident_instance_id'))

    op.drop_table('incident')
