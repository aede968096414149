"""Progress notes: the handler and each coordinator record how the work stands; nobody else
can, every text is NFC and bounded, and the tracking register shows the latest note."""
from __future__ import annotations

import unicodedata
from datetime import date
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from documents.errors import InvalidData, NotAllowed, NotFound
from documents.incoming import exports, progress
from documents.models import AuditEvent
from documents.reports import xlsx
from tests.conftest import START


def record(case, who, document_id, text="Đã làm việc với Sở Tài chính", percent=None):
    return case.run(progress.record, case.people[who], document_id, text=text, percent=percent)


def notes(case, document_id):
    from documents.incoming.models import IncomingDocument

    with case.system.sessions() as session:
        return [(n.author_id, n.step, n.text, n.percent, n.at)
                for n in progress.of(session, session.get(IncomingDocument, document_id))]


def test_the_handler_and_a_coordinator_record_progress_in_nfc(case, bureau):
    document_id = case.handled(coordinators=("a.u2",))
    decomposed = unicodedata.normalize("NFD", "  Đã họp với các phòng liên quan  ")
    note = record(case, "a.staff", document_id, decomposed, 40)
    assert note.text == "Đã họp với các phòng liên quan" and unicodedata.is_normalized("NFC", note.text)
    record(case, "a.head2", document_id, "Phòng Tổng hợp đang tổng hợp số liệu")
    assert notes(case, document_id) == [
        (bureau["a.staff"].user_id, "handle", "Đã họp với các phòng liên quan", 40, START),
        (bureau["a.head2"].user_id, "coordinate", "Phòng Tổng hợp đang tổng hợp số liệu", None, START)]
    with case.system.sessions() as session:
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "incoming.progress_recorded")
                               .order_by(AuditEvent.id).limit(1))
        assert (event.actor_id, event.object_id, event.after["text"], event.after["percent"]) == (
            bureau["a.staff"].user_id, str(document_id), "Đã họp với các phòng liên quan", 40)


@pytest.mark.parametrize("who", ["a.staff2", "a.leader", "a.clerk", "a.head1", "a.staff3"])
def test_nobody_else_records_progress(case, who):
    document_id = case.handled()  # no coordinators: the head of Phòng Tổng hợp has no task either
    with pytest.raises(NotAllowed):
        record(case, who, document_id)
    assert notes(case, document_id) == []


def test_another_agency_does_not_find_the_document(case):
    document_id = case.handled()
    with pytest.raises(NotFound):
        record(case, "b.staff", document_id)


def test_a_document_not_yet_distributed_has_no_handler(case):
    document_id = case()
    with pytest.raises(NotAllowed):
        record(case, "a.staff", document_id)


@pytest.mark.parametrize("text, percent, field", [
    ("   ", None, "text"), ("x" * 4001, None, "text"), ("Đang xử lý", 101, "percent"), ("Đang xử lý", -1, "percent"),
])
def test_bad_notes_are_refused_with_a_vietnamese_message_per_field(case, text, percent, field):
    document_id = case.handled()
    with pytest.raises(InvalidData) as refused:
        record(case, "a.staff", document_id, text, percent)
    assert list(refused.value.errors) == [field]
    assert "Trường «" in refused.value.errors[field]
    assert notes(case, document_id) == []


def test_the_limit_counts_composed_characters(case):
    document_id = case.handled()
    decomposed = unicodedata.normalize("NFD", "ế" * 4000)  # 12,000 code points, 4,000 letters
    assert len(record(case, "a.staff", document_id, decomposed).text) == 4000


def test_the_tracking_register_shows_the_latest_progress(case, bureau):
    handled = case.handled()
    case(number_notation="124/SNV-VP")  # number 2: no note
    record(case, "a.staff", handled, "Đã dự thảo văn bản trả lời", 30)
    record(case, "a.staff", handled, "Đã trình lãnh đạo phòng", 80)
    with case.system.sessions() as session:
        exported = exports.export(session, bureau["a.leader"], "tracking", "xlsx",
                                  exports.Period(date(2026, 1, 1), date(2026, 12, 31)))
    sheet = load_workbook(BytesIO(exported.data)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=xlsx.HEADER_ROW + 1, values_only=True)}
    assert [c.value for c in sheet[xlsx.HEADER_ROW]][5] == "Tiến độ giải quyết"
    assert rows[1][5] == "Đang xử lý\n80% – Đã trình lãnh đạo phòng (23/11/2026)"  # the first progress note reports 05
    assert rows[2][5] == "Đã tiếp nhận"
