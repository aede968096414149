"""Issue 10 item 8 in Chromium on the demo province: the clerk reaches the outgoing register
through the "Văn bản đi" menu, searches it without accents, filters by issue date with the
date pickers, downloads the register, and each row links to its document; at 1280 px and at
phone width (390 px), with no serious accessibility violation and no sideways scrolling."""
from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from documents import accounts
from documents.models import User
from documents.outgoing.models import OutgoingDocument
from documents.system import System
from engine.db import unit_of_work
from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot
from tests.outgoing.test_register import make

STORM = "Về việc phòng, chống thiên tai mùa mưa bão"
PRIZE = "Quyết định khen thưởng tập thể, cá nhân xuất sắc"


def issued(pg: System) -> dict[str, int]:
    with unit_of_work(pg.sessions) as session:
        clerk, leader = (accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == name)))
                         for name in ("vanthu", "lanhdao"))
    return {
        "prize": make(pg, clerk, subject=PRIZE, doc_type="Quyết định", signer=leader,
                      issued_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC)),
        "storm": make(pg, clerk, subject=STORM, urgency="urgent", signer=leader,
                      issued_at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
                      recipients=(("Ủy ban nhân dân các huyện, thành phố", True), ("Sở Nông nghiệp", False))),
    }


@pytest.mark.parametrize("phone", [False, True], ids=["1280", "phone"])
def test_the_clerk_finds_an_issued_document_in_the_outgoing_register(pg: System, demo_server: str, open_page,
                                                                     phone: bool):
    from playwright.sync_api import expect

    ids = issued(pg)
    page = open_page("vanthu", phone=phone)
    if not phone:
        page.set_viewport_size({"width": 1280, "height": 860})
    else:
        page.get_by_role("button", name="Danh mục").click()
    page.locator("#outgoing-menu > summary").click()
    page.locator("#outgoing-menu").get_by_role("link", name="Sổ văn bản đi").click()
    expect(page).to_have_url(f"{demo_server}/outgoing/register")
    expect(page.get_by_role("heading", name="Văn bản đi", exact=True)).to_be_visible()
    expect(page.locator("nav.tabs a[aria-current=page]")).to_have_text("Đã phát hành")
    rows = page.locator("table.outgoing tbody tr")
    expect(rows).to_have_count(2)
    assert_fits_width(page)
    assert_accessible(page)
    screenshot(page, f"outgoing-register-{'phone' if phone else '1280'}")

    page.get_by_label("Tìm kiếm").fill("thien tai mua bao")
    page.get_by_label("Ban hành từ ngày").fill("2026-11-21")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Khẩn")
    expect(page.locator("#total")).to_have_text("1 văn bản")
    assert_fits_width(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").first.click()
    sheet = load_workbook(BytesIO(download.value.path().read_bytes())).active
    notations = [row[0].value for row in sheet.iter_rows(min_row=6) if row[0].value]
    assert download.value.suggested_filename == "Sổ đăng ký văn bản đi 20261121-20261231.xlsx"
    with pg.sessions() as session:
        assert notations == [session.get(OutgoingDocument, ids["storm"]).notation]

    link = rows.first.get_by_role("link", name=STORM)
    expect(link).to_have_attribute("href", f"/outgoing/{ids['storm']}")


def test_staff_see_their_drafts_tab_and_no_register_entry_in_the_menu(pg: System, demo_server: str, open_page):
    from playwright.sync_api import expect

    issued(pg)
    page = open_page("chuyenvien")
    page.locator("#outgoing-menu > summary").click()
    menu = page.locator("#outgoing-menu")
    expect(menu.get_by_role("link", name="Soạn văn bản mới")).to_be_visible()
    expect(menu.get_by_role("link", name="Sổ văn bản đi")).to_have_count(0)
    menu.get_by_role("link", name="Văn bản đi").click()
    expect(page.locator("nav.tabs a[aria-current=page]")).to_have_text("Dự thảo của tôi")
    expect(page.locator("nav.tabs a")).to_have_count(3)  # no "Tất cả"
    expect(page.get_by_text("Anh/chị chưa có dự thảo nào đang soạn.")).to_be_visible()
    assert_accessible(page)
