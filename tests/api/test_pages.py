"""The HTML pages: login with CSRF, the task queue, task forms, escaping, language, headers."""
from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from documents.models import AuditEvent, AuthSession
from engine.models import HistoryEntry, HumanTask
from tests.api.conftest import (LOGIN_CSRF_COOKIE, RETURN, SESSION_COOKIE, complete, count, csrf_of,
                                distribution_to, notice_diagram, only_task, register_incoming, snapshot)
from tests.conftest import PASSWORD

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


DEADLINE = "2026-11-30T17:00:00+07:00"


def distribute_task(client, api, **metadata) -> int:
    """The leader's distribution of a document the clerk has just registered."""
    return only_task(register_incoming(client, api("a.clerk"), **metadata), "distribute")["id"]


def task_row(system, task_id: int) -> HumanTask:
    with system.sessions() as session:
        return session.get(HumanTask, task_id)


def task_row_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'href="/tasks/(\d+)"', html)]


def set_cookie_headers(response) -> list[str]:
    return response.headers.get_list("set-cookie")


# --------------------------------------------------------------------------- login

def test_pages_without_a_session_redirect_to_login(browser, client, api, province):
    task_id = distribute_task(client, api)
    anonymous = browser(None)
    # A page comes back after login; a POST comes back to the page it was sent from (its
    # Referer), or to the task list when it names none.
    for method, url, back in (("GET", "/tasks", "/login"), ("GET", f"/tasks/{task_id}", f"/login?next=/tasks/{task_id}"),
                              ("POST", f"/tasks/{task_id}", "/login"), ("POST", f"/tasks/{task_id}/claim", "/login")):
        response = anonymous.request(method, url)
        assert (response.status_code, response.headers["location"]) == (303, back), url
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
    task_id = distribute_task(client, api)
    leader = browser(None)
    form = leader.get("/login")
    response = leader.post("/login", data={"username": "a.leader", "password": PASSWORD,
                                           "csrf_token": csrf_of(form.text)})
    assert (response.status_code, response.headers["location"]) == (303, "/tasks")
    session_cookie = next(c for c in set_cookie_headers(response) if c.startswith(SESSION_COOKIE))
    assert "httponly" in session_cookie.lower() and "samesite=lax" in session_cookie.lower()
    assert not leader.cookies.get(LOGIN_CSRF_COOKIE), "the login CSRF cookie is spent"

    page = leader.get("/tasks")
    assert page.status_code == 200
    assert "Việc của tôi" in page.text
    assert f'href="/tasks/{task_id}"' in page.text and "Phân phối văn bản đến" in page.text
    assert "leader a · 000.00.01.H99" in page.text
    assert "Không có việc nào" not in browser("a.leader").get("/tasks").text
    assert "Không có việc nào đang chờ bạn." in browser("a.staff").get("/tasks").text


