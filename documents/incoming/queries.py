"""Listing and searching the incoming register of an agency."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session


from .. import audit
from ..accounts import Identity
from ..errors import InvalidData, NotAllowed
from ..models import User
from ..vntime import VN_TZ, YEARS_MESSAGE, within_years
from . import deadlines
from .models import IncomingDocument
from .search import fold, like_pattern, terms
from .service import READERS


@dataclass(frozen=True)
class Filters:
    received_from: date | None = None   # Vietnam dates, inclusive
    received_to: date | None = None
    issuer: str | None = None           # identifier, or part of the name (accent-insensitive)
    doc_type: str | None = None
    urgency: str | None = None
    status: str | None = None
    overdue: bool = False               # the handling deadline has passed (documents/incoming/deadlines.py)
    text: str | None = None             # words of the subject, number, issuer … in any accents
    limit: int = 50
    offset: int = 0


def search(session: Session, who: Identity, filters: Filters,
           at: datetime | None = None) -> tuple[int, list[IncomingDocument]]:
    """Matching documents, newest first, with the total count for paging. Overdue is counted at
    the moment ``at`` (default: now by the injected clock)."""
    if not who.has_any(*READERS):
        raise NotAllowed("your roles may not read the incoming register")
    for field, day in (("received_from", filters.received_from), ("received_to", filters.received_to)):
        if day is not None and not within_years(day):
            raise InvalidData(YEARS_MESSAGE, errors={field: YEARS_MESSAGE})
    D = IncomingDocument
    # A document its sender recalled (confirmed by the clerk) is out of every list.
    conditions = [D.agency_id == who.agency_id, D.withdrawn_at.is_(None)]
    if filters.received_from:
        conditions.append(D.received_at >= _start_of(filters.received_from))
    if filters.received_to:
        conditions.append(D.received_at < _start_of(filters.received_to + timedelta(days=1)))
    if filters.issuer:
        conditions.append(sa.or_(D.issuer_code == filters.issuer.strip().upper(),
                                 D.search_text.like(like_pattern(fold(filters.issuer)), escape="\\")))
    for column, value in ((D.doc_type, filters.doc_type), (D.urgency, filters.urgency), (D.status, filters.status)):
        if value:
            conditions.append(column == value)
    if filters.overdue:
        conditions.append(deadlines.overdue_condition(at or deadlines.now()))
    for term in terms(filters.text or ""):
        conditions.append(D.search_text.like(like_pattern(term), escape="\\"))
    total = session.scalar(sa.select(sa.func.count()).select_from(D).where(*conditions)) or 0
    rows = session.scalars(sa.select(D).where(*conditions).order_by(D.received_at.desc(), D.id.desc())
                           .limit(min(max(filters.limit, 1), 500)).offset(max(filters.offset, 0)))
    audit.record(session, "incoming.searched", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="incoming_register", after={"text": filters.text, "total": total})
    return total, list(rows)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), VN_TZ)




def now() -> datetime:
    """The moment handling deadlines are compared with."""
    return deadlines.now()


def is_overdue(document: IncomingDocument, at: datetime | None = None) -> bool:
    """The same rule as the ``overdue`` filter of ``search``, for one document already loaded."""
    return deadlines.is_overdue(document, at or deadlines.now())


def names_of(session: Session, who: Identity, user_ids: Iterable[int | str | None]) -> dict[str, str]:
    """Full names of the caller's agency's users, keyed by id as text (statuses keep ids, the
    workflow history keeps them as text); other agencies' users are never named."""
    ids = {int(i) for i in user_ids if i is not None and str(i).isdigit()}
    if not ids:
        return {}
    rows = session.execute(sa.select(User.id, User.full_name)
                           .where(User.id.in_(ids), User.agency_id == who.agency_id))
    return {str(user_id): name for user_id, name in rows}


def numbered(session: Session, who: Identity, number: int, year: int) -> int | None:
    """The id of the caller's agency's document with incoming number ``number`` in the register
    of ``year`` (numbers restart each 1 January, Vietnam time)."""
    D = IncomingDocument
    return session.scalar(sa.select(D.id).where(
        D.agency_id == who.agency_id, D.incoming_number == number,
        D.received_at >= _start_of(date(year, 1, 1)), D.received_at < _start_of(date(year + 1, 1, 1))))


def handled_by(session: Session, who: Identity, instance_id: int) -> int | None:
    """The id of the caller's agency's document whose handling is workflow instance ``instance_id``."""
    D = IncomingDocument
    return session.scalar(sa.select(D.id).where(D.agency_id == who.agency_id, D.process_instance_id == instance_id))


def by_ids(session: Session, who: Identity, ids: Iterable[int]) -> dict[int, IncomingDocument]:
    """The caller's agency's documents among ``ids``, by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    D = IncomingDocument
    return {d.id: d for d in session.scalars(sa.select(D).where(D.agency_id == who.agency_id, D.id.in_(wanted)))}
