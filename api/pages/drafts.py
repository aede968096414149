"""The drafting pages: a new draft (/outgoing/new, its first version optional), the outgoing
document's page (/outgoing/<id>: metadata, recipients with their paper copies and why, versions
with the comments on each, the open task, other features' panels), its edit form and the form
adding a version. Recipients are picked by name: agencies of the deployment and the agency's
units from searchable selects, external agencies typed. Refusals come back on the same page."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Mapping

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile

from documents.accounts import Identity
from documents.errors import InvalidData
from documents.incoming import queries
from documents.models import OrgUnit
from documents.outgoing import doc_types, drafts, paper_rules, recipients, step_action, versions
from documents.outgoing.contract import APPROVE, DRAFT, REVIEW
from documents.outgoing.models import URGENCIES, OutgoingComment, OutgoingDocument
from engine.runtime import HumanTask, WorkflowRuntime

from ..deps import DB, CsrfUser, PageUser, Runtime, get_system
from ..downloads import attachment
from ..i18n import locale_of
from . import outgoing_panels, task_panels
from .formdata import typed_date
from .incoming_new import SubmittedForm
from .render import page

router = APIRouter(include_in_schema=False)
BACK_TO_TASK = re.compile(r"/tasks/\d{1,18}")  # where an upload from a task page goes back to
# The steps whose task page offers to add a version (versions.py says who may, at which step).
VERSION_STEPS = (DRAFT, REVIEW, APPROVE)


@router.get("/outgoing/new")
def new_draft(request: Request, who: PageUser, session: DB):
    drafts.require_drafter(who)
    return _form_page(request, session, who, "outgoing_new.html", {"urgency": "normal", "doc_type": doc_types.CONG_VAN})


@router.post("/outgoing/new")
def create_draft(request: Request, who: CsrfUser, session: DB, runtime: Runtime, form: SubmittedForm):
    drafts.require_drafter(who)
    values = _values(form)
    try:
        draft = drafts.create(session, runtime, who, **_fields(values))
        pdf = _upload(form, "pdf")
        if pdf is not None:
            versions.upload(session, get_system(request).files, who, draft.id, pdf=pdf, source=_upload(form, "source"),
                            note=values["note"])
        elif _upload(form, "source") is not None:
            raise InvalidData("Bản PDF là bắt buộc khi gửi bản soạn thảo.",
                              errors={"pdf": "Chọn cả tệp PDF của phiên bản."})
    except InvalidData as exc:
        session.rollback()
        return _form_page(request, session, who, "outgoing_new.html", values, exc.errors or {"": exc.message}, 422)
    return RedirectResponse(f"/outgoing/{draft.id}", status_code=303)


@router.get("/outgoing/drafts/{draft_id:int}")
def old_address(draft_id: int, who: PageUser):  # a page like any other: without a session, to the login
    return RedirectResponse(f"/outgoing/{draft_id}", status_code=301)


@router.get("/outgoing/{document_id:int}")
def show(document_id: int, request: Request, who: PageUser, session: DB):
    document = drafts.get(session, who, document_id)
    return page(request, "outgoing_document.html", _document_context(request, session, who, document))


@router.get("/outgoing/{document_id:int}/edit")
def edit(document_id: int, request: Request, who: PageUser, session: DB):
    document = drafts.get(session, who, document_id, audited=False)
    drafts.require_editable(who, document)
    return _form_page(request, session, who, "draft_edit.html", _shown(document), document=document)


@router.post("/outgoing/{document_id:int}/edit")
def save(document_id: int, request: Request, who: CsrfUser, session: DB, form: SubmittedForm):
    values = _values(form)
    try:
        expected = _int(str(form.get("row_version") or "")) or 0  # nonsense is a stale form: 409
        drafts.update(session, who, document_id, _fields(values), expected)
    except InvalidData as exc:
        session.rollback()
        document = drafts.get(session, who, document_id, audited=False)
        return _form_page(request, session, who, "draft_edit.html", values, exc.errors or {"": exc.message}, 422,
                          document=document)
    return RedirectResponse(f"/outgoing/{document_id}", status_code=303)


@router.post("/outgoing/{document_id:int}/versions")
def add_version(document_id: int, request: Request, who: CsrfUser, session: DB, form: SubmittedForm):
    try:
        versions.upload(session, get_system(request).files, who, document_id, pdf=_upload(form, "pdf"),
                        source=_upload(form, "source"), note=str(form.get("note") or ""))
    except InvalidData as exc:
        session.rollback()
        document = drafts.get(session, who, document_id, audited=False)
        context = _document_context(request, session, who, document)
        return page(request, "outgoing_document.html",
                    {**context, "errors": exc.errors or {"": exc.message}, "note": form.get("note") or ""}, status=422)
    back = str(form.get("back") or "")
    return RedirectResponse(back if BACK_TO_TASK.fullmatch(back) else f"/outgoing/{document_id}#versions",
                            status_code=303)


@task_panels.register("draft_version_panel.html", "before_form")
def version_panel(session, runtime: WorkflowRuntime, who: Identity, task: HumanTask) -> Mapping[str, Any] | None:
    """The upload of a version on the task page of a step where ``who`` may add one."""
    if task.role not in VERSION_STEPS:
        return None
    document = step_action.document_of_instance(session, who, task.instance_id)
    if document is None or not versions.may_upload(session, who, document):
        return None
    return {"document_id": document.id, "task_id": task.id}


@router.get("/outgoing/{document_id:int}/versions/{number:int}/{kind}")
def download(document_id: int, number: int, kind: versions.Kind, request: Request, who: PageUser, session: DB):
    found, data = versions.file_of(session, get_system(request).files, who, document_id, number, kind)
    return attachment(data, found.media_type, found.file_name)


# --------------------------------------------------------------------------- the document's page

def _document_context(request: Request, session, who: Identity, document: OutgoingDocument) -> dict[str, Any]:
    listed = versions.listed(session, document.id)
    comments = list(session.scalars(sa.select(OutgoingComment).where(OutgoingComment.document_id == document.id)
                                    .order_by(OutgoingComment.at, OutgoingComment.id)))
    by_version: dict[int | None, list[OutgoingComment]] = {}
    for comment in comments:
        by_version.setdefault(comment.version_id, []).append(comment)
    people = {document.author_id, *(v.uploaded_by for v in listed), *(c.author_id for c in comments)}
    units = {u.id: u.name for u in session.scalars(sa.select(OrgUnit).where(OrgUnit.agency_id == who.agency_id))}
    rules = drafts.rules_of(document)
    locale = locale_of(request)
    return {"who": who, "document": document, "versions": listed, "comments": by_version, "units": units,
            "names": queries.names_of(session, who, people),
            "paper_reasons": {r.id: [rule.label(locale) for rule in recipients.paper_reasons(rules, r)]
                              for r in document.recipients},
            "answers": queries.by_ids(session, who, [document.in_reply_to] if document.in_reply_to else []
                                      ).get(document.in_reply_to),
            "tasks": _my_tasks(session, who, document),
            "may_edit": drafts.editable(who, document),
            "may_upload": versions.may_upload(session, who, document),
            "panels": outgoing_panels.for_page(session, who, document), "errors": {}, "note": ""}


def _my_tasks(session, who: Identity, document: OutgoingDocument) -> list:
    if document.process_instance_id is None:
        return []
    return [t for t in WorkflowRuntime.open_tasks(session, document.process_instance_id)
            if WorkflowRuntime.may_act(t, who.principal)]


# --------------------------------------------------------------------------- the form

def _form_page(request: Request, session, who: Identity, template: str, values: dict[str, Any],
               errors: dict[str, str] | None = None, status: int = 200, document: OutgoingDocument | None = None):
    agencies, units = recipients.choices(session, who)
    locale = locale_of(request)
    return page(request, template, {
        "who": who, "values": values, "errors": errors or {}, "document": document, "types": doc_types.TYPES,
        "urgencies": URGENCIES, "agencies": agencies, "units": units,
        "rules": [(rule.basis, rule.label(locale)) for rule in paper_rules.rules()],
        "recipient_errors": {k: v for k, v in (errors or {}).items() if k.startswith("recipients")},
    }, status=status)


def _values(form: FormData) -> dict[str, Any]:
    """What was typed, as the form shows it again."""
    names, codes = form.getlist("external_name"), form.getlist("external_code")
    paper_rows = set(form.getlist("external_paper"))
    external = [{"name": str(n), "code": str(c), "paper": str(i) in paper_rows}
                for i, (n, c) in enumerate(zip(names, codes))]
    return {"subject": str(form.get("subject") or ""), "doc_type": str(form.get("doc_type") or ""),
            "summary": str(form.get("summary") or ""), "urgency": str(form.get("urgency") or ""),
            "reply_by": str(form.get("reply_by") or ""), "note": str(form.get("note") or ""),
            "agencies": [str(v) for v in form.getlist("agencies")], "units": [str(v) for v in form.getlist("units")],
            "paper": [str(v) for v in form.getlist("paper")], "external": external}


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    """The service's fields from the form's values; recipients in the order agencies, external, units."""
    paper = set(values["paper"])
    given = [{"kind": "agency", "agency_id": _int(a), "paper": f"agency:{a}" in paper} for a in values["agencies"]]
    given += [{"kind": "external", "name": e["name"], "code": e["code"], "paper": e["paper"]}
              for e in values["external"] if e["name"].strip() or e["code"].strip()]
    given += [{"kind": "unit", "unit_id": _int(u), "paper": f"unit:{u}" in paper} for u in values["units"]]
    return {"subject": values["subject"], "doc_type": values["doc_type"], "summary": values["summary"],
            "urgency": values["urgency"], "reply_by": _iso_date(values["reply_by"]), "recipients": given}


def _shown(document: OutgoingDocument) -> dict[str, Any]:
    """A kept draft as the edit form shows it."""
    rows = document.recipients
    return {"subject": document.subject, "doc_type": document.doc_type, "summary": document.summary or "",
            "urgency": document.urgency, "reply_by": document.reply_by.isoformat() if document.reply_by else "",
            "agencies": [str(r.agency_id) for r in rows if r.kind == "agency" and r.agency_id],
            "units": [str(r.unit_id) for r in rows if r.kind == "unit"],
            "paper": [f"{r.kind}:{r.agency_id if r.kind == 'agency' else r.unit_id}" for r in rows
                      if r.paper and r.kind != "external"],
            "external": [{"name": r.name, "code": r.code or "", "paper": r.paper} for r in rows
                         if r.kind == "external" or (r.kind == "agency" and not r.agency_id)],
            "note": ""}


def _iso_date(text: str) -> str:
    """dd/mm/yyyy (typed without the calendar) or ISO, as ISO for the service, which checks it;
    anything else as typed, for the service to refuse."""
    day = typed_date(text)
    return day.isoformat() if day is not None and not isinstance(day, datetime) else text.strip()


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 19 else None


def _upload(form: FormData, name: str) -> versions.Upload | None:
    """The file chosen in ``name``; an input left empty still sends a nameless empty part."""
    given = form.get(name)
    if not isinstance(given, UploadFile) or not (given.filename or given.size):
        return None
    return versions.Upload(given.filename or "", given.file.read(versions.MAX_BYTES + 1))
