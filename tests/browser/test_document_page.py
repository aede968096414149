"""The incoming document's page in a real browser: the specialist handling a paper document reads
its scan in the page (pdf.js draws the page into a canvas with its text layer; next page and zoom
work; on a phone it fits the width) with the agency's digitisation signature listed beside it as
valid; the handling summary names the lead and the direction; a subject carrying a script shows as
text and runs nothing. Each screen is saved at laptop and phone width and checked with axe-core."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import sqlalchemy as sa

from documents import accounts, demo, processes
from documents.incoming import participants, service
from documents.incoming.contract import DISTRIBUTE
from documents.incoming.models import IncomingDocument
from documents.models import User
from engine.db import unit_of_work
from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot

SCRIPT = "<script>alert(1)</script>"
SUBJECT = "Về việc kiểm tra công tác văn thư năm 2026"
DIRECTION = "Phòng Kinh tế chủ trì, báo cáo trước ngày 10/12/2026."
PAGE_WORDS = ("CONGVAN-TRANG-MOT", "CONGVAN-TRANG-HAI")  # one word a page, for the text layer
METADATA = {"issuer_code": "000.00.31.H41", "issuer_name": "Sở Tài chính tỉnh Demo", "number_notation": "45/STC-VP",
            "document_date": "2026-11-20", "doc_type": "Công văn"}


def two_page_pdf(words: tuple[str, ...] = PAGE_WORDS) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pdfVersion=(1, 7))  # a scan must be PDF 1.4 or later
    for word in words:
        pdf.setFont("Helvetica-Bold", 28)
        pdf.drawString(72, 760, word)
        pdf.setFont("Helvetica", 12)
        pdf.drawString(72, 720, "Kiem tra cong tac van thu, luu tru nam 2026.")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _identity(session, username: str) -> accounts.Identity:
    return accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == username)))


def handled_by_the_specialist(pg, subject: str, *extra: service.Upload) -> int:
    """A paper document registered by vanthu (its scan signed for the agency) and distributed by
    lanhdao to chuyenvien of Phòng Kinh tế, the way the pages do it. In a thread of its own, as a
    request runs: pyHanko runs an event loop, and Playwright's is already running in this one."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(_register_and_distribute, pg, subject, extra).result()


def _register_and_distribute(pg, subject: str, extra: tuple[service.Upload, ...]) -> int:
    with unit_of_work(pg.sessions) as session:
        clerk = _identity(session, "vanthu")
        registered = service.register(session, pg.runtime, pg.files, pg.keystore, clerk,
                                      {**METADATA, "subject": subject},
                                      [service.Upload("cong-van-45.pdf", two_page_pdf()), *extra], channel="paper")
        document_id = registered.document.id
    with unit_of_work(pg.sessions) as session:
        leader, specialist = _identity(session, "lanhdao"), _identity(session, "chuyenvien")
        (task,) = participants.open_tasks(session, session.get(IncomingDocument, document_id), DISTRIBUTE)
        processes.complete(session, pg.runtime, leader, task.id, {
            "decision": "assign", "lead_user_id": specialist.user_id, "lead_unit_id": specialist.unit_id,
            "direction": DIRECTION, "deadline": "2026-12-10T17:00:00+07:00"})
    return document_id