def test_a_wrong_password_shows_the_login_page_again(browser, system, province):
    anonymous = browser(None)
    token = csrf_of(anonymous.get("/login").text)
    refused = "Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đang tạm khoá"
    for _ in range(5):
        response = anonymous.post("/login", data={"username": "a.clerk", "password": "sai-mat-khau",
                                                  "csrf_token": token})
        assert response.status_code == 401
        assert refused in response.text
        assert csrf_of(response.text) == token
    locked = anonymous.post("/login", data={"username": "a.clerk", "password": PASSWORD, "csrf_token": token})
    unknown = anonymous.post("/login", data={"username": "khong.ton.tai", "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == unknown.status_code == 401
    assert locked.text.replace("a.clerk", "khong.ton.tai") == unknown.text, "the lock is not told apart"
    assert count(system, AuthSession) == 0


def test_an_address_with_too_many_failures_is_told_to_wait(browser, province, clock):
    anonymous = browser(None)
    token = csrf_of(anonymous.get("/login").text)
    for n in range(30):
        anonymous.post("/login", data={"username": f"ai.do.{n}", "password": "sai-mat-khau", "csrf_token": token})
    response = anonymous.post("/login", data={"username": "a.clerk", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429 and response.headers["retry-after"] == "900"
    assert "Quá nhiều lần đăng nhập không thành công từ địa chỉ này" in response.text
    assert not anonymous.cookies.get(SESSION_COOKIE)


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
    task_id = distribute_task(client, api)
    leader = browser("a.leader")
    other = browser("a.leader")  # the same user's other session: its token is not this session's
    data = distribution_to(province["a.staff"])
    before = snapshot(system)
    assert leader.post(f"/tasks/{task_id}", data=data).status_code == 403
    other_token = csrf_of(other.get(f"/tasks/{task_id}").text)
    assert leader.post(f"/tasks/{task_id}", data=data | {"csrf_token": other_token}).status_code == 403
    assert leader.post(f"/tasks/{task_id}", data=data | {"csrf_token": "ô" * 43}).status_code == 403
    assert leader.post(f"/tasks/{task_id}/claim").status_code == 403
    assert snapshot(system) == before
    assert task_row(system, task_id).status == "ready"


def test_submitting_the_form_with_the_csrf_token_completes_the_task(browser, client, system, api, province):
    task_id = distribute_task(client, api)
    leader, staff = browser("a.leader"), province["a.staff"]
    page = leader.get(f"/tasks/{task_id}")
    assert page.status_code == 200 and "Ý kiến chỉ đạo" in page.text and 'name="direction"' in page.text

    form = {"decision": "assign", "lead_user_id": str(staff.user_id), "lead_unit_id": str(staff.unit_id),
            "direction": "Giao Phòng Kinh tế chủ trì.", "deadline": DEADLINE, "csrf_token": csrf_of(page.text)}
    response = leader.post(f"/tasks/{task_id}", data=form)
    assert (response.status_code, response.headers["location"]) == (303, "/tasks")
    row = task_row(system, task_id)
    assert (row.status, row.completed_by) == ("completed", str(province["a.leader"].user_id))
    with system.sessions() as session:
        data = session.scalar(sa.select(HistoryEntry.data).where(HistoryEntry.spec_name == "distribute",
                                                                 HistoryEntry.action == "completed"))
    assert (data["lead_user_id"], data["deadline"], data["coordinators"]) == (staff.user_id, DEADLINE, [])
    assert "Xử lý văn bản đến" in browser("a.staff").get("/tasks").text


def test_the_handling_result_is_sent_with_an_explicit_button_never_a_default(browser, client, system, api, province):
    instance = register_incoming(client, api("a.clerk"))
    instance = complete(client, api("a.leader"), only_task(instance, "distribute")["id"],
                        distribution_to(province["a.staff"]))
    handle = only_task(instance, "handle")["id"]
    staff = browser("a.staff")
    csrf = csrf_of(staff.get(f"/tasks/{handle}").text)
    page = staff.get(f"/tasks/{handle}").text
    assert '<button type="submit" name="completed" value="true"' in page and 'type="checkbox" name="completed"' not in page
    silent = staff.post(f"/tasks/{handle}", data={"result": "Xong", "csrf_token": csrf})
    assert silent.status_code == 422 and "Trường «Đã hoàn thành» là bắt buộc." in silent.text, "never decided by default"
    response = staff.post(f"/tasks/{handle}", data={"result": "Xong", "completed": "true", "csrf_token": csrf})
    assert response.status_code == 303, response.text
    with system.sessions() as session:
        data = session.scalar(sa.select(HistoryEntry.data).where(HistoryEntry.spec_name == "handle",
                                                                 HistoryEntry.action == "completed"))
    assert data == {"result": "Xong", "completed": True}


def test_an_invalid_form_is_a_422_page_with_the_vietnamese_message(browser, client, system, api, province):
    task_id = distribute_task(client, api)
    leader = browser("a.leader")
    csrf = csrf_of(leader.get(f"/tasks/{task_id}").text)
    before = snapshot(system)
    data = {"decision": "assign", "lead_user_id": "không phải số", "direction": "", "deadline": DEADLINE,
            "csrf_token": csrf}
    response = leader.post(f"/tasks/{task_id}", data=data)
    assert response.status_code == 422
    assert "Vui lòng sửa các lỗi dưới đây." in response.text
    assert "Trường «Ý kiến chỉ đạo» là bắt buộc." in response.text
    assert "«Người chủ trì» phải là số nguyên." in response.text
    assert 'value="30/11/2026 17:00"' in response.text, "what was typed is kept, as people read dates"
    assert snapshot(system) == before
    assert task_row(system, task_id).status == "ready"


def test_the_clerk_answers_the_leaders_return_on_the_recheck_page(browser, client, system, api, province):
    instance = register_incoming(client, api("a.clerk"))
    instance = complete(client, api("a.leader"), only_task(instance, "distribute")["id"], RETURN)
    task_id = only_task(instance, "recheck")["id"]
    clerk = browser("a.clerk")
    assert f'href="/tasks/{task_id}"' in clerk.get("/tasks").text
    page = clerk.get(f"/tasks/{task_id}")
    assert page.status_code == 200 and "Xem lại văn bản bị trả lại" in page.text
    assert "Trình lại lãnh đạo phân phối" in page.text and 'name="close_reason"' in page.text

    data = {"recheck_decision": "close", "close_reason": " ", "csrf_token": csrf_of(page.text)}
    invalid = clerk.post(f"/tasks/{task_id}", data=data)
    assert invalid.status_code == 422 and "Trường «Lý do đóng» là bắt buộc." in invalid.text
    done = clerk.post(f"/tasks/{task_id}", data=data | {"close_reason": "Gửi nhầm cơ quan."})
    assert done.status_code == 303, done.text
    assert task_row(system, task_id).status == "completed"


def test_submitting_a_task_already_completed_is_a_409_page(browser, client, system, api, province):
    task_id = distribute_task(client, api)
    leader, data = browser("a.leader"), distribution_to(province["a.staff"])
    csrf = csrf_of(leader.get(f"/tasks/{task_id}").text)
    complete(client, api("a.leader"), task_id, data)
    before = snapshot(system)
    response = leader.post(f"/tasks/{task_id}", data=data | {"csrf_token": csrf})
    assert response.status_code == 409
    assert "Bạn đã hoàn thành công việc này lúc" in response.text
    assert f'action="/tasks/{task_id}"' not in response.text, "no form that could only be refused"
    assert snapshot(system) == before


def test_claiming_from_the_page(browser, client, system, api, people):
    task_id = distribute_task(client, api)
    leader = browser("a.leader")
    csrf = csrf_of(leader.get(f"/tasks/{task_id}").text)
    response = leader.post(f"/tasks/{task_id}/claim", data={"csrf_token": csrf})
    assert (response.status_code, response.headers["location"]) == (303, f"/tasks/{task_id}")
    assert task_row(system, task_id).assignee == str(people["a.leader"].user_id)
    assert "Nhận việc" not in leader.get(f"/tasks/{task_id}").text
    assert f"/tasks/{task_id}" not in browser("a.deputy").get("/tasks").text


def test_another_agency_gets_an_error_page_not_the_task(browser, client, api, province):
    task_id = distribute_task(client, api)
    page = browser("b.leader").get(f"/tasks/{task_id}")
    assert page.status_code == 404
    assert "Có lỗi" in page.text and "Phân phối văn bản đến" not in page.text
    assert page.headers["content-type"].startswith("text/html")


# --------------------------------------------------------------------------- escaping

def test_a_script_in_the_documents_fields_is_never_rendered_raw(browser, client, api, province):
    task_id = distribute_task(client, api, subject=SCRIPT, number_notation=f'12/UBND"><b>{SCRIPT}')
    leader, staff = browser("a.leader"), province["a.staff"]
    csrf = csrf_of(leader.get(f"/tasks/{task_id}").text)
    hostile = {"decision": "assign", "lead_user_id": f'12"><b>{SCRIPT}', "lead_unit_id": str(staff.unit_id),
               "direction": f"</textarea>{SCRIPT}", "csrf_token": csrf}
    response = leader.post(f"/tasks/{task_id}", data=hostile)
    assert response.status_code == 422
    assert SCRIPT not in response.text
    assert "<b>" not in response.text and '"><b' not in response.text
    assert "</textarea><script" not in response.text
    assert ESCAPED in response.text and "&#34;&gt;&lt;b&gt;" in response.text

    response = leader.post(f"/tasks/{task_id}", data=hostile | {"lead_user_id": str(staff.user_id)})
    assert response.status_code == 303, response.text
    specialist = browser("a.staff")
    queue = specialist.get("/tasks")
    handle = specialist.get(f"/tasks/{task_row_ids(queue.text)[0]}")
    for page in (queue, handle, leader.get("/tasks")):
        assert page.status_code == 200 and SCRIPT not in page.text


def test_a_hostile_task_name_in_a_diagram_is_escaped_in_the_queue(browser, client, api, province):
    admin = api("a.process_admin")
    deployed = client.post("/api/process-definitions", headers=admin,
                           files={"file": ("notice.bpmn", notice_diagram(SCRIPT), "application/xml")})
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
    task_id = distribute_task(client, api)
    leader = browser("a.leader")
    response = leader.get("/lang/en", headers={"Referer": f"http://testserver/tasks/{task_id}"})
    assert (response.status_code, response.headers["location"]) == (303, f"/tasks/{task_id}")
    assert leader.cookies.get("lang") == "en"
    page = leader.get("/tasks")
    assert "My tasks" in page.text and "Việc của tôi" not in page.text and '<html lang="en">' in page.text
    form = leader.get(f"/tasks/{task_id}")
    assert "Direction" in form.text and "Assign for handling" in form.text and "Lead" in form.text

    assert leader.get("/lang/vi").headers["location"] == "/tasks"
    assert "Việc của tôi" in leader.get("/tasks").text
    leader.get("/lang/xx")
    assert "Việc của tôi" in leader.get("/tasks").text, "an unknown language changes nothing"


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
    """The session row is committed before the redirect is sent: a commit that loses the database
    is a 503 page (with the security headers), never a cookie for a session that does not exist."""
    anonymous = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
    token = csrf_of(anonymous.get("/login").text)

    def refuse(session):
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    sa.event.listen(system.sessions, "before_commit", refuse)
    try:
        response = anonymous.post("/login", data={"username": "a.clerk", "password": PASSWORD, "csrf_token": token})
    finally:
        sa.event.remove(system.sessions, "before_commit", refuse)
    assert response.status_code == 503 and response.headers["retry-after"]
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-frame-options"] == "DENY"
    assert not anonymous.cookies.get(SESSION_COOKIE)
    assert count(system, AuthSession) == 0


def test_english_pages_translate_the_form_title_options_errors_and_csrf(browser, client, api, province):
    task_id = distribute_task(client, api)
    leader = browser("a.leader")
    leader.get("/lang/en")
    form = leader.get(f"/tasks/{task_id}").text
    assert "Distribute incoming document" in form and "Return to the clerk" in form and "Trả lại văn thư" not in form
    invalid = leader.post(f"/tasks/{task_id}", data={"csrf_token": csrf_of(form), "direction": ""})
    assert invalid.status_code == 422
    assert "is required" in invalid.text and "bắt buộc" not in invalid.text
    forged = leader.post(f"/tasks/{task_id}", data={"direction": "x"})
    assert forged.status_code == 403 and "anti-forgery" in forged.text
    leader.get("/lang/vi")
    forged = leader.post(f"/tasks/{task_id}", data={"direction": "x"})
    assert forged.status_code == 403 and "chống giả mạo" in forged.text


def test_my_tasks_page_is_paged(browser, client, api, province, monkeypatch):
    from documents import worklist

    monkeypatch.setattr(worklist, "PAGE_SIZE", 2)
    for n in range(3):
        register_incoming(client, api("a.clerk"), number_notation=f"{n}/UBND-VX")
    leader = browser("a.leader")
    first, second = leader.get("/tasks"), leader.get("/tasks?page=2")
    assert first.text.count('href="/tasks/') == 2 and 'href="/tasks?page=2" rel="next"' in first.text
    assert second.text.count('href="/tasks/') == 1 and 'href="/tasks?page=1" rel="prev"' in second.text
    assert 'rel="next"' not in second.text
    assert leader.get("/tasks?page=0").status_code == 422
