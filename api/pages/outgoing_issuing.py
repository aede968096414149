"""The clerk's issuing screen: on the task page of the issue step, a panel with the signed PDF,
its signer, the notation and next number it would get (a preview, not a reservation), the
urgency and the step's deadline, the recipients electronic and on paper, and the button that
numbers, signs for the agency and issues (POST /outgoing/<id>/issue). On the outgoing
document's page, once issued: its number, notation, identifier and the files as issued.
A refused issue comes back on the task page with the reason; a done one goes to the document."""
from __future__ import annotations

from typing import Any, Mapping

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.outgoing import drafts, issuing, step_action
from documents.outgoing.contract import ISSUE
from documents.outgoing.models import OutgoingDocument
from engine.runtime import HumanTask, WorkflowRuntime

from ..deps import DB, CsrfUser, PageUser, Runtime, get_system
from ..downloads import attachment
from . import outgoing_panels, task_panels
from .step_actions import act_on_step

router = APIRouter(include_in_schema=False)


@task_panels.register("outgoing_issue_panel.html", "before_form")
def issue_panel(session: Session, runtime: WorkflowRuntime, who: Identity, task: HumanTask) -> Mapping[str, Any] | None:
    if task.role != ISSUE:
        return None
    document = step_action.document_of_instance(session, who, task.instance_id)
    if document is None:
        return None
    return {"document": document, "preview": issuing.preview(session, who, document) if issuing.is_clerk(who) else None,
            "signer": issuing.signer_name(session, document), "due_at": task.due_at,
            "electronic": [r for r in document.recipients if not r.paper],
            "paper": [r for r in document.recipients if r.paper],
            "may_issue": issuing.is_clerk(who) and runtime.may_act(task, who.principal)}


@outgoing_panels.register("outgoing_issued_panel.html", "facts")
def issued_panel(session: Session, who: Identity, document: OutgoingDocument) -> Mapping[str, Any] | None:
    if document.number is None:
        return None
    return {"document": document, "files": issuing.issued_files(session, document),
            "issuer": issuing.person_name(session, document.issued_by)}


@router.post("/outgoing/{document_id:int}/issue")
def issue(document_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime):
    system = get_system(request)
    return act_on_step(
        request, session, runtime, who,
        lambda: issuing.issue(session, runtime, system.files, system.keystore, who, document_id),
        lambda: issuing.open_issue_task(session, runtime, issuing.own_document(session, who, document_id)),
        done=lambda document: f"/outgoing/{document.id}#issued",
        elsewhere=f"/outgoing/{document_id}#issued")


@router.get("/outgoing/{document_id:int}/issue-files/{attachment_id:int}")
def issue_file(document_id: int, attachment_id: int, request: Request, who: PageUser, session: DB):
    """The PDF as the person signed it, as issued, or an attachment as signed by the agency."""
    document = drafts.get(session, who, document_id)
    found, data = issuing.file_of(session, get_system(request).files, document, attachment_id)
    return attachment(data, found.media_type, found.file_name)
