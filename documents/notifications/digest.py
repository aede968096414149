"""The daily digest per person of due-soon and overdue work, at the start of the working day.

The scheduler asks every tick; per agency and working day one ``DigestRun`` row is inserted before
anything is written, so two workers never both write a day's digests (the second finds the row and
stops), and a day's digests are keyed ``digest:<day>`` per person besides. Once an agency's day is
settled the tick costs one query. Days off are settled without writing anything."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.db import unit_of_work
from engine.runtime import HumanTask, TaskStatus

from ..calendar.service import calendar_for
from ..incoming.deadlines import DUE_SOON, running_condition
from ..incoming.models import IncomingDocument
from ..models import Agency
from ..vntime import VN_TZ
from . import recipients
from .models import DigestRun, Kind
from .service import Message, notify

if TYPE_CHECKING:
    from ..system import System

LISTED = 10  # items named in a digest; the rest are counted


@dataclass(frozen=True)
class Item:
    title: str
    due_at: datetime
    link: str
    instance_id: int | None

    def overdue(self, now: datetime) -> bool:
        return self.due_at < now


def send_due(system: System) -> int:
    """Write the digests due now (none written twice); returns how many were written."""
    now = system.runtime.clock.now()
    day = now.astimezone(VN_TZ).date()
    with unit_of_work(system.sessions) as session:
        waiting = session.execute(sa.select(Agency.id, Agency.code).where(~sa.exists().where(
            DigestRun.agency_id == Agency.id, DigestRun.day == day)).order_by(Agency.id)).all()
    written = 0
    for agency_id, scope in waiting:
        with unit_of_work(system.sessions) as session:
            written += _agency_day(session, agency_id, scope, day, now)
    return written


def _agency_day(session: Session, agency_id: int, scope: str, day: date, now: datetime) -> int:
    periods = calendar_for(session, agency_id).periods_on(day)
    if periods and now < datetime.combine(day, periods[0][0], tzinfo=VN_TZ):
        return 0  # the working day has not started
    run = _claim(session, agency_id, day, now)
    if run is None or not periods:
        return 0  # another worker has it, or a day off: settled, nothing sent
    count = 0
    for user_id, items in due_work(session, agency_id, scope, now).items():
        count += len(notify(session, agency_id, [user_id], message(items, day, now), f"digest:{day.isoformat()}",
                            at=now))
    run.written = count
    return count


def _claim(session: Session, agency_id: int, day: date, now: datetime) -> DigestRun | None:
    """The day's run row, inserted first; None when another worker's insert came first."""
    run = DigestRun(agency_id=agency_id, day=day, at=now, written=0)
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:  # the other worker committed it (PostgreSQL waited for its commit)
        return None
    return run


def due_work(session: Session, agency_id: int, scope: str, now: datetime) -> dict[int, list[Item]]:
    """Person → their open work due within DUE_SOON or overdue, most overdue first: the human
    tasks they hold and the incoming documents they lead (one item per instance: a document whose
    task the person already holds is not listed twice)."""
    horizon = now + DUE_SOON
    tasks = list(session.scalars(sa.select(HumanTask).where(
        HumanTask.scope == scope, HumanTask.status == TaskStatus.READY, HumanTask.due_at.is_not(None),
        HumanTask.due_at <= horizon).order_by(HumanTask.due_at, HumanTask.id)))
    documents = list(session.scalars(sa.select(IncomingDocument).where(
        IncomingDocument.agency_id == agency_id, IncomingDocument.lead_user_id.is_not(None), running_condition(),
        IncomingDocument.handling_deadline <= horizon).order_by(IncomingDocument.handling_deadline)))
    subjects = _subjects(session, {task.instance_id for task in tasks})
    work: dict[int, list[Item]] = defaultdict(list)
    holders: dict[tuple, set[int]] = {}  # tasks offered alike share their people
    for task in tasks:
        offer = (task.assignee, task.candidate_user, task.candidate_role, task.candidate_unit)
        if offer not in holders:
            holders[offer] = recipients.of_task(session, agency_id, task)
        title = f"{task.title}: {subjects[task.instance_id]}" if task.instance_id in subjects else task.title
        for user_id in holders[offer]:
            work[user_id].append(Item(title, task.due_at, f"/tasks/{task.id}", task.instance_id))
    for document in documents:
        mine = work[document.lead_user_id]
        if document.process_instance_id is None or all(i.instance_id != document.process_instance_id for i in mine):
            mine.append(Item(_document_title(document), document.handling_deadline, f"/incoming/{document.id}",
                             document.process_instance_id))
    return {user_id: sorted(items, key=lambda i: i.due_at) for user_id, items in work.items() if items}


def _subjects(session: Session, instance_ids: set[int]) -> dict[int, str]:
    if not instance_ids:
        return {}
    rows = session.execute(sa.select(IncomingDocument.process_instance_id, IncomingDocument.number_notation,
                                     IncomingDocument.subject)
                           .where(IncomingDocument.process_instance_id.in_(instance_ids))).all()
    return {instance_id: f"{notation} {subject}" for instance_id, notation, subject in rows}


def _document_title(document: IncomingDocument) -> str:
    return f"Văn bản đến {document.number_notation} {document.subject}"


def message(items: list[Item], day: date, now: datetime) -> Message:
    """Counts in the title; the first LISTED items, each with its deadline and link, in the body."""
    overdue = sum(1 for item in items if item.overdue(now))
    soon = len(items) - overdue
    title = f"Công việc ngày {day:%d/%m/%Y}: {overdue} quá hạn, {soon} sắp đến hạn"
    lines = [f"- [{'Quá hạn' if item.overdue(now) else 'Sắp đến hạn'}] {item.title} — hạn "
             f"{item.due_at.astimezone(VN_TZ):%H:%M %d/%m/%Y}: {item.link}" for item in items[:LISTED]]
    if len(items) > LISTED:
        lines.append(f"… và {len(items) - LISTED} việc khác.")
    return Message(Kind.DIGEST, title, "\n".join(lines), "/tasks")
