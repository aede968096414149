"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 23:28:06.293894
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=35), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['agency.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('published_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('handled_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_published_at'), ['published_at'], unique=False)

    op.create_table('process_definition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=35), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('bpmn_xml', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scope', 'key', 'version', name='uq_definition_version')
    )
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_definition_scope'), ['scope'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_definition_sha256'), ['sha256'], unique=False)

    op.create_table('org_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['org_unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_unit_agency_id'), ['agency_id'], unique=False)

    op.create_table('process_instance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=35), nullable=False),
    sa.Column('business_key', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('state_format', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('started_by', sa.String(length=100), nullable=False),
    sa.Column('started_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('updated_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('ended_at', engine.db.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['definition_id'], ['process_definition.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_instance_business_key'), ['business_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_instance_definition_id'), ['definition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_instance_scope'), ['scope'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_instance_status'), ['status'], unique=False)

    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('full_name', sa.String(length=255), nullable=False),
    sa.Column('position', sa.String(length=255), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', engine.db.UtcDateTime(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_user_agency_id'), ['agency_id'], unique=False)

    op.create_table('human_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=35), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('spec_name', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('lane', sa.String(length=100), nullable=True),
    sa.Column('candidate_role', sa.String(length=50), nullable=True),
    sa.Column('candidate_unit', sa.String(length=50), nullable=True),
    sa.Column('candidate_user', sa.String(length=100), nullable=True),
    sa.Column('assignee', sa.String(length=100), nullable=True),
    sa.Column('form_key', sa.String(length=100), nullable=True),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('due_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('urgency', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('completed_by', sa.String(length=100), nullable=True),
    sa.Column('completed_at', engine.db.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id')
    )
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_human_task_assignee'), ['assignee'], unique=False)
        batch_op.create_index(batch_op.f('ix_human_task_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_human_task_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_human_task_queue', ['scope', 'status', 'candidate_role'], unique=False)

    op.create_table('message_wait',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('correlation_key', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message_wait', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_wait_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_message_wait_lookup', ['name', 'correlation_key'], unique=False)

    op.create_table('timer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('spec_name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('fire_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('retry_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timer_fire_at'), ['fire_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_timer_instance_id'), ['instance_id'], unique=False)

    op.create_table('workflow_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('spec_name', sa.String(length=255), nullable=True),
    sa.Column('title', sa.String(length=255), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('workflow_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_history_instance_id'), ['instance_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('agency_code', sa.String(length=35), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=60), nullable=True),
    sa.Column('object_id', sa.String(length=100), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_agency_code'), ['agency_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)

    op.create_table('auth_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('expires_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_session_user_id'), ['user_id'], unique=False)

    op.create_table('user_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'agency_id', 'role', name='uq_user_role')
    )
    with op.batch_alter_table('user_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_role_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('user_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_role_user_id'))

    op.drop_table('user_role')
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_session_user_id'))

    op.drop_table('auth_session')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))
        batch_op.drop_index(batch_op.f('ix_audit_event_agency_code'))

    op.drop_table('audit_event')
    with op.batch_alter_table('workflow_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflow_history_instance_id'))

    op.drop_table('workflow_history')
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timer_instance_id'))
        batch_op.drop_index(batch_op.f('ix_timer_fire_at'))

    op.drop_table('timer')
    with op.batch_alter_table('message_wait', schema=None) as batch_op:
        batch_op.drop_index('ix_message_wait_lookup')
        batch_op.drop_index(batch_op.f('ix_message_wait_instance_id'))

    op.drop_table('message_wait')
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_queue')
        batch_op.drop_index(batch_op.f('ix_human_task_instance_id'))
        batch_op.drop_index(batch_op.f('ix_human_task_due_at'))
        batch_op.drop_index(batch_op.f('ix_human_task_assignee'))

    op.drop_table('human_task')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_agency_id'))

    op.drop_table('app_user')
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_instance_status'))
        batch_op.drop_index(batch_op.f('ix_process_instance_scope'))
        batch_op.drop_index(batch_op.f('ix_process_instance_definition_id'))
        batch_op.drop_index(batch_op.f('ix_process_instance_business_key'))

    op.drop_table('process_instance')
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_unit_agency_id'))

    op.drop_table('org_unit')
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_definition_sha256'))
        batch_op.drop_index(batch_op.f('ix_process_definition_scope'))

    op.drop_table('process_definition')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_published_at'))

    op.drop_table('outbox')
    op.drop_table('agency')
