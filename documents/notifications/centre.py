"""A person's notification centre: their notifications newest first (paged, or only the unread),
and marking them read. Only one's own: another person's notification is not found, as if absent."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock

from ..accounts import Identity
from ..errors import NotFound
from .models import Notification
from .service import unread_count

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MISSING = "Không tìm thấy thông báo."


@dataclass(frozen=True)
class Listing:
    items: list[Notification]
    total: int       # of the filter, for paging
    unread: int      # of the person, whatever the filter (the header's badge)
    offset: int
    limit: int


def listing(session: Session, who: Identity, *, unread_only: bool = False, offset: int = 0,
            limit: int = PAGE_SIZE) -> Listing:
    """The person's notifications newest first, ``limit`` from ``offset`` (on the index of
    user and creation time)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, offset)
    mine = Notification.user_id == who.user_id
    where = sa.and_(mine, Notification.read_at.is_(None)) if unread_only else mine
    items = list(session.scalars(sa.select(Notification).where(where)
                                 .order_by(Notification.created_at.desc(), Notification.id.desc())
                                 .offset(offset).limit(limit)))
    total = session.scalar(sa.select(sa.func.count()).select_from(Notification).where(where)) or 0
    unread = total if unread_only else unread_count(session, who.user_id)
    return Listing(items=items, total=total, unread=unread, offset=offset, limit=limit)


def own(session: Session, who: Identity, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != who.user_id:
        raise NotFound(MISSING)
    return row


def mark_read(session: Session, who: Identity, notification_id: int, at: datetime | None = None) -> Notification:
    """Mark one of the person's notifications read (once: the first reading time is kept)."""
    row = own(session, who, notification_id)
    if row.read_at is None:
        row.read_at = at or clock.now()
        session.flush()
    return row


def mark_all_read(session: Session, who: Identity, at: datetime | None = None) -> int:
    """Mark every unread notification of the person read; returns how many."""
    done = session.execute(sa.update(Notification)
                           .where(Notification.user_id == who.user_id, Notification.read_at.is_(None))
                           .values(read_at=at or clock.now()).execution_options(synchronize_session=False))
    return done.rowcount or 0


def is_local_path(link: str | None) -> bool:
    """A path inside the app ("/incoming/5"): never another site ("//evil", "https://…", "/\\evil")."""
    return (bool(link) and link.startswith("/") and not link.startswith(("//", "/\\"))
            and "\\" not in link and not any(ord(c) < 32 for c in link))


# A path inside the app named in a notification's text (a digest's items): a link wherever the text
# is shown — the centre, the email. Starts with one slash and a letter: never another site.
APP_PATH = re.compile(r"(?<!\S)(/[A-Za-z][\w\-/?=&.%#]*)")


def text_pieces(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is an app path) in order, for a page to link the paths."""
    return [(piece, index % 2 == 1) for index, piece in enumerate(APP_PATH.split(text)) if piece]
