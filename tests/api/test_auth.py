"""Logging in through the API: tokens, identity, refusals that reveal no account, throttling by
address and by account, logout."""
from __future__ import annotations

import argon2
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from documents import accounts
from documents.models import AuditEvent, AuthSession, User
from tests.api.conftest import AGENCY_A, SESSION_COOKIE, audit_actions, count, get_token
from tests.conftest import PASSWORD, START

OFFICE = "10.0.0.1"


def login(client, username, password=PASSWORD):
    return client.post("/api/auth/token", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error_body(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_token_login_then_me_returns_the_user_with_agency_and_roles(client, province):
    response = login(client, "a.staff")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_at"] == "2026-11-23T20:00:00+07:00"  # 12 h after START (08:00 Vietnam time)

    me = client.get("/api/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200, me.text
    staff = province["a.staff"]
    assert me.json() == {"id": staff.user_id, "username": "a.staff", "full_name": "staff a",
                         "agency": AGENCY_A, "unit_id": staff.unit_id, "roles": ["staff"]}


def test_the_token_is_stored_only_as_a_hash(client, system, province):
    token = get_token(client, "a.clerk")
    with system.sessions() as session:
        stored = session.scalars(sa.select(AuthSession.token_hash)).all()
    assert len(stored) == 1 and token not in stored[0]


def test_wrong_password_is_401_with_a_json_error_body(client, system, province):
    error = assert_error_body(login(client, "a.clerk", "mat-khau-sai-roi"), 401)
    assert set(error) == {"status", "message"}
    assert count(system, AuthSession) == 0
    assert audit_actions(system, province["a.clerk"].user_id)[-1] == "login.failed"


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(client, province):
    wrong_password = login(client, "a.clerk", "mat-khau-sai-roi")
    unknown_user = login(client, "khong.ton.tai", "mat-khau-sai-roi")
    assert unknown_user.status_code == wrong_password.status_code == 401
    assert unknown_user.json() == wrong_password.json()


def test_unknown_wrong_and_locked_get_one_answer(client, system, province):
    for _ in range(5):
        login(client, "a.clerk", "mat-khau-sai-roi")
    locked = login(client, "a.clerk")  # the right password, refused during the lock
    wrong = login(client, "a.leader", "mat-khau-sai-roi")
    unknown = login(client, "khong.ton.tai")
    assert locked.status_code == wrong.status_code == unknown.status_code == 401
    assert locked.json() == wrong.json() == unknown.json()
    assert locked.headers.get("retry-after") is None, "nothing says when a lock ends"
    assert "login.locked" in audit_actions(system, province["a.clerk"].user_id)


class CountingHasher(PasswordHasher):
    """The cheap test hasher, counting the password checks."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.checks = 0

    def verify(self, hash, password) -> bool:  # noqa: A002 (argon2's own parameter name)
        self.checks += 1
        return super().verify(hash, password)


def test_every_refusal_costs_one_password_check(client, system, province, monkeypatch):
    """Timing parity: an unknown, deactivated or locked user is checked against a dummy hash made
    by the same hasher, so each refusal costs what a wrong password costs."""
    hasher = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", hasher)
    for _ in range(5):
        login(client, "a.clerk", "mat-khau-sai-roi")
    with system.sessions.begin() as session:
        session.get(User, province["a.staff"].user_id).active = False
    for username in ("a.clerk", "khong.ton.tai", "a.staff", "a.leader"):
        hasher.checks = 0
        password = "mat-khau-sai-roi" if username == "a.leader" else PASSWORD
        assert login(client, username, password).status_code == 401
        assert hasher.checks == 1, username
    for n in range(30):
        login(client, f"ai.do.{n}", "mat-khau-sai-roi")
    hasher.checks = 0
    assert login(client, "a.leader").status_code == 429
    assert hasher.checks == 1, "a throttled address too: a familiar owner's check must not stand out"
    assert argon2.extract_parameters(accounts._dummy_hash(hasher)) == hasher._parameters


def test_five_failures_lock_the_account_for_fifteen_minutes(client, system, province, clock):
    clerk = province["a.clerk"]
    for _ in range(5):
        assert login(client, "a.clerk", "mat-khau-sai-roi").status_code == 401

    assert_error_body(login(client, "a.clerk"), 401)
    actions = audit_actions(system, clerk.user_id)
    assert actions.count("login.failed") == 5
    assert actions[-1] == "login.locked"
    assert "login.succeeded" not in actions
    assert count(system, AuthSession) == 0
    with system.sessions() as session:
        assert session.get(User, clerk.user_id).locked_until == START.replace(minute=15)

    clock.advance(minutes=14, seconds=59)
    assert login(client, "a.clerk").status_code == 401

    clock.advance(seconds=2)
    token = login(client, "a.clerk")
    assert token.status_code == 200, token.text
    assert client.get("/api/auth/me", headers=bearer(token.json()["access_token"])).status_code == 200
    with system.sessions() as session:
        user = session.get(User, clerk.user_id)
        assert (user.failed_attempts, user.locked_until) == (0, None)


def test_a_success_resets_the_failure_count(client, province):
    for _ in range(4):
        assert login(client, "a.clerk", "mat-khau-sai-roi").status_code == 401
    assert login(client, "a.clerk").status_code == 200
    for _ in range(4):
        assert login(client, "a.clerk", "mat-khau-sai-roi").status_code == 401
    assert login(client, "a.clerk").status_code == 200


def test_the_lock_is_per_account(client, province):
    for _ in range(5):
        login(client, "a.clerk", "mat-khau-sai-roi")
    assert login(client, "a.clerk").status_code == 401
    assert login(client, "a.leader").status_code == 200


def from_address(app, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))


def test_a_stranger_cannot_lock_the_owner_out_of_a_familiar_address(app, province, clock):
    office = from_address(app, OFFICE)
    assert login(office, "a.clerk").status_code == 200  # the office is now familiar to a.clerk
    for hour in range(3):  # strangers keep failing from ever new addresses, for hours
        for n in range(10):
            stranger = from_address(app, f"203.0.113.{10 * hour + n}")
            assert login(stranger, "a.clerk", "mat-khau-sai-roi").status_code == 401
        assert login(stranger, "a.clerk").status_code == 401, "locked against strangers, right password or not"
        assert login(office, "a.clerk").status_code == 200, "but never against the owner's own address"
        clock.advance(hours=1)


def test_a_familiar_address_is_slowed_per_account_for_fifteen_minutes(app, province, clock):
    office = from_address(app, OFFICE)
    assert login(office, "a.clerk").status_code == 200
    for _ in range(5):
        assert login(office, "a.clerk", "mat-khau-sai-roi").status_code == 401
    assert login(office, "a.clerk").status_code == 401, "someone at the owner's address guessing: slowed"
    assert login(office, "a.leader").status_code == 200, "only for that account"
    assert login(from_address(app, "10.9.9.9"), "a.clerk").status_code == 200, "not locked elsewhere"
    for _ in range(14):  # refused tries meanwhile check nothing, so they do not prolong the wait
        clock.advance(minutes=1)
        assert login(office, "a.clerk", "mat-khau-sai-roi").status_code == 401
    clock.advance(minutes=1)
    assert login(office, "a.clerk").status_code == 200, "the bound: the window, then the owner is back"


def test_thirty_failures_from_one_address_throttle_it_whatever_the_usernames(app, client, province, clock):
    attacker = from_address(app, "198.51.100.7")
    for n in range(30):
        clock.advance(seconds=10)
        assert login(attacker, f"ai.do.{n}", "mat-khau-sai-roi").status_code == 401
    clock.advance(seconds=10)
    throttled = login(attacker, "a.leader")  # even a real account with its right password
    error = assert_error_body(throttled, 429)
    assert error["message"] == accounts.ADDRESS_THROTTLED
    assert throttled.headers["retry-after"] == str(15 * 60 - 300), "until the oldest failure leaves the window"
    assert login(from_address(app, "198.51.100.8"), "a.leader").status_code == 200, "only that address"
    assert login(attacker, "a.leader").status_code == 429

    clock.advance(seconds=int(throttled.headers["retry-after"]) - 1)
    assert login(attacker, "a.leader").status_code == 429
    clock.advance(seconds=1)
    assert login(attacker, "a.leader").status_code == 200, "the oldest failure has left the window"


def test_a_throttled_address_still_lets_in_the_owners_it_is_familiar_to(app, province, clock):
    """A stranger sharing the office's address cannot lock the whole office out."""
    office = from_address(app, OFFICE)
    assert login(office, "a.clerk").status_code == 200
    for n in range(30):
        assert login(office, f"ai.do.{n}", "mat-khau-sai-roi").status_code == 401
    assert login(office, "a.leader").status_code == 429, "a.leader never logged in from here"
    assert login(office, "a.clerk", "mat-khau-sai-roi").status_code == 429, "a wrong guess is told nothing more"
    assert login(office, "a.clerk").status_code == 200


def test_guesses_from_a_throttled_address_still_count_toward_the_account_limit(app, system, province):
    office = from_address(app, OFFICE)
    assert login(office, "a.clerk").status_code == 200
    for n in range(30):
        login(office, f"ai.do.{n}", "mat-khau-sai-roi")
    for _ in range(5):
        assert login(office, "a.clerk", "mat-khau-sai-roi").status_code == 429
    assert login(office, "a.clerk").status_code == 429, "five real guesses: this pair waits too"
    assert audit_actions(system, province["a.clerk"].user_id)[-6:] == ["login.failed"] * 5 + ["login.throttled"]


def test_a_forwarded_for_header_is_ignored_unless_the_proxy_is_trusted(app, province):
    attacker = from_address(app, "198.51.100.7")
    for n in range(30):
        response = attacker.post("/api/auth/token", headers={"X-Forwarded-For": f"192.0.2.{n}"},
                                 json={"username": "a.clerk", "password": "mat-khau-sai-roi"})
        assert response.status_code == 401
    response = attacker.post("/api/auth/token", headers={"X-Forwarded-For": "192.0.2.200"},
                             json={"username": "a.leader", "password": PASSWORD})
    assert response.status_code == 429


def test_missing_or_garbage_bearer_is_401_with_www_authenticate(client, province):
    token = get_token(client, "a.clerk")
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer garbage-token"},
                    {"Authorization": f"Basic {token}"}, {"Authorization": token}):
        response = client.get("/api/auth/me", headers=headers)
        assert_error_body(response, 401)
        assert response.headers["www-authenticate"] == "Bearer", headers


def test_a_web_session_cookie_is_not_an_api_token(client, browser, province):
    web = browser("a.clerk")
    cookie = web.cookies.get(SESSION_COOKIE)
    assert client.get("/api/auth/me", headers=bearer(cookie)).status_code == 401
    assert client.get("/api/auth/me", cookies={SESSION_COOKIE: cookie}).status_code == 401


def test_logout_revokes_the_token(client, system, province):
    token = get_token(client, "a.clerk")
    other = get_token(client, "a.clerk")
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200

    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 204
    response = client.get("/api/auth/me", headers=bearer(token))
    assert_error_body(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(other)).status_code == 200, "only that token is revoked"
    assert "logout" in audit_actions(system, province["a.clerk"].user_id)


def test_a_token_expires_after_twelve_hours(client, province, clock):
    token = get_token(client, "a.clerk")
    clock.advance(hours=11, minutes=59)
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    clock.advance(minutes=1)
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401


def test_a_deactivated_user_cannot_log_in_nor_use_an_old_token(client, system, province):
    token = get_token(client, "a.clerk")
    with system.sessions.begin() as session:
        session.get(User, province["a.clerk"].user_id).active = False
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
    assert login(client, "a.clerk").json() == login(client, "khong.ton.tai").json()


def test_usernames_are_matched_case_and_space_insensitively(client, province):
    assert login(client, "  A.Clerk ").status_code == 200


def test_an_oversized_body_is_refused_as_invalid_not_as_a_crash(client, province):
    response = login(client, "a.clerk", "x" * 5000)
    error = assert_error_body(response, 422)
    assert "password" in error["errors"]


def test_every_login_is_audited_with_its_agency(client, system, province):
    get_token(client, "a.clerk")
    with system.sessions() as session:
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "login.succeeded"))
    assert (event.actor_id, event.agency_code, event.at) == (province["a.clerk"].user_id, AGENCY_A, START)
