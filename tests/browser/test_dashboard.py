"""The leader's dashboard in Chromium, at laptop and phone width, on the demo province with
overdue work: the cards show the counts, the Chart.js canvases are drawn, the overdue card opens
the list of the overdue documents, whose urge button reaches the person handling them. The unit
head sees their unit only. Nothing scrolls sideways; axe; screenshots."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from documents import accounts, processes
from documents.dashboard import access, queries
from documents.incoming import participants, service
from documents.incoming.models import IncomingDocument
from documents.models import User
from documents.notifications.models import Urge
from engine import clock as clocks
from engine.db import unit_of_work
from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

COMMON = {"document_date": "2026-11-20", "doc_type": "Công văn", "issuer_name": "Sở Tài chính", "urgency": "normal"}
# Set at the distribution on Monday 23/11/2026 (the engine's test clock) for the next day: the
# pages count it against the time now, which is later.
DEADLINE = "2026-11-24T17:00:00+07:00"
LATE = ("31/STC-NS", "32/STC-NS")  # distributed to the staff member of Phòng Kinh tế, now overdue
WAITING = "33/STC-NS"              # registered, not distributed: open, no deadline, no unit
STATUSES = queries.STATUSES


def figures_now(pg, demo_province: dict, username: str) -> dict[str, int]:
    """The queries' own figures for ``username``'s dashboard, at the pages' time."""
    with unit_of_work(pg.sessions) as session:
        who = accounts.identity_of(session, session.get(User, demo_province[username]))
        totals = queries.totals(session, access.scope_for(session, who), clocks.now())
    return {status: getattr(totals, status) for status in STATUSES}


@pytest.fixture
def late_work(pg, demo_province, clock) -> dict[str, dict[str, int]]:
    """Three documents of the demo agency: two overdue with the staff member of Phòng Kinh tế,
    one waiting for its distribution. Returns the leader's and the unit head's figures before them."""
    before = {name: figures_now(pg, demo_province, name) for name in ("lanhdao", "truongphong")}
    registered = {}
    with unit_of_work(pg.sessions) as session:
        clerk = accounts.identity_of(session, session.get(User, demo_province["vanthu"]))
        for notation in (*LATE, WAITING):
            registered[notation] = service.register(session, pg.runtime, pg.files, pg.keystore, clerk, COMMON | {
                "number_notation": notation, "subject": f"Báo cáo dự toán ngân sách ({notation})"},
                allow_duplicate=True).document.id
    # Distributed later, as the leader does (a request of its own: the documents are stored by then).
    with unit_of_work(pg.sessions) as session:
        leader, handler = (accounts.identity_of(session, session.get(User, demo_province[name]))
                           for name in ("lanhdao", "chuyenvien"))
        for notation in LATE:
            document = session.get(IncomingDocument, registered[notation])
            task = participants.task_of(session, leader, document, "incoming.distribute")
            processes.complete(session, pg.runtime, leader, task.id, {
                "decision": "assign", "direction": "Đề nghị xử lý", "lead_user_id": handler.user_id,
                "lead_unit_id": handler.unit_id, "deadline": DEADLINE})
    clock.advance(days=3)  # whichever clock the pages read, the deadline has passed
    return before


def plus(before: dict[str, int], **added: int) -> dict[str, int]:
    return {status: before[status] + added.get(status, 0) for status in STATUSES}


def shown_cards(page) -> dict[str, int]:
    values = {}
    for card in page.locator("#figures a.figure").all():
        text = card.locator(".value").inner_text()
        values[card.get_attribute("data-status")] = int(text.replace(".", "").replace(",", ""))
    return values


def drawn_pixels(page, canvas_id: str) -> int:
    """How many pixels of the canvas Chart.js painted (not transparent)."""
    return page.evaluate("""(id) => {
        const canvas = document.getElementById(id);
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
        return painted;
    }""", canvas_id)


