"""The calendar functions diagrams call: ISO 8601 in, ISO 8601 with +07:00 out, deterministic,
and reachable from a deployed diagram through the system's runtime."""
from __future__ import annotations

import time
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from documents import accounts
from documents.calendar import service
from documents.calendar.functions import SANDBOX_FUNCTIONS, add_working_days, add_working_hours, as_moment
from documents.vntime import VN_TZ
from engine.db import unit_of_work
from engine.models import DEFAULT_SCOPE, Timer
from engine.sandbox import Sandbox, SandboxError
from tests.calendar.conftest import AGENCY
from tests.engine import diagrams


def test_iso_in_iso_out():
    assert add_working_days("2026-11-20T10:00:00+07:00", 1) == "2026-11-23T10:00:00+07:00"
    assert add_working_days("2026-11-20T10:30:00Z", 1) == "2026-11-25T07:30:00+07:00"  # 17:30 in Vietnam
    assert add_working_hours("2026-11-23T10:00:00+07:00", 2) == "2026-11-23T14:00:00+07:00"
    assert add_working_hours(datetime(2026, 9, 1, 2, tzinfo=timezone.utc), 1) == "2026-09-03T08:30:00+07:00"
    assert add_working_days("2026-11-21", 0) == "2026-11-23T07:30:00+07:00"  # a date: 00:00 in Vietnam
    assert add_working_days(date(2027, 2, 4), 1) == "2027-02-12T07:30:00+07:00"  # Tết 2027


def test_same_inputs_same_output():
    assert {add_working_hours("2026-11-20T16:00:00+07:00", 3.25) for _ in range(5)} == {"2026-11-23T09:45:00+07:00"}


@pytest.mark.parametrize("value, message", [
    ("2026-11-23T09:00:00", "without an offset"),
    ("thứ hai", "not an ISO 8601 date-time"),
])
def test_ambiguous_or_bad_times_are_refused(value, message):
    with pytest.raises(ValueError, match=message):
        as_moment(value)


def test_diagrams_compute_deadlines_with_the_calendar(system, clock):
    """Monday 23/11/2026 08:00 (the test clock) + 2 working days skips Vietnam Cultural Day;
    the boundary timer's timeDate uses the same functions."""
    script = ("received = now().isoformat()\n"
              "due = add_working_days(received, 2)\n"
              "reply_by = add_working_hours(received, 4)")
    xml = diagrams.definitions(
        diagrams.START + diagrams.script_task("compute", script) + diagrams.user_task("work")
        + diagrams.user_task("late") + diagrams.END + '<bpmn:endEvent id="end2"/>'
        + '<bpmn:boundaryEvent id="overdue" attachedToRef="work" cancelActivity="false">'
        + "<bpmn:timerEventDefinition><bpmn:timeDate>add_working_hours(received, 8)</bpmn:timeDate>"
        + "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        + diagrams.flow("f0", "start", "compute") + diagrams.flow("f1", "compute", "work")
        + diagrams.flow("f2", "work", "end") + diagrams.flow("f3", "overdue", "late")
        + diagrams.flow("f4", "late", "end2"))
    with unit_of_work(system.sessions) as session:
        system.runtime.deploy(session, DEFAULT_SCOPE, xml, actor="tester")
        instance = system.runtime.start(session, "000.00.01.H99", "p", "tester")
    with unit_of_work(system.sessions) as session:
        data = system.runtime.data(session, system.runtime.instance(session, instance.id, "000.00.01.H99"))
        fire_at = session.scalar(sa.select(Timer.fire_at).where(Timer.instance_id == instance.id))
    assert data["received"] == "2026-11-23T01:00:00+00:00"
    assert data["due"] == "2026-11-26T08:00:00+07:00"
    assert data["reply_by"] == "2026-11-23T14:00:00+07:00"
    # 8 working hours from Monday 08:00: 7 on Monday, then Wednesday 07:30 + 1 h (Tuesday is off).
    assert fire_at == datetime(2026, 11, 25, 1, 30, tzinfo=timezone.utc)


def test_diagrams_use_the_calendar_of_the_instance_agency(system, clock, people):
    """The agency declares Wednesday 25/11/2026 a day off: its instances' deadlines skip it (in the
    script and in the boundary timer), another agency's instances and code outside any step do not."""
    with unit_of_work(system.sessions) as session:
        service.add_special_day(session, people["admin"], date(2026, 11, 25), "day_off", "Nghỉ bù")
        accounts.create_agency(session, "000.00.02.H99", "Sở Tài chính")
    xml = diagrams.definitions(
        diagrams.START + diagrams.script_task("compute", "due = add_working_days(now().isoformat(), 2)")
        + diagrams.user_task("work") + diagrams.END + '<bpmn:endEvent id="end2"/>'
        + '<bpmn:boundaryEvent id="overdue" attachedToRef="work" cancelActivity="false">'
        + "<bpmn:timerEventDefinition><bpmn:timeDate>add_working_hours(due, 1)</bpmn:timeDate>"
        + "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        + diagrams.flow("f0", "start", "compute") + diagrams.flow("f1", "compute", "work")
        + diagrams.flow("f2", "work", "end") + diagrams.flow("f3", "overdue", "end2"))
    results = {}
    with unit_of_work(system.sessions) as session:
        system.runtime.deploy(session, DEFAULT_SCOPE, xml, actor="tester")
    for scope in (AGENCY, "000.00.02.H99"):
        with unit_of_work(system.sessions) as session:
            instance = system.runtime.start(session, scope, "p", "tester")
        with unit_of_work(system.sessions) as session:
            data = system.runtime.data(session, system.runtime.instance(session, instance.id, scope))
            fire_at = session.scalar(sa.select(Timer.fire_at).where(Timer.instance_id == instance.id))
        results[scope] = data["due"], fire_at.astimezone(VN_TZ).isoformat()
    # Monday 08:00 + 2 working days: Tuesday is a national holiday, Wednesday the agency's day off.
    assert results[AGENCY] == ("2026-11-27T08:00:00+07:00", "2026-11-27T09:00:00+07:00")
    assert results["000.00.02.H99"] == ("2026-11-26T08:00:00+07:00", "2026-11-26T09:00:00+07:00")
    assert add_working_days("2026-11-23T08:00:00+07:00", 2) == "2026-11-26T08:00:00+07:00"  # no step: default


def test_a_bad_argument_fails_inside_the_sandbox_with_the_reason(system):
    with pytest.raises(SandboxError, match="days must be between 0 and 2500"):
        system.runtime.sandbox.evaluate("add_working_days('2026-11-23T09:00:00+07:00', -1)", {})


@pytest.mark.parametrize("call, message", [
    ("add_working_days(received, 10**9)", "days must be between 0 and 2500"),
    ("add_working_hours(received, 10**9)", "hours must be between 0 and 20000"),
    ("add_working_days(received + ' ' * 100000, 1)", "not an ISO 8601 date-time"),
    ("add_working_days('9999-01-01T10:00:00+07:00', 1)", "year 9999 is outside 1900–2200"),
    ("add_working_hours(date(1, 1, 1), 1)", "year 1 is outside 1900–2200"),
])
def test_what_a_diagram_passes_is_bounded_before_any_work(call, message):
    """The functions run in the engine's process with arguments from diagram code: absurd ones
    are refused at once instead of walking the calendar for a long time."""
    sandbox = Sandbox(SANDBOX_FUNCTIONS)
    started = time.monotonic()
    with pytest.raises(SandboxError, match=message):
        sandbox.evaluate(call, {"received": "2026-11-20T10:00:00+07:00"})
    assert time.monotonic() - started < 5
