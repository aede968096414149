"""The registers filled from the handling (issue 9 item 5): after a real distribution through the
workflow the recipient column names the lead unit and person and the coordinators, the deadline
column is the handling deadline (not the sender's reply date), the reply column the reply's number
or its draft; the notes say duplicates, closures, late entries and corrections. The cells are read
with a fixed number of queries, however many documents the register lists."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import sqlalchemy as sa
from openpyxl import load_workbook

from documents.incoming import exports, replies, service
from documents.incoming.models import IncomingDocument, IncomingParty
from documents.outgoing.models import OutgoingDocument
from documents.reports import xlsx
from engine.db import unit_of_work
from tests.conftest import START

from .conftest import throw_status

YEAR = exports.Period(date(2026, 1, 1), date(2026, 12, 31))


def rows(case, kind: str, who: str = "a.leader", **options) -> list[list]:
    exported = case.run(exports.export, case.people[who], kind, "xlsx", YEAR, **options)
    sheet = load_workbook(BytesIO(exported.data)).active
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=xlsx.HEADER_ROW + 1)]


def distribute(case, document_id: int, deadline: str, coordinators=("a.u2",), informed=()) -> None:
    staff = case.people["a.staff"]
    case.act("a.leader", document_id, "distribute", {
        "decision": "assign", "direction": "Đề nghị xử lý", "lead_user_id": staff.user_id,
        "lead_unit_id": staff.unit_id, "coordinators": [case.people[u] for u in coordinators],
        "for_information": [case.people[p].user_id for p in informed], "deadline": deadline})


def test_the_tracking_register_names_the_assignment_its_deadline_and_the_reply(case):
    document_id = case()
    distribute(case, document_id, "2026-12-10T17:00:00+07:00", informed=("a.leader2",))
    (number, _, _, recipient, deadline, _, reply, _), = rows(case, "tracking")
    assert (number, recipient) == (1, "Phòng Kinh tế – staff a\nPhối hợp: Phòng Tổng hợp\nĐể biết: leader2 a")
    assert deadline.date() == date(2026, 12, 10)  # the leader's deadline, not the sender's 15/12
    assert reply is None
    draft = case.run(replies.start, case.system.runtime, case.people["a.staff"], document_id)
    assert rows(case, "tracking")[0][6] == f"Dự thảo: {draft.subject}"
    with unit_of_work(case.system.sessions) as session:  # once numbered, the reply's number shows
        session.get(IncomingDocument, document_id).reply_number = "45/UBND-VP"
    assert rows(case, "tracking")[0][6] == "45/UBND-VP"
    register_row = rows(case, "register")[0]
    assert register_row[6] == "Phòng Kinh tế – staff a\nPhối hợp: Phòng Tổng hợp\nĐể biết: leader2 a"


def test_a_deadline_during_the_day_shows_its_time(case):
    document_id = case()
    distribute(case, document_id, "2026-12-10T10:30:00+07:00", coordinators=())
    recipient, deadline = rows(case, "tracking")[0][3:5]
    assert (recipient, deadline) == ("Phòng Kinh tế – staff a", "10:30 10/12/2026")


def test_the_notes_say_duplicates_closures_and_late_entries(case):
    first, second, closed = case(), case(), case(number_notation="7/SNV")
    with unit_of_work(case.system.sessions) as session:
        session.get(IncomingDocument, second).entered_late = True
        throw_status(session, closed, {"status": service.CLOSED, "reason": "Không thuộc thẩm quyền"})
    notes = {r[1]: r[8] for r in rows(case, "register")}
    assert notes[1] is None
    assert notes[2] == "Trùng với số đến 1\nNhập bù (ghi trên giấy khi hệ thống gián đoạn)"
    assert notes[3] == "Đóng, trả lại nơi gửi: Không thuộc thẩm quyền"


def test_the_notes_name_the_year_of_a_duplicate_from_another_year(case, clock):
    case()
    clock.set(START.replace(year=2027, month=1, day=4))
    case()
    exported = case.run(exports.export, case.people["a.leader"], "register", "xlsx",
                        exports.Period(date(2026, 1, 1), date(2027, 12, 31)))
    sheet = load_workbook(BytesIO(exported.data)).active
    assert [r[8].value for r in sheet.iter_rows(min_row=xlsx.HEADER_ROW + 1)] == [None, "Trùng với số đến 1/2026"]


# --------------------------------------------------------------------------- a fixed number of queries

def fill(case, count: int) -> None:
    """``count`` registered documents, each with a lead, a coordinating unit and person, a reply
    draft and a duplicate of the one before: every cell that reads another table has something."""
    staff, head = case.people["a.staff"], case.people["a.head2"]
    for _ in range(count):
        case()
    with unit_of_work(case.system.sessions) as session:
        for document in session.scalars(sa.select(IncomingDocument).where(IncomingDocument.agency_id == staff.agency_id,
                                                                          IncomingDocument.lead_unit_id.is_(None))):
            document.lead_unit_id, document.lead_user_id = staff.unit_id, staff.user_id
            document.handling_deadline = START.replace(day=30)
            session.add_all([
                IncomingParty(document_id=document.id, kind="coordinate", unit_id=case.people["a.u2"], named_at=START),
                IncomingParty(document_id=document.id, kind="coordinate", user_id=head.user_id, named_at=START),
                IncomingParty(document_id=document.id, kind="inform", unit_id=staff.unit_id, named_at=START),
                OutgoingDocument(agency_id=staff.agency_id, author_id=staff.user_id, subject="Trả lời", doc_type="Công văn",
                              recipients=[], in_reply_to=document.id, state="draft", created_at=START,
                              updated_at=START)])


def statements(case, kind: str, file_format: str) -> tuple[int, int]:
    """(rows, SQL statements) of one export."""
    executed = []

    def count(*args) -> None:
        executed.append(args[2])

    engine = case.system.db
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        exported = case.run(exports.export, case.people["a.leader"], kind, file_format, YEAR)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return exported.rows, len(executed)


def test_the_export_reads_a_fixed_number_of_queries_for_1_or_50_documents(case):
    fill(case, 1)
    one = {(k, f): statements(case, k, f) for k in exports.KINDS for f in ("xlsx", "pdf")}
    assert rows(case, "tracking")[0][3] == ("Phòng Kinh tế – staff a\nPhối hợp: Phòng Tổng hợp, head2 a\n"
                                            "Để biết: Phòng Kinh tế")
    fill(case, 49)
    fifty = {(k, f): statements(case, k, f) for k in exports.KINDS for f in ("xlsx", "pdf")}
    assert {key: n for key, (n, _) in one.items()} == dict.fromkeys(one, 1)
    assert {key: n for key, (n, _) in fifty.items()} == dict.fromkeys(one, 50)
    assert {key: q for key, (_, q) in fifty.items()} == {key: q for key, (_, q) in one.items()}
