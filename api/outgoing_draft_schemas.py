"""The JSON of outgoing drafts: what is sent to create or change one, and the document as read
with its recipients (and why each gets paper) and its versions."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from documents.models import Agency
from documents.outgoing import drafts, recipients
from documents.outgoing.models import OutgoingDocument, OutgoingRecipient, OutgoingVersion
from documents.outgoing.paper_rules import Rule
from documents.vntime import iso

from .params import MAX_ID
from .schemas import TEXT_BOUND


class RecipientIn(BaseModel):
    kind: Literal["agency", "external", "unit"] | None = Field(
        default=None, description="agency: of this deployment (agency_id or code); external: name (and code); "
                                  "unit: unit_id of the agency. None: an agency if the code is one here, else external")
    agency_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    unit_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    code: str | None = Field(default=None, max_length=TEXT_BOUND, description="the identifier (mã định danh)")
    name: str | None = Field(default=None, max_length=TEXT_BOUND)
    paper: bool = Field(default=False, description="a paper copy asked for (the rules may demand one anyway)")


class DraftFields(BaseModel):
    subject: str | None = Field(default=None, max_length=TEXT_BOUND)
    doc_type: str | None = Field(default=None, max_length=TEXT_BOUND, description="an NĐ 30 type: Công văn, Quyết định…")
    summary: str | None = Field(default=None, max_length=TEXT_BOUND)
    urgency: Literal["normal", "urgent", "very_urgent", "flash"] | None = None
    reply_by: date | None = Field(default=None, description="the reply asked of the recipients, by this date")
    recipients: list[RecipientIn] | None = Field(default=None, max_length=1000)
    unit_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="the drafting unit (default: the author's)")


class DraftCreate(DraftFields):
    in_reply_to: int | None = Field(default=None, ge=1, le=MAX_ID, description="the incoming document it answers")


class DraftUpdate(DraftFields):
    row_version: int = Field(ge=1, le=MAX_ID, description="the row_version read: a draft changed since is a 409")


class PaperReason(BaseModel):
    rule: str
    basis: str
    label: str

    @classmethod
    def of(cls, rule: Rule) -> PaperReason:
        return cls(rule=rule.id, basis=rule.basis, label=rule.vi)


class RecipientOut(BaseModel):
    id: int
    position: int
    kind: str
    agency_id: int | None
    unit_id: int | None
    code: str | None
    name: str
    paper: bool
    paper_reasons: list[PaperReason]


class VersionOut(BaseModel):
    number: int
    note: str | None
    uploaded_by: int
    uploaded_at: str
    pdf_url: str
    source_url: str | None

    @classmethod
    def of(cls, v: OutgoingVersion) -> VersionOut:
        base = f"/api/outgoing/{v.document_id}/versions/{v.number}"
        return cls(number=v.number, note=v.note, uploaded_by=v.uploaded_by, uploaded_at=iso(v.uploaded_at),
                   pdf_url=f"{base}/pdf", source_url=f"{base}/source" if v.source_file_id else None)


class OutgoingOut(BaseModel):
    id: int
    author_id: int
    unit_id: int | None
    subject: str
    doc_type: str
    summary: str | None
    urgency: str
    reply_by: str | None
    in_reply_to: int | None
    state: str
    row_version: int
    process_instance_id: int | None
    business_type: str
    supersedes_id: int | None
    number: int | None = Field(description="the number in the agency's outgoing register, once issued")
    notation: str | None
    identifier: str | None = Field(description="the QĐ 28/2018 identifier (edXML DocumentId), once issued")
    issued_at: str | None
    signer_id: int | None
    signed_at: str | None
    frozen_at: str | None = Field(description="recalled or replaced: nothing more is done with it")
    recipients: list[RecipientOut]
    versions: list[VersionOut]
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, d: OutgoingDocument, versions: list[OutgoingVersion]) -> OutgoingOut:
        rules = drafts.rules_of(d)
        return cls(id=d.id, author_id=d.author_id, unit_id=d.unit_id, subject=d.subject, doc_type=d.doc_type,
                   summary=d.summary, urgency=d.urgency, reply_by=d.reply_by.isoformat() if d.reply_by else None,
                   in_reply_to=d.in_reply_to, state=d.state, row_version=d.row_version,
                   process_instance_id=d.process_instance_id, business_type=d.business_type,
                   supersedes_id=d.supersedes_id, number=d.number, notation=d.notation,
                   identifier=d.identifier, issued_at=iso(d.issued_at), signer_id=d.signer_id,
                   signed_at=iso(d.signed_at), frozen_at=iso(d.frozen_at),
                   recipients=[_recipient(r, rules) for r in d.recipients], versions=[VersionOut.of(v) for v in versions],
                   created_at=iso(d.created_at), updated_at=iso(d.updated_at))


class AgencyChoice(BaseModel):
    id: int
    code: str
    name: str

    @classmethod
    def of(cls, a: Agency) -> AgencyChoice:
        return cls(id=a.id, code=a.code, name=a.name)


def _recipient(r: OutgoingRecipient, rules) -> RecipientOut:
    return RecipientOut(id=r.id, position=r.position, kind=r.kind, agency_id=r.agency_id, unit_id=r.unit_id, code=r.code,
                        name=r.name, paper=r.paper,
                        paper_reasons=[PaperReason.of(rule) for rule in recipients.paper_reasons(rules, r)])
