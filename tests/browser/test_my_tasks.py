"""My tasks (Việc của tôi) in Chromium: the leader sees which document each distribution is
about, searches without Vietnamese marks, moves between the tabs with the keyboard; on a phone
the rows are cards and nothing scrolls sideways. Screenshots at laptop and phone width, axe."""
from __future__ import annotations

from datetime import timedelta

import pytest

from documents import accounts
from documents.incoming import service
from documents.models import User
from documents.vntime import VN_TZ
from engine.db import unit_of_work
from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

ROAD = {"number_notation": "15/UBND-KT", "subject": "Về việc kiểm tra đường giao thông nông thôn năm 2026",
        "issuer_name": "UBND huyện Phú Vang", "urgency": "urgent"}
HIRING = {"number_notation": "16/SNV-TCCB", "subject": "Kế hoạch tuyển dụng công chức",
          "issuer_name": "Sở Nội vụ", "urgency": "normal"}
OTHER_AGENCY = {"number_notation": "99/SNV", "subject": "Văn bản của Sở Nội vụ", "issuer_name": "Bộ Nội vụ",
                "urgency": "normal"}


@pytest.fixture
def documents(pg, demo_province, clock) -> None:
    """Two documents registered by the demo agency's clerk, one by the second agency's."""
    common = {"document_date": "2026-11-20", "doc_type": "Công văn"}
    # Deadlines by the engine's (test) clock make the badges certain: the hiring document has
    # waited for its distribution since Monday (due within a working day or so: overdue on
    # Thursday); the urgent road document arrives on Thursday (due in 4 working hours: due soon).
    # The senders' requested reply dates (one long past, one far off) are not what overdue counts.
    today = clock.now().astimezone(VN_TZ).date()
    hiring = HIRING | {"due_date": (today + timedelta(days=30)).isoformat()}
    road = ROAD | {"due_date": (today - timedelta(days=10)).isoformat()}
    with unit_of_work(pg.sessions) as session:
        def register(clerk: str, metadata: dict) -> None:
            who = accounts.identity_of(session, session.get(User, demo_province[clerk]))
            service.register(session, pg.runtime, pg.files, pg.keystore, who, common | metadata)

        register("vanthu", hiring)
        clock.advance(days=3)
        register("vanthu", road)
        register("snv.vanthu", OTHER_AGENCY)


def test_the_leader_finds_the_document_searches_and_switches_tabs(open_page, demo_server, documents):
    page = open_page("lanhdao")
    page.goto(f"{demo_server}/tasks")
    expect(page.get_by_role("heading", name="Việc của tôi")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Danh sách việc")
    expect(tabs.locator("[aria-current=page]")).to_have_text("Chờ xử lý 2")
    road = page.locator("table.worklist tbody tr", has_text="15/UBND-KT")
    expect(road.get_by_role("link", name=ROAD["subject"])).to_be_visible()
    expect(road).to_contain_text("UBND huyện Phú Vang")
    expect(road).to_contain_text("Phân phối văn bản đến")
    expect(road.locator(".badge.level-1")).to_have_text("Khẩn")
    expect(road.locator(".badge.soon")).to_have_text("Sắp đến hạn")
    expect(page.locator("table.worklist tbody tr", has_text="16/SNV-TCCB").locator(".badge.overdue")).to_have_text("Quá hạn")
    expect(page.locator("table.worklist")).not_to_contain_text("99/SNV")
    screenshot(page, "my-tasks-laptop")
    assert_accessible(page)

    # Search without marks; the URL can be shared.
    page.get_by_label("Số, ký hiệu hoặc trích yếu").fill("duong giao thong")
    page.get_by_role("button", name="Lọc").click()
    expect(page).to_have_url(f"{demo_server}/tasks?tab=waiting&q=duong+giao+thong&urgency=&step=&sort=urgency")
    expect(page.locator("table.worklist tbody tr")).to_have_count(1)
    expect(page.locator("table.worklist tbody tr")).to_contain_text("15/UBND-KT")
    screenshot(page, "my-tasks-search-laptop")

    # The tabs are links: reached with Tab, followed with Enter; the search goes along.
    done = tabs.get_by_role("link", name="Đã xử lý 0")
    done.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{demo_server}/tasks?tab=done&q=duong+giao+thong")
    expect(tabs.locator("[aria-current=page]")).to_have_text("Đã xử lý 0")
    expect(page.get_by_text("Không có việc nào khớp với điều kiện tìm kiếm.")).to_be_visible()


def test_on_a_phone_each_task_is_a_card(open_page, demo_server, documents):
    page = open_page("lanhdao", phone=True)
    page.goto(f"{demo_server}/tasks")
    road = page.locator("table.worklist tbody tr", has_text="15/UBND-KT")
    expect(road.get_by_role("link", name=ROAD["subject"])).to_be_visible()
    assert road.evaluate("tr => getComputedStyle(tr).display") == "block"
    assert page.locator("table.worklist thead").evaluate("h => h.getBoundingClientRect().height") <= 1
    assert_fits_width(page)
    screenshot(page, "my-tasks-phone")
    assert_accessible(page)


def test_the_leader_narrows_the_list_to_overdue_work(open_page, demo_server, documents):
    page = open_page("lanhdao")
    page.goto(f"{demo_server}/tasks")
    page.get_by_text("Lọc thêm và sắp xếp").click()
    page.get_by_label("Chỉ việc quá hạn").check()
    page.get_by_label("Sắp xếp theo").select_option(label="Hạn xử lý gần nhất")
    page.get_by_role("button", name="Lọc").click()
    rows = page.locator("table.worklist tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("16/SNV-TCCB")
    expect(page.get_by_label("Chỉ việc quá hạn")).to_be_checked()  # the form shows what it filtered by
    screenshot(page, "my-tasks-filters-laptop")
    assert_accessible(page)
