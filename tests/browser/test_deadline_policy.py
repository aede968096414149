"""The default handling deadlines page in a real browser: quantri changes the every-type
deadline of normal documents to 7 working days, saves, and sees it; adds a row for "Quyết
định" by picking it by name; checked at laptop and phone width with axe-core and for
sideways scrolling."""
from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot


@pytest.mark.parametrize("phone", [False, True], ids=["1280px", "390px"])
def test_quantri_changes_a_deadline_and_sees_it(open_page, demo_server, phone):
    page = open_page("quantri", phone=phone)
    page.goto(f"{demo_server}/admin/deadlines")
    assert page.locator("#policy-state").inner_text() == "Cơ quan đang áp dụng thời hạn mặc định quốc gia."
    normal = page.get_by_label("Mọi loại văn bản, Thường, thời hạn")
    assert normal.input_value() == "10"
    assert_accessible(page)
    if phone:
        assert_fits_width(page)

    normal.fill("7")
    page.get_by_role("button", name="Lưu bảng thời hạn").click()
    page.wait_for_url(f"{demo_server}/admin/deadlines?saved=saved#policy")
    assert "Đã lưu bảng thời hạn." in page.locator("[role=status]").inner_text()
    assert page.get_by_label("Mọi loại văn bản, Thường, thời hạn").input_value() == "7"
    assert page.locator("#policy-state").inner_text() == "Cơ quan đang áp dụng bảng thời hạn riêng."

    page.get_by_label("Loại văn bản *").select_option(label="Quyết định")
    page.get_by_role("button", name="Thêm dòng").click()
    page.wait_for_url(f"{demo_server}/admin/deadlines?saved=added#policy")
    assert page.get_by_label("Quyết định, Thường, thời hạn").input_value() == "7"
    page.get_by_label("Quyết định, Hỏa tốc, đơn vị").select_option("hours")
    page.get_by_label("Quyết định, Hỏa tốc, thời hạn").fill("1.5")
    page.get_by_role("button", name="Lưu bảng thời hạn").click()
    page.wait_for_url(f"{demo_server}/admin/deadlines?saved=saved#policy")
    assert page.get_by_label("Quyết định, Hỏa tốc, thời hạn").input_value() == "1.5"
    assert_accessible(page)
    if phone:
        assert_fits_width(page)
    screenshot(page, f"admin-deadlines-{'phone' if phone else 'laptop'}")
