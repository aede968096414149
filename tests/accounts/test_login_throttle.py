"""The throttle's bookkeeping, on both databases: what is kept, what is forgotten, and when."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from documents import accounts, login_throttle
from documents.errors import AuthenticationFailed
from documents.models import LoginAttempt, User
from engine import clock as clocks
from engine.db import unit_of_work
from tests.conftest import PASSWORD, START

HOME, STRANGER = "10.0.0.1", "203.0.113.9"


def attempt(system, clock, username, password, address):
    with clocks.using(clock), unit_of_work(system.sessions) as session:
        try:
            accounts.authenticate(session, username, password, address)
            return True
        except AuthenticationFailed:
            session.commit()  # as the routes do: the failure is kept
            return False


def rows(system):
    with system.sessions() as session:
        return [tuple(row) for row in session.execute(
            sa.select(LoginAttempt.address, LoginAttempt.user_id, LoginAttempt.succeeded, LoginAttempt.at)
            .order_by(LoginAttempt.id))]


def test_a_success_leaves_one_row_for_its_account_and_address(system, province, clock):
    clerk = province["a.clerk"].user_id
    assert not attempt(system, clock, "a.clerk", "sai-mat-khau-1", HOME)
    assert attempt(system, clock, "a.clerk", PASSWORD, HOME)
    assert not attempt(system, clock, "khong.ton.tai", "sai-mat-khau-1", HOME)
    assert rows(system) == [(HOME, clerk, True, START), (HOME, None, False, START)]


def test_failures_are_forgotten_after_the_window_and_familiarity_after_ninety_days(system, province, clock):
    clerk = province["a.clerk"].user_id
    assert attempt(system, clock, "a.clerk", PASSWORD, HOME)
    assert not attempt(system, clock, "a.leader", "sai-mat-khau-1", STRANGER)
    clock.advance(minutes=15)
    assert not attempt(system, clock, "khong.ton.tai", "sai-mat-khau-1", STRANGER)
    later = START + timedelta(minutes=15)
    assert rows(system) == [(HOME, clerk, True, START), (STRANGER, None, False, later)]

    clock.set(START + login_throttle.FAMILIAR_FOR)
    assert not attempt(system, clock, "khong.ton.tai", "sai-mat-khau-1", STRANGER)
    assert [address for address, *_ in rows(system)] == [STRANGER]


def test_a_lock_outlives_the_owners_login_from_a_familiar_address(system, province, clock):
    """Lifting it then would give the stranger five fresh guesses each time the owner logs in."""
    assert attempt(system, clock, "a.clerk", PASSWORD, HOME)
    for _ in range(login_throttle.ACCOUNT_LIMIT):
        assert not attempt(system, clock, "a.clerk", "sai-mat-khau-1", STRANGER)
    assert attempt(system, clock, "a.clerk", PASSWORD, HOME)
    assert not attempt(system, clock, "a.clerk", PASSWORD, STRANGER)
    with system.sessions() as session:
        assert session.get(User, province["a.clerk"].user_id).locked_until == START + login_throttle.LOCK_DURATION


@pytest.mark.parametrize("familiar", [True, False])
def test_only_unfamiliar_failures_count_toward_the_lock(system, province, clock, familiar):
    if familiar:
        assert attempt(system, clock, "a.clerk", PASSWORD, HOME)
    for _ in range(4):
        assert not attempt(system, clock, "a.clerk", "sai-mat-khau-1", HOME)
    with system.sessions() as session:
        assert session.get(User, province["a.clerk"].user_id).failed_attempts == (0 if familiar else 4)
