"""Corrections of a registration (NĐ 30 Đ24.3): the clerk corrects the metadata afterwards; the
incoming number and the receipt time never change; each correction keeps every field before and
after, who, when and why, is audited, and search finds the corrected text. Refusals store nothing."""
from __future__ import annotations

import unicodedata
from datetime import date
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from documents.errors import Conflict, InvalidData, NotAllowed, NotFound
from documents.incoming import corrections, exports, queries, service
from documents.incoming.models import IncomingCorrection, IncomingDocument
from documents.models import AuditEvent
from documents.reports import xlsx
from engine.db import unit_of_work
from tests.conftest import START

NEW_SUBJECT = "Về việc kiểm tra công tác lưu trữ năm 2026"
REASON = "Nhập nhầm trích yếu và ngày văn bản"


def correct(case, who="a.clerk", document_id=None, changes=None, reason=REASON, version=0):
    return case.run(corrections.correct, case.people[who], document_id,
                    {"subject": NEW_SUBJECT} if changes is None else changes, reason, version)


def stored(case, document_id: int) -> tuple[IncomingDocument, list[IncomingCorrection]]:
    with case.system.sessions() as session:
        document = session.get(IncomingDocument, document_id)
        session.expunge(document)
        found = list(session.scalars(sa.select(IncomingCorrection).where(IncomingCorrection.document_id == document_id)))
        for correction in found:
            session.expunge(correction)
        return document, found


def test_a_correction_changes_the_metadata_keeps_the_number_and_is_stored_and_audited(case, bureau, clock):
    document_id = case()
    before, _ = stored(case, document_id)
    clock.advance(hours=2)
    correct(case, document_id=document_id,
            changes={"subject": unicodedata.normalize("NFD", NEW_SUBJECT), "document_date": "2026-11-21",
                     "recipients": ["UBND tỉnh Hà Nam", "Sở Tài chính"], "signer_name": "Nguyễn Văn Bình"})
    after, (row,) = stored(case, document_id)
    assert (after.subject, after.document_date, after.recipients, after.signer_name) == (
        NEW_SUBJECT, date(2026, 11, 21), ["UBND tỉnh Hà Nam", "Sở Tài chính"], "Nguyễn Văn Bình")
    assert (after.incoming_number, after.received_at, after.register_entry_id) == (
        before.incoming_number, before.received_at, before.register_entry_id)
    assert row.changes == {"subject": [before.subject, NEW_SUBJECT], "document_date": ["2026-11-20", "2026-11-21"],
                           "recipients": [None, ["UBND tỉnh Hà Nam", "Sở Tài chính"]],
                           "signer_name": [None, "Nguyễn Văn Bình"]}
    assert (row.corrected_by, row.corrected_at, row.reason) == (bureau["a.clerk"].user_id, clock.now(), REASON)
    with case.system.sessions() as session:
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "incoming.corrected")).one()
        assert (event.actor_id, event.object_id) == (bureau["a.clerk"].user_id, str(document_id))
        assert event.after["reason"] == REASON and event.after["changes"] == row.changes
        assert corrections.version(session, document_id) == 1


def test_search_finds_the_corrected_subject_not_the_old_one(case, bureau):
    document_id = case()
    correct(case, document_id=document_id)
    leader = bureau["a.leader"]

    def found(text: str) -> list[int]:
        return [d.id for d in case.run(queries.search, leader, queries.Filters(text=text), START.date())[1]]

    assert found("cong tac luu tru") == [document_id]
    assert found("cong tac van thu") == []


def test_an_optional_field_is_emptied_and_a_second_correction_needs_the_new_version(case):
    document_id = case(description="Bản sao")
    correct(case, document_id=document_id, changes={"description": None, "due_date": "2026-12-20"})
    with pytest.raises(Conflict):  # read before the first correction: refused, nothing overwritten
        correct(case, document_id=document_id, changes={"subject": "Khác"}, version=0)
    correct(case, document_id=document_id, changes={"urgency": "urgent"}, version=1)
    document, rows = stored(case, document_id)
    assert (document.description, document.due_date, document.urgency, document.subject) == (
        None, date(2026, 12, 20), "urgent", "Về việc kiểm tra công tác văn thư năm 2026")
    assert [r.changes for r in rows] == [{"description": ["Bản sao", None], "due_date": ["2026-12-15", "2026-12-20"]},
                                         {"urgency": ["normal", "urgent"]}]


@pytest.mark.parametrize("changes, reason, field", [
    ({"subject": NEW_SUBJECT}, "  ", "reason"),
    ({"subject": NEW_SUBJECT}, None, "reason"),
    ({"subject": "Về việc kiểm tra công tác văn thư năm 2026"}, REASON, ""),   # the same value: no change
    ({}, REASON, ""),
    ({"incoming_number": 7}, REASON, "incoming_number"),
    ({"received_at": "2026-11-01T08:00:00+07:00"}, REASON, "received_at"),
    ({"secrecy": "secret"}, REASON, "secrecy"),
    ({"subject": ""}, REASON, "subject"),
    ({"subject": "x" * 501}, REASON, "subject"),
    ({"document_date": "20/11/2026"}, REASON, "document_date"),
    ({"urgency": "whenever"}, REASON, "urgency"),
    ({"page_count": 0}, REASON, "page_count"),
])
def test_bad_corrections_are_refused_at_their_field_and_store_nothing(case, changes, reason, field):
    document_id = case()
    before, _ = stored(case, document_id)
    with pytest.raises(InvalidData) as refused:
        correct(case, document_id=document_id, changes=changes, reason=reason)
    assert field in refused.value.errors
    after, rows = stored(case, document_id)
    assert rows == [] and (after.subject, after.document_date, after.search_text) == (
        before.subject, before.document_date, before.search_text)


def test_only_the_agency_clerks_correct(case):
    document_id = case()
    for who, refusal in (("a.leader", NotAllowed), ("a.staff", NotAllowed), ("a.head1", NotAllowed),
                         ("b.clerk", NotFound), ("b.leader", NotFound)):
        with pytest.raises(refusal):
            correct(case, who=who, document_id=document_id)
    with pytest.raises(NotFound):
        correct(case, document_id=10_000)
    assert stored(case, document_id)[1] == []


def test_a_document_not_in_the_register_is_not_corrected(case, bureau):
    document_id = case()
    with unit_of_work(case.system.sessions) as session:  # as an unaccepted electronic arrival
        session.get(IncomingDocument, document_id).incoming_number = None
    with pytest.raises(Conflict):
        correct(case, document_id=document_id)


def test_the_register_notes_the_correction_and_shows_the_new_values(case, clock):
    document_id = case()
    clock.advance(days=2)
    correct(case, document_id=document_id)
    exported = case.run(exports.export, case.people["a.clerk"], "register", "xlsx",
                        exports.Period(date(2026, 1, 1), date(2026, 12, 31)))
    row = [c.value for c in next(load_workbook(BytesIO(exported.data)).active.iter_rows(min_row=xlsx.HEADER_ROW + 1))]
    assert (row[1], row[5], row[8]) == (1, f"Công văn {NEW_SUBJECT}", "Đã đính chính ngày 25/11/2026")
