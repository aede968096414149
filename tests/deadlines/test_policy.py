"""The agency's default handling deadlines: national defaults, a type's row over the every-type
row, working hours and working days across a weekend and a public holiday on the agency's own
calendar, the admin's changes (audited, bounded, all or nothing), and the diagram function
handling_due inside a real process step on PostgreSQL.

Dates used: Friday 20/11/2026; Tuesday 24/11/2026 is a national holiday (Ngày Văn hóa Việt Nam);
working hours 07:30–11:30 and 13:30–17:00."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from documents import accounts
from documents.calendar import service as calendar
from documents.deadlines import policy
from documents.deadlines.models import DeadlinePolicy
from documents.errors import InvalidData, NotAllowed
from documents.models import AuditEvent
from documents.vntime import VN_TZ
from engine.db import unit_of_work
from engine.models import DEFAULT_SCOPE, HumanTask
from engine.sandbox import SandboxError
from tests.engine import diagrams

A, B = "000.00.01.H99", "000.00.02.H99"
Rule = policy.Rule


def vn(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=VN_TZ)


@pytest.fixture
def system(pg):
    """PostgreSQL only; `province` builds agencies A and B on it, each with one user per role."""
    return pg


@pytest.fixture
def people(province) -> dict[str, accounts.Identity]:
    """Agency A's admin and clerk (agency B keeps no rows of its own)."""
    return {"admin": province["a.admin"], "clerk": province["a.clerk"]}


def due(pg, agency_id: int, start: datetime, doc_type: str | None, urgency: str | None) -> datetime:
    with unit_of_work(pg.sessions) as session:
        return policy.due(session, agency_id, start, doc_type, urgency)


def rows_of(pg) -> list[tuple]:
    with unit_of_work(pg.sessions) as session:
        return sorted(session.execute(sa.select(DeadlinePolicy.doc_type, DeadlinePolicy.urgency,
                                                DeadlinePolicy.amount, DeadlinePolicy.unit)).all())


def test_an_agency_without_rows_follows_the_national_defaults(pg, people):
    agency = people["admin"].agency_id
    with unit_of_work(pg.sessions) as session:
        table = policy.table(session, agency)
    assert table.national and table.by_type == {}
    assert {u: (r.amount, r.unit, r.national) for u, r in table.every_type.items()} == {
        "flash": (2, "hours", True), "very_urgent": (1, "days", True),
        "urgent": (2, "days", True), "normal": (10, "days", True)}
    friday = vn(2026, 11, 20, 16, 0)
    # hỏa tốc: 1 h on Friday (to 17:00), 1 h on Monday from 07:30
    assert due(pg, agency, friday, "Công văn", "flash") == vn(2026, 11, 23, 8, 30)
    assert due(pg, agency, friday, None, "very_urgent") == vn(2026, 11, 23, 16, 0)
    # khẩn: Monday, then Wednesday (Tuesday 24/11 is a holiday)
    assert due(pg, agency, friday, None, "urgent") == vn(2026, 11, 25, 16, 0)
    # thường: 23, 25, 26, 27/11, 30/11, 1, 2, 3, 4, 7/12
    assert due(pg, agency, friday, "Quyết định", "normal") == vn(2026, 12, 7, 16, 0)
    assert due(pg, agency, friday, None, None) == vn(2026, 12, 7, 16, 0)  # no urgency: normal


def test_a_types_row_wins_over_the_every_type_row_and_the_rest_stays_national(pg, people):
    admin = people["admin"]
    with unit_of_work(pg.sessions) as session:
        policy.set_table(session, admin, [Rule("", "normal", 5, "days"), Rule("Quyết định", "normal", 3, "days"),
                                          Rule("Quyết định", "flash", 4, "hours")])
    monday = vn(2026, 11, 30, 9, 0)
    assert due(pg, admin.agency_id, monday, "Quyết định", "normal") == vn(2026, 12, 3, 9, 0)
    assert due(pg, admin.agency_id, monday, "quyết định ", "normal") == vn(2026, 12, 3, 9, 0)  # case, spaces
    assert due(pg, admin.agency_id, monday, "Công văn", "normal") == vn(2026, 12, 7, 9, 0)
    assert due(pg, admin.agency_id, monday, "Văn bản lạ", "normal") == vn(2026, 12, 7, 9, 0)  # not of NĐ 30
    assert due(pg, admin.agency_id, monday, "Quyết định", "flash") == vn(2026, 11, 30, 15, 0)
    assert due(pg, admin.agency_id, monday, "Công văn", "flash") == vn(2026, 11, 30, 11, 0)  # national 2 h
    assert due(pg, admin.agency_id, monday, "Quyết định", "urgent") == vn(2026, 12, 2, 9, 0)  # national 2 days
    with unit_of_work(pg.sessions) as session:
        table = policy.table(session, admin.agency_id)
        other = policy.table(session, admin.agency_id + 1)
    assert not table.national and list(table.by_type) == ["Quyết định"]
    assert table.every_type["normal"] == Rule("", "normal", 5, "days")
    assert table.every_type["urgent"].national
    assert other.national  # agency B keeps the national defaults


