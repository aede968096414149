"""The agency admin's services on both databases: users and units stay in the admin's agency,
need the admin role, keep names NFC and usernames unique, never lose the acting admin, never
make a unit tree with a cycle; a disabled user's sessions end and the login is refused; the
last login shown is the latest success."""
from __future__ import annotations

import unicodedata

import pytest
import sqlalchemy as sa

from documents import accounts, administration
from documents.errors import AuthenticationFailed, InvalidData, NotAllowed, NotFound
from documents.models import AuthSession, OrgUnit, User
from engine import clock as clocks
from engine.db import unit_of_work
from tests.conftest import PASSWORD

NEW = "gio-dong-bac-thoi-2026"


def _run(system, clock, action):
    with clocks.using(clock), unit_of_work(system.sessions) as session:
        return action(session)


def test_names_are_nfc_and_usernames_unique_across_agencies(system, province, clock):
    admin = province["a.admin"]
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    user, generated = _run(system, clock, lambda s: administration.create_user(
        s, admin, full_name=decomposed, username=" Anh.NT ", unit_id=None, position="", roles=["staff"]))
    assert generated and user.username == "anh.nt"
    assert _run(system, clock, lambda s: s.get(User, user.id).full_name) == unicodedata.normalize("NFC", decomposed)
    with pytest.raises(InvalidData) as refused:
        _run(system, clock, lambda s: administration.create_user(
            s, province["b.admin"], full_name="B", username="anh.nt", unit_id=None, position="", roles=["staff"],
            password=NEW))
    assert refused.value.errors == {"username": administration.USERNAME_TAKEN}


def test_only_an_admin_of_the_same_agency_may_act(system, province, clock):
    target = province["a.staff"].user_id
    with pytest.raises(NotAllowed):
        _run(system, clock, lambda s: administration.set_active(s, province["a.leader"], target, False))
    with pytest.raises(NotFound):
        _run(system, clock, lambda s: administration.set_active(s, province["b.admin"], target, False))
    with pytest.raises(NotFound):
        _run(system, clock, lambda s: administration.reset_password(s, province["b.admin"], target, NEW))
    assert [row.username for row in _run(system, clock, lambda s: administration.users(s, province["b.admin"]))] \
        == sorted([f"b.{r}" for r in ("admin", "clerk", "leader", "process_admin", "staff", "unit_head")],
                  key=lambda name: f"{name.split('.')[1]} b")


def test_the_acting_admin_keeps_their_role_and_account(system, province, clock):
    admin = province["a.admin"]
    with pytest.raises(InvalidData) as refused:
        _run(system, clock, lambda s: administration.update_user(s, admin, admin.user_id, full_name="admin a",
                                                                 unit_id=None, position="", roles=["leader"]))
    assert refused.value.errors == {"roles": administration.OWN_ADMIN_ROLE}
    with pytest.raises(InvalidData, match="tự khoá"):
        _run(system, clock, lambda s: administration.set_active(s, admin, admin.user_id, False))


def test_a_disabled_user_loses_sessions_and_login_and_the_list_shows_the_last_login(system, province, clock):
    staff = province["a.staff"]
    token = _run(system, clock, lambda s: accounts.open_session(
        s, accounts.authenticate(s, "a.staff", PASSWORD, "10.0.0.1"), "web")[0])
    rows = _run(system, clock, lambda s: administration.users(s, province["a.admin"], search="a.staff"))
    assert [row.last_login for row in rows] == [clock.now()]
    _run(system, clock, lambda s: administration.set_active(s, province["a.admin"], staff.user_id, False))
    assert _run(system, clock, lambda s: accounts.identity_for_token(s, token, "web")) is None
    assert not _run(system, clock, lambda s: s.scalar(sa.select(sa.func.count()).select_from(AuthSession).where(
        AuthSession.user_id == staff.user_id, AuthSession.revoked.is_(False))))
    with pytest.raises(AuthenticationFailed):
        _run(system, clock, lambda s: accounts.authenticate(s, "a.staff", PASSWORD, "10.0.0.1"))


def test_units_move_without_cycles_and_deactivate_only_when_empty(system, province, clock):
    admin = province["a.admin"]
    top = _run(system, clock, lambda s: administration.create_unit(s, admin, "Khối Văn phòng", None).id)
    middle = _run(system, clock, lambda s: administration.create_unit(s, admin, "Phòng Tổng hợp", top).id)
    low = _run(system, clock, lambda s: administration.create_unit(s, admin, "Tổ Thư ký", middle).id)
    with pytest.raises(InvalidData) as refused:
        _run(system, clock, lambda s: administration.update_unit(s, admin, top, "Khối Văn phòng", low))
    assert refused.value.errors == {"parent_id": administration.PARENT_CYCLE}
    tree = _run(system, clock, lambda s: administration.unit_tree(s, admin))
    assert [(unit.name, unit.depth) for unit in tree if unit.id in (top, middle, low)] == \
        [("Khối Văn phòng", 0), ("Phòng Tổng hợp", 1), ("Tổ Thư ký", 2)]
    with pytest.raises(InvalidData, match="đơn vị cấp dưới"):
        _run(system, clock, lambda s: administration.set_unit_active(s, admin, middle, False))
    _run(system, clock, lambda s: administration.set_unit_active(s, admin, low, False))
    _run(system, clock, lambda s: administration.set_unit_active(s, admin, middle, False))
    assert not _run(system, clock, lambda s: s.get(OrgUnit, middle).active)
    with pytest.raises(NotFound):
        _run(system, clock, lambda s: administration.update_unit(s, province["b.admin"], top, "Lấy", None))


def test_a_generated_password_passes_the_policy(system, province, clock):
    password = administration.generate_password("a.staff")
    assert len(password) == 16
    generated = _run(system, clock, lambda s: administration.reset_password(s, province["a.admin"],
                                                                            province["a.staff"].user_id))
    with clocks.using(clock), unit_of_work(system.sessions) as session:
        assert accounts.authenticate(session, "a.staff", generated, "10.0.0.2").id == province["a.staff"].user_id


def test_a_deactivated_unit_is_offered_no_more_by_the_pickers(system, province, clock):
    from documents import organisation

    admin = province["a.admin"]
    unit = _run(system, clock, lambda s: administration.create_unit(s, admin, "Tổ Lưu trữ", None).id)
    offered = lambda: {u.id for u in _run(system, clock, lambda s: organisation.of_agency(s, admin.agency_id).units)}
    assert unit in offered()
    _run(system, clock, lambda s: administration.set_unit_active(s, admin, unit, False))
    assert unit not in offered()
