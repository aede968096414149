"""The notification centre and the urge in Chromium, at laptop and phone width: the header's bell
counts the unread notifications on every page, the centre lists them (kind, title, Vietnam time),
opening one lands on its task and the count goes down; a leader urges an overdue document from its
page and the handler's bell shows it. Nothing scrolls sideways; axe finds nothing serious."""
from __future__ import annotations

import pytest

from documents import accounts, processes
from documents.incoming import participants, service
from documents.models import User
from documents.notifications.models import Kind
from documents.notifications.service import Message, notify
from engine.db import unit_of_work
from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

COMMON = {"document_date": "2026-11-20", "doc_type": "Công văn", "issuer_name": "Sở Nội vụ", "urgency": "normal"}
# Set at the distribution on Monday 23/11/2026 (the engine's test clock) for the next day; the
# clock then moves past it.
DEADLINE = "2026-11-24T17:00:00+07:00"


@pytest.fixture
def late(pg, demo_province, clock) -> dict:
    """A document the leader gave chuyenvien with a deadline now past; its handling task."""
    with unit_of_work(pg.sessions) as session:
        def who(username: str):
            return accounts.identity_of(session, session.get(User, demo_province[username]))

        document = service.register(session, pg.runtime, pg.files, pg.keystore, who("vanthu"), COMMON | {
            "number_notation": "31/SNV-VP", "subject": "Báo cáo tổng kết công tác năm"},
            allow_duplicate=True).document
        leader, handler = who("lanhdao"), who("chuyenvien")
        task = participants.task_of(session, leader, document, "incoming.distribute")
        processes.complete(session, pg.runtime, leader, task.id, {
            "decision": "assign", "direction": "Đề nghị xử lý", "lead_user_id": handler.user_id,
            "lead_unit_id": handler.unit_id, "deadline": DEADLINE})
        handle = participants.task_of(session, handler, document, "incoming.handle")
        found = {"document": document.id, "task": handle.id, "handler": handler}
    clock.advance(days=2)  # Wednesday 25/11 08:00: overdue since Tuesday 17:00
    return found


def bell(page):
    return page.locator("#notification-bell")


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_the_bell_the_centre_and_opening_a_notification(open_page, demo_server, pg, late, phone):
    handler = late["handler"]
    with unit_of_work(pg.sessions) as session:
        notify(session, handler.agency_id, [handler.user_id],
               Message(Kind.REMINDER, "Sắp đến hạn: Báo cáo tổng kết", "Hạn 17:00 24/11/2026",
                       f"/tasks/{late['task']}"), "browser:reminder")
        notify(session, handler.agency_id, [handler.user_id],
               Message(Kind.OVERDUE, "Quá hạn: Báo cáo tổng kết", "Đã quá hạn xử lý", f"/incoming/{late['document']}"),
               "browser:overdue")
    page = open_page("chuyenvien", phone=phone)
    page.goto(f"{demo_server}/tasks")
    expect(bell(page).locator(".bell-count")).to_have_text("2")
    expect(bell(page)).to_be_visible()  # outside the folded menu on a phone
    bell(page).click()
    expect(page).to_have_url(f"{demo_server}/notifications")
    item = page.locator(".notification", has_text="Sắp đến hạn: Báo cáo tổng kết")
    expect(item.locator(".kind-label")).to_have_text("Nhắc hạn")
    expect(item.locator("time")).to_contain_text("/")
    expect(page.locator(".notification.unread")).to_have_count(2)
    assert_fits_width(page)
    screenshot(page, f"notifications-{'phone' if phone else 'laptop'}")
    assert_accessible(page)

    item.get_by_role("button", name="Mở").click()
    expect(page).to_have_url(f"{demo_server}/tasks/{late['task']}")
    expect(bell(page).locator(".bell-count")).to_have_text("1")
    page.goto(f"{demo_server}/notifications")
    expect(page.locator(".notification.unread")).to_have_count(1)
    page.get_by_role("button", name="Đánh dấu đã đọc tất cả").click()
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(bell(page).locator(".bell-count")).to_have_count(0)


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_a_leader_urges_from_the_document_page(open_page, demo_server, late, phone):
    leader = open_page("lanhdao", phone=phone)
    leader.goto(f"{demo_server}/incoming/{late['document']}")
    urge = leader.locator(f"#urge-incoming-{late['document']}")
    urge.get_by_text("Đôn đốc", exact=True).click()
    urge.get_by_label("Lời nhắn (không bắt buộc)").fill("Đề nghị báo cáo trong ngày")
    assert_fits_width(leader)
    screenshot(leader, f"urge-form-{'phone' if phone else 'laptop'}")
    urge.get_by_role("button", name="Xác nhận đôn đốc").click()
    expect(leader).to_have_url(f"{demo_server}/incoming/{late['document']}")
    entry = leader.locator(".story-urged")
    expect(entry).to_contain_text("Phạm Văn Đạo đôn đốc xử lý (gửi tới: Vũ Thị Viên)")
    expect(entry).to_contain_text("Đề nghị báo cáo trong ngày")

    handler = open_page("chuyenvien", phone=phone)
    handler.goto(f"{demo_server}/tasks")
    expect(bell(handler).locator(".bell-count")).to_have_text("1")
    bell(handler).click()
    expect(handler.locator(".notification.kind-urge .kind-label")).to_have_text("Đôn đốc")
    handler.locator(".notification.kind-urge").get_by_role("button", name="Mở").click()
    expect(handler).to_have_url(f"{demo_server}/incoming/{late['document']}")
    assert_accessible(handler)
