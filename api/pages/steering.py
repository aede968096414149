"""The leader's hand on an incoming document, on its page: re-assign the handling (also the head
of the handling unit, inside the unit), extend its deadline, hand the distribution to another
leader, re-assign or extend one coordinator's task. A reason every time; each form calls one
service of documents.incoming.handling, which decides who may. A deadline is typed in a
``datetime-local`` field, in Vietnam time (optional on a re-assignment: the current one stays)."""
from __future__ import annotations

from fastapi import APIRouter, Request

from documents.incoming import handling

from ..deps import DB, CsrfUser, Runtime
from .formdata import FormText, Unreadable, optional_int, vietnam_time
from .incoming import on_the_document

router = APIRouter(include_in_schema=False)
HANDLING_ENDED = "casework.handling_ended"  # the task changed hands or closed while the form was open


@router.post("/incoming/{document_id:int}/reassign")
def reassign(document_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime,
             lead_user_id: FormText = "", lead_unit_id: FormText = "", reason: FormText = "",
             deadline: FormText = ""):
    values = {"lead_user_id": lead_user_id, "lead_unit_id": lead_unit_id, "reason": reason, "deadline": deadline}
    return on_the_document(
        request, session, runtime, who, document_id, "reassign", values,
        lambda: handling.reassign(session, runtime, who, document_id, reason=reason,
                                  lead_user_id=optional_int("lead_user_id", lead_user_id),
                                  lead_unit_id=optional_int("lead_unit_id", lead_unit_id),
                                  deadline=vietnam_time("deadline", deadline) if deadline.strip() else None),
        conflict=HANDLING_ENDED)


@router.post("/incoming/{document_id:int}/extend")
def extend(document_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime,
           deadline: FormText = "", reason: FormText = ""):
    return on_the_document(
        request, session, runtime, who, document_id, "extend", {"deadline": deadline, "reason": reason},
        lambda: handling.extend_deadline(session, runtime, who, document_id, reason=reason,
                                         deadline=vietnam_time("deadline", deadline)),
        conflict=HANDLING_ENDED)


@router.post("/incoming/{document_id:int}/distribution/reassign")
def reassign_distribution(document_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime,
                          leader_user_id: FormText = "", reason: FormText = ""):
    values = {"leader_user_id": leader_user_id, "reason": reason}
    return on_the_document(
        request, session, runtime, who, document_id, "distribution", values,
        lambda: handling.reassign_distribution(session, runtime, who, document_id, reason=reason,
                                               leader_user_id=_chosen("leader_user_id", leader_user_id)),
        conflict=HANDLING_ENDED)


@router.post("/incoming/{document_id:int}/coordination/{task_id:int}/reassign")
def reassign_coordination(document_id: int, task_id: int, request: Request, who: CsrfUser, session: DB,
                          runtime: Runtime, unit_id: FormText = "", user_id: FormText = "", reason: FormText = ""):
    values = {"unit_id": unit_id, "user_id": user_id, "reason": reason}
    return on_the_document(
        request, session, runtime, who, document_id, f"coordination-{task_id}-reassign", values,
        lambda: handling.reassign_coordination(session, runtime, who, document_id, task_id, reason=reason,
                                               unit_id=optional_int("unit_id", unit_id),
                                               user_id=optional_int("user_id", user_id)),
        conflict=HANDLING_ENDED, anchor=f"coordination-{task_id}")


@router.post("/incoming/{document_id:int}/coordination/{task_id:int}/extend")
def extend_coordination(document_id: int, task_id: int, request: Request, who: CsrfUser, session: DB,
                        runtime: Runtime, deadline: FormText = "", reason: FormText = ""):
    return on_the_document(
        request, session, runtime, who, document_id, f"coordination-{task_id}-extend",
        {"deadline": deadline, "reason": reason},
        lambda: handling.extend_coordination(session, runtime, who, document_id, task_id, reason=reason,
                                             deadline=vietnam_time("deadline", deadline)),
        conflict=HANDLING_ENDED, anchor=f"coordination-{task_id}")


def _chosen(field: str, raw: str) -> int:
    """A person the form requires: none chosen is refused like a forged choice."""
    chosen = optional_int(field, raw)
    if chosen is None:
        raise Unreadable(field, "form.choose_one")
    return chosen
