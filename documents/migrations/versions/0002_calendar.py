"""calendar tables

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_revision",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("updated_at", engine.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("agency_id"),
    )
    op.create_table(
        "calendar_working_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("ends", sa.Time(), nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_calendar_working_period_weekday"),
        sa.CheckConstraint("starts < ends", name="ck_calendar_working_period_order"),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "weekday", "starts", name="uq_calendar_working_period"),
    )
    op.create_table(
        "calendar_special_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", engine.db.UtcDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('day_off', 'make_up')", name="ck_calendar_special_day_kind"),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "day", name="uq_calendar_special_day"),
    )


def downgrade() -> None:
    op.drop_table("calendar_special_day")
    op.drop_table("calendar_working_period")
    op.drop_table("calendar_revision")
