"""Error pages: in the user's language, with their menu when they are signed in, a way back, and
never developer text (exception names, "Not Found", the engine's English messages). Under /api
errors stay JSON. The failures a route cannot be made to raise on demand (a conflict, a crash, a
database outage) are raised by routes this test adds to its own app."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import exc as db_errors

from api.deps import SESSION_COOKIE
from documents.models import AuditEvent
from engine.errors import Conflict, InvalidData

from .conftest import PASSWORD, count, csrf_of, page_login

DEVELOPER_TEXT = ("Not Found", "Method Not Allowed", "Traceback", "RuntimeError", "OperationalError",
                  "internal error", "task 7", "a bug", "connection refused", "only unit heads")


@pytest.fixture
def failing(app):
    """Routes that fail the way the services and the database do."""
    def conflict():
        raise Conflict("task 7 was completed by someone else")

    def invalid():
        raise InvalidData("form data not valid", {"reason": "Trường «Lý do» là bắt buộc.", "x": "Field required"})

    def crash():
        raise RuntimeError("a bug")

    def outage():
        raise db_errors.OperationalError("SELECT 1", {}, Exception("connection refused"))

    for name, endpoint in (("conflict", conflict), ("invalid", invalid), ("crash", crash), ("outage", outage)):
        app.add_api_route(f"/failing/{name}", endpoint)
        app.add_api_route(f"/api/failing/{name}", endpoint)
    return app


def signed_in(app, username: str, locale: str = "vi") -> TestClient:
    browser = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
    page_login(browser, username)
    if locale != "vi":
        browser.cookies.set("lang", locale)
    return browser


def assert_error_page(response, status: int, heading: str, *, menu_of: str | None) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{heading}</h1>" in response.text
    for text in DEVELOPER_TEXT:
        assert text not in response.text, text
    if menu_of:
        assert menu_of in response.text and 'action="/logout"' in response.text and 'href="/tasks"' in response.text
    else:
        assert 'action="/logout"' not in response.text


def test_an_unknown_page_is_a_vietnamese_404_with_the_menu(app, client, province):
    response = signed_in(app, "a.leader").get("/no-such-page")
    assert_error_page(response, 404, "Không tìm thấy", menu_of="leader a")
    assert "Không tìm thấy trang hoặc văn bản yêu cầu." in response.text


def test_the_same_page_in_english(app, client, province):
    response = signed_in(app, "a.leader", "en").get("/no-such-page")
    assert_error_page(response, 404, "Page not found", menu_of="leader a")
    assert '<html lang="en">' in response.text and "Không tìm thấy" not in response.text


def test_without_a_session_the_page_offers_the_login(app, client, province):
    response = TestClient(app).get("/no-such-page")
    assert_error_page(response, 404, "Không tìm thấy", menu_of=None)
    assert 'href="/login"' in response.text


def test_a_wrong_method_is_a_405_page(app, client, province):
    response = signed_in(app, "a.leader").delete("/tasks")
    assert_error_page(response, 405, "Thao tác không được hỗ trợ", menu_of="leader a")


def test_a_refused_role_gets_a_403_page_without_the_services_english(app, client, province):
    response = signed_in(app, "a.staff").get("/incoming/requests")
    assert_error_page(response, 403, "Không có quyền truy cập", menu_of="staff a")
    assert "Bạn không có quyền thực hiện thao tác này." in response.text


def test_a_conflict_is_explained_in_the_users_language(failing, client, province):
    assert_error_page(signed_in(failing, "a.leader").get("/failing/conflict"), 409, "Dữ liệu đã thay đổi",
                      menu_of="leader a")
    assert_error_page(signed_in(failing, "a.leader", "en").get("/failing/conflict"), 409, "Changed in the meantime",
                      menu_of="leader a")


def test_invalid_data_shows_the_messages_written_for_people_only(failing, client, province):
    response = signed_in(failing, "a.leader").get("/failing/invalid")
    assert_error_page(response, 422, "Dữ liệu chưa hợp lệ", menu_of="leader a")
    assert "Trường «Lý do» là bắt buộc." in response.text and "Field required" not in response.text
    english = signed_in(failing, "a.leader", "en").get("/failing/invalid")
    assert "The field “Reason” is required." in english.text


def test_a_crash_is_a_500_page_with_the_menu_and_no_trace(failing, client, province):
    response = signed_in(failing, "a.leader").get("/failing/crash")
    assert_error_page(response, 500, "Lỗi hệ thống", menu_of="leader a")
    assert response.headers["X-Frame-Options"] == "DENY"


def test_an_outage_is_a_503_page_that_offers_to_retry(failing, client, province):
    response = signed_in(failing, "a.leader").get("/failing/outage?page=2")
    assert_error_page(response, 503, "Hệ thống tạm thời gián đoạn", menu_of=None)
    assert 'href="/failing/outage?page=2"' in response.text and int(response.headers["Retry-After"]) > 0


def test_when_the_database_fails_the_page_comes_without_the_menu(failing, client, province, system, monkeypatch):
    browser = signed_in(failing, "a.leader")

    def down():
        raise db_errors.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(system, "sessions", down)
    assert_error_page(browser.get("/failing/crash"), 500, "Lỗi hệ thống", menu_of=None)


@pytest.mark.parametrize("name, status", [("conflict", 409), ("invalid", 422), ("crash", 500), ("outage", 503)])
def test_under_api_errors_stay_json(failing, client, province, name, status):
    response = TestClient(failing, raise_server_exceptions=False).get(f"/api/failing/{name}")
    assert response.status_code == status and response.json()["error"]["status"] == status
    assert TestClient(failing).get("/api/no-such-thing").json() == {"error": {"status": 404, "message": "Not Found"}}


def test_a_form_without_its_csrf_token_is_refused_with_a_vietnamese_page(app, client, province, system):
    browser = signed_in(app, "a.leader")
    before = count(system, AuditEvent)
    response = browser.post("/logout", data={"csrf_token": "forged"})
    assert_error_page(response, 403, "Không có quyền truy cập", menu_of="leader a")
    assert "thiếu mã chống giả mạo" in response.text
    assert count(system, AuditEvent) == before  # not logged out, nothing recorded
    assert browser.get("/tasks").status_code == 200 and csrf_of(browser.get("/tasks").text)
    assert browser.cookies.get(SESSION_COOKIE)
