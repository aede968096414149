"""The arrival desk in a real browser, at 1280 and 390 px: a document whose PDF was changed after
the sender signed it is accepted only through the override section with a reason, shown on the
document afterwards; the registration page asks about a probable duplicate before the number is
taken, and registering anyway keeps the file chosen the first time."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from documents import accounts, demo
from documents.incoming import service
from documents.models import Agency, User
from engine import clock
from engine.db import unit_of_work
from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot
from tests.signing.pdfs import make_pdf

OFFICE, HOME_AFFAIRS = demo.AGENCIES[0][0], demo.AGENCIES[1][0]
METADATA = {"issuer_code": HOME_AFFAIRS, "issuer_name": demo.AGENCIES[1][1], "number_notation": "77/SNV-VP",
            "document_date": "2026-11-20", "doc_type": "Công văn", "subject": "Về việc báo cáo biên chế năm 2026"}
WIDTHS = {"laptop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}


def in_a_thread(function, *args):
    # pyHanko runs an event loop of its own, and Playwright's is already running in this thread.
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(function, *args).result()


def _tampered_arrival(pg, reference: str) -> int:
    keys = pg.keystore
    signed = keys.signer(HOME_AFFAIRS).sign_scan(make_pdf(1), demo.AGENCIES[1][1], clock.now(), keys.seal(HOME_AFFAIRS))
    position = signed.index(b"(Trang 1 / Page 1)")
    changed = signed[:position] + b"(Trang 9 / Page 1)" + signed[position + 18:]
    with unit_of_work(pg.sessions) as session:
        agencies = {a.code: a for a in session.scalars(sa.select(Agency))}
        return service.receive_electronic(session, pg.files, keys, sender=agencies[HOME_AFFAIRS],
                                          recipient=agencies[OFFICE], sender_reference=reference, metadata=METADATA,
                                          uploads=[service.Upload("77-SNV.pdf", changed)]).id


def _registered(pg) -> int:
    with unit_of_work(pg.sessions) as session:
        clerk = accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == "vanthu")))
        return service.register(session, pg.runtime, pg.files, pg.keystore, clerk, METADATA).document.id


@pytest.mark.parametrize("width", WIDTHS)
def test_a_tampered_document_is_accepted_only_through_the_override(pg, demo_server, open_page, width):
    from playwright.sync_api import expect

    document_id = in_a_thread(_tampered_arrival, pg, f"SNV-{width}")
    page = open_page("vanthu", phone=width == "phone")
    page.set_viewport_size(WIDTHS[width])
    page.goto(f"{demo_server}/incoming/{document_id}")
    decide = page.locator("section.decide")
    expect(decide).to_contain_text("77-SNV.pdf: Có chữ ký không hợp lệ")
    override = decide.locator("#override")
    expect(override.get_by_role("heading", name="Tiếp nhận dù chữ ký không hợp lệ")).to_be_visible()
    expect(override).to_contain_text("Tài liệu đã bị sửa sau khi ký")
    expect(decide.get_by_role("button", name="Tiếp nhận", exact=True)).to_have_count(0)
    assert_fits_width(page)
    assert_accessible(page, exclude=("figure.pdfview",))
    screenshot(page, f"arrival-override-{width}")

    reason = override.get_by_label("Lý do tiếp nhận dù chữ ký không hợp lệ")
    expect(reason).to_have_attribute("required", "")
    reason.fill("Đã gọi điện cho Sở Nội vụ: bản gốc đúng nội dung")
    override.get_by_role("button", name="Tiếp nhận dù chữ ký không hợp lệ").click()
    expect(page.locator("#incoming-number")).to_have_text("1")
    notice = page.locator("#signature-override")
    expect(notice).to_contain_text("Đã gọi điện cho Sở Nội vụ: bản gốc đúng nội dung")
    expect(notice).to_contain_text("Lê Thị Thư")
    assert_fits_width(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_duplicate_warning_comes_before_the_number_and_keeps_the_file(pg, demo_server, open_page, width,
                                                                          tmp_path):
    from playwright.sync_api import expect

    first = in_a_thread(_registered, pg)
    scan = tmp_path / "cong-van-77.pdf"
    scan.write_bytes(make_pdf(1))
    page = open_page("vanthu", phone=width == "phone")
    page.set_viewport_size(WIDTHS[width])
    page.goto(f"{demo_server}/incoming/new")
    form = page.locator("form.card")
    form.locator("input[name=channel][value=manual]").check()
    form.locator("[name=issuer_code]").fill(HOME_AFFAIRS)
    form.locator("[name=issuer_name]").fill(METADATA["issuer_name"])
    form.locator("[name=number_notation]").fill("77/SNV-VP")
    form.get_by_label("Ngày văn bản").fill("20/11/2026")
    form.locator("[name=doc_type]").fill("Công văn")
    form.locator("[name=subject]").fill(METADATA["subject"])
    form.locator("input[name=files]").set_input_files(str(scan))
    form.get_by_role("button", name="Vào sổ", exact=True).click()

    question = page.locator("#duplicate-question")
    expect(question.get_by_role("heading", name="Có thể trùng văn bản đã vào sổ")).to_be_visible()
    expect(question.get_by_role("listitem").get_by_role("link")).to_have_attribute("href", f"/incoming/{first}")
    expect(page.locator("form.card")).to_contain_text("cong-van-77.pdf")
    expect(question.get_by_role("link", name="Hủy, không vào sổ")).to_be_visible()
    expect(page.locator("[name=subject]")).to_have_value(METADATA["subject"])
    assert_fits_width(page)
    assert_accessible(page)
    screenshot(page, f"arrival-duplicate-{width}")

    question.get_by_role("button", name="Vẫn vào sổ (không phải văn bản trùng)").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(demo_server)}/incoming/\d+$"))
    expect(page.locator("#incoming-number")).to_have_text("2")
    expect(page.get_by_role("link", name="cong-van-77.pdf").first).to_be_visible()
