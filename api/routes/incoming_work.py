"""What the people handling an incoming document do besides completing their task: progress
notes, related documents, re-assignment requests, the reply draft, the leader's hand on the
distribution and on each coordinator's task, and the handling deadlines. The app includes this
router before the register's (api/routes/incoming.py), whose "/{document_id}" would otherwise
take "/reassignment-requests" and "/deadlines"."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from documents.incoming import deadlines, handling, progress, queries, reassignment, related, replies, service

from ..deadline_schemas import DeadlineList, DeadlineOut
from ..deps import DB, ApiUser, Runtime
from ..params import Id, Offset
from ..schemas import (ERRORS, CoordinationReassignRequest, DistributionReassignRequest, DraftOut, ExtendRequest,
                       IncomingOut, ProgressOut, ProgressRequest, ReasonRequest, ReassignmentRequestOut, RelatedOut,
                       RelatedRequest, ReplyDraftRequest)
from .incoming import document_out

router = APIRouter(prefix="/api/incoming", tags=["handling incoming documents"], responses=ERRORS)


@router.get("/reassignment-requests", response_model=list[ReassignmentRequestOut],
            summary="Re-assignment requests waiting: the agency's for leaders, their unit's for unit heads")
def reassignment_requests(who: ApiUser, session: DB,
                          state: Annotated[str, Query(max_length=20, description="open, granted, declined, lapsed or all")]
                          = "open") -> list[ReassignmentRequestOut]:
    found = reassignment.pending(session, who, None if state == "all" else state)
    return [ReassignmentRequestOut.of(r) for r in found]


@router.get("/deadlines", response_model=DeadlineList,
            summary="The register's handling deadlines, newest first; overdue: only those past it")
def deadline_list(who: ApiUser, session: DB, overdue: bool = False,
                  q: Annotated[str | None, Query(max_length=200, description="words of subject, number, issuer…")]
                  = None, limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0) -> DeadlineList:
    at = deadlines.now()
    total, rows = queries.search(session, who, queries.Filters(overdue=overdue, text=q, limit=limit, offset=offset), at)
    return DeadlineList(total=total, items=[DeadlineOut.of(d, at) for d in rows])


@router.get("/{document_id}/deadline", response_model=DeadlineOut,
            summary="A document's handling deadline, its lead and the sender's requested reply date")
def deadline(document_id: Id, who: ApiUser, session: DB) -> DeadlineOut:
    return DeadlineOut.of(service.get(session, who, document_id), deadlines.now())


@router.post("/{document_id}/progress", response_model=ProgressOut, status_code=201,
             summary="Record progress (the handler, or a coordinator on their own coordination)")
def record_progress(document_id: Id, body: ProgressRequest, who: ApiUser, session: DB) -> ProgressOut:
    return ProgressOut.of(progress.record(session, who, document_id, text=body.text, percent=body.percent))


@router.post("/{document_id}/related", response_model=RelatedOut, status_code=201,
             summary="Link another incoming document of the agency (the handler, the unit head, leaders)")
def link_related(document_id: Id, body: RelatedRequest, who: ApiUser, session: DB) -> RelatedOut:
    return RelatedOut.of(related.link(session, who, document_id, body.related_id, body.note))


@router.delete("/{document_id}/related/{related_id}", status_code=204, response_class=Response,
               summary="Remove the link between two incoming documents")
def unlink_related(document_id: Id, related_id: Id, who: ApiUser, session: DB) -> Response:
    related.unlink(session, who, document_id, related_id)
    return Response(status_code=204)


@router.post("/{document_id}/reassignment-requests", response_model=ReassignmentRequestOut, status_code=201,
             summary="Ask to be relieved of the handling, with a reason (the handler)")
def ask_reassignment(document_id: Id, body: ReasonRequest, who: ApiUser, session: DB) -> ReassignmentRequestOut:
    return ReassignmentRequestOut.of(reassignment.ask(session, who, document_id, body.reason))


@router.post("/{document_id}/reassignment-requests/{request_id}/decline", response_model=ReassignmentRequestOut,
             summary="Decline a re-assignment request with a reason (the unit head, leaders); 409 once resolved")
def decline_reassignment(document_id: Id, request_id: Id, body: ReasonRequest, who: ApiUser,
                         session: DB) -> ReassignmentRequestOut:
    return ReassignmentRequestOut.of(reassignment.decline(session, who, document_id, request_id, body.reason))


@router.post("/{document_id}/reply-drafts", response_model=DraftOut, status_code=201,
             summary="Start the reply: an outgoing draft answering the document (the handler)")
def start_reply(document_id: Id, body: ReplyDraftRequest, who: ApiUser, session: DB, runtime: Runtime) -> DraftOut:
    recipients = None if body.recipients is None else [r.model_dump() for r in body.recipients]
    return DraftOut.of(replies.start(session, runtime, who, document_id, subject=body.subject, doc_type=body.doc_type,
                                     summary=body.summary, recipients=recipients))


@router.post("/{document_id}/distribution/reassign", response_model=IncomingOut,
             summary="Hand the distribution to another leader (leaders), with a reason kept in the history")
def reassign_distribution(document_id: Id, body: DistributionReassignRequest, who: ApiUser, session: DB,
                          runtime: Runtime) -> IncomingOut:
    document = handling.reassign_distribution(session, runtime, who, document_id, leader_user_id=body.leader_user_id,
                                              reason=body.reason)
    return document_out(session, document)


@router.post("/{document_id}/coordination/{task_id}/reassign", response_model=IncomingOut,
             summary="Give one coordinator's task to another unit or person (leaders)")
def reassign_coordination(document_id: Id, task_id: Id, body: CoordinationReassignRequest, who: ApiUser,
                          session: DB, runtime: Runtime) -> IncomingOut:
    document = handling.reassign_coordination(session, runtime, who, document_id, task_id, unit_id=body.unit_id,
                                              user_id=body.user_id, reason=body.reason)
    return document_out(session, document)


@router.post("/{document_id}/coordination/{task_id}/extend", response_model=IncomingOut,
             summary="Extend one coordinator's deadline (leaders)")
def extend_coordination(document_id: Id, task_id: Id, body: ExtendRequest, who: ApiUser, session: DB,
                        runtime: Runtime) -> IncomingOut:
    document = handling.extend_coordination(session, runtime, who, document_id, task_id, deadline=body.deadline,
                                            reason=body.reason)
    return document_out(session, document)
