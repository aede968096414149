"""Issue 10 item 3 in Chromium on the demo province: the leader named at the approval opens the
signing step, sees the page with the signature's box, his certificate (name, issuer, valid
until), presses "Ký số" and is back at his tasks; the document is signed and waits for the issue.
At laptop and phone width, with no serious accessibility violation."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents import accounts, processes
from documents.files.service import store_attachment
from documents.models import Agency, User
from documents.outgoing import steps
from documents.outgoing.contract import APPROVE, CHECK, DRAFT, REVIEW, SIGN
from documents.outgoing.models import OutgoingDocument, OutgoingVersion, State
from documents.signing import credentials
from documents.system import System
from engine import clock as clocks
from engine.db import unit_of_work
from tests.browser.conftest import DEMO_AGENCY, assert_accessible, assert_fits_width, screenshot
from tests.signing.stamp_pages import phu_luc_i


def at_signing_step(pg: System) -> tuple[int, int]:
    """A công văn agreed by the chain, the leader named as signer and given a demo certificate:
    (document id, signing task id)."""
    with unit_of_work(pg.sessions) as session:
        agency = session.scalar(sa.select(Agency).where(Agency.code == DEMO_AGENCY))
        people = {name: session.scalar(sa.select(User).where(User.username == name, User.agency_id == agency.id))
                  for name in ("chuyenvien", "truongphong", "vanthu", "lanhdao")}
        who = {name: accounts.identity_of(session, user) for name, user in people.items()}
        credentials.install_demo_person(session, pg.keystore, agency, people["lanhdao"])
        now = clocks.now()
        staff = who["chuyenvien"]
        document = OutgoingDocument(agency_id=agency.id, author_id=staff.user_id, unit_id=staff.unit_id,
                                    subject="Về việc tổng kết công tác văn thư", doc_type="Công văn", urgency="normal",
                                    state=State.DRAFTING, search_text="", created_at=now, updated_at=now)
        session.add(document)
        session.flush()
        steps.start(session, pg.runtime, staff, document)
        pdf = store_attachment(session, pg.files, filename="du-thao.pdf", data=phu_luc_i(paragraphs=1),
                               uploaded_by=staff.user_id, owner_type="outgoing_version", owner_id=None,
                               max_bytes=10 << 20)
        session.add(OutgoingVersion(document_id=document.id, number=1, pdf_file_id=pdf.id, uploaded_by=staff.user_id,
                                    uploaded_at=now))
        document_id, instance_id = document.id, document.process_instance_id
    for name, role, data in (("chuyenvien", DRAFT, {"decision": "submit"}),
                             ("truongphong", REVIEW, {"decision": "approve"}),
                             ("vanthu", CHECK, {"decision": "approve"}),
                             ("lanhdao", APPROVE, {"decision": "approve", "signer_id": who["lanhdao"].user_id})):
        with unit_of_work(pg.sessions) as session:
            (task,) = pg.runtime.open_tasks(session, instance_id, role)
            processes.complete(session, pg.runtime, who[name], task.id, data)
    with pg.sessions() as session:
        (task,) = pg.runtime.open_tasks(session, instance_id, SIGN)
        return document_id, task.id


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_the_leader_sees_the_box_and_signs(pg: System, demo_server: str, open_page, phone):
    from playwright.sync_api import expect

    document_id, task_id = at_signing_step(pg)
    leader = open_page("lanhdao", phone=phone)
    leader.goto(f"{demo_server}/tasks/{task_id}")
    panel = leader.locator("#signing")
    expect(panel.locator("#signing-certificate")).to_contain_text("QLVBĐH Demo Root CA")
    preview = panel.locator("#signing-preview")
    expect(preview).to_be_visible()
    assert leader.evaluate("(img) => img.complete && img.naturalWidth > 0", preview.element_handle())
    assert_fits_width(leader)
    assert_accessible(leader)
    screenshot(leader, f"outgoing-sign-{'phone' if phone else 'laptop'}")
    panel.get_by_role("button", name="Ký số").click()
    expect(leader).to_have_url(f"{demo_server}/outgoing/{document_id}#signed")  # the document, signed
    with pg.sessions() as session:
        document = session.get(OutgoingDocument, document_id)
        assert document.state == State.ISSUING and document.signed_file_id is not None
    leader.goto(f"{demo_server}/outgoing/{document_id}")
    expect(leader.locator("#signed-by")).to_contain_text(document.signer_position or "")
    expect(leader.locator("#signed-file")).to_be_visible()
    assert_accessible(leader)
