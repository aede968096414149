"""The register's deadline columns in Chromium on a 390 px phone: "Hạn giải quyết" is the handling
deadline the leader set (date and time, the overdue badge), "Hạn trả lời theo yêu cầu" the
sender's requested reply date, shown apart and never counted. Nothing scrolls sideways; axe."""
from __future__ import annotations

import pytest

from documents import accounts, processes
from documents.incoming import participants, service
from documents.models import User
from engine.db import unit_of_work
from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

COMMON = {"document_date": "2026-11-20", "doc_type": "Công văn", "issuer_name": "Sở Nội vụ", "urgency": "normal"}
# Set at the distribution on Monday 23/11/2026 (the engine's test clock), for the next day: the
# pages count it against the engine's clock, moved two days on once it is set.
DEADLINE = "2026-11-24T17:00:00+07:00"


@pytest.fixture
def documents(pg, demo_province, clock) -> None:
    """Two documents of the demo agency: one distributed with a deadline now past, whose sender
    asked for a reply in December; one not distributed yet, whose sender's date has passed."""
    with unit_of_work(pg.sessions) as session:
        def who(username: str):
            return accounts.identity_of(session, session.get(User, demo_province[username]))

        late = service.register(session, pg.runtime, pg.files, pg.keystore, who("vanthu"), COMMON | {
            "number_notation": "21/SNV-VP", "subject": "Báo cáo công tác văn thư", "due_date": "2026-12-31"},
            allow_duplicate=True).document
        service.register(session, pg.runtime, pg.files, pg.keystore, who("vanthu"), COMMON | {
            "number_notation": "22/SNV-VP", "subject": "Đề nghị cung cấp số liệu", "due_date": "2026-11-20"},
            allow_duplicate=True)
        leader, handler = who("lanhdao"), who("chuyenvien")
        task = participants.task_of(session, leader, late, "incoming.distribute")
        processes.complete(session, pg.runtime, leader, task.id, {
            "decision": "assign", "direction": "Đề nghị xử lý", "lead_user_id": handler.user_id,
            "lead_unit_id": handler.unit_id, "deadline": DEADLINE})
    clock.advance(days=2)  # Wednesday 25/11: the deadline has passed, the reply date not yet


def test_on_a_phone_the_register_shows_the_handling_deadline_apart_from_the_reply_date(
        open_page, demo_server, documents):
    page = open_page("lanhdao", phone=True)
    page.goto(f"{demo_server}/incoming")
    late = page.locator("table.register tbody tr", has_text="21/SNV-VP")
    deadline = late.locator("td.handling-deadline")
    expect(deadline).to_have_attribute("data-label", "Hạn giải quyết")
    expect(deadline.locator("time")).to_have_text("17:00, 24/11/2026")
    expect(deadline.locator(".badge.overdue")).to_have_text("Quá hạn")
    expect(late.locator("td.reply-date")).to_have_attribute("data-label", "Hạn trả lời theo yêu cầu")
    expect(late.locator("td.reply-date")).to_have_text("31/12/2026")

    waiting = page.locator("table.register tbody tr", has_text="22/SNV-VP")
    expect(waiting.locator("td.handling-deadline")).to_have_text("Chưa có hạn")
    expect(waiting.locator("td.reply-date")).to_have_text("20/11/2026")
    expect(waiting.locator(".badge.overdue")).to_have_count(0)
    assert_fits_width(page)
    screenshot(page, "register-deadlines-phone")
    assert_accessible(page)

    page.get_by_label("Chỉ văn bản quá hạn").check()
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page.locator("table.register tbody tr", has_text="21/SNV-VP")).to_have_count(1)
    expect(page.locator("table.register tbody tr", has_text="22/SNV-VP")).to_have_count(0)
    assert_fits_width(page)
