"""The dashboard's figures, counted in SQL over incoming documents (văn bản đến) — the one place
they are defined, for the page, the JSON API, the province's view and the bench alike.

What is counted (``at`` is the moment compared with, the engine's clock):
- a document counts in its agency; a withdrawn one (``withdrawn_at``) never counts; a unit's
  figures are the documents it leads (``lead_unit_id``), a person's those they lead (``lead_user_id``);
- open: its handling still runs (``deadlines.running_condition``);
- overdue: ``deadlines.overdue_condition(at)``; due soon: running, not overdue, its deadline within
  ``deadlines.DUE_SOON`` (24 h) of ``at`` — the badges' definitions;
- completed on time / late: completed (``completed_at``, status 06) at or before its handling
  deadline / after it; one completed without a deadline is on time. Counted from ``since`` on
  when given — the dashboard passes the start of the periods its series shows (``overview``), so
  its completed figures are those of the weeks or months on screen, and the lists behind them
  match; None counts every completion ever;
- average handling time: the mean of completed_at − received_at over those completed documents,
  in elapsed hours (calendar hours, not working hours), None when none was completed;
- series: per Monday-start week or calendar month in Vietnam time (periods.py), the documents
  received in it, and those completed in it (on time, late, their average handling time).

Signatures (stable; H6's page builds on them):

    totals(session, scope, at, since=None) -> Figures
    by_unit(session, scope, at, since=None) -> list[Group]    # the agency's units (or the scope's one)
    by_person(session, scope, at, since=None) -> list[Group]  # the people leading documents in the scope
    series(session, scope, at, kind="week", count=12) -> list[Point]
    items(session, scope, at, status, page=1, per_page=PER_PAGE, since=None) -> ItemPage
    province(session, agency_ids, at, since=None) -> Province  # one row per agency + their totals

``scope`` comes from ``access.scope_for`` (or ``access.province_scope`` for the agency ids):
these functions trust it and check nothing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from engine.db import is_postgres

from ..incoming.deadlines import DUE_SOON, overdue_condition, running_condition
from ..incoming.models import IncomingDocument
from ..models import Agency, OrgUnit, User
from . import periods
from .access import Scope

D = IncomingDocument
OPEN, DUE_SOON_, OVERDUE = "open", "due_soon", "overdue"
ON_TIME, LATE = "completed_on_time", "completed_late"
STATUSES = (OPEN, DUE_SOON_, OVERDUE, ON_TIME, LATE)  # the drill-down lists
PER_PAGE = 20


@dataclass(frozen=True)
class Figures:
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    completed_on_time: int = 0
    completed_late: int = 0
    average_handling_hours: float | None = None


@dataclass(frozen=True)
class Group:
    """A unit's, a person's or an agency's figures."""

    id: int
    name: str
    figures: Figures


@dataclass(frozen=True)
class Point:
    start: datetime
    end: datetime
    label: str
    received: int
    completed_on_time: int
    completed_late: int
    average_handling_hours: float | None


@dataclass(frozen=True)
class Item:
    id: int
    incoming_number: int | None
    number_notation: str
    subject: str
    issuer_name: str
    handling_deadline: datetime | None
    received_at: datetime
    completed_at: datetime | None
    lead_unit: str | None
    lead_person: str | None
    overdue_by: timedelta | None  # past its deadline: now (running) or when completed (late)

    @property
    def link(self) -> str:
        return f"/incoming/{self.id}"


@dataclass(frozen=True)
class ItemPage:
    items: list[Item]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class Province:
    agencies: list[Group]
    totals: Figures


# ------------------------------------------------------------------------- definitions

def _counted(agency_ids: Sequence[int], unit_id: int | None = None, user_id: int | None = None) -> list:
    where = [D.agency_id == agency_ids[0] if len(agency_ids) == 1 else D.agency_id.in_(agency_ids),
             D.withdrawn_at.is_(None)]
    if unit_id is not None:
        where.append(D.lead_unit_id == unit_id)
    if user_id is not None:
        where.append(D.lead_user_id == user_id)
    return where


def _in(scope: Scope) -> list:
    return _counted((scope.agency_id,), scope.unit_id, scope.user_id)


def _completed() -> sa.ColumnElement[bool]:
    return D.completed_at.is_not(None)


def _on_time() -> sa.ColumnElement[bool]:
    return sa.and_(_completed(), sa.or_(D.handling_deadline.is_(None), D.completed_at <= D.handling_deadline))


def _late() -> sa.ColumnElement[bool]:
    return sa.and_(_completed(), D.completed_at > D.handling_deadline)


