"""The competent person's signature on an outgoing document (seed 002 Đ11.1): the latest
version's PDF signed with the signer's own credential (documents/signing/person.py), kept as the
person-signed file the clerk issues from, and the signing step completed in the same
transaction. Only the one the open signing step is given to may sign; the file is written last
and taken back if the transaction rolls back (issue_files)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from cryptography import x509
from sqlalchemy.orm import Session

from engine import clock
from engine.runtime import HumanTask, WorkflowRuntime

from .. import audit, processes
from ..accounts import Identity
from ..errors import Conflict, InvalidData, NotFound
from ..files.service import read_attachment
from ..files.store import FileStore
from ..models import Agency, User
from ..signing import credentials
from ..signing.keystore import Keystore
from ..signing.person import sign_as_person, signature_box
from ..signing.preview import page_png
from . import issue_files
from .contract import DECISION, SIGN, SIGNED
from .models import FROZEN, OutgoingDocument, OutgoingVersion, State
from .step_action import NOT_FOUND, open_task, own_document, task_of
from .steps import latest_version

SIGNED_FILE = "outgoing_signed"  # the PDF as the person signed it
NOT_YOURS = "Bước ký số của văn bản này không giao cho bạn."
NOT_AT_SIGNING = "Văn bản không ở bước ký số (đã ký, bị trả lại hoặc chưa được duyệt)."


@dataclass(frozen=True)
class Certificate:
    """Who a credential signs as, shown to the signer before signing."""

    subject: str
    issuer: str
    not_after: datetime
    serial: str
    kind: str  # pkcs12 (a key file), pkcs11 (a token)


@dataclass(frozen=True)
class SigningView:
    """What the signer sees before signing: the version, the credential, or why not (the page
    with the box is the preview image, ``preview``)."""

    document: OutgoingDocument
    version: OutgoingVersion | None
    certificate: Certificate | None
    problem: str | None
    may_sign: bool


def sign(session: Session, runtime: WorkflowRuntime, store: FileStore, keystore: Keystore, who: Identity,
         document_id: int) -> OutgoingDocument:
    """The signer's action on the open signing step: sign the latest version, then complete the
    step with the decision "sign" (the workflow's listener checks the signature is there).
    Another agency's document 404; a person the step is not given to 403; no open step 409; no
    credential or no version 422. Nothing is stored on a refusal."""
    document = own_document(session, who, document_id)
    task = signing_task(session, runtime, who, document)
    sign_document(session, store, keystore, who, document)
    processes.complete(session, runtime, who, task.id, {DECISION: SIGNED})
    return document


def open_sign_task(session: Session, runtime: WorkflowRuntime, document: OutgoingDocument) -> HumanTask | None:
    return open_task(session, runtime, document, SIGN)


def signing_task(session: Session, runtime: WorkflowRuntime, who: Identity, document: OutgoingDocument) -> HumanTask:
    """The open signing step, if ``who`` may act on it."""
    return task_of(session, runtime, who, document, SIGN, not_open=NOT_AT_SIGNING, not_yours=NOT_YOURS)


def sign_document(session: Session, store: FileStore, keystore: Keystore, who: Identity,
                  document: OutgoingDocument) -> OutgoingDocument:
    """Sign the latest version as ``who`` and record it (flushed; the caller commits)."""
    document = _locked(session, who, document)
    version = latest_version(session, document.id)
    if version is None:
        raise InvalidData("Dự thảo chưa có phiên bản nào để ký.", {"version": "Chưa có phiên bản."})
    if document.signed_version_id == version.id:
        raise Conflict("Phiên bản cuối cùng của văn bản đã được ký.")
    agency = session.get(Agency, document.agency_id)
    person = session.get(User, who.user_id)
    credentials.required(session, agency.id, who.user_id)
    signer = keystore.person_signer(agency.code, who.user_id)
    image = keystore.signature_image(agency.code, who.user_id)
    pdf_row, pdf = read_attachment(session, store, version.pdf_file_id)
    at = clock.now()
    signed = sign_as_person(pdf, signer, image_png=image, name=person.full_name, position=person.position,
                            at=at, filename=pdf_row.file_name)
    row = issue_files.pending(owner_type=SIGNED_FILE, owner_id=document.id, uploaded_by=who.user_id, at=at,
                              file_name=f"ky-so-v{version.number}-{pdf_row.file_name}", data=signed)
    session.add(row)
    session.flush()
    document.signer_id, document.signer_position, document.signed_at = who.user_id, person.position, at
    document.signed_version_id, document.signed_file_id, document.updated_at = version.id, row.id, at
    session.flush()
    audit.record(session, "outgoing.signed", actor_id=who.user_id, agency_code=agency.code,
                 object_type="outgoing_document", object_id=document.id,
                 after={"version": version.number, "signed_file_id": row.id,
                        "certificate": format(signer.certificate.serial_number, "x")})
    issue_files.write(session, store, [(row, signed)])
    return document


def view(session: Session, runtime: WorkflowRuntime, who: Identity, document: OutgoingDocument,
         task: HumanTask) -> SigningView:
    """The signer's panel: the version to sign, the certificate it will be signed with, or what
    is missing."""
    version = latest_version(session, document.id)
    may_sign = runtime.may_act(task, who.principal)
    problem, certificate = None, None
    if version is None:
        problem = "Dự thảo chưa có phiên bản nào để ký."
    elif may_sign:
        credential = credentials.active(session, document.agency_id, who.user_id)
        if credential is None:
            problem = credentials.NO_CREDENTIAL
        else:
            certificate = describe(credentials.certificate_of(credential), credential.kind)
    return SigningView(document, version, certificate, problem, may_sign and problem is None)


def preview(session: Session, runtime: WorkflowRuntime, store: FileStore, who: Identity, document_id: int,
            width_px: int = 900) -> bytes:
    """The page the signature goes on, as PNG with the signature's box drawn: for the one who
    may sign (403 for anyone else)."""
    document = own_document(session, who, document_id)
    signing_task(session, runtime, who, document)
    version = latest_version(session, document.id)
    if version is None:
        raise NotFound("Dự thảo chưa có phiên bản nào.")
    page_index, box, pdf = _box(session, store, who, version)
    return page_png(pdf, page_index, box, width_px=width_px)


def describe(cert: x509.Certificate, kind: str) -> Certificate:
    return Certificate(subject=credentials.common_name(cert.subject), issuer=credentials.common_name(cert.issuer),
                       not_after=cert.not_valid_after_utc, serial=format(cert.serial_number, "x"), kind=kind)


def _box(session: Session, store: FileStore, who: Identity, version: OutgoingVersion):
    person = session.get(User, who.user_id)
    _, pdf = read_attachment(session, store, version.pdf_file_id)
    page_index, box = signature_box(pdf, person.full_name, position=person.position)
    return page_index, box, pdf


def _locked(session: Session, who: Identity, document: OutgoingDocument) -> OutgoingDocument:
    """Re-read under the row lock: of two signing at once, the second finds it signed (409)."""
    if document.agency_id != who.agency_id:
        raise NotFound(NOT_FOUND)
    document = session.scalars(sa.select(OutgoingDocument).where(OutgoingDocument.id == document.id)
                               .with_for_update().execution_options(populate_existing=True)).one()
    if document.state in FROZEN or document.state in (State.REJECTED, State.ISSUED) or document.number is not None:
        raise Conflict("Văn bản đã phát hành, bị từ chối, thu hồi hoặc thay thế: không ký được.")
    return document
