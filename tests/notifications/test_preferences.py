"""Each person's email choices (per kind; defaults Kind.EMAIL_BY_DEFAULT) and their address
(validated, NFC, audited); notify() follows them."""
from __future__ import annotations

import unicodedata

import pytest
import sqlalchemy as sa

from documents.errors import InvalidData
from documents.models import AuditEvent, User
from documents.notifications import preferences
from documents.notifications.models import EmailStatus, Kind
from documents.notifications.service import Message, notify
from tests.notifications.personal import context_clock, run, system  # noqa: F401  (fixtures)


def test_the_defaults_are_the_kinds_that_come_by_email(system, province):
    choices = run(system, preferences.email_choices, province["a.staff"].user_id)
    assert list(choices) == list(Kind.ALL)
    assert {kind for kind, on in choices.items() if on} == Kind.EMAIL_BY_DEFAULT
    assert choices[Kind.REMINDER] is False


def test_choices_are_set_per_kind_and_audited(system, province):
    staff = province["a.staff"]
    after = run(system, preferences.set_email_choices, staff, {Kind.REMINDER: True, Kind.DIGEST: False})
    assert after[Kind.REMINDER] is True and after[Kind.DIGEST] is False and after[Kind.URGE] is True
    assert run(system, preferences.email_choices, staff.user_id) == after
    run(system, preferences.set_email_choices, staff, {Kind.REMINDER: True})  # no change: no audit
    with system.sessions() as session:
        events = list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "notification.preferences_set")))
        assert len(events) == 1 and events[0].after[Kind.REMINDER] is True
    # Another person's choices are untouched.
    assert run(system, preferences.email_choices, province["a.leader"].user_id)[Kind.REMINDER] is False


def test_an_unknown_kind_is_refused(system, province):
    with pytest.raises(InvalidData):
        run(system, preferences.set_email_choices, province["a.staff"], {"spam": True})


@pytest.mark.parametrize("text, stored", [
    ("  nguyen.van.a@SoNoiVu.Gov.VN ", "nguyen.van.a@sonoivu.gov.vn"),
    ("", None), ("   ", None),
    (unicodedata.normalize("NFD", "thư.ký@coquan.vn"), "thư.ký@coquan.vn"),
])
def test_an_address_is_stored_clean(system, province, text, stored):
    user = run(system, lambda s: preferences.set_own_email(s, province["a.staff"], text).email)
    assert user == stored
    assert stored is None or unicodedata.is_normalized("NFC", stored)


@pytest.mark.parametrize("text", ["khong-co-a-cong", "a@b", "a@@b.vn", "Tên <a@b.vn>", "a@b.vn, c@d.vn",
                                  "a b@c.vn", "x" * 250 + "@b.vn", "a@b.vn\nBcc: c@d.vn"])
def test_a_bad_address_is_refused_and_nothing_stored(system, province, text):
    staff = province["a.staff"]
    run(system, preferences.set_own_email, staff, "cu@coquan.vn")
    with pytest.raises(InvalidData) as refused:
        run(system, preferences.set_own_email, staff, text)
    assert refused.value.errors == {"email": preferences.EMAIL_INVALID}
    with system.sessions() as session:
        assert session.get(User, staff.user_id).email == "cu@coquan.vn"


def test_notify_follows_the_choices_and_the_address(system, province):
    staff, leader = province["a.staff"], province["a.leader"]
    run(system, preferences.set_own_email, staff, "staff@coquan.vn")
    run(system, preferences.set_email_choices, staff, {Kind.URGE: False, Kind.REMINDER: True})

    def send(session, kind, key):
        rows = notify(session, staff.agency_id, [staff.user_id, leader.user_id], Message(kind, "Tiêu đề"), key)
        return {row.user_id: (row.email_status, row.email_to) for row in rows}
    assert run(system, send, Kind.URGE, "k1") == {staff.user_id: (None, None), leader.user_id: (None, None)}
    assert run(system, send, Kind.REMINDER, "k2") == {staff.user_id: (EmailStatus.PENDING, "staff@coquan.vn"),
                                                      leader.user_id: (None, None)}  # the leader has no address
