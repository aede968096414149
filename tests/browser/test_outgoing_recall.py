"""Issue 10 item 6 in Chromium on the demo province: the Văn phòng's clerk recalls a document it
sent to the Sở Nội vụ (reason, explicit button), the Sở's clerk finds the request in its list
and agrees on the document's page; the document is withdrawn there and the sender sees 15 — at
laptop and phone width, with no serious accessibility violation."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents.incoming import service as incoming
from documents.models import Agency, User
from documents.outgoing.models import OutgoingDocument, OutgoingRecipient, State
from documents.system import System
from engine import clock
from engine.db import unit_of_work
from tasks import inline
from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot
from tests.files import samples

SENDER, RECIPIENT = "000.00.01.H99", "000.00.31.H99"
SUBJECT = "Về việc kiểm tra công tác văn thư năm 2026"


def sent(pg: System) -> tuple[int, int]:
    """An issued document of the Văn phòng delivered to the Sở Nội vụ: (its id, the Sở's copy)."""
    now = clock.now()
    with unit_of_work(pg.sessions) as session:
        sender = session.scalar(sa.select(Agency).where(Agency.code == SENDER))
        recipient = session.scalar(sa.select(Agency).where(Agency.code == RECIPIENT))
        author = session.scalar(sa.select(User).where(User.username == "chuyenvien"))
        identifier = f"{SENDER},{now:%Y/%m/%d},21/VPUBND-KT"
        document = OutgoingDocument(
            agency_id=sender.id, author_id=author.id, subject=SUBJECT, doc_type="Công văn", state=State.ISSUED,
            number=21, notation="21/VPUBND-KT", identifier=identifier, issued_at=now, issued_by=author.id,
            search_text="", created_at=now, updated_at=now,
            recipients=[OutgoingRecipient(position=1, kind="agency", agency_id=recipient.id, code=recipient.code,
                                          name=recipient.name, sent_at=now, status="01")])
        session.add(document)
        copy = incoming.receive_electronic(
            session, pg.files, pg.keystore, sender=sender, recipient=recipient, sender_reference=identifier,
            metadata={"issuer_code": SENDER, "issuer_name": sender.name, "number_notation": "21/VPUBND-KT",
                      "document_date": now.date().isoformat(), "doc_type": "Công văn", "subject": SUBJECT},
            uploads=[incoming.Upload("21-VPUBND.pdf", samples.pdf("1.7"))])
        session.flush()
        document.recipients[0].delivered_document_id = copy.id
        return document.id, copy.id


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_recall_from_the_sender_to_the_recipients_agreement(pg: System, demo_server: str, open_page, phone: bool):
    from playwright.sync_api import expect

    document_id, copy_id = sent(pg)
    inline.drain(pg)
    sender = open_page("vanthu", phone=phone)
    sender.goto(f"{demo_server}/outgoing/{document_id}/recall")
    sender.get_by_label("Lý do").fill("Ban hành nhầm nơi nhận")
    assert_fits_width(sender)
    assert_accessible(sender)
    sender.get_by_role("button", name="Thu hồi văn bản").click()
    expect(sender.locator("#recall-frozen")).to_contain_text("Văn bản đã bị thu hồi")
    sender.goto(f"{demo_server}/outgoing/{document_id}/recall")
    expect(sender.locator("#recall-answers")).to_contain_text("Đang chờ trả lời")
    expect(sender.locator("#recall-form")).to_have_count(0)  # frozen: nothing more to do
    screenshot(sender, f"recall-sender-{'phone' if phone else 'laptop'}")

    inline.drain(pg)
    clerk = open_page("snv.vanthu", phone=phone)
    clerk.goto(f"{demo_server}/incoming/recalls")
    expect(clerk.locator("#recalls-total")).to_have_text("1 yêu cầu, 1 đang chờ trả lời")
    assert_fits_width(clerk)
    assert_accessible(clerk)
    screenshot(clerk, f"recall-requests-{'phone' if phone else 'laptop'}")
    clerk.locator("table.recall-list").get_by_role("link", name="Trả lời").click()
    expect(clerk.locator(".recall-reason")).to_have_text("Ban hành nhầm nơi nhận")
    clerk.get_by_role("button", name="Từ chối").click()  # no reason: shown again, nothing answered
    expect(clerk.locator("#recall-error")).to_have_text("Cần nêu lý do từ chối.")
    clerk.get_by_role("button", name="Đồng ý thu hồi").click()
    expect(clerk).to_have_url(f"{demo_server}/incoming/{copy_id}#recall")
    expect(clerk.locator("#recall-withdrawn")).to_contain_text("Văn bản đã bị nơi gửi thu hồi")
    assert_fits_width(clerk)
    assert_accessible(clerk)
    screenshot(clerk, f"recall-withdrawn-{'phone' if phone else 'laptop'}")
    clerk.goto(f"{demo_server}/incoming")
    expect(clerk.get_by_text(SUBJECT)).to_have_count(0)  # out of the register's list

    inline.drain(pg)
    sender.goto(f"{demo_server}/outgoing/{document_id}/recall")
    expect(sender.locator("#recall-answers")).to_contain_text("Đã đồng ý")