def watch_errors(page) -> list[str]:
    """Script errors and console errors (a Content-Security-Policy refusal is one) from now on."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def expect_charts_drawn(page) -> None:
    for canvas_id in ("series-chart", "breakdown-chart"):
        canvas = page.locator(f"#{canvas_id}")
        expect(canvas).to_have_attribute("data-drawn", "1")
        assert drawn_pixels(page, canvas_id) > 500, canvas_id
        box = canvas.bounding_box()
        assert 0 < box["width"] <= page.viewport_size["width"], (canvas_id, box)


def test_the_leader_opens_the_overdue_list_from_the_dashboard_and_urges(open_page, demo_server, pg,
                                                                       demo_province, late_work):
    page = open_page("lanhdao")
    errors = watch_errors(page)
    page.goto(f"{demo_server}/tasks")
    page.get_by_role("link", name="Theo dõi tiến độ").click()
    expect(page.locator("h1")).to_have_text("Theo dõi tiến độ xử lý văn bản đến")
    expect(page.locator("#scope")).to_have_text("Toàn cơ quan: Văn phòng UBND tỉnh Demo")
    # Counted by hand: three more open, two of them overdue; the same as the queries say.
    expected = plus(late_work["lanhdao"], open=3, overdue=2)
    assert shown_cards(page) == expected == figures_now(pg, demo_province, "lanhdao")
    expect_charts_drawn(page)
    economy = page.locator("#units-table tbody tr", has_text="Phòng Kinh tế")
    expect(economy.locator("td.overdue")).to_have_text(str(2 + late_work["truongphong"]["overdue"]))
    assert_fits_width(page)
    screenshot(page, "dashboard-leader-laptop")
    assert_accessible(page)

    page.get_by_role("link", name="Tháng").click()
    expect(page.locator(".switch a[aria-current]")).to_have_text("Tháng")
    expect(page.locator("#series-title")).to_have_text("Tiếp nhận và hoàn thành theo tháng")
    expect_charts_drawn(page)

    page.locator("a.figure.overdue").click()  # the list keeps the months the dashboard showed
    expect(page).to_have_url(f"{demo_server}/dashboard/items?status=overdue&period=month")
    expect(page.locator("h1")).to_have_text("Quá hạn — Văn phòng UBND tỉnh Demo")
    rows = page.locator("#items tbody tr")
    expect(rows).to_have_count(expected["overdue"])
    for notation in LATE:
        row = rows.filter(has_text=notation)
        expect(row.locator("td").nth(1)).to_have_text(notation)
        expect(row.locator("td[data-label='Cán bộ']")).to_have_text("Vũ Thị Viên")
        expect(row.locator("td[data-label='Hạn xử lý'] time")).to_have_text("17:00, 24/11/2026")
    expect(rows.filter(has_text=WAITING)).to_have_count(0)
    screenshot(page, "dashboard-overdue-list-laptop")
    assert_accessible(page)

    row = rows.filter(has_text=LATE[0])
    row.get_by_text("Đôn đốc", exact=True).click()
    row.get_by_label("Lời nhắn (không bắt buộc)").fill("Đề nghị hoàn thành trong ngày.")
    row.get_by_role("button", name="Xác nhận đôn đốc").click()
    expect(page).to_have_url(f"{demo_server}/dashboard/items?status=overdue&period=month")
    with unit_of_work(pg.sessions) as session:
        urged = session.scalars(sa.select(Urge)).all()
        assert [(urge.note, urge.recipients) for urge in urged] == [
            ("Đề nghị hoàn thành trong ngày.", [demo_province["chuyenvien"]])]
    assert errors == []


def test_on_a_phone_the_unit_head_sees_the_unit_the_cards_stack_and_nothing_scrolls_sideways(
        open_page, demo_server, pg, demo_province, late_work):
    page = open_page("truongphong", phone=True)
    errors = watch_errors(page)
    page.goto(f"{demo_server}/dashboard")
    expect(page.locator("#scope")).to_have_text("Đơn vị: Phòng Kinh tế")
    expected = plus(late_work["truongphong"], open=2, overdue=2)
    assert shown_cards(page) == expected == figures_now(pg, demo_province, "truongphong")
    expect(page.locator("select[name=unit_id]")).to_have_count(0)
    expect(page.locator("#breakdown-title")).to_have_text("Tình hình xử lý theo cán bộ")
    expect(page.locator("#people-table tbody tr", has_text="Vũ Thị Viên")).to_have_count(1)
    expect_charts_drawn(page)
    # The cards stack: two a row, one under another.
    boxes = [card.bounding_box() for card in page.locator("#figures .figure").all()]
    assert boxes[2]["y"] > boxes[0]["y"] and boxes[0]["x"] == boxes[2]["x"]
    assert_fits_width(page)
    screenshot(page, "dashboard-unit-head-phone")
    assert_accessible(page)

    page.locator("a.figure.overdue").click()
    expect(page.locator("h1")).to_have_text("Quá hạn — Phòng Kinh tế")
    expect(page.locator("#items tbody tr")).to_have_count(expected["overdue"])
    assert_fits_width(page)
    screenshot(page, "dashboard-unit-overdue-list-phone")
    assert_accessible(page)
    assert errors == []


def test_in_english_the_dashboard_speaks_english_and_staff_are_refused(open_page, demo_server, late_work):
    page = open_page("lanhdao", locale="en")
    page.goto(f"{demo_server}/dashboard")
    expect(page.locator("h1")).to_have_text("Progress of incoming documents")
    expect(page.locator("a.figure.overdue .name")).to_have_text("Overdue")
    expect_charts_drawn(page)
    staff = open_page("chuyenvien")
    response = staff.goto(f"{demo_server}/dashboard")
    assert response.status == 403
    expect(staff.get_by_role("link", name="Theo dõi tiến độ")).to_have_count(0)
