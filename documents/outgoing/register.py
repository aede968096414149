"""The outgoing documents of an agency, listed and searched (văn bản đi): the register of the
issued ones (sổ đăng ký văn bản đi), a person's own drafts, the documents whose open step waits
for the person, and every document of the agency for its clerks and leaders.

Who sees what:
- the register (issued documents, any agency-wide list) is the clerks', the leaders' and the unit
  heads' (as the incoming register); anyone else finds there the issued documents they drafted;
- every document in every state ("Tất cả") is for the clerks and the leaders;
- drafts and waiting steps are one's own.
A recalled or replaced document stays in the register: its number was issued (the register's
notes say what happened to it)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.human_tasks import Queue, queue_condition
from engine.runtime import HumanTask

from .. import audit
from ..accounts import Identity
from ..errors import InvalidData, NotAllowed
from ..models import Role
from ..vntime import VN_TZ, YEARS_MESSAGE, within_years
from .models import STATES, URGENCIES, OutgoingDocument, State
from .search import like_pattern, terms

REGISTER_READERS = (Role.CLERK, Role.LEADER, Role.UNIT_HEAD)
ALL_READERS = (Role.CLERK, Role.LEADER)
# Once issued, a document is in the register whatever happened to it after.
IN_REGISTER = (State.ISSUED, State.RECALLED, State.REPLACED)
MAX_PAGE = 500


class Tab(StrEnum):
    MINE = "mine"          # Dự thảo của tôi: what I drafted, not yet issued
    WAITING = "waiting"    # Chờ tôi xử lý: documents whose open step is offered to me or claimed by me
    ISSUED = "issued"      # Đã phát hành: the register
    ALL = "all"            # Tất cả: every document of the agency, in any state


def tabs_for(who: Identity) -> tuple[Tab, ...]:
    """The tabs a person is shown: the same rule ``search`` applies."""
    return tuple(tab for tab in Tab if tab != Tab.ALL or who.has_any(*ALL_READERS))


def reads_register(who: Identity) -> bool:
    """Whether ``who`` reads the agency's whole register (and may export it)."""
    return who.has_any(*REGISTER_READERS)


@dataclass(frozen=True)
class Filters:
    tab: Tab = Tab.ISSUED
    text: str | None = None            # words of subject, notation, type, recipients, summary; any accents
    doc_type: str | None = None        # the NĐ 30 type's name ("Quyết định")
    urgency: str | None = None
    state: str | None = None
    # Vietnam dates, inclusive: of the issue in the register, of the creation in the other tabs.
    date_from: date | None = None
    date_to: date | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class Row:
    document: OutgoingDocument
    task_id: int | None = None         # the waiting tab: the step to open
    step: str | None = None            # its title, as the diagram names it


def search(session: Session, who: Identity, filters: Filters) -> tuple[int, list[Row]]:
    """A page of the tab's documents matching the filters, with the total for paging: the
    register by issue time, newest first; the other tabs by their last change, newest first."""
    if filters.tab == Tab.ALL and not who.has_any(*ALL_READERS):
        raise NotAllowed("only the agency's clerks and leaders list every outgoing document")
    _check(filters)
    D = OutgoingDocument
    conditions = [D.agency_id == who.agency_id, *_scope(who, filters.tab), *_matching(filters)]
    query = sa.select(D).where(*conditions)
    if filters.tab == Tab.WAITING:
        task = (sa.select(HumanTask.id, HumanTask.title, HumanTask.instance_id)
                .where(sa.or_(queue_condition(who.principal, Queue.WAITING),
                              queue_condition(who.principal, Queue.IN_PROGRESS))).subquery())
        query = sa.select(D, task.c.id, task.c.title).join(task, task.c.instance_id == D.process_instance_id) \
            .where(*conditions)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    order = (D.issued_at.desc(), D.id.desc()) if filters.tab == Tab.ISSUED else (D.updated_at.desc(), D.id.desc())
    page = query.order_by(*order).limit(min(max(filters.limit, 1), MAX_PAGE)).offset(max(filters.offset, 0))
    if filters.tab == Tab.WAITING:
        rows = [Row(d, task_id, title) for d, task_id, title in session.execute(page)]
    else:
        rows = [Row(d) for d in session.scalars(page)]
    audit.record(session, "outgoing.searched", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="outgoing_register", after={"tab": filters.tab.value, "text": filters.text, "total": total})
    return total, rows


def _check(filters: Filters) -> None:
    if filters.urgency is not None and filters.urgency not in URGENCIES:
        raise InvalidData(f"Độ khẩn «{filters.urgency}» không có.", errors={"urgency": "Chọn một độ khẩn trong danh sách."})
    if filters.state is not None and filters.state not in STATES:
        raise InvalidData(f"Trạng thái «{filters.state}» không có.", errors={"state": "Chọn một trạng thái trong danh sách."})
    for name, day in (("date_from", filters.date_from), ("date_to", filters.date_to)):
        if day is not None and not within_years(day):
            raise InvalidData(YEARS_MESSAGE, errors={name: YEARS_MESSAGE})
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidData("Ngày bắt đầu sau ngày kết thúc.",
                          errors={"date_from": "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."})


def _scope(who: Identity, tab: Tab) -> list[sa.ColumnElement[bool]]:
    D = OutgoingDocument
    if tab == Tab.MINE:
        return [D.author_id == who.user_id, D.state.not_in(IN_REGISTER)]
    if tab == Tab.ISSUED:
        in_register = [D.state.in_(IN_REGISTER), D.issued_at.is_not(None)]
        return in_register if reads_register(who) else [*in_register, D.author_id == who.user_id]
    return []  # waiting: the join on the person's open tasks; all: the whole agency


def _matching(filters: Filters) -> list[sa.ColumnElement[bool]]:
    D = OutgoingDocument
    found = [D.search_text.like(like_pattern(term), escape="\\") for term in terms(filters.text or "")]
    for column, value in ((D.doc_type, filters.doc_type), (D.urgency, filters.urgency), (D.state, filters.state)):
        if value:
            found.append(column == value)
    moment = D.issued_at if filters.tab == Tab.ISSUED else D.created_at
    if filters.date_from:
        found.append(moment >= start_of(filters.date_from))
    if filters.date_to:
        found.append(moment < start_of(filters.date_to + timedelta(days=1)))
    return found


def start_of(day: date) -> datetime:
    """The first moment of a Vietnam calendar day."""
    return datetime.combine(day, time(0, 0), VN_TZ)
