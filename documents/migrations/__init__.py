"""Schema migrations (Alembic), the same on PostgreSQL and SQLite."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def rebuild(database_url: str) -> None:
    """Empty a PostgreSQL database (its public schema, with everything in it) and migrate it from
    scratch: for the test suite's and the benchmarks' own databases, never for real ones."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(database_url)
