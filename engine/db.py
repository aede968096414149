"""Database plumbing shared by the engine and the domain: the declarative base, engines,
and the unit of work that owns each transaction."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

log = logging.getLogger(__name__)


class UtcDateTime(sa.types.TypeDecorator):
    """Stores UTC, returns aware UTC datetimes: the same on PostgreSQL and SQLite."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: every stored time carries its offset")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime()}


def is_postgres(session_or_engine: Session | sa.Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


# Connections beyond the request turns (api/capacity.py): the readiness probe, the in-process
# worker and scheduler, the relay. A worker process simply has them to spare.
RESERVE_CONNECTIONS = 10


def make_engine(url: str, *, pool_size: int = 10, pool_timeout: float = 10.0, lock_timeout: float | None = None,
                statement_timeout: float | None = None, **kwargs) -> sa.Engine:
    """An engine whose waits all end: for a connection (``pool_timeout``), and on PostgreSQL for
    the server (5 s to connect), for a lock and for a statement (seconds; None = no limit). Each
    ends in an error the API answers 503, instead of a request that hangs."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets the in-process worker read while a request writes; FKs are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_size", pool_size)
    kwargs.setdefault("max_overflow", RESERVE_CONNECTIONS)
    kwargs.setdefault("pool_timeout", pool_timeout)
    kwargs.setdefault("pool_pre_ping", True)
    if url.startswith("postgresql"):
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("connect_timeout", 5)
        limits = [f"-c {name}={round(seconds * 1000)}" for name, seconds
                  in (("lock_timeout", lock_timeout), ("statement_timeout", statement_timeout)) if seconds]
        if limits:
            connect_args.setdefault("options", " ".join(limits))
    return sa.create_engine(url, **kwargs)


def make_session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The one commit owner of an entry point: commits when the block succeeds, rolls back otherwise.
    Services and the engine only flush. What must be kept of a failure although its transaction is
    rolled back (an incident) is registered with ``after_rollback`` and written in a transaction
    of its own once the rollback is done."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        _record_failure(factory, session.info.pop(AFTER_ROLLBACK, []))
        raise
    finally:
        session.close()


AFTER_ROLLBACK = "after_rollback"


def after_rollback(session: Session, write: Callable[[Session], None]) -> None:
    """Have ``write`` run in a new transaction if the caller's unit of work rolls back."""
    session.info.setdefault(AFTER_ROLLBACK, []).append(write)


def _record_failure(factory: sessionmaker[Session], writes: list[Callable[[Session], None]]) -> None:
    for write in writes:
        try:
            with unit_of_work(factory) as session:
                write(session)
        except Exception:  # never hide the failure being reported behind a second one
            log.exception("could not record a failure after its rollback")
