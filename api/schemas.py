"""Request and response bodies of the JSON API (they are the OpenAPI documentation)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from documents.exchange.models import DeliveryStatus
from documents.incoming import deadlines
from documents.incoming.casework_models import ProgressNote, ReassignmentRequest
from documents.incoming.models import STATUSES, IncomingDocument
from documents.incoming.related import Related
from documents.incoming.view import DocumentView
from documents.outgoing.models import OutgoingDocument
from documents.outgoing.tracking import STATUS_NAMES
from documents.incidents import IncidentView
from documents.instance_migration import VersionRow
from documents.processes import InstanceView, Step
from documents.vntime import iso
from engine.runtime import HumanTask, MigrationPlan, ProcessDefinition

from .handling_schemas import HandlingOut, TaskContextOut
from .params import MAX_ID


class ErrorBody(BaseModel):
    status: int
    message: str
    errors: dict[str, str] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 422, 423)}
TEXT_BOUND = 20_000  # a guard on the body's size; the services set the real limits


class TokenRequest(BaseModel):
    username: str = Field(max_length=100)
    password: str = Field(max_length=1000)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: str


class Me(BaseModel):
    id: int
    username: str
    full_name: str
    agency: str
    unit_id: int | None
    roles: list[str]


class DefinitionOut(BaseModel):
    id: int
    key: str
    name: str
    version: int
    scope: str
    sha256: str
    active: bool
    created_by: str
    created_at: str

    @classmethod
    def of(cls, d: ProcessDefinition) -> "DefinitionOut":
        return cls(id=d.id, key=d.key, name=d.name, version=d.version, scope=d.scope, sha256=d.sha256,
                   active=d.active, created_by=d.created_by, created_at=iso(d.created_at))


class StartRequest(BaseModel):
    key: str = Field(max_length=100, description="process key, e.g. 'incoming'")
    data: dict[str, Any] = Field(default_factory=dict)
    business_key: str | None = Field(default=None, max_length=200)


class CancelRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class TaskOut(BaseModel):
    id: int
    instance_id: int
    name: str
    title: str
    lane: str | None
    form_key: str | None
    role: str | None = Field(None, description="the role marked on the task's element (domainRole): incoming.handle …")
    candidate_role: str | None
    candidate_unit: str | None
    candidate_user: str | None
    assignee: str | None
    created_at: str
    due_at: str | None
    urgency: int
    status: str

    @classmethod
    def of(cls, t: HumanTask) -> "TaskOut":
        return cls(id=t.id, instance_id=t.instance_id, name=t.spec_name, title=t.title, lane=t.lane,
                   form_key=t.form_key, role=t.role, candidate_role=t.candidate_role,
                   candidate_unit=t.candidate_unit,
                   candidate_user=t.candidate_user, assignee=t.assignee, created_at=iso(t.created_at),
                   due_at=iso(t.due_at), urgency=t.urgency, status=t.status)


class HistoryOut(BaseModel):
    at: str
    actor: str
    action: str
    step: str | None
    title: str | None
    data: Any = None

    @classmethod
    def of(cls, h: Step) -> "HistoryOut":
        return cls(at=iso(h.at), actor=h.actor, action=h.action, step=h.spec_name, title=h.title, data=h.data)


class InstanceOut(BaseModel):
    id: int
    definition_id: int
    business_key: str | None
    status: str
    version: int
    started_by: str
    started_at: str
    ended_at: str | None
    tasks: list[TaskOut] = []
    history: list[HistoryOut] = []
    data_visible: bool = Field(description="false: the history's data is withheld from this reader")

    @classmethod
    def of(cls, view: InstanceView) -> "InstanceOut":
        i = view.instance
        history = [HistoryOut.of(step) for step in view.steps()]
        return cls(id=i.id, definition_id=i.definition_id, business_key=i.business_key, status=i.status,
                   version=i.version, started_by=i.started_by, started_at=iso(i.started_at),
                   ended_at=iso(i.ended_at), tasks=[TaskOut.of(t) for t in view.tasks], history=history,
                   data_visible=view.data_visible)


class IncidentOut(BaseModel):
    id: int
    instance_id: int | None
    process: str | None
    version: int | None
    business_key: str | None
    job: str = Field(description="timer | message")
    element: str | None
    error: str
    attempts: int
    created_at: str
    resolved_at: str | None
    resolution: str | None = Field(description="retried | skipped | cancelled | obsolete")
    resolved_by: str | None

    @classmethod
    def of(cls, view: IncidentView) -> "IncidentOut":
        i = view.incident
        return cls(id=i.id, instance_id=i.instance_id, process=view.process, version=view.version,
                   business_key=view.business_key, job=i.job, element=i.element, error=i.error,
                   attempts=i.attempts, created_at=iso(i.created_at), resolved_at=iso(i.resolved_at),
                   resolution=i.resolution, resolved_by=i.resolved_by)


class CompleteRequest(BaseModel):
    data: dict[str, Any] = Field(default_factory=dict)


class FormOut(BaseModel):
    key: str
    title: dict[str, str]
    schema_: dict[str, Any] = Field(alias="schema")
    ui: dict[str, Any]


class TaskDetail(TaskOut):
    form: FormOut | None = None
    context: TaskContextOut | None = Field(None, description="a task of an incoming document: what its step needs")


class StatusOut(BaseModel):
    code: str
    name: str
    at: str
    actor_id: int | None
    reason: str | None


class AttachmentOut(BaseModel):
    id: int
    file_name: str
    media_type: str
    size: int
    sha256: str


class DuplicateOut(BaseModel):
    id: int
    incoming_number: int | None
    received_at: str


class ProgressOut(BaseModel):
    id: int
    author_id: int
    step: str = Field(description="the task reported on: handle, or coordinate (a coordinator's)")
    at: str
    text: str
    percent: int | None

    @classmethod
    def of(cls, p: ProgressNote) -> "ProgressOut":
        return cls(id=p.id, author_id=p.author_id, step=p.step, at=iso(p.at), text=p.text, percent=p.percent)


class RelatedOut(BaseModel):
    document_id: int = Field(description="the document at the other end of the link")
    incoming_number: int | None
    number_notation: str
    subject: str
    note: str | None
    linked_by: int
    linked_at: str

    @classmethod
    def of(cls, r: Related) -> "RelatedOut":
        return cls(document_id=r.other.id, incoming_number=r.other.incoming_number,
                   number_notation=r.other.number_notation, subject=r.other.subject, note=r.link.note,
                   linked_by=r.link.linked_by, linked_at=iso(r.link.linked_at))


class ReassignmentRequestOut(BaseModel):
    id: int
    document_id: int
    unit_id: int | None = Field(description="the handling unit when it was asked: its head decides")
    requested_by: int
    requested_at: str
    reason: str
    state: str = Field(description="open, granted (the handling was re-assigned), declined, or lapsed (the handling ended first)")
    resolved_by: int | None
    resolved_at: str | None
    resolution: str | None
    new_handler_id: int | None

    @classmethod
    def of(cls, r: ReassignmentRequest) -> "ReassignmentRequestOut":
        return cls(id=r.id, document_id=r.document_id, unit_id=r.unit_id, requested_by=r.requested_by,
                   requested_at=iso(r.requested_at), reason=r.reason, state=r.state, resolved_by=r.resolved_by,
                   resolved_at=iso(r.resolved_at), resolution=r.resolution, new_handler_id=r.new_handler_id)


class Recipient(BaseModel):
    code: str | None = Field(default=None, max_length=TEXT_BOUND, description="agency identifier, e.g. 000.00.31.H41")
    name: str = Field(max_length=TEXT_BOUND)


class DraftOut(BaseModel):
    id: int
    author_id: int
    subject: str
    doc_type: str
    summary: str | None
    recipients: list[Recipient]
    in_reply_to: int | None = Field(description="the incoming document it answers")
    state: str
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, d: OutgoingDocument) -> "DraftOut":
        return cls(id=d.id, author_id=d.author_id, subject=d.subject, doc_type=d.doc_type, summary=d.summary,
                   recipients=[Recipient(code=r.code, name=r.name) for r in d.recipients], in_reply_to=d.in_reply_to,
                   state=d.state, created_at=iso(d.created_at), updated_at=iso(d.updated_at))


class IncomingOut(BaseModel):
    id: int
    incoming_number: int | None
    channel: str
    status: str
    status_name: str
    arrived_at: str
    received_at: str
    issuer_code: str | None
    issuer_name: str
    number_notation: str
    document_date: str
    doc_type: str
    subject: str
    signer_position: str | None
    signer_name: str | None
    urgency: str
    recipients: list[str]
    due_date: str | None = Field(description="the sender's requested reply date (edXML DueDate): never counted as overdue")
    handling_deadline: str | None = Field(None, description="the current assignment's deadline: overdue counts it")
    deadline_state: str | None = Field(None, description="overdue, due_soon (within 24 h) or null")
    lead_unit_id: int | None = None
    lead_user_id: int | None = None
    page_count: int | None
    description: str | None
    signature_check: list[dict[str, Any]]
    closed_at: str | None = Field(None, description="closed without handling (returned, not this agency's)")
    closure_reason: str | None = None
    withdrawn_at: str | None = Field(None, description="withdrawn at its sender's recall: out of every list")
    superseded_by_id: int | None = Field(None, description="updated or replaced by this incoming document")
    statuses: list[StatusOut] = []
    attachments: list[AttachmentOut] = []
    duplicates: list[DuplicateOut] = Field(default=[], description="same number/notation and issuer: a warning")
    process_instance_id: int | None = None
    open_tasks: list[TaskOut] = Field(default=[], description="who the handling waits for now")
    progress: list[ProgressOut] = []
    related: list[RelatedOut] = []
    reassignment_requests: list[ReassignmentRequestOut] = []
    reply_drafts: list[DraftOut] = []
    handling: HandlingOut | None = Field(None, description="what the caller may do with the handling (GET only)")

    @classmethod
    def full(cls, v: DocumentView) -> "IncomingOut":
        """The document with everything its handling has produced (GET /api/incoming/{id})."""
        return cls.of(v.document, v.statuses, v.attachments, v.duplicates).model_copy(update={
            "open_tasks": [TaskOut.of(t) for t in v.open_tasks], "progress": [ProgressOut.of(p) for p in v.progress],
            "related": [RelatedOut.of(r) for r in v.related],
            "reassignment_requests": [ReassignmentRequestOut.of(r) for r in v.reassignment_requests],
            "reply_drafts": [DraftOut.of(d) for d in v.reply_drafts]})

    @classmethod
    def of(cls, d: IncomingDocument, statuses=(), attachments=(), duplicates=()) -> "IncomingOut":
        return cls(
            id=d.id, incoming_number=d.incoming_number, channel=d.channel, status=d.status,
            status_name=STATUSES[d.status], arrived_at=iso(d.arrived_at), received_at=iso(d.received_at),
            issuer_code=d.issuer_code, issuer_name=d.issuer_name, number_notation=d.number_notation,
            document_date=d.document_date.isoformat(), doc_type=d.doc_type, subject=d.subject,
            signer_position=d.signer_position, signer_name=d.signer_name, urgency=d.urgency,
            recipients=list(d.recipients or []), due_date=d.due_date.isoformat() if d.due_date else None,
            page_count=d.page_count, description=d.description, signature_check=list(d.signature_check or []),
            closed_at=iso(d.closed_at) if d.closed_at else None, closure_reason=d.closure_reason,
            withdrawn_at=iso(d.withdrawn_at) if d.withdrawn_at else None, superseded_by_id=d.superseded_by_id,
            handling_deadline=iso(d.handling_deadline) if d.handling_deadline else None,
            deadline_state=deadlines.state(d), lead_unit_id=d.lead_unit_id, lead_user_id=d.lead_user_id,
            process_instance_id=d.process_instance_id,
            statuses=[StatusOut(code=s.code, name=STATUSES[s.code], at=iso(s.at), actor_id=s.actor_id,
                                reason=s.reason) for s in statuses],
            attachments=[AttachmentOut(id=a.id, file_name=a.file_name, media_type=a.media_type, size=a.size,
                                       sha256=a.sha256) for a in attachments],
            duplicates=[DuplicateOut(id=x.id, incoming_number=x.incoming_number, received_at=iso(x.received_at))
                        for x in duplicates],
        )


class IncomingList(BaseModel):
    total: int
    items: list[IncomingOut]


class RefuseRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class DeliveryStatusOut(BaseModel):
    recipient_agency_id: int
    recipient_document_id: int
    code: str
    name: str
    at: str
    reason: str | None

    @classmethod
    def of(cls, s: DeliveryStatus) -> "DeliveryStatusOut":
        return cls(recipient_agency_id=s.recipient_agency_id, recipient_document_id=s.recipient_document_id,
                   code=s.code, name=STATUS_NAMES.get(s.code, s.code), at=iso(s.at), reason=s.reason)


# Texts people type are checked by the services (NFC length, Vietnamese message per field); the
# body only bounds them, so a decomposed text is not refused for its marks, nor in English.
Reason = Annotated[str, Field(max_length=TEXT_BOUND, description="why (kept in the history and the audit)")]
# An id in a body, bounded like the ids in paths (api/params.py).
Ref = Annotated[int, Field(ge=1, le=MAX_ID)]


class ReassignRequest(BaseModel):
    lead_user_id: Ref | None = None
    lead_unit_id: Ref | None = None
    reason: Reason
    request_id: Ref | None = Field(default=None,
                                   description="the re-assignment request this answers (409 if already resolved)")
    deadline: datetime | None = Field(None, description="a new handling deadline, after now (ISO 8601 with offset)")


class ExtendRequest(BaseModel):
    deadline: datetime = Field(description="ISO 8601 with its offset, e.g. 2026-12-01T17:00:00+07:00")
    reason: Reason


class ProgressRequest(BaseModel):
    text: str = Field(max_length=TEXT_BOUND, description="how the work stands (at most 4000 characters)")
    percent: int | None = Field(default=None, description="0–100")


class RelatedRequest(BaseModel):
    related_id: Ref = Field(description="another incoming document of the agency")
    note: str | None = Field(default=None, max_length=TEXT_BOUND)


class ReasonRequest(BaseModel):
    reason: Reason


class ReplyDraftRequest(BaseModel):
    subject: str | None = Field(default=None, max_length=TEXT_BOUND, description="default: V/v trả lời Văn bản số …")
    doc_type: str | None = Field(default=None, max_length=TEXT_BOUND, description="default: Công văn")
    summary: str | None = Field(default=None, max_length=TEXT_BOUND)
    recipients: list[Recipient] | None = Field(default=None, max_length=1000,
                                               description="default: the incoming document's issuing agency")


class DistributionReassignRequest(BaseModel):
    leader_user_id: Ref
    reason: Reason


class CoordinationReassignRequest(BaseModel):
    unit_id: Ref | None = Field(default=None, description="the new coordinating unit (its head answers)")
    user_id: Ref | None = Field(default=None, description="or a named person")
    reason: Reason


class VersionOut(DefinitionOut):
    running: int = Field(description="the agency's running instances on this version")

    @classmethod
    def of_row(cls, row: VersionRow) -> "VersionOut":
        return cls(**DefinitionOut.of(row.definition).model_dump(), running=row.running)


class SeenVersion(BaseModel):
    instance_id: Ref
    version: int = Field(ge=1, le=MAX_ID, description="the row version the preview showed")


class MigrationPreviewRequest(BaseModel):
    target_definition_id: Ref = Field(description="a newer version of the same process, the agency's own")
    instance_ids: list[Ref] | None = Field(default=None, max_length=500,
                                           description="default: every running instance of the version (at most 500)")


class MigrationRequest(MigrationPreviewRequest):
    reason: Reason
    expected: list[SeenVersion] | None = Field(
        default=None, max_length=500, description="versions from the preview: an instance changed since is a 409")


class LandingOut(BaseModel):
    element: str
    title: str
    state: str = Field(description="READY | WAITING | STARTED")
    lands_on: str | None = Field(description="the element in the target version; null when it cannot move")
    changed: list[str] = Field(description="what the target version changes on it (event_definition, lane …)")
    fire_at: str | None = Field(description="a timer's fire time after the move")


class RefusalOut(BaseModel):
    kind: str = Field(description="waiting_removed | passed_removed | renamed | kind_changed | join_changed | "
                                  "parent_removed | branches_changed | boundary_changed | subprocess_removed | "
                                  "unaligned | no_place | unreadable | failed")
    element: str | None = Field(description="the element it names")
    other: str | None = Field(description="the other element, or the error, the reason mentions")
    message: str


class InstanceMoveOut(BaseModel):
    instance_id: int
    business_key: str | None
    version: int
    movable: bool
    refusals: list[RefusalOut]
    tasks: list[LandingOut]


class MigrationOut(BaseModel):
    source_id: int
    source_version: int
    target_id: int
    target_version: int
    movable: bool = Field(description="every instance can move (a migration would be accepted)")
    instances: list[InstanceMoveOut]

    @classmethod
    def of(cls, plan: MigrationPlan) -> "MigrationOut":
        return cls(source_id=plan.source.id, source_version=plan.source.version, target_id=plan.target.id,
                   target_version=plan.target.version, movable=plan.movable, instances=[
                       InstanceMoveOut(instance_id=p.instance_id, business_key=p.business_key, version=p.version,
                                       movable=p.movable, tasks=[
                                           LandingOut(element=x.element, title=x.title, state=x.state,
                                                      lands_on=x.lands_on, changed=list(x.changed),
                                                      fire_at=iso(x.fire_at) if x.fire_at else None)
                                           for x in p.landings],
                                       refusals=[RefusalOut(kind=r.kind, element=r.element, other=r.other,
                                                            message=str(r)) for r in p.refusals])
                       for p in plan.instances])
