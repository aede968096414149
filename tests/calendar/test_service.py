"""Calendar services on both databases: hours and special days are stored, validated, audited,
and calendar_for sees every change at once (the cache follows the revision token)."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest
import sqlalchemy as sa

from documents.calendar import service
from documents.calendar.business import DEFAULT_CALENDAR, DEFAULT_HOURS
from documents.calendar.models import CalendarRevision, SpecialDay
from documents.errors import InvalidData, NotAllowed, NotFound
from documents.models import AuditEvent
from documents.vntime import VN_TZ
from engine.db import unit_of_work

SATURDAY = date(2026, 11, 28)
MONDAY = date(2026, 11, 23)


def calendar(system, agency_id):
    with unit_of_work(system.sessions) as session:
        return service.calendar_for(session, agency_id)


def test_an_agency_without_rows_has_the_default_calendar(system, people):
    assert calendar(system, people["admin"].agency_id) is DEFAULT_CALENDAR


def test_working_hours_are_stored_and_used(system, people):
    admin = people["admin"]
    six_days = {d: [("07:00", "11:00"), ("13:00", "16:30")] for d in range(6)}
    with unit_of_work(system.sessions) as session:
        service.set_working_hours(session, admin, six_days)
    with unit_of_work(system.sessions) as session:
        assert service.working_hours(session, admin.agency_id)[5] == ((time(7), time(11)), (time(13), time(16, 30)))
        assert service.working_hours(session, admin.agency_id)[6] == ()
    cal = calendar(system, admin.agency_id)
    assert cal.is_working_day(SATURDAY)
    assert cal.receipt_time(datetime(2026, 11, 28, 12, 0, tzinfo=VN_TZ)).isoformat() == "2026-11-28T13:00:00+07:00"
    with unit_of_work(system.sessions) as session:
        service.reset_working_hours(session, admin)
    assert calendar(system, admin.agency_id).week == DEFAULT_HOURS
    with unit_of_work(system.sessions) as session:
        actions = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "calendar")
                                  .order_by(AuditEvent.id)).all()
        hours_set = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "calendar.hours_set"))
    assert actions == ["calendar.hours_set", "calendar.hours_reset"]
    assert hours_set.after["hours"]["5"] == ["07:00–11:00", "13:00–16:30"]
    assert hours_set.before["hours"]["0"] == ["07:30–11:30", "13:30–17:00"]
    assert (hours_set.actor_id, hours_set.agency_code) == (admin.user_id, admin.agency_code)


def test_special_days_change_the_calendar_at_once(system, people):
    admin = people["admin"]
    assert calendar(system, admin.agency_id).is_working_day(MONDAY)
    with unit_of_work(system.sessions) as session:
        service.add_special_day(session, admin, MONDAY, "day_off", "Nghỉ bù Ngày Văn hóa")
        service.add_special_day(session, admin, "2026-11-28", "make_up", "  Làm bù cho thứ Hai 23/11  ")
    cal = calendar(system, admin.agency_id)
    assert not cal.is_working_day(MONDAY) and cal.is_working_day(SATURDAY)
    assert calendar(system, admin.agency_id) is cal  # cached while nothing changes
    with unit_of_work(system.sessions) as session:
        days = service.special_days(session, admin.agency_id, 2026)
        assert [(d.day, d.kind, d.note) for d in days] == [
            (MONDAY, "day_off", "Nghỉ bù Ngày Văn hóa"),
            (SATURDAY, "make_up", "Làm bù cho thứ Hai 23/11")]
        assert service.special_days(session, admin.agency_id, 2027) == []
    with unit_of_work(system.sessions) as session:
        service.remove_special_day(session, admin, MONDAY)
    assert calendar(system, admin.agency_id).is_working_day(MONDAY)
    with unit_of_work(system.sessions) as session:
        removed = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "calendar.special_day_removed"))
    assert removed.object_id == "2026-11-23" and removed.before["kind"] == "day_off"


def test_notes_are_stored_nfc(system, people):
    decomposed = "Nghi\u0309 bu\u0300"  # "Nghỉ bù" typed with combining marks
    with unit_of_work(system.sessions) as session:
        row = service.add_special_day(session, people["admin"], MONDAY, "day_off", decomposed)
    assert row.note == "Nghỉ bù" and len(row.note) == 7


def test_a_rolled_back_change_leaves_no_trace_in_the_calendar(system, people):
    admin = people["admin"]
    with unit_of_work(system.sessions) as session:
        service.add_special_day(session, admin, SATURDAY, "make_up")
    with pytest.raises(RuntimeError), unit_of_work(system.sessions) as session:
        service.add_special_day(session, admin, MONDAY, "day_off")
        assert not service.calendar_for(session, admin.agency_id).is_working_day(MONDAY)
        raise RuntimeError("the request failed after the change")
    cal = calendar(system, admin.agency_id)
    assert cal.is_working_day(MONDAY) and cal.is_working_day(SATURDAY)


def test_another_process_sees_the_change_through_the_token(system, people):
    admin = people["admin"]
    with unit_of_work(system.sessions) as session:
        service.add_special_day(session, admin, MONDAY, "day_off")
    assert not calendar(system, admin.agency_id).is_working_day(MONDAY)
    # Another process removes the row and renews the token: this process's cache must not win.
    with unit_of_work(system.sessions) as session:
        session.execute(sa.delete(SpecialDay))
        session.execute(sa.update(CalendarRevision).values(token="written-by-another-process"))
    assert calendar(system, admin.agency_id).is_working_day(MONDAY)


@pytest.mark.parametrize("day, kind, note, message", [
    (MONDAY, "holiday", None, "Loại ngày không hợp lệ: 'holiday'"),
    ("23/11/2026", "day_off", None, "Ngày không hợp lệ: '23/11/2026'"),
    (datetime(2026, 11, 23, 9, tzinfo=VN_TZ), "day_off", None, "cần một ngày, không kèm giờ"),
    (MONDAY, "day_off", "x" * 501, "Ghi chú dài tối đa 500 ký tự"),
])
def test_bad_special_days_are_refused(system, people, day, kind, note, message):
    with pytest.raises(InvalidData) as refused, unit_of_work(system.sessions) as session:
        service.add_special_day(session, people["admin"], day, kind, note)
    assert message in refused.value.message


def test_a_make_up_day_cannot_also_be_a_day_off(system, people):
    admin = people["admin"]
    with unit_of_work(system.sessions) as session:
        service.add_special_day(session, admin, SATURDAY, "day_off")
    with pytest.raises(InvalidData) as refused, unit_of_work(system.sessions) as session:
        service.add_special_day(session, admin, SATURDAY, "make_up")
    assert refused.value.message.startswith("Ngày 28/11/2026: Ngày này đã được khai báo là ngày nghỉ. Một ngày không thể")
    assert refused.value.errors == {"day": "Ngày này đã được khai báo là ngày nghỉ. Một ngày không thể vừa là "
                                            "ngày nghỉ vừa là ngày làm bù: hãy xóa khai báo cũ trước."}
    with pytest.raises(InvalidData, match="đã được khai báo là ngày nghỉ."), unit_of_work(system.sessions) as session:
        service.add_special_day(session, admin, SATURDAY, "day_off")


def test_bad_hours_are_refused_and_nothing_changes(system, people):
    admin = people["admin"]
    with pytest.raises(InvalidData, match="chồng lên nhau"), unit_of_work(system.sessions) as session:
        service.set_working_hours(session, admin, {0: [("07:30", "12:00"), ("11:00", "17:00")]})
    assert calendar(system, admin.agency_id) is DEFAULT_CALENDAR


def test_only_an_agency_admin_changes_the_calendar(system, people):
    clerk = people["clerk"]
    with pytest.raises(NotAllowed), unit_of_work(system.sessions) as session:
        service.add_special_day(session, clerk, MONDAY, "day_off")
    with pytest.raises(NotAllowed), unit_of_work(system.sessions) as session:
        service.set_working_hours(session, clerk, {0: [("08:00", "17:00")]})


def test_removing_an_unknown_day_is_not_found(system, people):
    with pytest.raises(NotFound, match="23/11/2026"), unit_of_work(system.sessions) as session:
        service.remove_special_day(session, people["admin"], MONDAY)
