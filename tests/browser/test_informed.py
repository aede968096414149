"""Issue 9 item 10 in Chromium on the demo province: the list of documents for information
(unread first, read once opened) and the distribution dialog's marking of a unit without a head,
at laptop and phone width, with no serious accessibility violation."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from documents import processes
from documents.incoming.models import IncomingDocument
from documents.system import System
from engine.db import unit_of_work
from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot
from tests.browser.test_forms import METADATA, identity, registered, unit_id

SUBJECT = METADATA["subject"]


def told_for_information(pg: System) -> int:
    """Distributed to the specialist, the head of Phòng Kinh tế told for information: the document's id."""
    task_id = registered(pg)
    with unit_of_work(pg.sessions) as session:
        staff, head = identity(session, "chuyenvien"), identity(session, "truongphong")
        processes.complete(session, pg.runtime, identity(session, "lanhdao"), task_id, {
            "decision": "assign", "direction": "Giao Phòng Kinh tế xử lý", "lead_user_id": staff.user_id,
            "lead_unit_id": staff.unit_id, "for_information": [head.user_id]})
        (document,) = session.scalars(sa.select(IncomingDocument))
        return document.id


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_the_list_of_documents_for_information(pg: System, demo_server: str, open_page, phone: bool):
    from playwright.sync_api import expect

    document_id = told_for_information(pg)
    page = open_page("truongphong", phone=phone)
    page.goto(f"{demo_server}/incoming/informed")
    expect(page.get_by_role("heading", name="Văn bản để biết")).to_be_visible()
    row = page.locator("table.informed-list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_have_class(re.compile("unread"))
    expect(row).to_contain_text("Phạm Văn Đạo")
    expect(row).to_contain_text("Chưa đọc")
    assert_fits_width(page)
    assert_accessible(page)
    screenshot(page, f"informed-list-{'phone' if phone else 'laptop'}")

    row.get_by_role("link", name=SUBJECT).click()
    expect(page).to_have_url(f"{demo_server}/incoming/{document_id}")
    expect(page.locator("#informed-note")).to_contain_text("Văn bản này được Phạm Văn Đạo chuyển cho bạn để biết")
    assert_fits_width(page)
    page.goto(f"{demo_server}/incoming/informed")
    expect(page.locator("table.informed-list tbody tr")).to_have_class(re.compile(r"\bread\b"))
    expect(page.locator("#informed-total")).to_have_text("1 văn bản, 0 chưa đọc.")


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_the_distribution_marks_a_unit_without_a_head(pg: System, demo_server: str, open_page, phone: bool):
    from playwright.sync_api import expect

    task_id = registered(pg)
    with pg.sessions() as session:
        office = unit_id(session, "Phòng Hành chính - Tổng hợp")
    page = open_page("lanhdao", phone=phone)
    page.goto(f"{demo_server}/tasks/{task_id}")
    table = page.locator("table.distribution-table")
    expect(table.locator("tbody th").first).to_have_text("Phòng Hành chính - Tổng hợp (chưa có trưởng đơn vị)")
    expect(table.locator(f"input[name=coordinators][value='{office}']")).to_be_disabled()
    expect(page.locator("#distribution-headless")).to_be_visible()
    assert_fits_width(page)
    assert_accessible(page)
    screenshot(page, f"informed-distribution-headless-{'phone' if phone else 'laptop'}")

    expect(page.get_by_label("Chủ trì: Phòng Hành chính - Tổng hợp")).to_be_disabled()
    expect(page.get_by_label("Để biết: Phòng Hành chính - Tổng hợp")).to_be_enabled()
