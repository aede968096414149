"""The dashboard's figures on a data set built by hand, checked against numbers counted by hand.

Agency A has two units (U1, U2) and three people (P1, P2 in U1; P3 in U2); agency C is A's child
(the province's view), agency B is unrelated. ``AT`` is Thursday 2026-12-03 10:00 in Vietnam.
Every expected number below is a literal counted from the table of documents, not recomputed.
Runs on PostgreSQL and SQLite (the ``system`` fixture): the figures must not depend on the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from documents import accounts
from documents.dashboard import queries
from documents.dashboard.access import Scope
from documents.dashboard.queries import Figures
from documents.incoming.models import IncomingDocument
from documents.system import System
from documents.vntime import VN_TZ
from engine import clock as clocks
from engine.db import unit_of_work
from tests.conftest import PASSWORD
from tests.dashboard.documents import add_document


def vn(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


AT = vn(12, 3, 10)


@dataclass(frozen=True)
class Doc:
    """One hand-made document: who leads it, its status and its moments (Vietnam time)."""

    name: str
    agency: str
    unit: str | None
    person: str | None
    status: str
    received: datetime
    deadline: datetime | None = None
    completed: datetime | None = None
    closed: datetime | None = None
    withdrawn: datetime | None = None


DOCS = (
    Doc("d1", "A", "U1", "P1", "05", vn(11, 24, 9), deadline=vn(12, 1, 17)),       # overdue by 41 h
    Doc("d2", "A", "U1", "P1", "04", vn(11, 30, 8), deadline=vn(12, 3, 16)),       # due in 6 h
    Doc("d3", "A", "U1", "P2", "05", vn(12, 1, 0, 30), deadline=vn(12, 10, 17)),   # open; received Dec in VN, Nov in UTC
    Doc("d4", "A", "U1", "P2", "06", vn(11, 23, 8), deadline=vn(11, 27, 17), completed=vn(11, 26, 10)),  # on time, 74 h
    Doc("d5", "A", "U1", "P1", "06", vn(11, 16, 9), deadline=vn(11, 20, 17), completed=vn(12, 1, 6)),    # late 253 h, 357 h
    Doc("d6", "A", "U2", "P3", "06", vn(11, 30, 6), deadline=vn(12, 2, 17), completed=vn(12, 2, 18)),    # late 1 h, 60 h; received Mon in VN, Sun in UTC
    Doc("d7", "A", "U2", "P3", "06", vn(12, 2, 8), completed=vn(12, 2, 10)),        # no deadline: on time, 2 h
    Doc("d8", "A", None, None, "01", vn(12, 3, 8)),                                 # arrived, not yet distributed
    Doc("d9", "A", "U2", "P3", "02", vn(11, 24, 10), deadline=vn(11, 25, 17), closed=vn(11, 25, 9)),  # closed: nothing
    Doc("d10", "A", "U1", "P1", "05", vn(11, 10, 8), deadline=vn(11, 20, 17), withdrawn=vn(11, 28, 9)),  # withdrawn: never
    Doc("d11", "B", None, None, "05", vn(11, 10, 8), deadline=vn(11, 20, 17)),      # agency B: not A's
    Doc("d12", "A", "U1", "P2", "05", vn(11, 29, 23, 30), deadline=vn(12, 4, 10)),  # due exactly in 24 h; Sunday night
    Doc("d13", "A", "U2", "P3", "04", vn(11, 2, 8), deadline=AT),                   # due this very moment: due soon
    Doc("d14", "A", "U1", "P1", "06", vn(10, 20, 8), deadline=vn(10, 30, 17), completed=vn(11, 1, 5)),   # late 36 h, 285 h; Nov in VN, Oct in UTC
    Doc("d15", "A", "U2", "P3", "05", vn(11, 20, 8), deadline=vn(11, 28, 17)),      # overdue by 113 h
    Doc("d16", "C", None, None, "05", vn(11, 10, 8), deadline=vn(11, 20, 17)),      # agency C (A's child): overdue
)


@pytest.fixture
def data(system: System) -> dict:
    """The agencies, units, people and documents above; returns their ids by name."""
    ids: dict[str, int] = {}
    with unit_of_work(system.sessions) as session:
        a = accounts.create_agency(session, "000.00.01.H98", "Cơ quan A")
        b = accounts.create_agency(session, "000.00.02.H98", "Cơ quan B")
        c = accounts.create_agency(session, "000.00.03.H98", "Cơ quan C", parent=a)
        agencies = {"A": a, "B": b, "C": c}
        units = {"U1": accounts.create_unit(session, a, "Phòng Kinh tế"),
                 "U2": accounts.create_unit(session, a, "Phòng Tổng hợp")}
        people = {"P1": ("nguyen.an", "Nguyễn Văn An", "U1"), "P2": ("tran.binh", "Trần Thị Bình", "U1"),
                  "P3": ("le.cuong", "Lê Văn Cường", "U2")}
        for name, (username, full_name, unit) in people.items():
            ids[name] = accounts.create_user(session, a, username, full_name, PASSWORD, ["staff"], unit=units[unit]).id
        ids |= {name: agency.id for name, agency in agencies.items()} | {name: unit.id for name, unit in units.items()}
        for number, doc in enumerate(DOCS, start=1):
            ids[doc.name] = add_document(
                session, ids[doc.agency], number, doc.status, doc.received, unit_id=ids.get(doc.unit or ""),
                user_id=ids.get(doc.person or ""), deadline=doc.deadline, completed=doc.completed, closed=doc.closed,
                withdrawn=doc.withdrawn, subject=f"Văn bản {doc.name}")
    return ids


def _run(system: System, query, *args, **kwargs):
    with unit_of_work(system.sessions) as session:
        return query(session, *args, **kwargs)


def test_agency_totals_match_the_hand_count(system: System, data: dict) -> None:
    # open d1 d2 d3 d8 d12 d13 d15; due soon d2 d12 d13; overdue d1 d15; on time d4 d7; late d5 d6 d14;
    # average (74 + 357 + 60 + 2 + 285) / 5 = 155.6 h. Not d9 (closed), d10 (withdrawn), d11 (B), d16 (C).
    assert _run(system, queries.totals, Scope(data["A"]), AT) == Figures(7, 3, 2, 2, 3, 155.6)


def test_completed_figures_from_a_moment_on(system: System, data: dict) -> None:
    # Completed since Monday 2026-11-30 (week 49): d7 on time, d5 d6 late, (357 + 60 + 2) / 3 = 139.67 h;
    # the running figures are those of now, whatever the window.
    assert _run(system, queries.totals, Scope(data["A"]), AT, since=vn(11, 30)) == Figures(7, 3, 2, 1, 2, 139.67)
    units = _run(system, queries.by_unit, Scope(data["A"]), AT, since=vn(11, 30))
    # U1: d5 late (357 h); U2: d7 on time, d6 late, (60 + 2) / 2.
    assert [row.figures for row in units] == [Figures(4, 2, 1, 0, 1, 357.0), Figures(2, 1, 1, 1, 1, 31.0)]
    late = _run(system, queries.items, Scope(data["A"]), AT, "completed_late", since=vn(11, 30))
    assert [item.id for item in late.items] == [data["d5"], data["d6"]] and late.total == 2
    # The list of open documents does not depend on the window.
    assert _run(system, queries.items, Scope(data["A"]), AT, "open", since=vn(11, 30)).total == 7
    province = _run(system, queries.province, (data["A"], data["C"]), AT, since=vn(11, 30))
    assert province.totals == Figures(8, 3, 3, 1, 2, 139.67)


def test_unit_and_person_totals(system: System, data: dict) -> None:
    # U1: d1 d2 d3 d4 d5 d12 d14 — open d1 d2 d3 d12, due soon d2 d12, overdue d1, on time d4,
    # late d5 d14, average (74 + 357 + 285) / 3 = 238.67 h.
    assert _run(system, queries.totals, Scope(data["A"], unit_id=data["U1"]), AT) == Figures(4, 2, 1, 1, 2, 238.67)
    # P1: d1 d2 d5 d14 — open d1 d2, due soon d2, overdue d1, late d5 d14, average (357 + 285) / 2.
    assert _run(system, queries.totals, Scope(data["A"], user_id=data["P1"]), AT) == Figures(2, 1, 1, 0, 2, 321.0)
    # P1 is not in U2: nothing.
    assert _run(system, queries.totals, Scope(data["A"], data["U2"], data["P1"]), AT) == Figures()


def test_by_unit_and_by_person(system: System, data: dict) -> None:
    units = _run(system, queries.by_unit, Scope(data["A"]), AT)
    assert [(row.name, row.figures) for row in units] == [
        ("Phòng Kinh tế", Figures(4, 2, 1, 1, 2, 238.67)),
        # U2: d6 d7 d9 d13 d15 — open d13 d15, due soon d13, overdue d15, on time d7, late d6, (60 + 2) / 2.
        ("Phòng Tổng hợp", Figures(2, 1, 1, 1, 1, 31.0)),
    ]
    people = _run(system, queries.by_person, Scope(data["A"]), AT)
    # The most overdue first; P3 and P1 tie (1 overdue, 2 open): by name.
    assert [(row.name, row.figures) for row in people] == [
        ("Lê Văn Cường", Figures(2, 1, 1, 1, 1, 31.0)),
        ("Nguyễn Văn An", Figures(2, 1, 1, 0, 2, 321.0)),
        # P2: d3 d4 d12 — open d3 d12, due soon d12, on time d4 (74 h).
        ("Trần Thị Bình", Figures(2, 1, 0, 1, 0, 74.0)),
    ]
    unit_people = _run(system, queries.by_person, Scope(data["A"], unit_id=data["U2"]), AT)
    assert [row.name for row in unit_people] == ["Lê Văn Cường"]


def test_weekly_series_in_vietnam_time(system: System, data: dict) -> None:
    points = _run(system, queries.series, Scope(data["A"]), AT, "week", 3)
    assert [(p.label, p.start, p.end) for p in points] == [
        ("2026-W47", vn(11, 16), vn(11, 23)), ("2026-W48", vn(11, 23), vn(11, 30)), ("2026-W49", vn(11, 30), vn(12, 7))]
    # received — W47: d5 d15; W48: d1 d4 d9 d12 (Sunday 23:30); W49: d2 d3 d6 (Monday 06:00, still Sunday in UTC) d7 d8.
    # completed — W48: d4 on time (74 h); W49: d7 on time, d5 d6 late, (357 + 60 + 2) / 3 = 139.67 h.
    assert [(p.received, p.completed_on_time, p.completed_late, p.average_handling_hours) for p in points] == [
        (2, 0, 0, None), (4, 1, 0, 74.0), (5, 1, 2, 139.67)]


def test_monthly_series_in_vietnam_time(system: System, data: dict) -> None:
    points = _run(system, queries.series, Scope(data["A"]), AT, "month", 3)
    assert [p.label for p in points] == ["2026-10", "2026-11", "2026-12"]
    # received — Oct: d14; Nov: d1 d2 d4 d5 d6 d9 d12 d13 d15; Dec: d3 (00:30 on the 1st) d7 d8.
    # completed — Nov: d4 on time, d14 late (05:00 on the 1st, October in UTC), (74 + 285) / 2;
    # Dec: d7 on time, d5 (06:00 on the 1st) and d6 late.
    assert [(p.received, p.completed_on_time, p.completed_late, p.average_handling_hours) for p in points] == [
        (1, 0, 0, None), (9, 1, 1, 179.5), (3, 1, 2, 139.67)]


def test_drill_down_lists_most_overdue_first(system: System, data: dict) -> None:
    def listed(status: str, **kwargs) -> list[int]:
        return [item.id for item in _run(system, queries.items, Scope(data["A"], **kwargs), AT, status).items]

    assert listed("overdue") == [data["d15"], data["d1"]]
    assert listed("overdue", unit_id=data["U1"]) == [data["d1"]]
    assert listed("due_soon") == [data["d13"], data["d2"], data["d12"]]
    # late by 253 h, 36 h, 1 h
    assert listed("completed_late") == [data["d5"], data["d14"], data["d6"]]
    assert listed("completed_on_time") == [data["d7"], data["d4"]]
    assert listed("open", user_id=data["P2"]) == [data["d12"], data["d3"]]


def test_a_drill_down_row_and_its_pages(system: System, data: dict) -> None:
    page = _run(system, queries.items, Scope(data["A"]), AT, "overdue")
    first = page.items[0]
    assert (page.total, page.page, page.pages) == (2, 1, 1)
    assert (first.number_notation, first.subject, first.issuer_name) == ("15/UBND-VX", "Văn bản d15", "UBND tỉnh Demo")
    assert (first.incoming_number, first.lead_unit, first.lead_person) == (15, "Phòng Tổng hợp", "Lê Văn Cường")
    assert first.handling_deadline == vn(11, 28, 17)
    assert first.overdue_by == timedelta(hours=113)  # Nov 28 17:00 → Dec 3 10:00
    assert first.link == f"/incoming/{data['d15']}"
    # open, deadline first, none last: d15 d1 d13 | d2 d12 d3 | d8
    last = _run(system, queries.items, Scope(data["A"]), AT, "open", page=3, per_page=3)
    assert ([item.id for item in last.items], last.total, last.pages) == ([data["d8"]], 7, 3)
    assert last.items[0].overdue_by is None and last.items[0].lead_unit is None


def test_province_rows_from_the_same_queries(system: System, data: dict) -> None:
    province = _run(system, queries.province, (data["A"], data["C"]), AT)
    assert [(row.name, row.figures) for row in province.agencies] == [
        ("Cơ quan A", Figures(7, 3, 2, 2, 3, 155.6)),
        ("Cơ quan C", Figures(1, 0, 1, 0, 0, None)),  # d16
    ]
    # A + C; B's d11 is not in it.
    assert province.totals == Figures(8, 3, 3, 2, 3, 155.6)


def test_completion_time_follows_status_06(system: System, data: dict, clock) -> None:
    """completed_at is written with the 06 status and cleared if the status ever moves off it."""
    from documents.incoming import service

    with clocks.using(clock), unit_of_work(system.sessions) as session:
        document = session.get(IncomingDocument, data["d1"])
        service._status(session, document, "06", None)
        assert document.completed_at == clock.now()
        service._status(session, document, "05", None)
        assert document.completed_at is None
        assert session.scalar(sa.select(sa.func.count()).select_from(IncomingDocument)
                              .where(IncomingDocument.completed_at.is_not(None))) == 5
