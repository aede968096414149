"""The agency admin's pages and the user's own account over HTTP: each action works and is
audited, is refused to a clerk (403), to another agency's admin (404) and without the CSRF token
(403), and a refused form comes back with the message next to its field."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from documents.models import AuditEvent, AuthSession, OrgUnit, User, UserRole
from engine.db import unit_of_work
from tests.api.conftest import AGENCY_A, LOGIN_CSRF_COOKIE, csrf_of
from tests.conftest import PASSWORD

NEW_PASSWORD = "hoa-sen-nở-giữa-hồ-2026"


def _post(browser, url: str, data: dict, page: str | None = None):
    """POST a form with the CSRF token of the page it is on (``page``, default the URL itself)."""
    token = csrf_of(browser.get(page or url.split("#")[0]).text)
    return browser.post(url, data={**data, "csrf_token": token})


def _actions(system, action: str) -> list[AuditEvent]:
    with unit_of_work(system.sessions) as session:
        return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _user(system, username: str) -> User:
    with unit_of_work(system.sessions) as session:
        user = session.scalar(sa.select(User).where(User.username == username))
        session.expunge(user)
        return user


def _unit_id(system, agency_code: str = AGENCY_A, name: str = "Phòng Kinh tế") -> int:
    from documents.models import Agency
    with unit_of_work(system.sessions) as session:
        return session.scalar(sa.select(OrgUnit.id).join(Agency, Agency.id == OrgUnit.agency_id)
                              .where(Agency.code == agency_code, OrgUnit.name == name))


def _login(browser_factory, username: str, password: str) -> int:
    anonymous = browser_factory(None)
    form = anonymous.get("/login")
    response = anonymous.post("/login", data={"username": username, "password": password,
                                              "csrf_token": anonymous.cookies.get(LOGIN_CSRF_COOKIE)})
    assert form.status_code == 200
    return response.status_code


def test_the_admin_creates_a_user_who_then_logs_in(browser, system, province):
    admin = browser("a.admin")
    unit = _unit_id(system)
    response = _post(admin, "/admin/users", {"full_name": "Đặng Thị Mới", "username": "  A.Moi ", "unit_id": unit,
                                             "position": "Chuyên viên", "roles": ["staff", "clerk"],
                                             "password": NEW_PASSWORD})
    assert response.status_code == 303
    created = _user(system, "a.moi")
    assert response.headers["location"] == f"/admin/users/{created.id}?created=1"
    assert created.unit_id == unit and created.full_name == "Đặng Thị Mới"
    with unit_of_work(system.sessions) as session:
        assert sorted(session.scalars(sa.select(UserRole.role).where(UserRole.user_id == created.id))) == \
            ["clerk", "staff"]
    assert [event.actor_id for event in _actions(system, "user.created") if event.object_id == str(created.id)] == \
        [province["a.admin"].user_id]
    listing = admin.get("/admin/users?q=mới").text
    assert "Đặng Thị Mới" in listing and "Văn thư, Chuyên viên" in listing and "chuyenvien" not in listing
    assert _login(browser, "a.moi", NEW_PASSWORD) == 303


def test_a_generated_password_is_shown_once_and_works(browser, system, province):
    admin = browser("a.admin")
    response = _post(admin, "/admin/users", {"full_name": "Lý Văn Sinh", "username": "a.sinh", "unit_id": "",
                                             "roles": ["staff"], "password": ""})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    password = re.search(r'id="generated-password">([^<]+)<', response.text).group(1)
    assert _login(browser, "a.sinh", password) == 303
    assert password not in admin.get(f"/admin/users/{_user(system, 'a.sinh').id}").text


def test_refused_creation_keeps_what_was_typed_with_each_message_at_its_field(browser, system, province):
    admin = browser("a.admin")
    response = _post(admin, "/admin/users", {"full_name": "Trùng Tên", "username": "a.clerk", "position": "Kế toán",
                                             "roles": ["leader"], "password": "qwertyuiop"})
    assert response.status_code == 422
    html = response.text
    assert "Tên đăng nhập này đã có người dùng." in html
    assert "Mật khẩu quá đơn giản" in html
    assert 'value="Trùng Tên"' in html and 'value="Kế toán"' in html
    assert re.search(r'value="leader" checked', html)
    assert "qwertyuiop" not in html  # a password is never sent back
    assert _user(system, "a.clerk").full_name == "clerk a"
    none = _post(admin, "/admin/users", {"full_name": "", "username": "a.khong", "roles": []})
    assert none.status_code == 422 and "Cần nhập họ và tên." in none.text and "Chọn ít nhất một vai trò." in none.text


def test_a_weak_password_is_refused_next_to_the_field_in_english_too(browser, system, province):
    admin = browser("a.admin")
    admin.cookies.set("lang", "en")
    response = _post(admin, "/admin/users", {"full_name": "Weak", "username": "a.weak", "roles": ["staff"],
                                             "password": "a.weak-password"})
    assert response.status_code == 422
    field = re.search(r'<div class="field invalid">.*?name="password".*?<p class="error">([^<]+)</p>', response.text,
                      re.S)
    assert field and field.group(1) == "The password must not contain the username."


def test_the_admin_edits_unit_position_and_roles_audited(browser, system, province):
    admin = browser("a.admin")
    clerk = province["a.clerk"]
    unit = _unit_id(system)
    response = _post(admin, f"/admin/users/{clerk.user_id}", {"full_name": "clerk a", "unit_id": unit,
                                                             "position": "Văn thư chính", "roles": ["clerk", "staff"]})
    assert response.status_code == 303 and response.headers["location"].endswith("?done=saved")
    user = _user(system, "a.clerk")
    assert (user.unit_id, user.position) == (unit, "Văn thư chính")
    event = [e for e in _actions(system, "user.updated") if e.object_id == str(clerk.user_id)][0]
    assert event.before["roles"] == ["clerk"] and event.after["roles"] == ["clerk", "staff"]


def test_an_admin_keeps_their_own_admin_role_and_cannot_disable_themselves(browser, system, province):
    admin = browser("a.admin")
    me = province["a.admin"].user_id
    response = _post(admin, f"/admin/users/{me}", {"full_name": "admin a", "roles": ["staff"]})
    assert response.status_code == 422
    assert "Bạn không thể tự bỏ vai trò quản trị người dùng của chính mình." in response.text
    response = _post(admin, f"/admin/users/{me}/disable", {}, page=f"/admin/users/{me}")
    assert response.status_code == 422 and "Bạn không thể tự khoá tài khoản của chính mình." in response.text
    assert _user(system, "a.admin").active


def test_disabling_ends_the_sessions_and_refuses_login_until_enabled(browser, system, province):
    admin = browser("a.admin")
    staff = browser("a.staff")
    assert staff.get("/account").status_code == 200
    user_id = province["a.staff"].user_id
    response = _post(admin, f"/admin/users/{user_id}/disable", {}, page=f"/admin/users/{user_id}")
    assert response.status_code == 303
    assert staff.get("/account").status_code == 303  # the open session is over: back to the login
    with unit_of_work(system.sessions) as session:
        assert not session.scalar(sa.select(sa.func.count()).select_from(AuthSession).where(
            AuthSession.user_id == user_id, AuthSession.revoked.is_(False)))
    assert _login(browser, "a.staff", PASSWORD) == 401
    assert len(_actions(system, "user.disabled")) == 1
    assert _post(admin, f"/admin/users/{user_id}/enable", {}, page=f"/admin/users/{user_id}").status_code == 303
    assert _login(browser, "a.staff", PASSWORD) == 303
    assert len(_actions(system, "user.enabled")) == 1


def test_a_reset_password_ends_the_sessions_and_follows_the_policy(browser, system, province):
    admin = browser("a.admin")
    staff = browser("a.staff")
    user_id = province["a.staff"].user_id
    weak = _post(admin, f"/admin/users/{user_id}/password", {"password": "matkhau123"}, page=f"/admin/users/{user_id}")
    assert weak.status_code == 422 and 'class="error">Mật khẩu' in weak.text
    assert staff.get("/account").status_code == 200
    response = _post(admin, f"/admin/users/{user_id}/password", {"password": NEW_PASSWORD},
                     page=f"/admin/users/{user_id}")
    assert response.status_code == 303
    assert staff.get("/account").status_code == 303
    assert _login(browser, "a.staff", PASSWORD) == 401
    assert _login(browser, "a.staff", NEW_PASSWORD) == 303
    assert [e.object_id for e in _actions(system, "user.password_reset")] == [str(user_id)]


def test_units_are_created_moved_without_cycles_and_deactivated_only_when_empty(browser, system, province):
    admin = browser("a.admin")
    economy = _unit_id(system)
    assert _post(admin, "/admin/units", {"name": "Tổ Đầu tư", "parent_id": economy}).status_code == 303
    team = _unit_id(system, name="Tổ Đầu tư")
    same = _post(admin, "/admin/units", {"name": "phòng kinh tế", "parent_id": ""})
    assert same.status_code == 422 and "Cơ quan đã có một đơn vị mang tên này." in same.text
    cycle = _post(admin, f"/admin/units/{economy}", {"name": "Phòng Kinh tế", "parent_id": team}, page="/admin/units")
    assert cycle.status_code == 422 and "Không thể đặt một đơn vị vào chính nó" in cycle.text
    renamed = _post(admin, f"/admin/units/{team}", {"name": "Tổ Đầu tư công", "parent_id": ""}, page="/admin/units")
    assert renamed.status_code == 303
    with unit_of_work(system.sessions) as session:
        unit = session.get(OrgUnit, team)
        assert (unit.name, unit.parent_id) == ("Tổ Đầu tư công", None)
    busy = _post(admin, f"/admin/units/{economy}/deactivate", {}, page="/admin/units")
    assert busy.status_code == 422 and "Đơn vị còn người dùng đang hoạt động" in busy.text
    assert _post(admin, f"/admin/units/{team}/deactivate", {}, page="/admin/units").status_code == 303
    with unit_of_work(system.sessions) as session:
        assert not session.get(OrgUnit, team).active
    # a deactivated unit is offered no more to place a user in
    response = _post(admin, "/admin/users", {"full_name": "X", "username": "a.x", "unit_id": team, "roles": ["staff"],
                                             "password": NEW_PASSWORD})
    assert response.status_code == 422 and "Chọn một đơn vị đang hoạt động của cơ quan." in response.text
    assert {e.action for e in _actions(system, "unit.created") + _actions(system, "unit.updated")
            + _actions(system, "unit.deactivated")} == {"unit.created", "unit.updated", "unit.deactivated"}


def test_the_agency_settings_rename_and_set_the_calendar(browser, system, province):
    admin = browser("a.admin")
    assert _post(admin, "/admin/agency", {"name": "  Cơ quan A mới "}).status_code == 303
    assert "Cơ quan A mới" in admin.get("/admin/agency").text
    hours = {"am_start": ["07:00"] * 5 + [""] * 2, "am_end": ["11:00"] * 5 + [""] * 2,
             "pm_start": ["13:00"] * 5 + [""] * 2, "pm_end": ["16:30"] * 5 + [""] * 2}
    assert _post(admin, "/admin/agency/hours", hours, page="/admin/agency").status_code == 303
    from documents.calendar.service import working_hours
    with unit_of_work(system.sessions) as session:
        week = working_hours(session, province["a.admin"].agency_id)
    assert [f"{s:%H:%M}-{e:%H:%M}" for s, e in week[0]] == ["07:00-11:00", "13:00-16:30"] and week[5] == ()
    bad = dict(hours, pm_end=["12:00"] + ["16:30"] * 4 + [""] * 2)
    refused = _post(admin, "/admin/agency/hours", bad, page="/admin/agency")
    assert refused.status_code == 422 and 'value="12:00"' in refused.text
    day = _post(admin, "/admin/agency/days", {"day": "2026-12-24", "kind": "day_off", "note": "Nghỉ riêng"},
                page="/admin/agency")
    assert day.status_code == 303 and "24/12/2026" in admin.get("/admin/agency").text
    assert {"agency.renamed", "calendar.hours_set", "calendar.special_day_added"} <= {
        e.action for name in ("agency.renamed", "calendar.hours_set", "calendar.special_day_added")
        for e in _actions(system, name)}


@pytest.mark.parametrize("url", ["/admin/users", "/admin/units", "/admin/agency"])
def test_a_clerk_is_refused_the_admin_pages(browser, province, url):
    assert browser("a.clerk").get(url).status_code == 403


def test_a_clerk_cannot_post_admin_forms(browser, system, province):
    clerk = browser("a.clerk")
    token = csrf_of(clerk.get("/account").text)
    target = province["a.staff"].user_id
    for url, data in ((f"/admin/users/{target}/disable", {}), ("/admin/units", {"name": "Lén"}),
                      ("/admin/users", {"full_name": "Lén", "username": "a.len", "roles": ["admin"],
                                        "password": NEW_PASSWORD})):
        assert clerk.post(url, data={**data, "csrf_token": token}).status_code == 403
    assert _user(system, "a.staff").active


def test_another_agencys_users_and_units_are_not_found(browser, system, province):
    admin_b = browser("b.admin")
    token = csrf_of(admin_b.get("/admin/users").text)
    target = province["a.staff"].user_id
    unit = _unit_id(system)
    assert admin_b.get(f"/admin/users/{target}").status_code == 404
    for url, data in ((f"/admin/users/{target}", {"full_name": "x", "roles": ["staff"]}),
                      (f"/admin/users/{target}/disable", {}), (f"/admin/users/{target}/password", {}),
                      (f"/admin/units/{unit}", {"name": "x"}), (f"/admin/units/{unit}/deactivate", {})):
        assert admin_b.post(url, data={**data, "csrf_token": token}).status_code == 404, url
    # nor placed in one of its units
    response = admin_b.post("/admin/users", data={"full_name": "x", "username": "b.x", "unit_id": unit,
                                                  "roles": ["staff"], "password": NEW_PASSWORD, "csrf_token": token})
    assert response.status_code == 422
    listing = admin_b.get("/admin/users").text
    assert "a.staff" not in listing and "b.staff" in listing
    assert _user(system, "a.staff").active


def test_admin_forms_without_the_csrf_token_are_refused(browser, system, province):
    admin = browser("a.admin")
    target = province["a.staff"].user_id
    for url in (f"/admin/users/{target}/disable", f"/admin/users/{target}/password", "/admin/units",
                "/admin/agency", "/account/password"):
        assert admin.post(url, data={"name": "x", "password": NEW_PASSWORD}).status_code == 403, url
    assert _user(system, "a.staff").active


def test_own_password_change_checks_the_current_one_and_ends_other_sessions(browser, system, province):
    me, other = browser("a.staff"), browser("a.staff")
    wrong = _post(me, "/account/password", {"current_password": "not-it-at-all", "new_password": NEW_PASSWORD,
                                            "repeat_password": NEW_PASSWORD}, page="/account")
    assert wrong.status_code == 422 and "Mật khẩu hiện tại không đúng." in wrong.text
    assert len(_actions(system, "password.change_failed")) == 1  # kept although the form was refused
    differ = _post(me, "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                             "repeat_password": NEW_PASSWORD + "x"}, page="/account")
    assert differ.status_code == 422 and "Hai lần nhập mật khẩu mới không khớp nhau." in differ.text
    weak = _post(me, "/account/password", {"current_password": PASSWORD, "new_password": "a.staff-2026-xyz",
                                           "repeat_password": "a.staff-2026-xyz"}, page="/account")
    assert weak.status_code == 422 and "Mật khẩu không được chứa tên đăng nhập." in weak.text
    done = _post(me, "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                           "repeat_password": NEW_PASSWORD}, page="/account")
    assert done.status_code == 303 and done.headers["location"] == "/account?changed=1"
    assert me.get("/account").status_code == 200  # this session goes on
    assert other.get("/account").status_code == 303  # the other one ended
    assert _login(browser, "a.staff", NEW_PASSWORD) == 303
    assert len(_actions(system, "password.changed")) == 1


def test_guessing_the_current_password_is_throttled_like_a_login(browser, system, province):
    me = browser("a.staff")
    statuses = [_post(me, "/account/password", {"current_password": f"guess-{n}", "new_password": NEW_PASSWORD,
                                                "repeat_password": NEW_PASSWORD}, page="/account").status_code
                for n in range(6)]
    assert statuses == [422] * 5 + [429]
    right = _post(me, "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                            "repeat_password": NEW_PASSWORD}, page="/account")
    assert right.status_code == 429 and "Retry-After" in right.headers
    assert PasswordHasher().verify(_user(system, "a.staff").password_hash, PASSWORD)  # unchanged


def test_the_services_refusals_read_in_english(browser, system, province):
    admin = browser("a.admin")
    admin.cookies.set("lang", "en")
    taken = _post(admin, "/admin/users", {"full_name": "Taken", "username": "a.clerk", "roles": ["staff"],
                                          "password": NEW_PASSWORD})
    assert taken.status_code == 422 and "This username is already taken." in taken.text
    me = province["a.admin"].user_id
    response = _post(admin, f"/admin/users/{me}/disable", {}, page=f"/admin/users/{me}")
    assert "You cannot disable your own account." in response.text


def test_an_admin_resetting_their_own_password_stays_logged_in_here_only(browser, system, province):
    admin, elsewhere = browser("a.admin"), browser("a.admin")
    me = province["a.admin"].user_id
    response = _post(admin, f"/admin/users/{me}/password", {"password": NEW_PASSWORD}, page=f"/admin/users/{me}")
    assert response.status_code == 303
    assert admin.get("/admin/users").status_code == 200
    assert elsewhere.get("/admin/users").status_code == 303