def test_hours_and_days_across_a_weekend_and_a_public_holiday(pg, people):
    admin = people["admin"]
    with unit_of_work(pg.sessions) as session:
        policy.set_table(session, admin, [Rule("", "urgent", 4, "hours"), Rule("", "very_urgent", 8, "hours"),
                                          Rule("", "normal", 1, "days")])
    friday, monday = vn(2026, 11, 20, 15, 0), vn(2026, 11, 23, 10, 0)
    assert due(pg, admin.agency_id, friday, None, "urgent") == vn(2026, 11, 23, 9, 30)  # 2 h Fri, 2 h Mon
    assert due(pg, admin.agency_id, friday, None, "normal") == vn(2026, 11, 23, 15, 0)
    assert due(pg, admin.agency_id, monday, None, "normal") == vn(2026, 11, 25, 10, 0)  # Tuesday off
    # 5 h on Monday (10:00–11:30, 13:30–17:00), 3 h on Wednesday from 07:30
    assert due(pg, admin.agency_id, monday, None, "very_urgent") == vn(2026, 11, 25, 10, 30)
    # the agency's own day off moves them on: Wednesday 25/11 declared off
    with unit_of_work(pg.sessions) as session:
        calendar.add_special_day(session, admin, date(2026, 11, 25), "day_off", "Nghỉ bù")
    assert due(pg, admin.agency_id, monday, None, "normal") == vn(2026, 11, 26, 10, 0)
    assert due(pg, admin.agency_id, monday, None, "very_urgent") == vn(2026, 11, 26, 10, 30)


def test_changes_are_the_admins_audited_and_reset_to_the_national_defaults(pg, people):
    admin, clerk = people["admin"], people["clerk"]
    with unit_of_work(pg.sessions) as session, pytest.raises(NotAllowed):
        policy.set_table(session, clerk, [Rule("", "normal", 5, "days")])
    with unit_of_work(pg.sessions) as session, pytest.raises(NotAllowed):
        policy.reset(session, clerk)
    with unit_of_work(pg.sessions) as session:
        policy.set_table(session, admin, [Rule("", "normal", 5, "days"), Rule("Tờ trình", "urgent", 1, "days")])
    assert rows_of(pg) == [("", "normal", 5.0, "days"), ("Tờ trình", "urgent", 1.0, "days")]
    with unit_of_work(pg.sessions) as session:  # the whole table is replaced
        policy.set_table(session, admin, [Rule("", "flash", 1.5, "hours")])
    assert rows_of(pg) == [("", "flash", 1.5, "hours")]
    with unit_of_work(pg.sessions) as session:
        assert policy.reset(session, admin).national
    assert rows_of(pg) == []
    with unit_of_work(pg.sessions) as session:
        events = session.execute(sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.before,
                                           AuditEvent.after)
                                 .where(AuditEvent.object_type == "deadline_policy").order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["deadline_policy.set"] * 2 + ["deadline_policy.reset"]
    assert {e.actor_id for e in events} == {admin.user_id}
    assert events[1].before == {"rows": [{"doc_type": "", "urgency": "normal", "amount": 5.0, "unit": "days"},
                                         {"doc_type": "Tờ trình", "urgency": "urgent", "amount": 1.0, "unit": "days"}]}
    assert events[2].after == {"rows": []}


@pytest.mark.parametrize("rule, message", [
    (Rule("", "normal", 1.5, "days"), policy.WHOLE_DAYS),
    (Rule("", "normal", 0, "days"), policy.WHOLE_DAYS),
    (Rule("", "normal", 61, "days"), policy.WHOLE_DAYS),
    (Rule("", "flash", 0.25, "hours"), policy.HALF_HOURS),
    (Rule("", "flash", 201, "hours"), policy.HALF_HOURS),
    (Rule("", "flash", float("nan"), "hours"), policy.HALF_HOURS),
    (Rule("", "flash", 2, "weeks"), policy.BAD_UNIT),
    (Rule("", "soon", 2, "days"), policy.BAD_URGENCY),
    (Rule("Thư tình", "normal", 2, "days"), policy.BAD_TYPE),
])
def test_a_bad_row_is_refused_at_its_place_and_nothing_is_stored(pg, people, rule, message):
    admin = people["admin"]
    with unit_of_work(pg.sessions) as session:
        policy.set_table(session, admin, [Rule("", "normal", 7, "days")])
    with unit_of_work(pg.sessions) as session, pytest.raises(InvalidData) as refused:
        policy.set_table(session, admin, [Rule("", "urgent", 3, "days"), rule])
    assert refused.value.errors == {"rows.1": message}
    assert rows_of(pg) == [("", "normal", 7.0, "days")]


def test_a_row_given_twice_is_refused(pg, people):
    with unit_of_work(pg.sessions) as session, pytest.raises(InvalidData) as refused:
        policy.set_table(session, people["admin"], [Rule("Quyết định", "normal", 3, "days"),
                                                    Rule("quyết định", "normal", 4, "days")])
    assert refused.value.errors == {"rows.1": policy.TWICE}
    assert rows_of(pg) == []


