"""The agency's calendar in a real browser: quantri enters a swap the Government announces with
the date pickers (dd/mm/yyyy), sees a refusal next to its field, sees the year's days with the
national holidays, checks a deadline and removes a day; the page reads well at laptop and phone
width, in Vietnamese and English."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot

# Friday 10/12/2027 off, Saturday 11/12/2027 worked instead (a year the demo leaves alone).
OFF, WORK = "10/12/2027", "11/12/2027"


def test_quantri_enters_a_swap_checks_a_deadline_and_removes_a_day(open_page, demo_server):
    page = open_page("quantri")
    page.goto(f"{demo_server}/admin/agency?year=2027")
    form = page.locator("form[action='/admin/agency/swaps#days']")
    day_off = form.get_by_label("Ngày nghỉ (đang là ngày làm việc)")
    day_off.click()
    expect(page.locator(".flatpickr-calendar.open")).to_be_visible()  # the Vietnamese date picker
    day_off.fill(OFF)
    form.get_by_label("Ngày làm bù (đang là ngày nghỉ)").fill("13/12/2027")  # a Monday: already worked
    form.get_by_label("Ghi chú").fill("Thông báo 45/TB-VPCP")
    form.get_by_role("button", name="Thêm hoán đổi").click()
    refused = page.locator("form[action='/admin/agency/swaps#days']")
    expect(refused.locator(".field.invalid")).to_contain_text("Ngày này đã là ngày làm việc")
    refused.get_by_label("Ngày làm bù (đang là ngày nghỉ)").fill(WORK)
    refused.get_by_label("Ghi chú").click()  # leaving the date field reads it
    refused.get_by_role("button", name="Thêm hoán đổi").click()
    expect(page.locator("[role=status]").first).to_contain_text("Đã lưu")

    days = page.locator("table.year-days")
    expect(days.locator("tr", has_text="10/12/2027")).to_contain_text("Ngày nghỉ")
    expect(days.locator("tr", has_text="11/12/2027")).to_contain_text("Ngày làm bù")
    expect(days.locator("tr", has_text="02/09/2027")).to_contain_text("Quốc khánh")

    check = page.locator("#check form")
    check.get_by_label("Thời điểm văn bản đến").fill("09/12/2027 10:00")
    check.get_by_label("Số ngày làm việc").fill("1")
    check.get_by_role("button", name="Tính thời hạn").click()
    expect(page.locator(".check-result")).to_contain_text("10:00, 11/12/2027")  # Thursday + 1 = the Saturday
    screenshot(page, "admin-agency-calendar-swap")

    days = page.locator("table.year-days")
    days.locator("tr", has_text="10/12/2027").get_by_role("button", name="Xoá").click()
    expect(page.locator("table.year-days tr", has_text="10/12/2027")).to_have_count(0)
    expect(page.locator("table.year-days tr", has_text="11/12/2027")).to_have_count(1)


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_the_calendar_page_reads_well(open_page, demo_server, phone, locale):
    page = open_page("quantri", phone=phone, locale=locale)
    page.goto(f"{demo_server}/admin/agency?year=2027&from=09/12/2027 10:00&days=3#days")
    title = "Swap working days" if locale == "en" else "Hoán đổi ngày làm việc"
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.locator(".check-result")).to_be_visible()
    screenshot(page, f"admin-agency-calendar-{locale}" + ("-phone" if phone else ""))
    assert_accessible(page)
    if phone:
        assert_fits_width(page)
