"""The calendar on /admin/agency over HTTP: days typed dd/mm/yyyy, a swap entered in one form
(both days or neither, each refusal next to its field), the year's own and national days
listed, removal, the deadline check; refused to a clerk, to another agency, without CSRF."""
from __future__ import annotations

import re

import sqlalchemy as sa

from documents.calendar.models import SpecialDay
from documents.models import AuditEvent
from engine.db import unit_of_work
from tests.api.conftest import csrf_of


def post(browser, url: str, data: dict):
    token = csrf_of(browser.get("/admin/agency").text)
    return browser.post(url, data={**data, "csrf_token": token})


def stored(system) -> list[tuple[str, str]]:
    with unit_of_work(system.sessions) as session:
        return [(f"{d:%d/%m/%Y}", kind) for d, kind in
                session.execute(sa.select(SpecialDay.day, SpecialDay.kind).order_by(SpecialDay.day))]


def row_of(html: str, iso_day: str) -> str:
    found = re.search(rf'<tr[^>]*>\s*<td[^>]*><time datetime="{iso_day}">.*?</tr>', html, re.S)
    assert found, iso_day
    return found.group(0)


def test_a_swap_typed_as_people_write_dates_is_listed_with_the_years_holidays(browser, system, province):
    admin = browser("a.admin")
    response = post(admin, "/admin/agency/swaps", {"day_off": "27/11/2026", "make_up": "28/11/2026",
                                                    "note": "Thông báo 123/TB-VPCP"})
    assert response.status_code == 303 and response.headers["location"] == "/admin/agency?saved=1&year=2026#days"
    assert stored(system) == [("27/11/2026", "day_off"), ("28/11/2026", "make_up")]
    page = admin.get(response.headers["location"]).text
    assert "Ngày nghỉ" in row_of(page, "2026-11-27") and "Thông báo 123/TB-VPCP" in row_of(page, "2026-11-27")
    assert "Ngày làm bù" in row_of(page, "2026-11-28") and "Thứ Bảy" in row_of(page, "2026-11-28")
    assert "Quốc khánh" in row_of(page, "2026-09-02") and "Nghỉ lễ, Tết" in row_of(page, "2026-09-02")
    assert "theo quyết định của Nhà nước" in row_of(page, "2026-08-22")
    assert "2027-02-06" not in page  # another year
    assert "Tết Nguyên Đán" in row_of(admin.get("/admin/agency?year=2027").text, "2027-02-06")
    with unit_of_work(system.sessions) as session:
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "calendar.swap_added"))
        assert event.actor_id == province["a.admin"].user_id


def test_a_refused_swap_says_why_at_each_field_and_stores_neither_day(browser, system, province):
    admin = browser("a.admin")
    refused = post(admin, "/admin/agency/swaps", {"day_off": "27/11/2026", "make_up": "30/11/2026", "note": "x"})
    assert refused.status_code == 422
    form = refused.text[refused.text.index('action="/admin/agency/swaps#days"'):]
    assert re.search(r'field invalid">\s*<label for="swap-make_up">.*?Ngày này đã là ngày làm việc', form, re.S)
    assert 'value="27/11/2026"' in form and 'value="30/11/2026"' in form  # what was typed stays
    unreadable = post(admin, "/admin/agency/swaps", {"day_off": "31/11/2026", "make_up": "28/11/2026"})
    assert unreadable.status_code == 422 and "Chọn một ngày hợp lệ." in unreadable.text
    assert stored(system) == []


def test_a_day_is_added_as_dd_mm_yyyy_refused_at_its_field_and_removed(browser, system, province):
    admin = browser("a.admin")
    assert post(admin, "/admin/agency/days", {"day": "24/12/2026", "kind": "day_off", "note": "Nghỉ riêng"}
                ).status_code == 303
    again = post(admin, "/admin/agency/days", {"day": "24/12/2026", "kind": "make_up"})
    assert again.status_code == 422
    form = again.text[again.text.index('action="/admin/agency/days#days"'):]
    assert re.search(r'field invalid">\s*<label for="day-day">.*?đã được khai báo là ngày nghỉ', form, re.S)
    removed = post(admin, "/admin/agency/days/2026-12-24/remove", {})
    assert removed.status_code == 303 and stored(system) == []
    assert post(admin, "/admin/agency/days/2026-12-24/remove", {}).status_code == 404


def test_the_deadline_check_follows_the_calendar(browser, system, province):
    admin = browser("a.admin")
    post(admin, "/admin/agency/swaps", {"day_off": "27/11/2026", "make_up": "28/11/2026"})
    page = admin.get("/admin/agency", params={"from": "26/11/2026 10:00", "days": "1"}).text
    result = page[page.index('class="admin-facts check-result"'):]
    assert "10:00, 26/11/2026" in result and "10:00, 28/11/2026" in result
    friday = admin.get("/admin/agency", params={"from": "27/11/2026 09:00", "days": "0"}).text
    assert "07:30, 28/11/2026" in friday[friday.index("check-result"):]
    bad = admin.get("/admin/agency", params={"from": "hôm qua", "days": "1"}).text
    assert "Nhập ngày dạng dd/mm/yyyy" in bad and "check-result" not in bad


def test_the_calendar_page_is_in_english_too(browser, province):
    admin = browser("a.admin")
    admin.cookies.set("lang", "en")
    page = admin.get("/admin/agency?year=2026").text
    assert "Swap working days" in page and "National Day" in row_of(page, "2026-09-02")


def test_others_are_refused(browser, system, province):
    clerk = browser("a.clerk")
    assert clerk.get("/admin/agency").status_code == 403
    token = csrf_of(clerk.get("/account").text)
    assert clerk.post("/admin/agency/swaps", data={"day_off": "27/11/2026", "make_up": "28/11/2026",
                                                   "csrf_token": token}).status_code == 403
    admin = browser("a.admin")
    assert admin.post("/admin/agency/swaps", data={"day_off": "27/11/2026", "make_up": "28/11/2026"}).status_code == 403
    assert post(admin, "/admin/agency/days", {"day": "24/12/2026", "kind": "day_off"}).status_code == 303
    other = browser("b.admin")
    assert "2026-12-24" not in other.get("/admin/agency").text
    assert post(other, "/admin/agency/days/2026-12-24/remove", {}).status_code == 404
    assert stored(system) == [("24/12/2026", "day_off")]
