"""A specialist drafts an outgoing document in a real browser, at laptop (1280 px) and phone
(390 px) width: the type from its list, an agency of the deployment and an internal unit picked
by name with the search of the pickers, an outside agency typed with its paper copy ticked, the
reply date from the Vietnamese date picker, the PDF and the editable original chosen; the
document's page then shows its recipients (a paper copy and why), its first version and the
drafting task. Each screen is saved and checked with axe-core."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from documents.outgoing.models import OutgoingDocument, OutgoingVersion
from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot
from tests.files import samples

SUBJECT = "V/v báo cáo kết quả chuyển đổi số năm 2026"
PDF = samples.pdf("1.7")


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_a_draft_is_made_with_the_pickers(open_page, demo_server, pg, phone):
    page = open_page("chuyenvien", phone=phone)
    if not phone:
        page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(f"{demo_server}/outgoing/new")
    expect(page.get_by_role("heading", name="Soạn văn bản đi")).to_be_visible()
    width = "phone" if phone else "laptop"
    screenshot(page, f"outgoing-new-{width}")
    assert_accessible(page)
    assert_fits_width(page)

    form = page.locator("#draft-form")
    form.get_by_label("Trích yếu").fill(SUBJECT)
    form.get_by_label("Loại văn bản").select_option("Báo cáo")
    form.get_by_label("Độ khẩn").select_option("urgent")
    # The reply date: typed dd/mm/yyyy in the date picker, ISO underneath.
    reply_by = form.get_by_label("Đề nghị trả lời trước ngày")
    reply_by.click()
    expect(page.locator(".flatpickr-calendar.open")).to_be_visible()
    reply_by.fill("15/12/2026")
    page.get_by_role("heading", name="Soạn văn bản đi").click()  # leaving the field reads the date
    expect(form.locator("input[type=hidden][name=reply_by]")).to_have_value("2026-12-15")
    # An agency of the deployment, found by a word of its name.
    page.locator("#input-agencies-ts-control").click()
    page.keyboard.type("Nội vụ")
    page.locator("#input-agencies + .ts-wrapper .option", has_text="Sở Nội vụ tỉnh Demo").click()
    expect(page.locator("#input-agencies + .ts-wrapper .item")).to_have_text([re.compile("Sở Nội vụ tỉnh Demo")])
    page.keyboard.press("Escape")  # closes the list
    # An internal unit, likewise.
    page.locator("#input-units-ts-control").click()
    page.keyboard.type("Hành chính")
    page.locator("#input-units + .ts-wrapper .option", has_text="Phòng Hành chính - Tổng hợp").click()
    page.keyboard.press("Escape")
    expect(page.locator("#input-units + .ts-wrapper .item")).to_have_text([re.compile("^Phòng Hành chính - Tổng hợp")])
    # An agency outside the deployment, typed, with a paper copy.
    form.get_by_label("Tên cơ quan 1").fill("Công ty Cổ phần Sách Giáo dục")
    form.get_by_label("Bản giấy 1").check()
    form.get_by_label("Tệp PDF của dự thảo").set_input_files(
        files=[{"name": "du-thao.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    form.get_by_label("Bản soạn thảo gốc (DOC, DOCX hoặc ODT)").set_input_files(
        files=[{"name": "du-thao.odt", "mimeType": "application/vnd.oasis.opendocument.text", "buffer": samples.odt()}])
    screenshot(page, f"outgoing-new-filled-{width}")
    form.get_by_role("button", name="Tạo dự thảo").click()

    expect(page).to_have_url(re.compile(rf"{demo_server}/outgoing/\d+$"))
    expect(page.get_by_role("heading", name=SUBJECT)).to_be_visible()
    expect(page.locator("#state")).to_have_text("Đang dự thảo")
    recipients = page.locator("#recipients tbody tr")
    expect(recipients).to_have_count(3)
    expect(recipients.nth(1)).to_contain_text("Công ty Cổ phần Sách Giáo dục")
    expect(recipients.nth(1)).to_contain_text("Gửi kèm bản giấy")
    expect(recipients.nth(1)).to_contain_text("không kết nối")  # why: not connected
    expect(page.locator("#version-1")).to_contain_text("Vũ Thị Viên")
    expect(page.locator("#version-1 a", has_text="PDF")).to_have_attribute("href", re.compile(r"/versions/1/pdf$"))
    expect(page.locator("#open-task a")).to_have_count(1)
    screenshot(page, f"outgoing-document-{width}")
    assert_accessible(page)
    assert_fits_width(page)

    draft_id = int(page.url.rsplit("/", 1)[1])
    with pg.sessions() as session:
        draft = session.get(OutgoingDocument, draft_id)
        assert (draft.subject, draft.doc_type, draft.urgency, draft.reply_by.isoformat()) == (
            SUBJECT, "Báo cáo", "urgent", "2026-12-15")
        assert [(r.kind, r.name, r.paper) for r in draft.recipients] == [
            ("agency", "Sở Nội vụ tỉnh Demo", False), ("external", "Công ty Cổ phần Sách Giáo dục", True),
            ("unit", "Phòng Hành chính - Tổng hợp", False)]
        assert session.scalar(sa.select(sa.func.count()).select_from(OutgoingVersion)
                              .where(OutgoingVersion.document_id == draft_id, OutgoingVersion.source_file_id.isnot(None))) == 1

    # The drafting task: a second version is added from the task page, which it comes back to.
    page.locator("#open-task a").click()
    expect(page.locator("#task-version-form")).to_be_visible()
    task_url = page.url
    page.locator("#task-version-form").get_by_label("Tệp PDF của dự thảo").set_input_files(
        files=[{"name": "du-thao-2.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.locator("#task-version-form").get_by_label("Ghi chú (nội dung thay đổi)").fill("Sửa số liệu")
    screenshot(page, f"outgoing-draft-task-{width}")
    assert_accessible(page)
    assert_fits_width(page)
    page.locator("#task-version-form").get_by_role("button", name="Tải lên phiên bản").click()
    expect(page).to_have_url(task_url)
    expect(page.locator("#outgoing-latest")).to_contain_text("2")
