"""JSON API: the competent person's signature on an outgoing document, which completes the
signing step (only the one the step is given to)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from documents.outgoing import signing
from documents.outgoing.models import OutgoingDocument
from documents.vntime import iso

from ..deps import DB, ApiUser, Runtime, get_system
from ..params import Id
from ..schemas import ERRORS

router = APIRouter(prefix="/api/outgoing", tags=["outgoing documents"], responses=ERRORS)


class SignedOut(BaseModel):
    id: int
    state: str
    signer_id: int
    signer_position: str | None
    signed_at: str = Field(description="ISO 8601, +07:00")
    signed_version_id: int = Field(description="the version signed (the latest one)")
    signed_file_id: int = Field(description="the PDF as the person signed it (PAdES, visible signature)")

    @classmethod
    def of(cls, document: OutgoingDocument) -> SignedOut:
        return cls(id=document.id, state=document.state, signer_id=document.signer_id,
                   signer_position=document.signer_position, signed_at=iso(document.signed_at),
                   signed_version_id=document.signed_version_id, signed_file_id=document.signed_file_id)


@router.post("/{document_id}/sign", response_model=SignedOut,
             summary="Sign the latest version with the signer's own credential; completes the signing step "
                     "(the one the step is given to; audited as outgoing.signed)")
def signed(document_id: Id, request: Request, who: ApiUser, session: DB, runtime: Runtime) -> SignedOut:
    system = get_system(request)
    return SignedOut.of(signing.sign(session, runtime, system.files, system.keystore, who, document_id))
