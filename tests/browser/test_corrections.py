"""The correction of a registration in a real browser: the clerk opens "Đính chính" from the
document page, finds the form filled with what was registered, corrects the subject and the date
with a reason and saves with the explicit button; the document page then lists the correction
(who, when, why, before → after). At 1280 px and at 390 px, checked with axe-core."""
from __future__ import annotations

import sqlalchemy as sa

from documents import accounts
from documents.incoming import service
from documents.models import User
from engine.db import unit_of_work
from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot

SUBJECT = "Về việc kiểm tra công tác văn thư năm 2026"
METADATA = {"issuer_code": "000.00.31.H41", "issuer_name": "Sở Tài chính tỉnh Demo", "number_notation": "45/STC-VP",
            "document_date": "2026-11-20", "doc_type": "Công văn", "subject": SUBJECT}


def registered(pg) -> tuple[int, int]:
    """A document typed in by the demo clerk: (its id, its incoming number)."""
    with unit_of_work(pg.sessions) as session:
        clerk = accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == "vanthu")))
        document = service.register(session, pg.runtime, pg.files, pg.keystore, clerk, METADATA).document
        return document.id, document.incoming_number


def correct_on_the_page(page, server: str, document_id: int, subject: str, date: str, reason: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server}/incoming/{document_id}")
    page.locator("#corrections").get_by_role("link", name="Đính chính").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đính chính thông tin văn bản đến")
    assert_fits_width(page)
    assert_accessible(page)
    page.get_by_label("Trích yếu").fill(subject)
    page.get_by_label("Ngày văn bản").fill(date)  # the date picker's visible field, typed dd/mm/yyyy
    page.get_by_label("Lý do đính chính").fill(reason)  # leaving the date field reads it
    page.get_by_role("button", name="Lưu đính chính").click()
    page.wait_for_url(f"{server}/incoming/{document_id}#corrections")


def test_the_clerk_corrects_a_registration_and_the_page_lists_it(pg, demo_server, open_page):
    from playwright.sync_api import expect

    document_id, number = registered(pg)
    page = open_page("vanthu")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(f"{demo_server}/incoming/{document_id}/correct")
    expect(page.get_by_label("Trích yếu")).to_have_value(SUBJECT)
    expect(page.get_by_label("Ngày văn bản")).to_have_value("20/11/2026")
    screenshot(page, "correction-form-laptop")

    # Without a reason the browser keeps the form: nothing is sent.
    page.get_by_role("button", name="Lưu đính chính").click()
    expect(page).to_have_url(f"{demo_server}/incoming/{document_id}/correct")

    correct_on_the_page(page, demo_server, document_id, "Về việc kiểm tra công tác lưu trữ năm 2026", "21/11/2026",
                        "Nhập nhầm trích yếu khi vào sổ")
    expect(page.get_by_role("heading", level=1)).to_have_text("Về việc kiểm tra công tác lưu trữ năm 2026")
    expect(page.locator("#incoming-number")).to_have_text(str(number))
    panel = page.locator("#corrections")
    expect(panel).to_contain_text("Lê Thị Thư")
    expect(panel).to_contain_text("Nhập nhầm trích yếu khi vào sổ")
    # In the form's order: the document date, then the subject.
    expect(panel.locator("del")).to_have_text(["20/11/2026", SUBJECT])
    expect(panel.locator("ins")).to_have_text(["21/11/2026", "Về việc kiểm tra công tác lưu trữ năm 2026"])
    screenshot(page, "correction-panel-laptop")
    assert_fits_width(page)
    assert_accessible(page)


def test_on_a_phone_the_form_and_the_panel_fit_the_width(pg, demo_server, open_page):
    from playwright.sync_api import expect

    document_id, _ = registered(pg)
    page = open_page("vanthu", phone=True)
    correct_on_the_page(page, demo_server, document_id, "Về việc kiểm tra công tác lưu trữ năm 2026", "21/11/2026",
                        "Nhập nhầm trích yếu khi vào sổ")
    panel = page.locator("#corrections")
    expect(panel.locator("li.correction")).to_have_count(1)
    expect(panel).to_contain_text("21/11/2026")
    screenshot(page, "correction-panel-phone")
    assert_fits_width(page)
    assert_accessible(page)