HANDLE_DUE = "handling_due(now().isoformat(), data.get('doc_type'), data.get('urgency'))"


def test_handling_due_in_a_real_process_step_reads_the_instances_agency(pg, people, clock):
    """A user task's dueDate calls handling_due in the step that opens it (the test clock: Monday
    23/11/2026 08:00). Agency A's rows apply to its instances, national defaults to agency B's;
    the leader's explicit deadline in the data wins."""
    with unit_of_work(pg.sessions) as session:
        policy.set_table(session, people["admin"], [Rule("Quyết định", "flash", 4, "hours"),
                                                    Rule("", "normal", 3, "days")])
        calendar.add_special_day(session, people["admin"], date(2026, 11, 26), "day_off", "Nghỉ bù")
    xml = diagrams.definitions(
        diagrams.START + diagrams.user_task("work", props={"dueDate": f"data.get('deadline') or {HANDLE_DUE}"})
        + diagrams.END + diagrams.flow("f0", "start", "work") + diagrams.flow("f1", "work", "end"))
    with unit_of_work(pg.sessions) as session:
        pg.runtime.deploy(session, DEFAULT_SCOPE, xml, actor="tester")

    def due_at(scope: str, **data) -> datetime:
        with unit_of_work(pg.sessions) as session:
            instance = pg.runtime.start(session, scope, "p", "tester", data)
        with unit_of_work(pg.sessions) as session:
            return session.scalar(sa.select(HumanTask.due_at).where(HumanTask.instance_id == instance.id))

    # A: 4 working hours on Monday (08:00–11:30, 13:30–14:00)
    assert due_at(A, doc_type="Quyết định", urgency="flash") == vn(2026, 11, 23, 14, 0)
    # A: 3 working days skipping the holiday (24/11) and its own day off (26/11)
    assert due_at(A, doc_type="Công văn", urgency="normal") == vn(2026, 11, 30, 8, 0)
    # B: the national defaults on the national calendar
    assert due_at(B, doc_type="Quyết định", urgency="flash") == vn(2026, 11, 23, 10, 0)
    assert due_at(B, doc_type="Công văn") == vn(2026, 12, 8, 8, 0)
    assert due_at(A, doc_type="Công văn", deadline="2026-12-15T17:00:00+07:00") == vn(2026, 12, 15, 17, 0)


@pytest.mark.parametrize("call, message", [
    ("handling_due('thứ hai')", "not an ISO 8601 date-time"),
    ("handling_due('2026-11-23T09:00:00+07:00', 5)", "doc_type must be a text"),
    ("handling_due('2026-11-23T09:00:00+07:00', 'x' * 101)", "longer than 100"),
    ("handling_due('2026-11-23T09:00:00+07:00', None, 'soon')", "urgency must be one of"),
    ("handling_due('2026-11-23T09:00:00+07:00', None, 7)", "urgency must be one of"),
])
def test_a_bad_argument_fails_in_the_sandbox_with_the_reason(pg, call, message):
    with pytest.raises(SandboxError, match=message):
        pg.runtime.sandbox.evaluate(call, {})


def test_outside_a_step_the_national_defaults_apply():
    assert policy.handling_due("2026-11-23T09:00:00+07:00") == "2026-12-08T09:00:00+07:00"
    assert policy.handling_due("2026-11-23T09:00:00+07:00", None, 3) == "2026-11-23T11:00:00+07:00"  # level 3: flash
    assert policy.handling_due("2026-11-23T09:00:00+07:00", "Công văn", "very_urgent") == "2026-11-25T09:00:00+07:00"


def test_a_type_is_added_from_the_every_type_row_once_and_removed(pg, people):
    admin = people["admin"]
    with unit_of_work(pg.sessions) as session:
        policy.set_table(session, admin, [Rule("", "normal", 5, "days")])
        table = policy.add_type(session, admin, "công điện")  # picked by name, stored as NĐ 30 writes it
    assert {u: (r.amount, r.unit) for u, r in table.by_type["Công điện"].items()} == {
        "flash": (2, "hours"), "very_urgent": (1, "days"), "urgent": (2, "days"), "normal": (5, "days")}
    with unit_of_work(pg.sessions) as session, pytest.raises(InvalidData, match=policy.TYPE_THERE):
        policy.add_type(session, admin, "Công điện")
    with unit_of_work(pg.sessions) as session:
        assert policy.remove_type(session, admin, "Công điện").by_type == {}
    with unit_of_work(pg.sessions) as session, pytest.raises(InvalidData, match=policy.TYPE_ABSENT):
        policy.remove_type(session, admin, "Công điện")
    with unit_of_work(pg.sessions) as session, pytest.raises(NotAllowed):
        policy.add_type(session, people["clerk"], "Công điện")
    assert rows_of(pg) == [("", "normal", 5.0, "days")]
