"""Numbering in registers: gap-free and duplicate-free under concurrency, yearly in Vietnam time.

The number is taken inside the caller's transaction by ``UPDATE register SET last_number =
last_number + 1 … RETURNING``. That one statement is the lock: on PostgreSQL it takes the
register row's update lock (like SELECT … FOR UPDATE followed by the UPDATE, in one round trip;
FOR NO KEY UPDATE strength, so rows referencing the register can still be inserted), and a
concurrent taker waits on it, then re-reads the committed row (READ COMMITTED) and gets the
following number; on SQLite any write takes the database write lock. Either lock is held
until the caller's unit of work ends: a commit publishes the number, a rollback gives it back,
so no gap and no duplicate. Under REPEATABLE READ or SERIALIZABLE PostgreSQL would refuse the
waiter instead (serialization failure): callers keep the default READ COMMITTED.

Services only flush; the caller commits. A transaction that takes numbers in two registers
should take them in a fixed order (e.g. by kind) to avoid deadlocks.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine import clock
from engine.db import is_postgres

from .. import audit
from ..errors import InvalidData, NotFound
from ..models import Agency
from ..vntime import VN_TZ
from .models import KINDS, Register, RegisterEntry


def vietnam_year(at: datetime) -> int:
    """The calendar year of ``at`` in Vietnam: 31 Dec 23:30 +07:00 (16:30 UTC) is still the old year."""
    if at.tzinfo is None:
        raise ValueError("naive datetime refused: the year depends on the offset")
    return at.astimezone(VN_TZ).year


def next_number(session: Session, agency_id: int, kind: str, at: datetime) -> tuple[Register, int]:
    """Take the next number of the agency's ``kind`` register for the Vietnam year of ``at``,
    creating the register on first use. The number belongs to the caller's transaction: it is
    released if that transaction rolls back. Prefer ``claim_number``, which also records it."""
    _check_kind(kind)
    year = vietnam_year(at)
    taken = _increment(session, agency_id, kind, year)
    if taken is None:
        _create(session, agency_id, kind, year)
        taken = _increment(session, agency_id, kind, year)
    return taken


def claim_number(session: Session, agency_id: int, kind: str, at: datetime) -> tuple[Register, RegisterEntry]:
    """Take the next number and record it as a register entry (flushed). The document row stores
    the entry's id under a unique foreign key; the entry's unique (register, number) is the
    database's guarantee that no number is issued twice."""
    register, number = next_number(session, agency_id, kind, at)
    entry = RegisterEntry(register_id=register.id, number=number, registered_at=at)
    session.add(entry)
    session.flush()
    return register, entry


def ensure_register(session: Session, agency_id: int, kind: str, year: int, *, name: str | None = None,
                    notation_suffix: str | None = None) -> Register:
    """The agency's register of ``kind`` for ``year``, created if missing (a clerk may open it
    ahead of time with its own name or suffix; an existing register is returned unchanged)."""
    _check_kind(kind)
    _create(session, agency_id, kind, year, name=name, notation_suffix=notation_suffix)
    return session.scalars(_where(sa.select(Register), agency_id, kind, year)
                           .execution_options(populate_existing=True)).one()


def registers(session: Session, agency_id: int, year: int | None = None) -> list[Register]:
    """The agency's registers, newest year first, then by kind."""
    query = sa.select(Register).where(Register.agency_id == agency_id)
    if year is not None:
        query = query.where(Register.year == year)
    return list(session.scalars(query.order_by(Register.year.desc(), Register.kind)))


def label(register: Register, number: int) -> str:
    """The number as written on the document: "123" or, with a suffix, "123/UBND-VX"."""
    return f"{number}/{register.notation_suffix}" if register.notation_suffix else str(number)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidData(f"unknown register kind '{kind}' (known: {', '.join(KINDS)})")


def _where(statement, agency_id: int, kind: str, year: int):
    return statement.where(Register.agency_id == agency_id, Register.kind == kind, Register.year == year)


def _increment(session: Session, agency_id: int, kind: str, year: int) -> tuple[Register, int] | None:
    statement = (_where(sa.update(Register), agency_id, kind, year)
                 .values(last_number=Register.last_number + 1)
                 .returning(Register)
                 # The register may already sit in the session with an older counter.
                 .execution_options(synchronize_session=False, populate_existing=True))
    register = session.scalars(statement).one_or_none()
    return None if register is None else (register, register.last_number)


def _create(session: Session, agency_id: int, kind: str, year: int, *, name: str | None = None,
            notation_suffix: str | None = None) -> None:
    """INSERT … ON CONFLICT DO NOTHING: of two first registrations at once, one inserts and the
    other waits for it (PostgreSQL blocks on the uncommitted key; SQLite on the write lock) and
    then inserts nothing, so there is one register and neither fails."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"agency {agency_id} not found")
    if notation_suffix is None:
        # A new year's book keeps the suffix the clerk set on last year's.
        notation_suffix = session.scalar(_where(sa.select(Register.notation_suffix), agency_id, kind, year - 1))
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    statement = (insert(Register)
                 .values(agency_id=agency_id, kind=kind, year=year, name=name or f"{KINDS[kind]} năm {year}",
                         notation_suffix=notation_suffix, last_number=0, created_at=clock.now())
                 .on_conflict_do_nothing(index_elements=["agency_id", "kind", "year"])
                 .returning(Register.id))
    created = session.scalar(statement)
    if created is not None:
        audit.record(session, "register.opened", actor_id=None, agency_code=agency.code,
                     object_type="register", object_id=created, after={"kind": kind, "year": year})
