"""The HTML pages: login with CSRF, the task queue, task forms, escaping, language, headers."""
from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from documents.models import AuditEvent, AuthSession
from engine.models import HistoryEntry, HumanTask
from tests.api.conftest import (LOGIN_CSRF_COOKIE, REGISTER, SESSION_COOKIE, complete, count, csrf_of,
                                distribution_to, only_task, snapshot, start_incoming)
from tests.conftest import PASSWORD

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def register_task(client, api) -> int:
    return only_task(start_incoming(client, api("a.clerk")), "register")["id"]


def task_row(system, task_id: int) -> HumanTask:
    with system.sessions() as session:
        return session.get(HumanTask, task_id)


def task_row_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'href="/tasks/(\d+)"', html)]


def set_cookie_headers(response) -> list[str]:
    return response.headers.get_list("set-cookie")


# --------------------------------------------------------------------------- login

def test_pages_without_a_session_redirect_to_login(browser, client, api, province):
    task_id = register_task(client, api)
    anonymous = browser(None)
    for method, url in (("GET", "/tasks"), ("GET", f"/tasks/{task_id}"), ("POST", f"/tasks/{task_id}"),
                        ("POST", f"/tasks/{task_id}/claim")):
        response = anonymous.request(method, url)
        assert (response.status_code, response.headers["location"]) == (303, "/login"), url
    assert anonymous.get("/").headers["location"] == "/tasks"
    anonymous.cookies.set(SESSION_COOKIE, "forged-session")
    assert anonymous.get("/tasks").headers["location"] == "/login"


def test_the_login_page_sets_the_csrf_cookie_it_embeds(browser, province):
    anonymous = browser(None)
    response = anonymous.get("/login")
    assert response.status_code == 200
    assert "Đăng nhập" in response.text and '<html lang="vi">' in response.text
    token = csrf_of(response.text)
    assert anonymous.cookies.get(LOGIN_CSRF_COOKIE) == token
    cookie = next(c for c in set_cookie_headers(response) if c.startswith(LOGIN_CSRF_COOKIE))
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert anonymous.get("/login").cookies.get(LOGIN_CSRF_COOKIE) != token, "a fresh token per form"


def test_login_without_the_csrf_token_is_403_and_logs_nobody_in(browser, system, province):
    anonymous = browser(None)
    token = csrf_of(anonymous.get("/login").text)
    credentials = {"username": "a.clerk", "password": PASSWORD}
    attempts = [credentials, credentials | {"csrf_token": "sai"}, credentials | {"csrf_token": "é" * 43}]
    for data in attempts:
        response = anonymous.post("/login", data=data)
        assert response.status_code == 403, (data, response.text)
    stranger = browser(None)  # has the token (say, from a forged form) but not the cookie
    assert stranger.post("/login", data=credentials | {"csrf_token": token}).status_code == 403
    assert not anonymous.cookies.get(SESSION_COOKIE) and not stranger.cookies.get(SESSION_COOKIE)
    assert count(system, AuthSession) == 0
    assert count(system, AuditEvent, AuditEvent.action.like("login.%")) == 0


def test_a_real_login_lands_on_the_task_queue_in_vietnamese(browser, client, api, province):
    task_id = register_task(client, api)
    clerk = browser(None)
    form = clerk.get("/login")
    response = clerk.post("/login", data={"username": "a.clerk", "password": PASSWORD,
                                          "csrf_token": csrf_of(form.text)})
    assert (response.status_code, response.headers["location"]) == (303, "/tasks")
    session_cookie = next(c for c in set_cookie_headers(response) if c.startswith(SESSION_COOKIE))
    assert "httponly" in session_cookie.lower() and "samesite=lax" in session_cookie.lower()
    assert not clerk.cookies.get(LOGIN_CSRF_COOKIE), "the login CSRF cookie is spent"

    page = clerk.get("/tasks")
    assert page.status_code == 200
    assert "Việc cần xử lý" in page.text
    assert f'href="/tasks/{task_id}"' in page.text and "Vào sổ văn bản đến" in page.text
    assert "clerk a · 000.00.01.H99" in page.text
    assert "Không có việc nào" not in browser("a.clerk").get("/tasks").text
    assert "Không có việc nào đang chờ bạn." in browser("a.staff").get("/tasks").text


