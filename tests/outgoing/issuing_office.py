"""What the issuing tests share: agency A (abbreviation UBND) with its unit VX, a clerk, a
leader who signs and a specialist; agency B with a clerk; the demo keys of both; and outgoing
documents signed by the leader with pyHanko, ready for the clerk to issue."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from documents import accounts, processes
from documents.accounts import Identity
from documents.files.service import store_attachment
from documents.outgoing import steps
from documents.outgoing.contract import APPROVE, CHECK, DRAFT, ISSUE, REVIEW, SIGN
from documents.outgoing.models import OutgoingDocument, OutgoingRecipient, OutgoingVersion, State
from documents.signing.keys import CachedKeySigner
from documents.signing.keystore import Keystore
from documents.signing.person import blue_signature_png, sign_as_person
from documents.signing.pki import DemoPki
from documents.signing.signers import KeySigner
from engine import clock as clocks
from engine.db import unit_of_work
from tests.conftest import PASSWORD
from tests.signing.stamp_pages import phu_luc_i

A, B = "000.00.01.H99", "000.00.02.H99"
A_NAME, B_NAME = "Ủy ban nhân dân huyện Kim Bảng", "Cơ quan B"
LEADER = "Nguyễn Văn An"  # the name printed under the signature (tests/signing/stamp_pages.py)


@dataclass
class Office:
    clerk: Identity
    leader: Identity
    staff: Identity
    b_clerk: Identity
    admin: Identity
    head: Identity
    agency_id: int
    unit_id: int
    b_agency_id: int


@pytest.fixture(scope="session")
def demo_keys(tmp_path_factory) -> tuple[Keystore, dict[str, DemoPki]]:
    """Demo keys for agencies A and B (made once: PKCS#12 is slow)."""
    keys = Keystore(tmp_path_factory.mktemp("signing"), b"test-password")
    return keys, {A: keys.install_demo(A, A_NAME), B: keys.install_demo(B, B_NAME)}


@pytest.fixture(scope="session")
def keystore(demo_keys) -> Keystore:
    return demo_keys[0]


@pytest.fixture(scope="session")
def person_signed_pdf(demo_keys) -> bytes:
    """A one-page NĐ 30 document signed by agency A's leader above the printed name (the
    signature revision also holds the empty number and date fields the issue fills)."""
    person = demo_keys[1][A].person
    return sign_as_person(phu_luc_i(paragraphs=1), KeySigner(CachedKeySigner(person.key, person.cert, person.chain)),
                          image_png=blue_signature_png(LEADER), name=LEADER, position="Chánh Văn phòng",
                          at=datetime(2026, 11, 23, 0, 30, tzinfo=UTC))


@pytest.fixture
def office(pg, clock) -> Office:
    with clocks.using(clock), unit_of_work(pg.sessions) as session:
        pg.runtime.deploy_directory(session, pg.settings.bpmn_dir)
        agency = accounts.create_agency(session, A, A_NAME)
        agency.abbreviation = "UBND"
        unit = accounts.create_unit(session, agency, "Phòng Văn hóa - Xã hội")
        unit.abbreviation = "VX"
        other = accounts.create_agency(session, B, B_NAME)
        other.abbreviation = "CQB"

        def person(name, role, at=agency, in_unit=None):
            user = accounts.create_user(session, at, name, f"{role} {name}", PASSWORD, [role], unit=in_unit)
            return accounts.identity_of(session, user)

        found = Office(clerk=person("a.clerk", "clerk"), leader=person("a.leader", "leader"),
                       staff=person("a.staff", "staff", in_unit=unit), b_clerk=person("b.clerk", "clerk", other),
                       admin=person("a.admin", "admin"), head=person("a.head", "unit_head", in_unit=unit),
                       agency_id=agency.id, unit_id=unit.id, b_agency_id=other.id)
    return found


def signed_document(system, office: Office, pdf: bytes, *, doc_type: str = "Công văn", urgency: str = "normal",
                    signed: bool = True, with_unit: bool = True, recipients: bool = False) -> int:
    """An outgoing document of agency A at the issue step, signed by its leader (or not); with
    ``recipients``, addressed to agency B of the deployment and to an agency outside it."""
    with unit_of_work(system.sessions) as session:
        now = clocks.now()
        document = OutgoingDocument(agency_id=office.agency_id, author_id=office.staff.user_id,
                                    unit_id=office.unit_id if with_unit else None,
                                    subject="Về việc tổng kết công tác văn thư năm 2026", doc_type=doc_type,
                                    urgency=urgency, state=State.ISSUING, created_at=now, updated_at=now)
        session.add(document)
        session.flush()
        if recipients:
            document.recipients = [
                OutgoingRecipient(position=1, kind="agency", agency_id=office.b_agency_id, code=B, name=B_NAME),
                OutgoingRecipient(position=2, kind="external", code="000.00.00.G22", name="Văn phòng Chính phủ")]
            session.flush()
        if signed:
            attachment = store_attachment(session, system.files, filename="du-thao-da-ky.pdf", data=pdf,
                                          uploaded_by=office.leader.user_id, owner_type="outgoing_signed",
                                          owner_id=document.id, max_bytes=10 << 20)
            document.signer_id, document.signed_at = office.leader.user_id, now
            document.signer_position, document.signed_file_id = "Chủ tịch", attachment.id
        return document.id



def at_issue_step(pg, staff: Identity, head: Identity, clerk: Identity, leader: Identity, pdf: bytes,
                  urgency: str = "urgent") -> int:
    """A công văn of the staff member's unit through the default diagram: drafted, reviewed by
    the unit head, checked by the clerk, approved by the leader naming themself as signer, signed
    (the fields the signing action sets, ``pdf`` as the signed file), now at the issue step."""
    with unit_of_work(pg.sessions) as session:
        now = clocks.now()
        document = OutgoingDocument(agency_id=staff.agency_id, author_id=staff.user_id, unit_id=staff.unit_id,
                                    subject="Về việc tổng kết công tác văn thư", doc_type="Công văn", urgency=urgency,
                                    state=State.DRAFTING, search_text="", created_at=now, updated_at=now)
        session.add(document)
        session.flush()
        steps.start(session, pg.runtime, staff, document)
        signed = store_attachment(session, pg.files, filename="ban-ky.pdf", data=pdf, uploaded_by=leader.user_id,
                                  owner_type="outgoing_version", owner_id=None, max_bytes=10 << 20)
        version = OutgoingVersion(document_id=document.id, number=1, pdf_file_id=signed.id,
                                  uploaded_by=staff.user_id, uploaded_at=now)
        session.add(version)
        session.flush()
        document_id, version_id, file_id = document.id, version.id, signed.id
    for who, role, data in ((staff, DRAFT, {"decision": "submit"}), (head, REVIEW, {"decision": "approve"}),
                            (clerk, CHECK, {"decision": "approve"}),
                            (leader, APPROVE, {"decision": "approve", "signer_id": leader.user_id})):
        _complete(pg, who, document_id, role, data)
    with unit_of_work(pg.sessions) as session:
        document = session.get(OutgoingDocument, document_id)
        document.signer_id, document.signed_at, document.signed_version_id = leader.user_id, clocks.now(), version_id
        document.signed_file_id = file_id
    _complete(pg, leader, document_id, SIGN, {"decision": "sign"})
    return document_id


def issue_task_id(pg, document_id: int) -> int:
    with pg.sessions() as session:
        (task,) = pg.runtime.open_tasks(session, session.get(OutgoingDocument, document_id).process_instance_id, ISSUE)
        return task.id


def _complete(pg, who: Identity, document_id: int, role: str, data: dict) -> None:
    with unit_of_work(pg.sessions) as session:
        (task,) = pg.runtime.open_tasks(session, session.get(OutgoingDocument, document_id).process_instance_id, role)
        processes.complete(session, pg.runtime, who, task.id, data)
