"""registers tables

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import engine.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('register',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('notation_suffix', sa.String(length=50), nullable=True),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agency_id', 'kind', 'year', name='uq_register_agency_kind_year')
    )
    op.create_table('register_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('register_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('registered_at', engine.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['register_id'], ['register.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('register_id', 'number', name='uq_register_entry_number')
    )


def downgrade() -> None:
    op.drop_table('register_entry')
    op.drop_table('register')