def conditions(at: datetime) -> dict[str, sa.ColumnElement[bool]]:
    """Each drill-down status as SQL (one definition, counted and listed alike)."""
    return {
        OPEN: running_condition(),
        DUE_SOON_: sa.and_(running_condition(), D.handling_deadline >= at, D.handling_deadline <= at + DUE_SOON),
        OVERDUE: overdue_condition(at),
        ON_TIME: _on_time(),
        LATE: _late(),
    }


def _elapsed(session: Session, later, earlier) -> sa.ColumnElement:
    """later − earlier, comparable and summable: an interval on PostgreSQL, hours on SQLite (which
    has no interval type)."""
    if is_postgres(session):
        return later - earlier
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 24.0


def _handling_hours_sum(session: Session) -> sa.ColumnElement[float]:
    """The summed handling hours of the rows aggregated. PostgreSQL adds the intervals and converts
    the sum once (date_part: float; extract() would compute in numeric), not every row."""
    total = sa.func.sum(_elapsed(session, D.completed_at, D.received_at))
    return sa.func.date_part("epoch", total) / 3600.0 if is_postgres(session) else total


def _completed_columns(session: Session) -> list:
    """On time, late and their handling hours (summed), of completed documents."""
    return [sa.func.count().filter(_on_time()).label("on_time"), sa.func.count().filter(_late()).label("late"),
            _handling_hours_sum(session).label("hours")]


@dataclass(frozen=True)
class _Tally:
    """Figures before averaging, so that tallies add up (a province's totals are its agencies')."""

    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    on_time: int = 0
    late: int = 0
    hours: float = 0.0  # the completed documents' handling hours, summed

    def __add__(self, other: _Tally) -> _Tally:
        return _Tally(self.open + other.open, self.due_soon + other.due_soon, self.overdue + other.overdue,
                      self.on_time + other.on_time, self.late + other.late, self.hours + other.hours)

    def figures(self) -> Figures:
        done = self.on_time + self.late
        average = round(self.hours / done, 2) if done else None
        return Figures(self.open, self.due_soon, self.overdue, self.on_time, self.late, average)


def _completed_since(since: datetime | None) -> list:
    return [] if since is None else [D.completed_at >= since]


def _tallies(session: Session, where: list, at: datetime, since: datetime | None, key=None) -> dict:
    """The tallies of the documents ``where`` selects, per ``key`` (None: one tally, under None).
    Two statements, each narrowed to what it counts — running documents (few) and completed ones —
    so that each can read a partial index of its own (migration 0016) instead of every document."""
    keys = [] if key is None else [key.label("key")]
    narrowed = [] if key is None else [key.is_not(None)]
    found = conditions(at)
    running = session.execute(
        sa.select(*keys, sa.func.count().label("open"), sa.func.count().filter(found[DUE_SOON_]).label("due_soon"),
                  sa.func.count().filter(found[OVERDUE]).label("overdue"))
        .where(*where, *narrowed, running_condition()).group_by(*keys)).all()
    completed = session.execute(
        sa.select(*keys, *_completed_columns(session)).where(*where, *narrowed, _completed(), *_completed_since(since)).group_by(*keys)).all()
    tallies: dict = {}
    for row in running:
        group = row.key if keys else None
        tallies[group] = tallies.get(group, _Tally()) + _Tally(row.open, row.due_soon, row.overdue)
    for row in completed:
        group = row.key if keys else None
        tallies[group] = tallies.get(group, _Tally()) + _Tally(on_time=row.on_time, late=row.late,
                                                               hours=float(row.hours or 0))
    return tallies


def _grouped(session: Session, key, where: list, at: datetime, since: datetime | None) -> dict[int, Figures]:
    return {group: tally.figures() for group, tally in _tallies(session, where, at, since, key).items()}


# ------------------------------------------------------------------------- figures

def totals(session: Session, scope: Scope, at: datetime, since: datetime | None = None) -> Figures:
    return _tallies(session, _in(scope), at, since).get(None, _Tally()).figures()


def by_unit(session: Session, scope: Scope, at: datetime, since: datetime | None = None) -> list[Group]:
    """Each unit of the scope (the agency's active units, or the scope's one), zeros included."""
    figures = _grouped(session, D.lead_unit_id, _in(scope), at, since)
    units = sa.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.agency_id == scope.agency_id)
    units = units.where(OrgUnit.id == scope.unit_id) if scope.unit_id is not None else \
        units.where(sa.or_(OrgUnit.active, OrgUnit.id.in_(list(figures))))
    return [Group(unit.id, unit.name, figures.get(unit.id, Figures()))
            for unit in session.execute(units.order_by(OrgUnit.name, OrgUnit.id))]


