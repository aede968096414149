"""What the issuing tests share: agency A (abbreviation UBND) with its unit VX, a clerk, a
leader who signs and a specialist; agency B with a clerk; the demo keys of both; and outgoing
documents signed by the leader with pyHanko, ready for the clerk to issue."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from documents import accounts
from documents.accounts import Identity
from documents.files.service import store_attachment
from documents.outgoing.models import OutgoingDocument, State
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
                    signed: bool = True, with_unit: bool = True) -> int:
    """An outgoing document of agency A at the issue step, signed by its leader (or not)."""
    with unit_of_work(system.sessions) as session:
        now = clocks.now()
        document = OutgoingDocument(agency_id=office.agency_id, author_id=office.staff.user_id,
                                    unit_id=office.unit_id if with_unit else None,
                                    subject="Về việc tổng kết công tác văn thư năm 2026", doc_type=doc_type,
                                    urgency=urgency, state=State.ISSUING, created_at=now, updated_at=now)
        session.add(document)
        session.flush()
        if signed:
            attachment = store_attachment(session, system.files, filename="du-thao-da-ky.pdf", data=pdf,
                                          uploaded_by=office.leader.user_id, owner_type="outgoing_signed",
                                          owner_id=document.id, max_bytes=10 << 20)
            document.signer_id, document.signed_at = office.leader.user_id, now
            document.signer_position, document.signed_file_id = "Chủ tịch", attachment.id
        return document.id

