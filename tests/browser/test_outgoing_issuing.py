"""Issue 10 item 4 in Chromium on the demo province: the clerk opens the issue step, reads the
signed PDF's signer, the notation it will get, the urgency and the recipients, presses "Cấp số,
ký số và phát hành" and lands on the document showing its number; the agency admin sets the
agency's and a unit's abbreviation — at laptop and phone width, with no serious accessibility
violation."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from documents import accounts
from documents.models import Agency, OrgUnit, User
from documents.outgoing.models import OutgoingDocument, State
from documents.signing.keys import CachedKeySigner
from documents.signing.person import blue_signature_png, sign_as_person
from documents.signing.pki import make_demo_pki
from documents.signing.signers import KeySigner
from documents.system import System
from tests.browser.conftest import DEMO_AGENCY, assert_accessible, assert_fits_width, screenshot
from tests.outgoing.issuing_office import at_issue_step, issue_task_id
from tests.signing.stamp_pages import phu_luc_i

LEADER = "Phạm Văn Đạo"


def identity(session, username: str):
    agency = session.scalar(sa.select(Agency.id).where(Agency.code == DEMO_AGENCY))
    return accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == username,
                                                                              User.agency_id == agency)))


def signed_pdf() -> bytes:
    """Signed in a thread of its own: Playwright's event loop runs in this one, and pyHanko
    starts its own with asyncio.run."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_signed).result()


def _signed() -> bytes:
    person = make_demo_pki().person
    return sign_as_person(phu_luc_i(paragraphs=1), KeySigner(CachedKeySigner(person.key, person.cert, person.chain)),
                          image_png=blue_signature_png(LEADER), name=LEADER, position="Chánh Văn phòng",
                          at=datetime(2026, 11, 23, 0, 30, tzinfo=UTC))


def waiting_for_issue(pg: System) -> int:
    with pg.sessions() as session:
        people = [identity(session, name) for name in ("chuyenvien", "truongphong", "vanthu", "lanhdao")]
    return at_issue_step(pg, *people, signed_pdf(), urgency="urgent")


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_the_clerk_numbers_signs_and_issues_from_the_issue_step(pg: System, demo_server: str, open_page, phone):
    from playwright.sync_api import expect

    document_id = waiting_for_issue(pg)
    clerk = open_page("vanthu", phone=phone)
    clerk.goto(f"{demo_server}/tasks/{issue_task_id(pg, document_id)}")
    panel = clerk.locator("#issue")
    expect(panel).to_contain_text(LEADER)
    expect(panel.locator("#issue-preview")).to_contain_text("1/VPUBND-KT")
    expect(panel).to_contain_text("Khẩn")
    expect(panel.get_by_role("link", name="Tệp PDF đã ký")).to_have_attribute(
        "href", f"/outgoing/{document_id}/issue-files/{signed_file(pg, document_id)}")
    assert_fits_width(clerk)
    assert_accessible(clerk)
    screenshot(clerk, f"outgoing-issue-{'phone' if phone else 'laptop'}")
    panel.get_by_role("button", name="Cấp số, ký số và phát hành").click()
    expect(clerk).to_have_url(f"{demo_server}/outgoing/{document_id}#issued")
    expect(clerk.locator("#issued-notation")).to_have_text("1/VPUBND-KT")
    expect(clerk.locator("#issued-notice")).to_contain_text("1/VPUBND-KT")
    assert_fits_width(clerk)
    assert_accessible(clerk)
    screenshot(clerk, f"outgoing-issued-{'phone' if phone else 'laptop'}")
    with pg.sessions() as session:
        document = session.get(OutgoingDocument, document_id)
        assert (document.state, document.number) == (State.ISSUED, 1)


def signed_file(pg: System, document_id: int) -> int:
    with pg.sessions() as session:
        return session.get(OutgoingDocument, document_id).signed_file_id


def test_the_admin_sets_the_agencys_and_a_units_abbreviation(pg: System, demo_server: str, open_page):
    from playwright.sync_api import expect

    admin = open_page("quantri")
    admin.goto(f"{demo_server}/admin/agency")
    field = admin.locator("form[action='/admin/agency/abbreviation#name'] input[name=abbreviation]")
    expect(field).to_have_value("VPUBND")
    field.fill("VPUBNDT")
    admin.get_by_role("button", name="Lưu chữ viết tắt").click()
    expect(admin.get_by_role("status")).to_be_visible()
    assert_accessible(admin)
    admin.goto(f"{demo_server}/admin/units")
    with pg.sessions() as session:
        unit = session.scalar(sa.select(OrgUnit).join(Agency, Agency.id == OrgUnit.agency_id).where(
            Agency.code == DEMO_AGENCY, OrgUnit.name == "Phòng Kinh tế"))
    item = admin.locator(f"#unit-{unit.id}")
    item.locator("summary").click()
    item.locator("input[name=abbreviation]").fill("KTTC")
    item.get_by_role("button", name="Lưu chữ viết tắt").click()
    expect(admin.locator(f"#unit-{unit.id} .abbreviation")).to_contain_text("KTTC")
    assert_accessible(admin)
    screenshot(admin, "admin-unit-abbreviation")
    with pg.sessions() as session:
        assert session.scalar(sa.select(Agency.abbreviation).where(Agency.code == DEMO_AGENCY)) == "VPUBNDT"
        assert session.get(OrgUnit, unit.id).abbreviation == "KTTC"
