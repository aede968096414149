"""Password hashing at production cost: the suite's other tests use cheap argon2 parameters."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from documents import accounts
from engine import clock as clocks
from engine.db import unit_of_work
from documents.models import User
from tests.conftest import PASSWORD


@pytest.fixture
def production_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    hasher = PasswordHasher()
    monkeypatch.setattr(accounts, "_hasher", hasher)
    return hasher


def test_the_dummy_hash_is_made_with_the_hasher_in_use(production_hashing):
    """Refusing an unknown or locked user checks against it: its cost must be a real hash's."""
    dummy = accounts._dummy_hash(production_hashing)
    assert not production_hashing.check_needs_rehash(dummy)
    assert dummy == accounts._dummy_hash(production_hashing), "made once per hasher"


def test_a_cheaper_hash_is_upgraded_at_the_next_login(system, province, clock, production_hashing):
    with clocks.using(clock), unit_of_work(system.sessions) as session:
        assert production_hashing.check_needs_rehash(session.get(User, province["a.clerk"].user_id).password_hash)
        user = accounts.authenticate(session, "a.clerk", PASSWORD, "10.0.0.1")
        assert not production_hashing.check_needs_rehash(user.password_hash)
        assert production_hashing.verify(user.password_hash, PASSWORD)