def watch_console(page) -> list[str]:
    """Errors the page logs (a CSP refusal is one) or throws."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def canvas_size(page) -> tuple[float, float]:
    box = page.locator("figure.pdfview canvas").bounding_box()
    assert box is not None, "no canvas drawn"
    return box["width"], box["height"]


def test_the_specialist_reads_the_pdf_in_the_page_with_its_signature_beside_it(pg, demo_server, open_page):
    from playwright.sync_api import expect

    document_id = handled_by_the_specialist(pg, SUBJECT)
    page = open_page("chuyenvien")
    errors = watch_console(page)
    page.goto(f"{demo_server}/incoming/{document_id}")
    viewer = page.locator("figure.pdfview")
    expect(viewer).to_have_attribute("data-state", "rendered")
    width, height = canvas_size(page)
    assert width > 300 and height > 400, (width, height)
    expect(viewer.locator(".textLayer")).to_contain_text(PAGE_WORDS[0])
    expect(viewer.get_by_role("link", name="Tải về")).to_have_attribute("href", f"/incoming/{document_id}/files/1")

    signatures = page.locator("aside.signatures")
    expect(signatures).to_contain_text("cong-van-45.pdf: Mọi chữ ký đều hợp lệ")
    expect(signatures.locator(".signature .badge.valid")).to_have_text("Hợp lệ")
    expect(signatures.locator(".signer")).to_have_text(demo.AGENCIES[0][1])
    expect(signatures).to_contain_text("Toàn bộ")

    summary = page.locator("#summary")
    expect(summary).to_contain_text("Phòng Kinh tế")
    expect(summary).to_contain_text(DIRECTION)
    expect(summary.get_by_role("link", name="Xem sơ đồ quy trình")).to_have_attribute("href", "/instances/1")
    history = page.locator("#history")
    expect(history).to_contain_text("phân phối cho Phòng Kinh tế chủ trì")
    expect(history.locator("li.technical").first).to_be_hidden()
    history.get_by_label("Hiện các bước kỹ thuật").check()
    expect(history.locator("li.technical").first).to_be_visible()
    screenshot(page, "document-page-laptop")
    assert_accessible(page)

    # The next page, then a zoom: a larger canvas, the text layer still over it.
    page.get_by_role("button", name="Trang sau").click()
    expect(viewer).to_have_attribute("data-page", "2")
    expect(viewer.locator(".textLayer")).to_contain_text(PAGE_WORDS[1])
    expect(page.get_by_role("button", name="Trang sau")).to_be_disabled()
    page.get_by_role("button", name="Phóng to").click()
    expect(viewer.locator("canvas")).not_to_have_css("width", f"{int(width)}px")
    assert canvas_size(page)[0] > width
    assert errors == [], errors


def test_on_a_phone_the_pdf_fits_the_width_and_the_signatures_come_under_it(pg, demo_server, open_page):
    from playwright.sync_api import expect

    document_id = handled_by_the_specialist(pg, SUBJECT)
    page = open_page("chuyenvien", phone=True)
    errors = watch_console(page)
    page.goto(f"{demo_server}/incoming/{document_id}")
    viewer = page.locator("figure.pdfview")
    expect(viewer).to_have_attribute("data-state", "rendered")
    width, _ = canvas_size(page)
    assert 200 < width <= 390, width
    pdf_box = viewer.bounding_box()
    signatures_box = page.locator("aside.signatures").bounding_box()
    assert signatures_box["y"] >= pdf_box["y"] + pdf_box["height"], "the signatures stack under the PDF"
    assert_fits_width(page)
    screenshot(page, "document-page-phone")
    assert_accessible(page)
    assert errors == [], errors


def test_a_subject_with_a_script_shows_as_text_and_runs_nothing(pg, demo_server, open_page):
    from playwright.sync_api import expect

    document_id = handled_by_the_specialist(pg, SCRIPT)
    page = open_page("chuyenvien")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{demo_server}/incoming/{document_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(SCRIPT)
    expect(page.locator("figure.pdfview")).to_have_attribute("data-state", "rendered")
    assert page.locator("script", has_text="alert(1)").count() == 0, "the subject became no script element"
    assert dialogs == []


def test_several_pdfs_are_switched_in_the_page_each_with_its_own_check(pg, demo_server, open_page):
    from playwright.sync_api import expect

    annex = service.Upload("phu-luc.pdf", two_page_pdf(("PHULUC-TRANG-MOT",)))
    document_id = handled_by_the_specialist(pg, SUBJECT, annex)
    page = open_page("chuyenvien")
    errors = watch_console(page)
    page.goto(f"{demo_server}/incoming/{document_id}")
    viewer = page.locator("figure.pdfview")
    expect(viewer.locator(".textLayer")).to_contain_text(PAGE_WORDS[0])
    switcher = page.get_by_role("navigation", name="Chọn tệp PDF")
    switcher.get_by_role("link", name="phu-luc.pdf").click()
    expect(viewer.locator(".textLayer")).to_contain_text("PHULUC-TRANG-MOT")
    expect(viewer.locator(".pdf-name")).to_have_text("phu-luc.pdf")
    expect(switcher.get_by_role("link", name="phu-luc.pdf")).to_have_attribute("aria-current", "true")
    expect(page.locator(".signatures .check.chosen")).to_contain_text("phu-luc.pdf: Tài liệu không có chữ ký số")
    expect(page).to_have_url(f"{demo_server}/incoming/{document_id}?file=2#document-file")
    # The same choice without the script: the server shows the file the link names.
    page.reload()
    expect(viewer).to_have_attribute("data-src", f"/incoming/{document_id}/files/2")
    assert errors == [], errors
