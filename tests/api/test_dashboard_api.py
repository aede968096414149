"""GET /api/dashboard, /api/dashboard/items, /api/dashboard/province: the JSON shapes, who sees
what (leaders the agency, unit heads their unit, nobody else), another agency invisible, bad
parameters refused. The figures themselves are checked against a hand count in tests/dashboard.

The clock stands at Monday 2026-11-23 08:00 in Vietnam (tests/conftest.START)."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from documents import accounts
from documents.models import Agency, OrgUnit
from documents.system import System
from documents.vntime import VN_TZ
from engine.db import unit_of_work
from tests.conftest import PASSWORD
from tests.dashboard.documents import add_document

NOT_ALLOWED = ("a.staff", "a.clerk", "a.admin", "a.process_admin")


def vn(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=VN_TZ)


@pytest.fixture
def world(province: dict, system: System) -> dict:
    """Agency A: its Phòng Kinh tế (a.unit_head, a.staff) and a second unit with a person of its own;
    agency C below A; documents in A, B and C."""
    with unit_of_work(system.sessions) as session:
        a = session.scalar(sa.select(Agency).where(Agency.code == "000.00.01.H99"))
        b = session.scalar(sa.select(Agency).where(Agency.code == "000.00.02.H99"))
        c = accounts.create_agency(session, "000.00.03.H99", "Cơ quan C", parent=a)
        economy = session.get(OrgUnit, province["a.staff"].unit_id)
        other = accounts.create_unit(session, a, "Phòng Tổng hợp")
        outsider = accounts.create_user(session, a, "a.other", "Đỗ Văn Khác", PASSWORD, ["staff"], unit=other)
        staff, b_staff = province["a.staff"], province["b.staff"]
        ids = {"A": a.id, "B": b.id, "C": c.id, "economy": economy.id, "other": other.id,
               "staff": staff.user_id, "outsider": outsider.id, "b_unit": b_staff.unit_id, "b_staff": b_staff.user_id}
        ids["late"] = add_document(session, a.id, 1, "05", vn(11, 10, 8), unit_id=economy.id, user_id=staff.user_id,
                                   deadline=vn(11, 20, 17), subject="Báo cáo <quá hạn>")
        add_document(session, a.id, 2, "04", vn(11, 20, 8), unit_id=economy.id, user_id=staff.user_id,
                     deadline=vn(11, 23, 16))
        add_document(session, a.id, 3, "06", vn(11, 16, 8), unit_id=other.id, user_id=outsider.id,
                     deadline=vn(11, 20, 17), completed=vn(11, 19, 8))
        add_document(session, a.id, 4, "05", vn(11, 16, 8), unit_id=other.id, user_id=outsider.id,
                     deadline=vn(11, 18, 17))
        add_document(session, b.id, 1, "05", vn(11, 10, 8), unit_id=b_staff.unit_id, user_id=b_staff.user_id,
                     deadline=vn(11, 20, 17))
        add_document(session, c.id, 1, "05", vn(11, 10, 8), deadline=vn(11, 20, 17))
    return ids


def figures(body: dict) -> tuple:
    totals = body["totals"]
    return (totals["open"], totals["due_soon"], totals["overdue"], totals["completed_on_time"],
            totals["completed_late"], totals["average_handling_hours"])


def test_the_leader_sees_the_whole_agency(client, api, world):
    response = client.get("/api/dashboard", headers=api("a.leader"), params={"period": "month", "periods": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == {"agency": {"id": world["A"], "name": "Cơ quan A"}, "unit": None, "person": None}
    assert body["at"] == "2026-11-23T08:00:00+07:00" and body["period"] == "month"
    assert body["since"] == "2026-10-01T00:00:00+07:00"  # completed figures: October and November
    # open: 1, 2, 4; due soon: 2 (16:00 today); overdue: 1, 4; on time: 3 (72 h)
    assert figures(body) == (3, 1, 2, 1, 0, 72.0)
    assert [(row["name"], row["open"], row["overdue"]) for row in body["by_unit"]] == [
        ("Phòng Kinh tế", 2, 1), ("Phòng Tổng hợp", 1, 1)]
    # one overdue each: the one with more open work first
    assert [(row["id"], row["name"]) for row in body["by_person"]] == [
        (world["staff"], "staff a"), (world["outsider"], "Đỗ Văn Khác")]
    assert body["series"] == [
        {"start": "2026-10-01T00:00:00+07:00", "end": "2026-11-01T00:00:00+07:00", "label": "2026-10", "received": 0,
         "completed_on_time": 0, "completed_late": 0, "average_handling_hours": None},
        {"start": "2026-11-01T00:00:00+07:00", "end": "2026-12-01T00:00:00+07:00", "label": "2026-11", "received": 4,
         "completed_on_time": 1, "completed_late": 0, "average_handling_hours": 72.0}]
    weekly = client.get("/api/dashboard", headers=api("a.leader")).json()
    assert weekly["period"] == "week" and len(weekly["series"]) == 12 and weekly["series"][-1]["label"] == "2026-W48"


def test_completed_figures_follow_the_periods_shown(client, api, world):
    # This week only (from Monday 2026-11-23 00:00): the completion of Nov 19 is outside.
    week = client.get("/api/dashboard", headers=api("a.leader"), params={"periods": 1}).json()
    assert week["since"] == "2026-11-23T00:00:00+07:00"
    assert figures(week) == (3, 1, 2, 0, 0, None)
    listed = client.get("/api/dashboard/items", headers=api("a.leader"),
                        params={"status": "completed_on_time", "periods": 1}).json()
    assert listed["total"] == 0
    listed = client.get("/api/dashboard/items", headers=api("a.leader"), params={"status": "completed_on_time"}).json()
    assert listed["total"] == 1
    province = client.get("/api/dashboard/province", headers=api("a.leader"), params={"periods": 1}).json()
    assert province["since"] == "2026-11-23T00:00:00+07:00" and province["totals"]["completed_on_time"] == 0


def test_the_leader_narrows_to_a_unit_or_a_person(client, api, world):
    unit = client.get("/api/dashboard", headers=api("a.leader"), params={"unit_id": world["other"]}).json()
    assert unit["scope"]["unit"] == {"id": world["other"], "name": "Phòng Tổng hợp"}
    assert figures(unit) == (1, 0, 1, 1, 0, 72.0)
    person = client.get("/api/dashboard", headers=api("a.leader"), params={"user_id": world["staff"]}).json()
    assert person["scope"]["person"] == {"id": world["staff"], "name": "staff a"}
    assert figures(person) == (2, 1, 1, 0, 0, None)


def test_a_unit_head_sees_only_their_unit(client, api, world):
    own = client.get("/api/dashboard", headers=api("a.unit_head"))
    assert own.status_code == 200
    assert own.json()["scope"]["unit"] == {"id": world["economy"], "name": "Phòng Kinh tế"}
    assert figures(own.json()) == (2, 1, 1, 0, 0, None)
    assert [row["name"] for row in own.json()["by_unit"]] == ["Phòng Kinh tế"]
    assert [row["name"] for row in own.json()["by_person"]] == ["staff a"]
    person = client.get("/api/dashboard", headers=api("a.unit_head"), params={"user_id": world["staff"]})
    assert person.status_code == 200
    items = client.get("/api/dashboard/items", headers=api("a.unit_head"), params={"status": "overdue"}).json()
    assert [item["id"] for item in items["items"]] == [world["late"]]
    for path, params in (("/api/dashboard", {"unit_id": world["other"]}),
                         ("/api/dashboard", {"user_id": world["outsider"]}),
                         ("/api/dashboard/items", {"status": "open", "unit_id": world["other"]}),
                         ("/api/dashboard/items", {"status": "open", "user_id": world["outsider"]}),
                         ("/api/dashboard/province", {})):
        response = client.get(path, headers=api("a.unit_head"), params=params)
        assert response.status_code == 403, (path, params, response.text)


@pytest.mark.parametrize("username", NOT_ALLOWED)
def test_staff_clerks_and_admins_are_refused(client, api, world, username):
    for path, params in (("/api/dashboard", {}), ("/api/dashboard/items", {"status": "overdue"}),
                         ("/api/dashboard/province", {})):
        assert client.get(path, headers=api(username), params=params).status_code == 403


def test_not_logged_in(client, world):
    assert client.get("/api/dashboard").status_code == 401
    assert client.get("/api/dashboard/items", params={"status": "open"}).status_code == 401


def test_another_agency_is_invisible(client, api, world):
    for username, params in (("a.leader", {"unit_id": world["b_unit"]}), ("a.leader", {"user_id": world["b_staff"]}),
                             ("a.unit_head", {"unit_id": world["b_unit"]})):
        assert client.get("/api/dashboard", headers=api(username), params=params).status_code == 404
    b = client.get("/api/dashboard", headers=api("b.leader")).json()
    assert b["scope"]["agency"]["id"] == world["B"] and figures(b) == (1, 0, 1, 0, 0, None)
    listed = client.get("/api/dashboard/items", headers=api("b.leader"), params={"status": "open"}).json()
    assert listed["total"] == 1 and world["late"] not in [item["id"] for item in listed["items"]]


def test_drill_down_rows(client, api, world):
    response = client.get("/api/dashboard/items", headers=api("a.leader"),
                          params={"status": "overdue", "unit_id": world["economy"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["total"], body["page"], body["pages"]) == ("overdue", 1, 1, 1)
    assert body["items"] == [{
        "id": world["late"], "incoming_number": 1, "number_notation": "1/UBND-VX", "subject": "Báo cáo <quá hạn>",
        "issuer_name": "UBND tỉnh Demo", "handling_deadline": "2026-11-20T17:00:00+07:00",
        "received_at": "2026-11-10T08:00:00+07:00", "completed_at": None, "lead_unit": "Phòng Kinh tế",
        "lead_person": "staff a", "overdue_hours": 63.0, "link": f"/incoming/{world['late']}"}]
    beyond = client.get("/api/dashboard/items", headers=api("a.leader"), params={"status": "overdue", "page": 5})
    assert beyond.status_code == 200 and beyond.json()["items"] == [] and beyond.json()["total"] == 2


def test_province_rows(client, api, world):
    body = client.get("/api/dashboard/province", headers=api("a.leader")).json()
    assert [(row["name"], row["open"], row["overdue"]) for row in body["agencies"]] == [
        ("Cơ quan A", 3, 2), ("Cơ quan C", 1, 1)]
    assert (body["totals"]["open"], body["totals"]["overdue"]) == (4, 3)
    b = client.get("/api/dashboard/province", headers=api("b.leader")).json()
    assert [row["name"] for row in b["agencies"]] == ["Cơ quan B"]


@pytest.mark.parametrize("path, params", [
    ("/api/dashboard", {"period": "year"}),
    ("/api/dashboard", {"periods": 0}),
    ("/api/dashboard", {"periods": 105}),
    ("/api/dashboard", {"unit_id": "Phòng Kinh tế"}),
    ("/api/dashboard", {"user_id": -1}),
    ("/api/dashboard/items", {}),
    ("/api/dashboard/items", {"status": "late"}),
    ("/api/dashboard/items", {"status": "open", "page": 0}),
    ("/api/dashboard/items", {"status": "open", "period": "day"}),
    ("/api/dashboard/province", {"periods": 1000}),
])
def test_bad_parameters(client, api, world, path, params):
    response = client.get(path, headers=api("a.leader"), params=params)
    assert response.status_code == 422, response.text
