"""The signer's screen: on the task page of the signing step, a panel with the page the
signature goes on (its box drawn), the signer's certificate (name, issuer, valid until) and the
"Ký số" button (POST /outgoing/<id>/sign), which signs the latest version and completes the step
at once. On the outgoing document's page: who signed, when, which version, with the signed PDF.
A refused signature comes back on the task page with the reason; a done one shows the signed document."""
from __future__ import annotations

from typing import Any, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.outgoing import issuing, signing, step_action
from documents.outgoing.contract import SIGN
from documents.outgoing.models import OutgoingDocument
from engine.runtime import HumanTask, WorkflowRuntime

from ..deps import DB, CsrfUser, PageUser, Runtime, get_system
from . import outgoing_panels, task_panels
from .step_actions import act_on_step

router = APIRouter(include_in_schema=False)


@task_panels.register("outgoing_signing_panel.html", "before_form")
def signing_panel(session: Session, runtime: WorkflowRuntime, who: Identity,
                  task: HumanTask) -> Mapping[str, Any] | None:
    if task.role != SIGN:
        return None
    document = step_action.document_of_instance(session, who, task.instance_id)
    if document is None:
        return None
    return {"view": signing.view(session, runtime, who, document, task)}


@outgoing_panels.register("outgoing_signed_panel.html", "facts")
def signed_panel(session: Session, who: Identity, document: OutgoingDocument) -> Mapping[str, Any] | None:
    if document.signed_file_id is None:
        return None
    return {"document": document, "signer": issuing.person_name(session, document.signer_id)}


@router.post("/outgoing/{document_id:int}/sign")
def sign(document_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime):
    system = get_system(request)
    return act_on_step(
        request, session, runtime, who,
        action=lambda: signing.sign(session, runtime, system.files, system.keystore, who, document_id),
        open_task=lambda: signing.open_sign_task(session, runtime, signing.own_document(session, who, document_id)),
        done=lambda document: f"/outgoing/{document.id}#signed", elsewhere=f"/outgoing/{document_id}#signed")


@router.get("/outgoing/{document_id:int}/sign/preview.png")
def preview(document_id: int, request: Request, who: PageUser, session: DB, runtime: Runtime):
    """The page the signature goes on with its box, for the one who may sign it."""
    png = signing.preview(session, runtime, get_system(request).files, who, document_id)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})

