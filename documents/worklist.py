"""A person's work list (Việc của tôi): their tasks in three queues (waiting, in progress, done),
each with the incoming document it is about — number, subject, issuer, urgency, deadlines (the
step's own due time and the document's handling deadline, documents/incoming/deadlines.py) —
searched, filtered, sorted and paged in the database. A page costs three queries whatever its
size: the queues' counts, the page's rows with their documents, the steps offered as a filter.
A task of another flow (no incoming document) shows its flow's name instead."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.human_tasks import Queue, queue_condition
from engine.runtime import HumanTask, ProcessDefinition, ProcessInstance, WorkflowRuntime

from .accounts import Identity
from .incoming import deadlines
from .incoming.deadlines import DUE_SOON
from .incoming.models import IncomingDocument
from .incoming.search import like_pattern, terms

PAGE_SIZE = 25
URGENCIES = (0, 1, 2, 3)        # normal … flash, as the engine keeps them on a task


class Sort:
    URGENCY = "urgency"    # most urgent first, then the earliest deadline
    DEADLINE = "deadline"  # the earliest deadline first, tasks without one last
    RECEIVED = "received"  # newest first (for the done queue: the latest completed first)

    ALL = (URGENCY, DEADLINE, RECEIVED)


@dataclass(frozen=True)
class Filters:
    queue: Queue = Queue.WAITING
    text: str = ""               # number or subject, with or without Vietnamese marks
    urgency: int | None = None
    step: str | None = None      # a step's name, as the task shows it
    overdue: bool = False
    sort: str | None = None      # a Sort; None: the queue's natural order
    page: int = 1

    @property
    def order(self) -> str:
        return self.sort or (Sort.RECEIVED if self.queue == Queue.DONE else Sort.URGENCY)


@dataclass(frozen=True)
class Row:
    task: HumanTask
    flow: str                            # the flow's name, shown when there is no document
    process_key: str                     # its diagram's key (step names are translated by it)
    document: IncomingDocument | None
    deadline: datetime | None            # the earlier of the step's due time and the document's handling deadline
    overdue: bool
    due_soon: bool


@dataclass(frozen=True)
class WorkList:
    filters: Filters
    counts: dict[Queue, int]
    rows: list[Row]
    more: bool                           # a next page exists
    steps: list[Step]                    # the steps of the queue, for the step filter


@dataclass(frozen=True)
class Step:
    title: str                           # the diagram's name of the step (what the filter matches)
    process_key: str
    element: str


def of(session: Session, runtime: WorkflowRuntime, who: Identity, filters: Filters) -> WorkList:
    """The page ``filters`` asks for of ``who``'s queue, only ever of ``who``'s agency."""
    principal = who.principal
    in_queue = queue_condition(principal, filters.queue)
    now = runtime.clock.now()  # the clock the engine set the steps' due times by
    query = (_rows(who).where(in_queue, *_conditions(filters, now))
             .order_by(*_ordering(filters.order, filters.queue))
             .limit(PAGE_SIZE + 1).offset((filters.page - 1) * PAGE_SIZE))
    found = [_row(task, flow, key, document, filters.queue, now)
             for task, flow, key, document in session.execute(query)]
    return WorkList(filters, runtime.queue_counts(session, principal), found[:PAGE_SIZE],
                    len(found) > PAGE_SIZE, _steps(session, in_queue))


def _steps(session: Session, in_queue: sa.ColumnElement[bool]) -> list[Step]:
    """The queue's distinct steps by name (one entry a name, whichever flow has it)."""
    T = HumanTask
    found = session.execute(sa.select(T.title, ProcessDefinition.key, T.spec_name).distinct()
                            .join(ProcessInstance, ProcessInstance.id == T.instance_id)
                            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                            .where(in_queue).order_by(T.title, ProcessDefinition.key, T.spec_name).limit(200))
    by_title: dict[str, Step] = {}
    for title, key, element in found:
        by_title.setdefault(title, Step(title, key, element))
    return list(by_title.values())


def _rows(who: Identity) -> sa.Select:
    T, D = HumanTask, IncomingDocument
    # The document is joined on the agency as well: a scope's instance never shows another agency's.
    return (sa.select(T, ProcessDefinition.name, ProcessDefinition.key, D)
            .join(ProcessInstance, ProcessInstance.id == T.instance_id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .outerjoin(D, sa.and_(D.process_instance_id == T.instance_id, D.agency_id == who.agency_id))
            # A recalled document's steps, even done ones, leave every queue with it.
            .where(sa.or_(D.id.is_(None), D.withdrawn_at.is_(None))))


def _conditions(filters: Filters, now: datetime) -> list[sa.ColumnElement[bool]]:
    T, D = HumanTask, IncomingDocument
    found = [D.search_text.like(like_pattern(term), escape="\\") for term in terms(filters.text)]
    if filters.urgency is not None:
        found.append(T.urgency == filters.urgency)
    if filters.step:
        found.append(T.title == filters.step)
    if filters.overdue:
        found.append(_late(filters.queue, now))
    return found


def _late(queue: Queue, now: datetime) -> sa.ColumnElement[bool]:
    """Past its deadline: an open step now (its own due time or its document's handling deadline,
    by the register's rule), a done one when it was completed."""
    T, D = HumanTask, IncomingDocument
    if queue == Queue.DONE:
        return T.completed_at > T.due_at
    return sa.or_(T.due_at < now, deadlines.overdue_condition(now))


def _ordering(order: str, queue: Queue) -> list[sa.ColumnElement]:
    T, D = HumanTask, IncomingDocument
    deadline = [T.due_at.asc().nulls_last(), D.handling_deadline.asc().nulls_last()]
    if order == Sort.DEADLINE:
        return [*deadline, T.urgency.desc(), T.id]
    if order == Sort.RECEIVED:
        return [(T.completed_at if queue == Queue.DONE else T.created_at).desc(), T.id.desc()]
    return [T.urgency.desc(), *deadline, T.created_at, T.id]


def _row(task: HumanTask, flow: str, process_key: str, document: IncomingDocument | None, queue: Queue,
         now: datetime) -> Row:
    step_due = task.due_at
    document_due = document.handling_deadline if document is not None and deadlines.running(document) else None
    deadline = min((d for d in (step_due, document_due) if d is not None), default=None)
    if queue == Queue.DONE:  # the same rule as the filter: completed after the step's own due time
        overdue = step_due is not None and task.completed_at is not None and task.completed_at > step_due
    else:
        overdue = deadline is not None and deadline < now
    due_soon = queue != Queue.DONE and not overdue and deadline is not None and deadline - now <= DUE_SOON
    return Row(task, flow, process_key, document, deadline, overdue, due_soon)

