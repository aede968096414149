"""The scan quality policy page in a real browser: quantri chooses "refuse" with its explicit
button, the page says so; checked at laptop and phone width with axe-core and for sideways
scrolling."""
from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, assert_fits_width, screenshot


@pytest.mark.parametrize("phone", [False, True], ids=["1280px", "390px"])
def test_quantri_chooses_to_refuse_poor_scans(open_page, demo_server, phone):
    page = open_page("quantri", phone=phone)
    page.goto(f"{demo_server}/admin/scan")
    assert page.locator("#scan-current").inner_text() == "Cảnh báo văn thư, vẫn đăng ký"
    assert_accessible(page)
    if phone:
        assert_fits_width(page)
    page.get_by_role("button", name="Chọn: từ chối bản quét chưa đạt").click()
    page.wait_for_url(f"{demo_server}/admin/scan?saved=1")
    assert "Đã lưu" in page.locator("[role=status]").inner_text()
    assert page.locator("#scan-current").inner_text() == "Từ chối đăng ký"
    assert page.get_by_role("button", name="Chọn: từ chối bản quét chưa đạt") \
        .get_attribute("aria-pressed") == "true"
    assert_accessible(page)
    if phone:
        assert_fits_width(page)
    screenshot(page, f"admin-scan-{'phone' if phone else 'laptop'}")
