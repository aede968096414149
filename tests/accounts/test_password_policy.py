"""The password policy: length, and none of the passwords a guesser tries first."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents import accounts, password_policy
from documents.demo import DEMO_PASSWORD
from documents.errors import InvalidData
from documents.models import Agency, User
from engine.db import unit_of_work
from tests.conftest import PASSWORD

TOO_SIMPLE = "quá đơn giản"
TOO_COMMON = "quá phổ biến"


@pytest.mark.parametrize("password, why", [
    ("ngan-qua", "ít nhất 10 ký tự"),
    ("aaaaaaaaaa", TOO_SIMPLE),
    ("1234567890", TOO_SIMPLE),
    ("0987654321", TOO_SIMPLE),
    ("abcdefghij", TOO_SIMPLE),
    ("qwertyuiop", TOO_SIMPLE),
    ("abcdef123456", TOO_SIMPLE),
    ("1212121212", TOO_SIMPLE),
    ("aaaaabbbbb", TOO_SIMPLE),
    ("Password2026!", TOO_COMMON),
    ("p@ssw0rd123", TOO_COMMON),
    ("Matkhau@2026", TOO_COMMON),
    ("anhyeuem1998", TOO_COMMON),
    ("2026vietnam!", TOO_COMMON),
    ("x" * 1001, "tối đa 1000"),
])
def test_trivial_and_common_passwords_are_refused_in_vietnamese(password, why):
    assert why in password_policy.problem_of(password)


def test_a_password_holding_the_username_is_refused():
    assert "tên đăng nhập" in password_policy.problem_of("vanthu-cua-so-noi-vu", "vanthu")
    assert "tên đăng nhập" in password_policy.problem_of("xx-uhtnav-xx-noi-vu", "vanthu"), "backwards too"
    assert password_policy.problem_of("vanthu-cua-so-noi-vu", "lanhdao") is None


@pytest.mark.parametrize("password", [PASSWORD, DEMO_PASSWORD, "mot-mat-khau-dai", "Tr0ub4dor&3-ngua",
                                      "hoa sen nở giữa đầm lầy"])
def test_real_passphrases_pass(password):
    for username in ("a.clerk", "vanthu", "snv.truongphong"):
        assert password_policy.problem_of(password, username) is None


def test_the_common_list_ships_with_the_package():
    assert {"123456", "password", "matkhau", "anhyeuem"} <= password_policy.common_passwords()


def test_create_user_applies_the_policy(system, province):
    with unit_of_work(system.sessions) as session:
        agency = session.scalar(sa.select(Agency).where(Agency.code == "000.00.01.H99"))
        with pytest.raises(InvalidData) as refused:
            accounts.create_user(session, agency, "a.moi", "Người mới", "1234567890", ["staff"])
    assert refused.value.errors == {"password": refused.value.message}
    assert TOO_SIMPLE in refused.value.message
    with system.sessions() as session:
        assert session.scalar(sa.select(User.id).where(User.username == "a.moi")) is None


def test_set_password_applies_the_policy_and_hashes(system, province):
    with unit_of_work(system.sessions) as session:
        user = session.get(User, province["a.clerk"].user_id)
        before = user.password_hash
        with pytest.raises(InvalidData):
            accounts.set_password(user, "a.clerk-2026-moi")
        assert user.password_hash == before
        accounts.set_password(user, "mua-thu-ha-noi-2026")
        assert user.password_hash != before and "mua-thu" not in user.password_hash
