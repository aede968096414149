"""The arrival desk's JSON: accepting with an override or a confirmed duplicate, the warning about
probable duplicates, and what the register keeps about overrides, late entries and refusals."""
from __future__ import annotations

from pydantic import BaseModel, Field

from documents.incoming.models import IncomingDocument
from documents.vntime import iso

from .schemas import DuplicateOut, IncomingOut


class AcceptRequest(BaseModel):
    override_reason: str | None = Field(
        None, max_length=2000,
        description="required when the files' signatures fail (invalid, untrusted, missing or not the sender's): "
                    "why the document is taken in anyway; kept, audited and shown on the document")
    allow_duplicate: bool = Field(False, description="confirm a document that looks like one already registered")


class SignatureOverrideOut(BaseModel):
    reason: str
    by: int | None
    at: str | None


class ArrivalOut(BaseModel):
    signature_override: SignatureOverrideOut | None = Field(
        None, description="taken in although its signatures failed: the clerk's reason, who and when")
    entered_late: bool = Field(False, description="entered after an outage; arrived_at is the real arrival time")
    refusal_reason: str | None = Field(None, description="why it was returned to the sender (02)")
    scan_findings: list[str] = Field(default=[], description="where the scan falls short of the standard")

    @classmethod
    def of(cls, d: IncomingDocument) -> ArrivalOut:
        override = (SignatureOverrideOut(reason=d.signature_override_reason, by=d.signature_override_by,
                                         at=iso(d.signature_override_at))
                    if d.signature_override_reason else None)
        return cls(signature_override=override, entered_late=bool(d.entered_late), refusal_reason=d.refusal_reason,
                   scan_findings=list(d.scan_findings or []))


class IncomingArrivalOut(IncomingOut):
    arrival: ArrivalOut = Field(default_factory=ArrivalOut, description="overrides, late entry, refusal")

    @classmethod
    def of_incoming(cls, out: IncomingOut, document: IncomingDocument) -> IncomingArrivalOut:
        return cls(**out.model_dump(), arrival=ArrivalOut.of(document))


class DuplicateList(BaseModel):
    duplicates: list[DuplicateOut]


class DuplicateErrorBody(BaseModel):
    status: int = 409
    message: str
    duplicates: list[DuplicateOut]


class DuplicateWarning(BaseModel):
    """409: probable duplicates; repeat with allow_duplicate to register or accept anyway."""
    error: DuplicateErrorBody


def duplicates_out(documents: list[IncomingDocument]) -> list[DuplicateOut]:
    return [DuplicateOut(id=d.id, incoming_number=d.incoming_number, received_at=iso(d.received_at))
            for d in documents]
