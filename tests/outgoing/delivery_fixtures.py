"""An issued outgoing document made directly, as the issue makes it: a PDF signed by a person of
the sender (certificate O = the agency) then by the agency (the seal), stored as the issued file,
with its recipients; then the issue's hooks (delivery.enqueue, replies.on_issued) in the same
transaction. Two agencies with their demo keys; their clerks, leaders, a unit and its staff."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

import pytest
import sqlalchemy as sa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from documents import accounts
from documents.files.service import store_attachment
from documents.models import Agency, OrgUnit
from documents.outgoing import delivery, issue_files, replies
from documents.outgoing.models import OutgoingDocument, OutgoingRecipient, State
from documents.signing.keys import load_pem
from engine import clock as clocks
from engine.db import unit_of_work
from tests.conftest import PASSWORD
from tests.files import samples

A, B = "000.00.01.H99", "000.00.02.H99"
NAMES = {A: "Cơ quan A", B: "Cơ quan B"}


@dataclass
class World:
    system: object
    people: dict
    pkis: dict
    units: dict

    def run(self, function, *args, **kwargs):
        with unit_of_work(self.system.sessions) as session:
            return function(session, *args, **kwargs)


@pytest.fixture
def world(pg, clock):
    """Agencies A and B, each with keys installed in the system's keystore, a clerk, a leader,
    a unit (Phòng Kinh tế) with its head and a specialist, and a specialist of another unit."""
    people, pkis, units = {}, {}, {}
    with clocks.using(clock), unit_of_work(pg.sessions) as session:
        pg.runtime.deploy_directory(session, pg.settings.bpmn_dir)
        for prefix, code in (("a", A), ("b", B)):
            pkis[code] = pg.keystore.install_demo(code, NAMES[code])
            agency = accounts.create_agency(session, code, NAMES[code])
            unit = accounts.create_unit(session, agency, "Phòng Kinh tế")
            other = accounts.create_unit(session, agency, "Phòng Tổng hợp")
            units[f"{prefix}.unit"], units[f"{prefix}.other"] = unit.id, other.id
            for name, role, in_unit in (("clerk", "clerk", None), ("leader", "leader", None),
                                        ("head", "unit_head", unit), ("staff", "staff", unit),
                                        ("outsider", "staff", other)):
                user = accounts.create_user(session, agency, f"{prefix}.{name}", f"{name} {prefix}", PASSWORD,
                                            [role], unit=in_unit)
                people[f"{prefix}.{name}"] = accounts.identity_of(session, user)
    with clocks.using(clock):
        yield World(pg, people, pkis, units)


def signed_pdf(world: World, code: str, at: datetime) -> bytes:
    """A one-page PDF with the person's signature, then the agency's seal signature over it."""
    person = world.pkis[code].person
    signer = load_pem(person.key_pem(), person.cert_pem(), person.chain_pem())
    writer = IncrementalPdfFileWriter(BytesIO(samples.pdf("1.7")))
    out = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="NguoiKy", md_algorithm="sha256",
                                     subfilter=fields.SigSeedSubFilter.PADES),
        signer=signer, new_field_spec=fields.SigFieldSpec(sig_field_name="NguoiKy", on_page=0,
                                                          box=(300, 120, 480, 200)),
    ).sign_pdf(writer)
    keystore = world.system.keystore
    return keystore.signer(code).sign_scan(out.getvalue(), NAMES[code], at, keystore.seal(code), filename="vb.pdf")


def issue(world: World, *, author: str = "a.staff", recipients: list[dict], number: int = 12,
          reply_by: date | None = None, in_reply_to: int | None = None, subject: str = "Về việc kiểm tra công tác văn thư",
          annexes: int = 0, supersedes: int | None = None, business_type: str = "0") -> int:
    """An issued document of the author's agency (state ISSUED, number, notation, identifier,
    the signed PDF), delivered and linked as the issue does. Returns its id."""
    who = world.people[author]
    at = clocks.now()
    data = signed_pdf(world, who.agency_code, at)
    with unit_of_work(world.system.sessions) as session:
        agency = session.get(Agency, who.agency_id)
        notation = f"{number}/{'CQA' if agency.code == A else 'CQB'}-KT"
        document = OutgoingDocument(
            agency_id=agency.id, author_id=who.user_id, unit_id=who.unit_id, subject=subject, doc_type="Công văn",
            urgency="urgent", reply_by=reply_by, in_reply_to=in_reply_to, state=State.ISSUED, signer_id=who.user_id,
            signer_position="Trưởng phòng", number=number, notation=notation,
            identifier=f"{agency.code},{at:%Y/%m/%d},{notation}", issued_at=at, issued_by=who.user_id,
            business_type=business_type, supersedes_id=supersedes, search_text="", created_at=at, updated_at=at)
        session.add(document)
        session.flush()
        for position, r in enumerate(recipients, 1):
            document.recipients.append(_recipient(session, position, r))
        issued = store_attachment(session, world.system.files, filename=f"{number}-KT.pdf", data=data,
                                  uploaded_by=who.user_id, owner_type="outgoing_issued", owner_id=document.id,
                                  max_bytes=10_000_000)
        for index in range(annexes):
            store_attachment(session, world.system.files, filename=f"phu-luc-{index + 1}.pdf", data=data,
                             uploaded_by=who.user_id, owner_type=issue_files.ISSUED_ANNEX, owner_id=document.id,
                             max_bytes=10_000_000)
        document.issued_file_id = issued.id
        session.flush()
        delivery.enqueue(session, document)
        replies.on_issued(session, document)
        return document.id


def _recipient(session, position: int, spec: dict) -> OutgoingRecipient:
    """{"agency": code} of the deployment, {"external": (code, name)}, {"unit": id}; "paper": True."""
    paper = spec.get("paper", False)
    if "agency" in spec:
        agency = session.scalar(sa.select(Agency).where(Agency.code == spec["agency"]))
        return OutgoingRecipient(position=position, kind="agency", agency_id=agency.id, code=agency.code,
                                 name=agency.name, paper=paper)
    if "unit" in spec:
        unit = session.get(OrgUnit, spec["unit"])
        return OutgoingRecipient(position=position, kind="unit", unit_id=unit.id, name=unit.name, paper=paper)
    code, name = spec["external"]
    return OutgoingRecipient(position=position, kind="external", code=code, name=name, paper=paper)
