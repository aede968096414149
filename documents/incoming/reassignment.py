"""Re-assignment requests: the handler asks to be relieved of a document, with a reason. The
request waits for the head of the handling unit and the leaders; re-assigning the handling
(handling.reassign) grants it, or one of them declines it with a reason. Resolving is one
conditional UPDATE (… WHERE state = 'open'): of two people resolving the same request, the
second waits for the first's row lock, then finds it resolved and gets 409."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock

from .. import audit
from ..accounts import Identity
from ..errors import Conflict, InvalidData, NotAllowed, NotFound
from . import participants, texts, trail
from .casework_models import REQUEST_STATES, ReassignmentRequest
from .models import IncomingDocument

OPEN, GRANTED, DECLINED, LAPSED = REQUEST_STATES
R = ReassignmentRequest


def ask(session: Session, who: Identity, document_id: int, reason: str | None) -> ReassignmentRequest:
    # The document row is locked: two asks at once must not leave two open requests.
    document = participants.document_of(session, who, document_id, lock=True)
    task = participants.require_handler(session, who, document)
    reason = texts.reason(reason)
    if session.scalar(sa.select(R.id).where(R.document_id == document.id, R.state == OPEN)) is not None:
        raise Conflict(f"a re-assignment of incoming document {document.id} is already asked for")
    request = R(document_id=document.id, unit_id=participants.handling_unit(session, task), requested_by=who.user_id,
                requested_at=clock.now(), reason=reason, state=OPEN)
    session.add(request)
    session.flush()
    trail.record(session, who, "incoming.reassignment_requested", document.id, {"request": request.id, "reason": reason})
    return request


def decline(session: Session, who: Identity, document_id: int, request_id: int,
            reason: str | None) -> ReassignmentRequest:
    document = participants.document_of(session, who, document_id)
    request = _request(session, document, request_id)
    if not (participants.is_leader(who) or participants.heads(who, request.unit_id)):
        raise NotAllowed("only the head of the handling unit or a leader declines a re-assignment request")
    reason = texts.reason(reason)
    _resolve(session, who, R.id == request.id, DECLINED, reason)
    session.refresh(request)
    trail.record(session, who, "incoming.reassignment_declined", document.id, {"request": request.id, "reason": reason})
    return request


def grant(session: Session, who: Identity, document: IncomingDocument, request_id: int | None, reason: str,
          new_handler_id: int | None) -> list[int]:
    """Close what a re-assignment of the handling answers: the request it names (409 when that is
    no longer open), else whatever request of the document is open. Returns the ids closed."""
    if request_id is not None:
        _request(session, document, request_id)
        _resolve(session, who, R.id == request_id, GRANTED, reason, new_handler_id)
        return [request_id]
    return _resolve(session, who, R.document_id == document.id, GRANTED, reason, new_handler_id, required=False)


def lapse(session: Session, document_id: int) -> list[int]:
    """The handling of the document ended with a request still open: it lapses (no one decided it,
    and no one has to any more), so it leaves the unit head's and the leaders' lists."""
    return list(session.scalars(
        sa.update(R).where(R.document_id == document_id, R.state == OPEN)
        .values(state=LAPSED, resolved_at=clock.now(), resolution="Việc xử lý đã kết thúc trước khi có quyết định.")
        .returning(R.id).execution_options(synchronize_session=False)))


def pending(session: Session, who: Identity, state: str | None = OPEN) -> list[ReassignmentRequest]:
    """The requests waiting for ``who``: a leader sees the agency's, a unit head their unit's."""
    if state is not None and state not in REQUEST_STATES:
        raise InvalidData("Trạng thái không hợp lệ.", errors={"state": "Chọn open, granted, declined hoặc lapsed."})
    query = (sa.select(R).join(IncomingDocument, IncomingDocument.id == R.document_id)
             .where(IncomingDocument.agency_id == who.agency_id))
    if not participants.is_leader(who):
        if not participants.heads(who, who.unit_id):
            raise NotAllowed("only unit heads and leaders see re-assignment requests")
        query = query.where(R.unit_id == who.unit_id)
    if state is not None:
        query = query.where(R.state == state)
    requests = list(session.scalars(query.order_by(R.requested_at, R.id)))
    audit.record(session, "incoming.reassignment_requests_listed", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="reassignment_request", after={"state": state, "total": len(requests)})
    return requests


def of(session: Session, document: IncomingDocument) -> list[ReassignmentRequest]:
    return list(session.scalars(sa.select(R).where(R.document_id == document.id).order_by(R.id)))


def _request(session: Session, document: IncomingDocument, request_id: int) -> ReassignmentRequest:
    request = session.get(R, request_id)
    if request is None or request.document_id != document.id:
        raise NotFound(f"re-assignment request {request_id} of incoming document {document.id} not found")
    return request


def _resolve(session: Session, who: Identity, which: Any, state: str, resolution: str,
             new_handler_id: int | None = None, *, required: bool = True) -> list[int]:
    closed = list(session.scalars(
        sa.update(R).where(which, R.state == OPEN)
        .values(state=state, resolved_by=who.user_id, resolved_at=clock.now(), resolution=resolution,
                new_handler_id=new_handler_id)
        .returning(R.id).execution_options(synchronize_session=False)))
    if required and not closed:
        raise Conflict("the re-assignment request was already resolved by someone else")
    return closed
