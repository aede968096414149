"""The agency admin in a real browser: quantri creates a user, picking the unit by its name and
the roles by their Vietnamese names; the new user logs in and changes their password on
/account. Each admin page and the account page are captured at laptop and phone width, checked
with axe-core and, at phone width, for sideways scrolling."""
from __future__ import annotations

import re

import pytest

from documents import demo
from tests.browser.conftest import assert_accessible, assert_fits_width, log_in, screenshot

INITIAL = "cay-tre-xanh-ven-song-2026"
CHANGED = "hoa-phuong-do-san-truong-2026"


def test_quantri_creates_a_user_who_logs_in_and_changes_the_password(open_page, demo_server):
    page = open_page("quantri")
    page.goto(f"{demo_server}/admin/users")
    form = page.locator("form[action='/admin/users#create']")
    form.get_by_label("Họ và tên").fill("Đỗ Thị Hạnh")
    form.get_by_label("Tên đăng nhập").fill("hanhdt")
    form.get_by_label("Đơn vị", exact=True).select_option(label="Phòng Kinh tế")
    form.get_by_label("Chức vụ").fill("Chuyên viên")
    form.get_by_label("Chuyên viên", exact=True).check()
    form.get_by_label("Văn thư").check()
    form.get_by_label("Mật khẩu ban đầu").fill("matkhau")  # too short: refused at the field, typed values kept
    form.get_by_role("button", name="Tạo tài khoản").click()
    refused = page.locator("form[action='/admin/users#create']")
    assert "Mật khẩu phải có ít nhất 10 ký tự." in refused.locator(".field.invalid").inner_text()
    assert refused.get_by_label("Họ và tên").input_value() == "Đỗ Thị Hạnh"
    assert refused.get_by_label("Văn thư").is_checked()
    refused.get_by_label("Mật khẩu ban đầu").fill(INITIAL)
    refused.get_by_role("button", name="Tạo tài khoản").click()
    page.wait_for_url(re.compile(r"/admin/users/\d+\?created=1"))
    facts = page.locator(".admin-facts").inner_text()
    assert "Phòng Kinh tế" in facts and "Văn thư, Chuyên viên" in facts

    newcomer = open_page()
    log_in(newcomer, demo_server, "hanhdt", INITIAL)
    newcomer.get_by_role("link", name=re.compile("Đỗ Thị Hạnh")).click()
    newcomer.get_by_label("Mật khẩu hiện tại").fill(INITIAL)
    newcomer.get_by_label(re.compile(r"^Mật khẩu mới")).fill(CHANGED)
    newcomer.get_by_label("Nhập lại mật khẩu mới").fill(CHANGED)
    newcomer.get_by_role("button", name="Đổi mật khẩu").click()
    newcomer.wait_for_url(re.compile(r"/account\?changed=1"))
    assert "Đã đổi mật khẩu" in newcomer.locator("[role=status]").inner_text()

    again = open_page()
    log_in(again, demo_server, "hanhdt", CHANGED)
    assert again.url.endswith("/tasks")


def test_quantri_disables_a_user_with_a_confirmation(open_page, demo_server, demo_province):
    page = open_page("quantri")
    page.goto(f"{demo_server}/admin/users/{demo_province['chuyenvien']}")
    page.get_by_text("Khoá tài khoản…").click()
    page.get_by_role("button", name="Xác nhận khoá").click()
    assert "Đã khoá tài khoản" in page.locator("[role=status]").inner_text()
    refused = open_page()
    log_in(refused, demo_server, "chuyenvien", demo.DEMO_PASSWORD)
    assert refused.url.endswith("/login")


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/{vanthu}", "/admin/units", "/admin/agency",
                                  "/account"])
def test_the_admin_pages_read_well(open_page, demo_server, demo_province, path, phone):
    page = open_page("quantri", phone=phone)
    page.goto(demo_server + path.format(vanthu=demo_province["vanthu"]))
    assert page.locator("h1").count() == 1
    if path == "/admin/units":
        page.locator(".unit-tree details summary").first.click()  # the edit forms, opened
    name = path.strip("/").replace("/", "-").replace("{vanthu}", "user") + ("-phone" if phone else "")
    screenshot(page, name)
    assert_accessible(page)
    if phone:
        assert_fits_width(page)


def test_the_admin_pages_in_english(open_page, demo_server):
    page = open_page("quantri", locale="en")
    page.goto(f"{demo_server}/admin/users")
    assert page.locator("h1").inner_text() == "Agency administration"
    assert "Clerk" in page.locator("table.admin-users").inner_text()
    screenshot(page, "admin-users-en")