def test_a_wrong_password_shows_the_login_page_again(browser, system, province):
    anonymous = browser(None)
    token = csrf_of(anonymous.get("/login").text)
    for _ in range(5):
        response = anonymous.post("/login", data={"username": "a.clerk", "password": "sai-mat-khau",
                                                  "csrf_token": token})
        assert response.status_code == 401
        assert "Sai tên đăng nhập hoặc mật khẩu." in response.text
        assert csrf_of(response.text) == token
    locked = anonymous.post("/login", data={"username": "a.clerk", "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == 423 and "Tài khoản tạm khóa" in locked.text
    assert count(system, AuthSession) == 0


def test_logout_needs_the_csrf_token_and_ends_the_session(browser, system, province):
    clerk = browser("a.clerk")
    csrf = csrf_of(clerk.get("/tasks").text)
    assert clerk.post("/logout").status_code == 403
    assert clerk.get("/tasks").status_code == 200

    response = clerk.post("/logout", data={"csrf_token": csrf})
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    with system.sessions() as session:
        assert session.scalar(sa.select(AuthSession.revoked).where(AuthSession.kind == "web")) is True
    assert clerk.get("/tasks").headers["location"] == "/login"


# --------------------------------------------------------------------------- task forms

def test_submitting_without_the_csrf_token_is_403_and_completes_nothing(browser, client, system, api, province):
    task_id = register_task(client, api)
    clerk = browser("a.clerk")
    other = browser("a.clerk")  # the same user's other session: its token is not this session's
    before = snapshot(system)
    assert clerk.post(f"/tasks/{task_id}", data=REGISTER).status_code == 403
    other_token = csrf_of(other.get(f"/tasks/{task_id}").text)
    assert clerk.post(f"/tasks/{task_id}", data=REGISTER | {"csrf_token": other_token}).status_code == 403
    assert clerk.post(f"/tasks/{task_id}", data=REGISTER | {"csrf_token": "ô" * 43}).status_code == 403
    assert clerk.post(f"/tasks/{task_id}/claim").status_code == 403
    assert snapshot(system) == before
    assert task_row(system, task_id).status == "ready"


def test_submitting_the_form_with_the_csrf_token_completes_the_task(browser, client, system, api, province):
    task_id = register_task(client, api)
    clerk = browser("a.clerk")
    page = clerk.get(f"/tasks/{task_id}")
    assert page.status_code == 200 and "Trích yếu" in page.text and 'name="subject"' in page.text

    response = clerk.post(f"/tasks/{task_id}", data=REGISTER | {"page_count": "3", "csrf_token": csrf_of(page.text)})
    assert (response.status_code, response.headers["location"]) == (303, "/tasks")
    row = task_row(system, task_id)
    assert (row.status, row.completed_by) == ("completed", str(province["a.clerk"].user_id))
    with system.sessions() as session:
        data = session.scalar(sa.select(HistoryEntry.data).where(HistoryEntry.spec_name == "register",
                                                                 HistoryEntry.action == "completed"))
    assert data["page_count"] == 3 and data["subject"] == REGISTER["subject"]
    assert "Phân phối văn bản đến" in browser("a.leader").get("/tasks").text


def test_checkboxes_become_booleans(browser, client, system, api, province):
    instance = start_incoming(client, api("a.clerk"))
    instance = complete(client, api("a.clerk"), only_task(instance, "register")["id"], REGISTER)
    instance = complete(client, api("a.leader"), only_task(instance, "distribute")["id"],
                        distribution_to(province["a.staff"]))
    handle = only_task(instance, "handle")["id"]
    staff = browser("a.staff")
    csrf = csrf_of(staff.get(f"/tasks/{handle}").text)
    response = staff.post(f"/tasks/{handle}", data={"result": "Xong", "completed": "on", "csrf_token": csrf})
    assert response.status_code == 303, response.text
    with system.sessions() as session:
        data = session.scalar(sa.select(HistoryEntry.data).where(HistoryEntry.spec_name == "handle",
                                                                 HistoryEntry.action == "completed"))
    assert data == {"result": "Xong", "completed": True}


def test_an_invalid_form_is_a_422_page_with_the_vietnamese_message(browser, client, system, api, province):
    task_id = register_task(client, api)
    clerk = browser("a.clerk")
    csrf = csrf_of(clerk.get(f"/tasks/{task_id}").text)
    before = snapshot(system)
    data = REGISTER | {"subject": "", "page_count": "không phải số", "csrf_token": csrf}
    response = clerk.post(f"/tasks/{task_id}", data=data)
    assert response.status_code == 422
    assert "Vui lòng sửa các lỗi dưới đây." in response.text
    assert "Trường «Trích yếu» là bắt buộc." in response.text
    assert "«Số trang» phải là số nguyên." in response.text
    assert REGISTER["number_notation"] in response.text, "what was typed is kept"
    assert snapshot(system) == before
    assert task_row(system, task_id).status == "ready"


def test_submitting_a_task_already_completed_is_a_409_page(browser, client, system, api, province):
    task_id = register_task(client, api)
    clerk = browser("a.clerk")
    csrf = csrf_of(clerk.get(f"/tasks/{task_id}").text)
    complete(client, api("a.clerk"), task_id, REGISTER)
    before = snapshot(system)
    response = clerk.post(f"/tasks/{task_id}", data=REGISTER | {"csrf_token": csrf})
    assert response.status_code == 409
    assert "Công việc đã được người khác xử lý hoặc thay đổi." in response.text
    assert snapshot(system) == before


def test_claiming_from_the_page(browser, client, system, api, people):
    task_id = register_task(client, api)
    clerk = browser("a.clerk")
    csrf = csrf_of(clerk.get(f"/tasks/{task_id}").text)
    response = clerk.post(f"/tasks/{task_id}/claim", data={"csrf_token": csrf})
    assert (response.status_code, response.headers["location"]) == (303, f"/tasks/{task_id}")
    assert task_row(system, task_id).assignee == str(people["a.clerk"].user_id)
    assert "Nhận việc" not in clerk.get(f"/tasks/{task_id}").text
    assert f"/tasks/{task_id}" not in browser("a.clerk2").get("/tasks").text


def test_another_agency_gets_an_error_page_not_the_task(browser, client, api, province):
    task_id = register_task(client, api)
    page = browser("b.clerk").get(f"/tasks/{task_id}")
    assert page.status_code == 404
    assert "Có lỗi" in page.text and "Vào sổ văn bản đến" not in page.text
    assert page.headers["content-type"].startswith("text/html")


# --------------------------------------------------------------------------- escaping

def test_a_script_in_the_documents_fields_is_never_rendered_raw(browser, client, api, province):
    task_id = register_task(client, api)
    clerk = browser("a.clerk")
    csrf = csrf_of(clerk.get(f"/tasks/{task_id}").text)
    hostile = REGISTER | {"subject": SCRIPT, "number_notation": f'12/UBND"><b>{SCRIPT}',
                          "notes": f"</textarea>{SCRIPT}", "document_date": "", "csrf_token": csrf}
    response = clerk.post(f"/tasks/{task_id}", data=hostile)
    assert response.status_code == 422
    assert SCRIPT not in response.text
    assert "<b>" not in response.text and '"><' not in response.text
    assert "</textarea><script" not in response.text
    assert ESCAPED in response.text and "&#34;&gt;&lt;b&gt;" in response.text

    response = clerk.post(f"/tasks/{task_id}", data=hostile | {"document_date": "2026-11-20"})
    assert response.status_code == 303, response.text
    leader = browser("a.leader")
    queue = leader.get("/tasks")
    distribute = leader.get(f"/tasks/{task_row_ids(queue.text)[0]}")
    for page in (queue, distribute, clerk.get("/tasks")):
        assert page.status_code == 200 and SCRIPT not in page.text


def test_a_hostile_task_name_in_a_diagram_is_escaped_in_the_queue(browser, client, api, province):
    diagram = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="x_definitions"
                  targetNamespace="https://qlvbdh.example/bpmn">
  <bpmn:process id="notice" name="Thông báo" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="read" name="&lt;script&gt;alert(1)&lt;/script&gt;">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="read"/>
    <bpmn:sequenceFlow id="f2" sourceRef="read" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()
    admin = api("a.process_admin")
    deployed = client.post("/api/process-definitions", headers=admin,
                           files={"file": ("notice.bpmn", diagram, "application/xml")})
    assert deployed.status_code == 201, deployed.text
    started = client.post("/api/process-instances", headers=admin, json={"key": "notice", "data": {}})
    assert started.status_code == 201, started.text
    task_id = only_task(started.json(), "read")["id"]
    assert started.json()["tasks"][0]["title"] == SCRIPT

    pages = browser("a.process_admin")
    for url in ("/tasks", f"/tasks/{task_id}"):
        page = pages.get(url)
        assert page.status_code == 200
        assert SCRIPT not in page.text and ESCAPED in page.text, url


def test_a_hostile_username_is_escaped_on_the_login_page(browser, province):
    anonymous = browser(None)
    token = csrf_of(anonymous.get("/login").text)
    response = anonymous.post("/login", data={"username": f'"><{SCRIPT}', "password": "x", "csrf_token": token})
    assert response.status_code == 401
    assert SCRIPT not in response.text and ESCAPED in response.text


# --------------------------------------------------------------------------- language and headers

def test_lang_en_switches_the_pages_to_english_and_back(browser, client, api, province):
    task_id = register_task(client, api)
    clerk = browser("a.clerk")
    response = clerk.get("/lang/en", headers={"Referer": f"http://testserver/tasks/{task_id}"})
    assert (response.status_code, response.headers["location"]) == (303, f"/tasks/{task_id}")
    assert clerk.cookies.get("lang") == "en"
    page = clerk.get("/tasks")
    assert "My tasks" in page.text and "Việc cần xử lý" not in page.text and '<html lang="en">' in page.text
    form = clerk.get(f"/tasks/{task_id}")
    assert "Subject" in form.text and "Complete" in form.text

    assert clerk.get("/lang/vi").headers["location"] == "/tasks"
    assert "Việc cần xử lý" in clerk.get("/tasks").text
    clerk.get("/lang/xx")
    assert "Việc cần xử lý" in clerk.get("/tasks").text, "an unknown language changes nothing"


def test_the_language_switch_never_redirects_off_site(browser, province):
    anonymous = browser(None)
    for referer in ("https://evil.example/phish", "//evil.example/x", "http://testserver.evil.example/x",
                    "javascript:alert(1)"):
        location = anonymous.get("/lang/en", headers={"Referer": referer}).headers["location"]
        assert location.startswith("/") and not location.startswith("//"), (referer, location)
    assert anonymous.get("/lang/en", headers={"Referer": "http://testserver/login?next=1"}).headers["location"] \
        == "/login?next=1"


def test_security_headers_are_on_every_kind_of_response(browser, client, api, province):
    clerk = browser("a.clerk")
    responses = [clerk.get("/tasks"), browser(None).get("/login"), browser(None).get("/tasks"),
                 clerk.get("/tasks/999999"), client.get("/api/auth/me"),
                 client.get("/api/tasks", headers=api("a.clerk")), client.get("/static/app.css")]
    for response in responses:
        assert response.headers["x-frame-options"] == "DENY", response.url
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


def test_a_login_whose_commit_fails_hands_out_no_session(app, client, system, province):
    """The session row is committed before the redirect is sent: a failed commit is a 500 page
    (with the security headers), never a cookie for a session that does not exist."""
    anonymous = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
    token = csrf_of(anonymous.get("/login").text)

    def refuse(session):
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    sa.event.listen(system.sessions, "before_commit", refuse)
    try:
        response = anonymous.post("/login", data={"username": "a.clerk", "password": PASSWORD, "csrf_token": token})
    finally:
        sa.event.remove(system.sessions, "before_commit", refuse)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-frame-options"] == "DENY"
    assert not anonymous.cookies.get(SESSION_COOKIE)
    assert count(system, AuthSession) == 0


def test_english_pages_translate_the_form_title_options_errors_and_csrf(browser, client, api, province):
    task_id = register_task(client, api)
    clerk = browser("a.clerk")
    clerk.get("/lang/en")
    form = clerk.get(f"/tasks/{task_id}").text
    assert "Register incoming document" in form and "Very urgent" in form and "Thượng khẩn" not in form
    invalid = clerk.post(f"/tasks/{task_id}", data={"csrf_token": csrf_of(form), "subject": ""})
    assert invalid.status_code == 422
    assert "is required" in invalid.text and "bắt buộc" not in invalid.text
    forged = clerk.post(f"/tasks/{task_id}", data={"subject": "x"})
    assert forged.status_code == 403 and "anti-forgery" in forged.text
    clerk.get("/lang/vi")
    forged = clerk.post(f"/tasks/{task_id}", data={"subject": "x"})
    assert forged.status_code == 403 and "chống giả mạo" in forged.text
