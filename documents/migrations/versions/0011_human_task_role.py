"""human tasks carry their element's domainRole, so the domain finds its steps by role

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# Open tasks of the incoming diagrams deployed before roles were marked: the default diagram's ids.
_LEGACY_ROLES = {"distribute": "incoming.distribute", "recheck": "incoming.recheck",
                 "unit_assign": "incoming.unit_assign", "handle": "incoming.handle",
                 "coordinate": "incoming.coordinate", "review": "incoming.review"}


def upgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=100), nullable=True))
    for spec_name, role in _LEGACY_ROLES.items():
        op.execute(sa.text(
            "UPDATE human_task SET role = :role WHERE spec_name = :spec_name AND instance_id IN ("
            "SELECT i.id FROM process_instance i JOIN process_definition d ON d.id = i.definition_id "
            "WHERE d.key = 'incoming')").bindparams(role=role, spec_name=spec_name))


def downgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_column('role')
