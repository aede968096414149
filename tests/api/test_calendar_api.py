"""The calendar API (/api/calendar): the agency admin enters hours, days and a swap the
Government announces; receipt times and the default diagram's deadlines follow it at once,
in every later session; everyone else is refused, and no agency sees another's calendar."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from documents.calendar.service import calendar_for
from documents.models import AuditEvent
from documents.vntime import VN_TZ
from engine.db import unit_of_work
from tests.api.conftest import complete, distribution_to, document_id, get_token, only_task, register_incoming

# Friday 27/11/2026 off, Saturday 28/11/2026 worked instead.
SWAP = {"day_off": "2026-11-27", "make_up": "2026-11-28", "note": "Hoán đổi ngày làm việc theo thông báo"}


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


def bearer(client, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {get_token(client, username)}"}


def shown(client, headers, year: int = 2026) -> dict:
    response = client.get("/api/calendar", params={"year": year}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_swap_is_stored_together_and_shown_with_the_national_holidays(client, system, api, province):
    response = client.post("/api/calendar/swaps", json=SWAP, headers=api("a.admin"))
    assert response.status_code == 201, response.text
    assert response.json()["day_off"] == {"day": "2026-11-27", "kind": "day_off", "note": SWAP["note"]}
    calendar = shown(client, api("a.admin"))
    assert [(d["day"], d["kind"]) for d in calendar["special_days"]] == [
        ("2026-11-27", "day_off"), ("2026-11-28", "make_up")]
    holidays = {d["day"]: d for d in calendar["national_days"]}
    assert holidays["2026-09-02"]["name"] == "Quốc khánh" and holidays["2026-09-02"]["applied"]
    assert holidays["2026-11-24"]["kind"] == "holiday"  # Vietnam Culture Day
    assert holidays["2026-08-22"]["kind"] == "state_workday"  # a Saturday the State made working
    assert calendar["hours"]["weekdays"]["0"] == [{"start": "07:30", "end": "11:30"}, {"start": "13:30", "end": "17:00"}]
    assert "5" not in calendar["hours"]["weekdays"]
    in_english = client.get("/api/calendar", params={"year": 2026, "language": "en"}, headers=api("a.admin")).json()
    assert {d["day"]: d["name"] for d in in_english["national_days"]}["2026-09-02"] == "National Day"
    with unit_of_work(system.sessions) as session:
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "calendar.swap_added"))
        assert event.actor_id == province["a.admin"].user_id and event.agency_code == "000.00.01.H99"
        assert event.after == {"day_off": "2026-11-27", "make_up": "2026-11-28", "note": SWAP["note"]}


def test_receipt_times_and_working_days_follow_the_swap_in_later_sessions(client, system, api, province):
    admin = api("a.admin")
    # A first change makes the calendar cached in this process; the swap must replace it.
    assert client.post("/api/calendar/days", json={"day": "2026-12-31", "kind": "day_off"},
                       headers=admin).status_code == 201
    with unit_of_work(system.sessions) as session:
        before = calendar_for(session, province["a.admin"].agency_id)
        assert before.receipt_time(vn(2026, 11, 27, 9)) == vn(2026, 11, 27, 9)
    assert client.post("/api/calendar/swaps", json=SWAP, headers=admin).status_code == 201
    with unit_of_work(system.sessions) as session:
        after = calendar_for(session, province["a.admin"].agency_id)
        # (a) arriving on the Friday off: received on Saturday morning
        assert after.receipt_time(vn(2026, 11, 27, 9)) == vn(2026, 11, 28, 7, 30)
        # (b) one working day from Thursday is Saturday
        assert after.add_working_days(vn(2026, 11, 26, 10), 1) == vn(2026, 11, 28, 10)
    preview = client.get("/api/calendar/working-time", params={"from": "2026-11-26T10:00:00+07:00", "days": 1},
                         headers=admin)
    assert preview.status_code == 200, preview.text
    assert preview.json()["deadline"] == "2026-11-28T10:00:00+07:00"
    friday = client.get("/api/calendar/working-time", params={"from": "2026-11-27T09:00:00+07:00", "hours": 1},
                        headers=admin).json()
    assert (friday["receipt_time"], friday["deadline"]) == ("2026-11-28T07:30:00+07:00", "2026-11-28T08:30:00+07:00")
    # Another agency keeps the national calendar.
    with unit_of_work(system.sessions) as session:
        other = calendar_for(session, province["b.admin"].agency_id)
        assert other.add_working_days(vn(2026, 11, 26, 10), 1) == vn(2026, 11, 27, 10)


def test_an_incoming_documents_times_and_task_deadlines_follow_the_swap(client, province, context_clock):
    context_clock.set(vn(2026, 11, 26, 10))  # Thursday 10:00
    admin, clerk = (bearer(client, name) for name in ("a.admin", "a.clerk"))
    assert client.post("/api/calendar/swaps", json=SWAP, headers=admin).status_code == 201
    instance = register_incoming(client, clerk)
    # The default diagram's distribution is due one working day later: Saturday, not the Friday off.
    distribute = only_task(instance, "distribute")
    assert distribute["due_at"] == "2026-11-28T10:00:00+07:00"
    context_clock.set(vn(2026, 11, 27, 9))  # the Friday off (a login lasts 12 hours)
    clerk, leader = (bearer(client, name) for name in ("a.clerk", "a.leader"))
    friday = register_incoming(client, clerk, number_notation="124/UBND-VX")
    document = client.get(f"/api/incoming/{document_id(friday)}", headers=clerk).json()
    assert document["received_at"] == "2026-11-28T07:30:00+07:00"
    # Distributed on the Friday off: 10 working days counted from Saturday 07:30.
    handled = complete(client, leader, only_task(friday, "distribute")["id"], distribution_to(province["a.staff"]))
    assert only_task(handled, "handle")["due_at"] == "2026-12-11T07:30:00+07:00"


def test_hours_are_replaced_and_bad_hours_refused_at_the_field(client, api, province):
    admin = api("a.admin")
    week = {"weekdays": {str(d): [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
                         for d in range(5)} | {"5": [{"start": "08:00", "end": "11:00"}]}}
    response = client.put("/api/calendar/hours", json=week, headers=admin)
    assert response.status_code == 200, response.text
    assert shown(client, admin)["hours"]["weekdays"]["5"] == [{"start": "08:00", "end": "11:00"}]
    preview = client.get("/api/calendar/working-time", params={"from": "2026-11-28", "days": 0}, headers=admin).json()
    assert preview["receipt_time"] == "2026-11-28T08:00:00+07:00"  # Saturdays are worked now
    bad = client.put("/api/calendar/hours", json={"weekdays": {"1": [{"start": "12:00", "end": "08:00"}]}},
                     headers=admin)
    assert bad.status_code == 422 and "phải bắt đầu trước khi kết thúc" in bad.json()["error"]["errors"]["1"]
    assert shown(client, admin)["hours"]["weekdays"]["5"] == [{"start": "08:00", "end": "11:00"}]
    malformed = client.put("/api/calendar/hours", json={"weekdays": {"9": []}}, headers=admin)
    assert malformed.status_code == 422


@pytest.mark.parametrize("swap, field, message", [
    ({"day_off": "2026-11-29", "make_up": "2026-12-05"}, "day_off", "Ngày này đã là ngày không làm việc"),  # a Sunday
    ({"day_off": "2026-09-02", "make_up": "2026-09-05"}, "day_off", "Ngày này đã là ngày không làm việc"),  # National Day
    ({"day_off": "2026-11-27", "make_up": "2026-11-30"}, "make_up", "Ngày này đã là ngày làm việc"),       # a Monday
    ({"day_off": "2026-11-27", "make_up": "2026-08-22"}, "make_up", "Ngày này đã là ngày làm việc"),       # State's Saturday
    ({"day_off": "2026-11-27", "make_up": "2026-11-27"}, "make_up", "khác ngày nghỉ"),
])
def test_a_swap_that_changes_nothing_is_refused_and_nothing_is_stored(client, api, province, swap, field, message):
    response = client.post("/api/calendar/swaps", json=swap, headers=api("a.admin"))
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]["errors"][field]
    assert shown(client, api("a.admin"))["special_days"] == []


def test_a_swap_over_a_declared_day_stores_neither_day(client, api, province):
    admin = api("a.admin")
    assert client.post("/api/calendar/days", json={"day": "2026-11-28", "kind": "day_off"}, headers=admin).status_code == 201
    refused = client.post("/api/calendar/swaps", json=SWAP, headers=admin)
    assert refused.status_code == 422 and "28/11/2026" in refused.json()["error"]["message"]
    assert "đã được khai báo là ngày nghỉ" in refused.json()["error"]["errors"]["make_up"]
    assert [d["day"] for d in shown(client, admin)["special_days"]] == ["2026-11-28"]
    assert client.delete("/api/calendar/days/2026-11-28", headers=admin).status_code == 204
    assert client.post("/api/calendar/swaps", json=SWAP, headers=admin).status_code == 201


def test_days_are_added_and_removed(client, api, province):
    admin = api("a.admin")
    added = client.post("/api/calendar/days", json={"day": "2026-12-24", "kind": "day_off", "note": "Nghỉ riêng"},
                        headers=admin)
    assert added.status_code == 201 and added.json()["note"] == "Nghỉ riêng"
    again = client.post("/api/calendar/days", json={"day": "2026-12-24", "kind": "make_up"}, headers=admin)
    assert again.status_code == 422 and "day" in again.json()["error"]["errors"]
    assert client.delete("/api/calendar/days/2026-12-24", headers=admin).status_code == 204
    assert client.delete("/api/calendar/days/2026-12-24", headers=admin).status_code == 404
    assert client.post("/api/calendar/days", json={"day": "24/12/2026", "kind": "day_off"},
                       headers=admin).status_code == 422
    bad_from = client.get("/api/calendar/working-time", params={"from": "thứ sáu", "days": 1}, headers=admin)
    assert bad_from.status_code == 422 and "from" in bad_from.json()["error"]["errors"]


@pytest.mark.parametrize("method, url, body", [
    ("GET", "/api/calendar", None),
    ("PUT", "/api/calendar/hours", {"weekdays": {"0": [{"start": "07:00", "end": "11:00"}]}}),
    ("POST", "/api/calendar/days", {"day": "2026-12-24", "kind": "day_off"}),
    ("DELETE", "/api/calendar/days/2026-12-24", None),
    ("POST", "/api/calendar/swaps", SWAP),
    ("GET", "/api/calendar/working-time?from=2026-11-26&days=1", None),
])
def test_only_the_agency_admin_may(client, api, province, method, url, body):
    for username in ("a.clerk", "a.leader", "a.process_admin"):
        response = client.request(method, url, json=body, headers=api(username))
        assert response.status_code == 403, (username, response.text)
    assert client.request(method, url, json=body).status_code == 401


def test_another_agencys_calendar_is_never_seen_or_touched(client, api, province):
    assert client.post("/api/calendar/swaps", json=SWAP, headers=api("a.admin")).status_code == 201
    assert shown(client, api("b.admin"))["special_days"] == []
    assert client.delete("/api/calendar/days/2026-11-27", headers=api("b.admin")).status_code == 404
    assert [d["day"] for d in shown(client, api("a.admin"))["special_days"]] == ["2026-11-27", "2026-11-28"]
    assert date(2026, 11, 27).weekday() == 4 and date(2026, 11, 28).weekday() == 5  # the swap's premise
