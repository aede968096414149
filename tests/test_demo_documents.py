"""The demo documents that `qlvbdh seed-demo` adds: each situation of the incoming register's
rules is there, in the state the rule gives it, on a fresh database (PostgreSQL here)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from documents import demo, demo_documents
from documents.calendar.models import SpecialDay
from documents.incoming import deadlines
from documents.incoming.models import IncomingCorrection, IncomingDocument, IncomingParty
from documents.models import User
from documents.vntime import VN_TZ
from engine import clock as clocks
from engine.db import unit_of_work


def test_the_demo_shows_each_situation_once(pg, clock):
    with clocks.using(clock), unit_of_work(pg.sessions) as session:
        demo.seed(session, pg.runtime, pg.keystore)
        made = demo_documents.seed(session, pg.runtime, pg.keystore, pg.files)
    assert made == 16
    with clocks.using(clock), unit_of_work(pg.sessions) as session:
        assert demo_documents.seed(session, pg.runtime, pg.keystore, pg.files) == 0  # once only
        rows = session.scalars(sa.select(IncomingDocument).order_by(IncomingDocument.id)).all()
        by_number = {}
        for row in rows:
            by_number.setdefault(row.number_notation, []).append(row)
        verdict = lambda d: d.signature_check[0]["verdict"]  # noqa: E731

        overdue = by_number["210/STC-NS"][0]
        assert deadlines.is_overdue(overdue, clock.now()) and overdue.due_date > clock.now().date()
        closed = by_number["88/BQL-KCN"][0]
        assert closed.status == "02" and "Sở Xây dựng" in closed.refusal_reason
        handled, duplicate = by_number["123/SNV-VP"]
        assert handled.status == "05" and duplicate.incoming_number == handled.incoming_number + 1
        kinds = session.execute(sa.select(IncomingParty.kind, IncomingParty.unit_id.is_not(None))
                                .where(IncomingParty.document_id == handled.id)).all()
        assert sorted(kinds) == [("coordinate", False), ("inform", False), ("inform", True)]
        late = by_number["15/UBND-VP"][0]
        assert late.entered_late and late.arrived_at < late.created_at
        good, poor = by_number["45/SYT-KHTC"][0], by_number["09/TTr-UBND"][0]
        assert not good.scan_findings and poor.scan_findings
        assert session.scalar(sa.select(sa.func.count()).select_from(IncomingCorrection)
                              .where(IncomingCorrection.document_id == good.id)) == 1
        assert [(d.status, verdict(d)) for n in ("130/SNV-CCVC", "131/SNV-TCBC", "132/SNV-VP")
                for d in by_number[n]] == [("01", "valid"), ("01", "invalid"), ("01", "wrong_signer")]
        overridden = by_number["129/SNV-VP"][0]
        assert overridden.status == "03" and overridden.signature_override_reason and verdict(overridden) == "invalid"
        secret = by_number["133/SNV-BVCT"][0]
        assert secret.status == "02" and secret.refusal_reason
        assert sorted(k for (k,) in session.execute(sa.select(SpecialDay.kind))) == ["day_off", "make_up"]

        # Deadlines: the walkthrough due in two working days (Tuesday 24/11/2026 is a holiday), one
        # more overdue, one completed on time and one late (tests/test_demo_deadlines.py moves on).
        walkthrough = by_number["301/UBND-KT"][0]
        assert walkthrough.status == "04" and walkthrough.handling_deadline == datetime(2026, 11, 26, 7, 59,
                                                                                        tzinfo=VN_TZ)
        assert deadlines.is_overdue(by_number["77/SKHĐT-ĐT"][0], clock.now())
        on_time, late = by_number["52/SCT-QLTM"][0], by_number["64/SNN-KH"][0]
        assert on_time.status == late.status == "06"
        assert on_time.completed_at < on_time.handling_deadline and late.completed_at > late.handling_deadline
        people = session.execute(sa.select(User.username, User.email).where(User.agency_id == walkthrough.agency_id))
        assert all(address == f"{name}@demo.qlvbdh.vn" for name, address in people)
