"""Numbering on both databases, one transaction after another: sequential, yearly in Vietnam
time, released on rollback, independent per agency and per kind, and unique by construction."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from documents.errors import InvalidData, NotFound
from documents.models import AuditEvent
from documents.registers import service
from documents.registers.models import Register, RegisterEntry
from documents.vntime import VN_TZ
from engine.db import unit_of_work

from .conftest import AT, Rollback, seed_agencies


def claim(system, agency_id, kind="incoming", at=AT):
    with unit_of_work(system.sessions) as session:
        register, entry = service.claim_number(session, agency_id, kind, at)
        return register.year, entry.number


def test_numbers_are_sequential_and_the_register_is_created_once(system):
    agency, _ = seed_agencies(system)
    assert [claim(system, agency) for _ in range(5)] == [(2026, n) for n in range(1, 6)]
    with unit_of_work(system.sessions) as session:
        [register] = service.registers(session, agency)
        assert (register.kind, register.year, register.last_number) == ("incoming", 2026, 5)
        assert register.name == "Sổ đăng ký văn bản đến năm 2026"
        entries = session.scalars(sa.select(RegisterEntry.number).where(RegisterEntry.register_id == register.id))
        assert sorted(entries) == [1, 2, 3, 4, 5]
        opened = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "register.opened")).all()
        assert [(e.object_id, e.agency_code) for e in opened] == [(str(register.id), "000.00.01.H99")]


def test_the_year_is_the_vietnam_year(system):
    agency, _ = seed_agencies(system)
    before_midnight = datetime(2026, 12, 31, 23, 30, tzinfo=VN_TZ)  # 16:30 UTC, 31 Dec
    after_midnight = datetime(2027, 1, 1, 0, 10, tzinfo=VN_TZ)  # 17:10 UTC, still 31 Dec in UTC
    utc_midnight = datetime(2027, 1, 1, 0, 0, tzinfo=timezone.utc)  # 07:00 in Vietnam
    assert after_midnight.astimezone(timezone.utc).year == 2026
    claim(system, agency, at=before_midnight - timedelta(days=1))
    assert claim(system, agency, at=before_midnight) == (2026, 2)
    assert claim(system, agency, at=after_midnight) == (2027, 1)
    assert claim(system, agency, at=utc_midnight) == (2027, 2)
    # A late entry of last year's document (after an outage) continues last year's book.
    assert claim(system, agency, at=before_midnight) == (2026, 3)
    with unit_of_work(system.sessions) as session:
        assert [(r.year, r.last_number) for r in service.registers(session, agency)] == [(2027, 2), (2026, 3)]
        assert [r.year for r in service.registers(session, agency, year=2026)] == [2026]
        entry = session.scalar(sa.select(RegisterEntry).join(Register, Register.id == RegisterEntry.register_id)
                               .where(Register.year == 2027, RegisterEntry.number == 1))
        assert entry.registered_at == after_midnight


def test_a_rolled_back_registration_releases_its_number(system):
    agency, _ = seed_agencies(system)
    assert claim(system, agency) == (2026, 1)
    with pytest.raises(Rollback), unit_of_work(system.sessions) as session:
        assert service.claim_number(session, agency, "incoming", AT)[1].number == 2
        raise Rollback
    assert claim(system, agency) == (2026, 2)
    # Rolling back the very first registration of a year takes the new register away too.
    with pytest.raises(Rollback), unit_of_work(system.sessions) as session:
        assert service.next_number(session, agency, "incoming", AT.replace(year=2027))[1] == 1
        raise Rollback
    with unit_of_work(system.sessions) as session:
        assert [r.year for r in service.registers(session, agency)] == [2026]
    assert claim(system, agency, at=AT.replace(year=2027)) == (2027, 1)


def test_agencies_and_kinds_are_numbered_independently(system):
    first, second = seed_agencies(system)
    assert claim(system, first) == (2026, 1)
    assert claim(system, second) == (2026, 1)
    assert claim(system, first, "outgoing") == (2026, 1)
    assert claim(system, first) == (2026, 2)
    assert claim(system, first, "normative") == (2026, 1)
    assert claim(system, second, "outgoing") == (2026, 1)
    with unit_of_work(system.sessions) as session:
        assert [(r.kind, r.last_number) for r in service.registers(session, first)] == [
            ("incoming", 2), ("normative", 1), ("outgoing", 1)]
        assert [(r.kind, r.last_number) for r in service.registers(session, second)] == [
            ("incoming", 1), ("outgoing", 1)]


def test_a_duplicate_number_is_impossible_even_when_code_is_wrong(system):
    agency, _ = seed_agencies(system)
    with unit_of_work(system.sessions) as session:
        register, entry = service.claim_number(session, agency, "incoming", AT)
        register_id, number = register.id, entry.number
    with pytest.raises(IntegrityError), unit_of_work(system.sessions) as session:
        session.add(RegisterEntry(register_id=register_id, number=number, registered_at=AT))
        session.flush()
    with pytest.raises(IntegrityError), unit_of_work(system.sessions) as session:
        session.add(Register(agency_id=agency, kind="incoming", year=2026, name="again", last_number=0,
                             created_at=AT))
        session.flush()


def test_an_opened_register_keeps_its_name_and_suffix_and_passes_the_suffix_on(system):
    agency, _ = seed_agencies(system)
    with unit_of_work(system.sessions) as session:
        opened = service.ensure_register(session, agency, "outgoing", 2026, name="Sổ văn bản đi của UBND",
                                         notation_suffix="UBND-VX")
        again = service.ensure_register(session, agency, "outgoing", 2026, name="ignored")
        assert again.id == opened.id and again.name == "Sổ văn bản đi của UBND"
    with unit_of_work(system.sessions) as session:
        register, number = service.next_number(session, agency, "outgoing", AT)
        assert service.label(register, number) == "1/UBND-VX"
        register, number = service.next_number(session, agency, "outgoing", AT.replace(year=2027))
        assert (register.name, service.label(register, number)) == ("Sổ đăng ký văn bản đi năm 2027", "1/UBND-VX")
        register, number = service.next_number(session, agency, "incoming", AT)
        assert service.label(register, number) == "1"


def test_a_register_already_in_the_session_is_refreshed(system):
    agency, _ = seed_agencies(system)
    with unit_of_work(system.sessions) as session:
        service.ensure_register(session, agency, "incoming", 2026)
    with unit_of_work(system.sessions) as session:
        [held] = service.registers(session, agency)
        assert held.last_number == 0
        claim(system, agency)  # another transaction, committed meanwhile
        register, number = service.next_number(session, agency, "incoming", AT)
        assert register is held and number == held.last_number == 2


def test_refusals(system):
    agency, _ = seed_agencies(system)
    with unit_of_work(system.sessions) as session:
        with pytest.raises(InvalidData):
            service.next_number(session, agency, "secret", AT)
        with pytest.raises(NotFound):
            service.next_number(session, agency + 100, "incoming", AT)
        with pytest.raises(ValueError):
            service.next_number(session, agency, "incoming", datetime(2026, 11, 23, 8, 0))
