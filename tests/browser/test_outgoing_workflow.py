"""Issue 10 item 2 in Chromium on the demo province: the unit head sees the draft to review (the
document, the version's PDF) and returns it with a reason through the confirmation dialog; the
drafter sees why at the top of the drafting and submits again; the leader approves naming the
signer by name — at laptop and phone width, with no serious accessibility violation."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents import accounts, processes
from documents.files.service import store_attachment
from documents.models import Agency, User
from documents.outgoing import contract as c
from documents.outgoing import steps
from documents.outgoing.models import OutgoingComment, OutgoingDocument, OutgoingVersion, State
from documents.system import System
from engine import clock
from engine.db import unit_of_work
from tests.browser.conftest import DEMO_AGENCY, assert_accessible, assert_fits_width, screenshot
from tests.signing.stamp_pages import phu_luc_i

SUBJECT = "Về việc tổng kết công tác kinh tế năm 2026"
REASON = "Bổ sung số liệu quý IV vào mục 2."


def identity(session, username: str):
    agency = session.scalar(sa.select(Agency.id).where(Agency.code == DEMO_AGENCY))
    return accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == username,
                                                                              User.agency_id == agency)))


def submitted(pg: System) -> int:
    """The specialist's draft with its first version, submitted: the unit head's review is open."""
    with unit_of_work(pg.sessions) as session:
        author = identity(session, "chuyenvien")
        now = clock.now()
        document = OutgoingDocument(agency_id=author.agency_id, author_id=author.user_id, unit_id=author.unit_id,
                                    subject=SUBJECT, doc_type="Công văn", state=State.DRAFTING, search_text="",
                                    created_at=now, updated_at=now)
        session.add(document)
        session.flush()
        steps.start(session, pg.runtime, author, document)
        pdf = store_attachment(session, pg.files, filename="du-thao.pdf", data=phu_luc_i(paragraphs=1),
                               uploaded_by=author.user_id, owner_type="outgoing_version", owner_id=None,
                               max_bytes=10 << 20)
        session.add(OutgoingVersion(document_id=document.id, number=1, pdf_file_id=pdf.id,
                                    uploaded_by=author.user_id, uploaded_at=now))
        session.flush()
        (draft,) = pg.runtime.open_tasks(session, document.process_instance_id, c.DRAFT)
        processes.complete(session, pg.runtime, author, draft.id, {"decision": "submit"})
        return document.id


def open_task(pg: System, document_id: int, role: str) -> int:
    with pg.sessions() as session:
        instance = session.get(OutgoingDocument, document_id).process_instance_id
        (task,) = pg.runtime.open_tasks(session, instance, role)
        return task.id


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_a_return_with_its_reason_comes_back_to_the_drafter(pg: System, demo_server: str, open_page, phone: bool):
    from playwright.sync_api import expect

    document_id = submitted(pg)
    head = open_page("truongphong", phone=phone)
    head.goto(f"{demo_server}/tasks/{open_task(pg, document_id, c.REVIEW)}")
    panel = head.locator("#outgoing-task")
    expect(panel).to_contain_text(SUBJECT)
    expect(panel.get_by_role("link", name="Phiên bản 1 (PDF)")).to_have_attribute(
        "href", f"/outgoing/{document_id}/versions/1/pdf")
    assert_fits_width(head)
    assert_accessible(head)
    screenshot(head, f"outgoing-review-{'phone' if phone else 'laptop'}")
    head.locator("form.task-form").get_by_role("button", name="Trả lại người soạn").click()
    dialog = head.locator("dialog.confirm[open]")
    dialog.get_by_label("Ý kiến (lý do, khi trả lại)").fill(REASON)
    dialog.get_by_role("button", name="Trả lại người soạn").click()
    expect(head).to_have_url(f"{demo_server}/tasks")

    drafter = open_page("chuyenvien", phone=phone)
    drafter.goto(f"{demo_server}/tasks/{open_task(pg, document_id, c.DRAFT)}")
    returned = drafter.locator("#outgoing-returned")
    expect(returned).to_contain_text(REASON)
    expect(returned).to_contain_text("Hoàng Văn Trưởng")
    assert_fits_width(drafter)
    assert_accessible(drafter)
    screenshot(drafter, f"outgoing-returned-{'phone' if phone else 'laptop'}")
    drafter.locator("form.task-form").get_by_role("button", name="Trình duyệt").click()
    expect(drafter).to_have_url(f"{demo_server}/tasks")
    with pg.sessions() as session:
        assert session.get(OutgoingDocument, document_id).state == State.REVIEWING
        (comment,) = session.scalars(sa.select(OutgoingComment).where(OutgoingComment.document_id == document_id))
        assert (comment.kind, comment.text) == ("return", REASON)


def test_the_leader_approves_naming_the_signer_by_name(pg: System, demo_server: str, open_page):
    from playwright.sync_api import expect

    document_id = submitted(pg)
    with unit_of_work(pg.sessions) as session:
        for username, role in (("truongphong", c.REVIEW), ("vanthu", c.CHECK)):
            instance = session.get(OutgoingDocument, document_id).process_instance_id
            (task,) = pg.runtime.open_tasks(session, instance, role)
            processes.complete(session, pg.runtime, identity(session, username), task.id, {"decision": "approve"})
    page = open_page("lanhdao")
    page.goto(f"{demo_server}/tasks/{open_task(pg, document_id, c.APPROVE)}")
    expect(page.get_by_role("heading", name="Duyệt văn bản đi")).to_be_visible()
    # Before picking: axe's run and the full-page screenshot focus the picker, which opens its list.
    assert_accessible(page)
    screenshot(page, "outgoing-approve-laptop")
    form = page.locator("form.task-form")
    form.locator("#field-signer_id .ts-control").click()
    page.keyboard.type("Đạo")
    form.locator("#field-signer_id .ts-dropdown .option", has_text="Phạm Văn Đạo").click()
    expect(form.locator("#field-signer_id .ts-control")).to_contain_text("Phạm Văn Đạo — Chánh Văn phòng")
    page.keyboard.press("Escape")  # done picking: the list closes, and the leader writes a word
    form.get_by_label("Ý kiến (lý do, khi trả lại hoặc không ban hành)").fill("Đồng ý ban hành.")
    expect(form.locator("#field-signer_id .ts-dropdown")).to_be_hidden()
    form.get_by_role("button", name="Duyệt, chuyển ký").click()
    expect(page).to_have_url(f"{demo_server}/tasks")
    with pg.sessions() as session:
        document = session.get(OutgoingDocument, document_id)
        leader = identity(session, "lanhdao")
        (sign,) = pg.runtime.open_tasks(session, document.process_instance_id, c.SIGN)
        assert document.state == State.SIGNING and sign.candidate_user == str(leader.user_id)
        (comment,) = session.scalars(sa.select(OutgoingComment).where(OutgoingComment.document_id == document_id))
        assert (comment.kind, comment.text, comment.author_id) == ("approve", "Đồng ý ban hành.", leader.user_id)