def by_person(session: Session, scope: Scope, at: datetime, since: datetime | None = None) -> list[Group]:
    """Each person leading documents in the scope, the most overdue first."""
    figures = _grouped(session, D.lead_user_id, _in(scope), at, since)
    names = dict(session.execute(sa.select(User.id, User.full_name).where(User.id.in_(list(figures)))).all())
    return sorted((Group(user_id, names.get(user_id, ""), shown) for user_id, shown in figures.items()),
                  key=lambda group: (-group.figures.overdue, -group.figures.open, group.name, group.id))


def _per_period(column, spans: list[periods.Period], where: list, *columns) -> sa.CompoundSelect:
    """``columns`` for each period, over the rows whose ``column`` falls in it: one range scan of
    the index a period (UNION ALL), about twice as fast as grouping a year of rows by a CASE."""
    return sa.union_all(*(
        sa.select(sa.literal(index).label("bucket"), *columns).where(*where, column >= span.start, column < span.end)
        for index, span in enumerate(spans)))


def series(session: Session, scope: Scope, at: datetime, kind: str = periods.WEEK, count: int = 12) -> list[Point]:
    spans = periods.last(kind, count, at)
    received = dict(session.execute(_per_period(D.received_at, spans, _in(scope), sa.func.count())).all())
    completed = {row.bucket: _Tally(on_time=row.on_time, late=row.late, hours=float(row.hours or 0))
                 for row in session.execute(_per_period(D.completed_at, spans, _in(scope), *_completed_columns(session)))}
    points = []
    for index, span in enumerate(spans):
        done = completed.get(index, _Tally())
        points.append(Point(span.start, span.end, span.label, received.get(index, 0), done.on_time, done.late,
                            done.figures().average_handling_hours))
    return points


# ------------------------------------------------------------------------- drill-down

def _order(session: Session, status: str) -> list:
    if status == LATE:
        return [_elapsed(session, D.completed_at, D.handling_deadline).desc(), D.id]
    if status == ON_TIME:
        return [D.completed_at.desc(), D.id.desc()]
    return [D.handling_deadline.asc().nulls_last(), D.id]


def items(session: Session, scope: Scope, at: datetime, status: str, page: int = 1,
          per_page: int = PER_PAGE, since: datetime | None = None) -> ItemPage:
    """One page of the documents of a status, the most overdue first (completed on time: the
    latest first). ``status`` is one of STATUSES (the caller checks it)."""
    where = [*_in(scope), conditions(at)[status], *(_completed_since(since) if status in (ON_TIME, LATE) else ())]
    total = session.scalar(sa.select(sa.func.count()).select_from(D).where(*where)) or 0
    # The page's ids first, from the index alone; then only those rows are read and joined.
    ids = session.scalars(sa.select(D.id).where(*where).order_by(*_order(session, status))
                          .limit(per_page).offset((page - 1) * per_page)).all()
    unit, person = aliased(OrgUnit), aliased(User)
    rows = {row.id: row for row in session.execute(
        sa.select(D.id, D.incoming_number, D.number_notation, D.subject, D.issuer_name, D.handling_deadline,
                  D.received_at, D.completed_at, unit.name.label("unit"), person.full_name.label("person"))
        .outerjoin(unit, unit.id == D.lead_unit_id).outerjoin(person, person.id == D.lead_user_id)
        .where(D.id.in_(ids)))} if ids else {}
    return ItemPage([_item(rows[i], at) for i in ids], total, page, max(1, math.ceil(total / per_page)))


def _item(row, at: datetime) -> Item:
    deadline, done = row.handling_deadline, row.completed_at
    past = None if deadline is None else (done or at) - deadline
    return Item(row.id, row.incoming_number, row.number_notation, row.subject, row.issuer_name, deadline,
                row.received_at, done, row.unit, row.person, past if past and past > timedelta(0) else None)


# ------------------------------------------------------------------------- province

def province(session: Session, agency_ids: Sequence[int], at: datetime, since: datetime | None = None) -> Province:
    """Each agency's figures side by side (seed 002 Đ15), from the same definitions, and their totals."""
    tallies = _tallies(session, _counted(agency_ids), at, since, D.agency_id)
    names = dict(session.execute(sa.select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids))).all())
    rows = [Group(agency_id, names.get(agency_id, ""), tallies.get(agency_id, _Tally()).figures())
            for agency_id in agency_ids]
    return Province(rows, sum(tallies.values(), _Tally()).figures())
