"""Drafts on PostgreSQL: created with their process started, recipients of the three kinds with
paper copies by rule, changed by their author under an optimistic lock, read by those who take
part; every refusal names its field and stores nothing."""
from __future__ import annotations

import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa

from documents.errors import Conflict, InvalidData, NotAllowed, NotFound
from documents.models import AuditEvent
from documents.outgoing import drafts, recipients
from documents.outgoing.models import OutgoingDocument, OutgoingRecipient
from engine import clock as clocks
from engine.models import HumanTask, ProcessInstance, TaskStatus
from tests.outgoing.drafting import A, B, MINISTRY, office  # noqa: F401  (the fixture)

TODAY = date(2026, 11, 23)  # the test clock's day in Vietnam


def nothing_stored(office) -> bool:
    return office.count(OutgoingDocument) == 0 and office.count(ProcessInstance) == 0


def test_a_draft_starts_its_process_with_the_authors_drafting(office):
    draft = office.draft(summary="Tóm tắt", urgency="urgent", reply_by=date(2026, 12, 10))
    assert (draft.agency_id, draft.author_id, draft.unit_id, draft.state, draft.urgency, draft.reply_by) == (
        office.ids["a"], office.people["a.staff"].user_id, office.ids["a.u1"], "drafting", "urgent", date(2026, 12, 10))
    assert draft.process_instance_id is not None
    with office.system.sessions() as session:
        tasks = list(session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == draft.process_instance_id,
                                                                HumanTask.status == TaskStatus.READY)))
        actions = list(session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(draft.id))))
    assert [(t.role, t.candidate_user) for t in tasks] == [("outgoing.draft", str(office.people["a.staff"].user_id))]
    assert "outgoing.draft_created" in actions
    assert "kiem tra cong tac van thu" in draft.search_text and "co quan b" in draft.search_text


def test_recipients_of_the_three_kinds_in_order(office):
    draft = office.draft(recipients=[
        {"kind": "agency", "agency_id": office.ids["b"]},
        {"kind": "agency", "code": MINISTRY.lower()},                # by identifier
        {"kind": "external", "name": "Công ty Điện lực", "code": "000.00.99.G01", "paper": True},
        {"kind": "unit", "unit_id": office.ids["a.u2"]},
        {"code": B, "name": "ignored: the code is an agency here"},  # a reply's issuer
    ][:4])
    assert [(r.position, r.kind, r.agency_id, r.unit_id, r.code, r.name) for r in draft.recipients] == [
        (1, "agency", office.ids["b"], None, B, "Cơ quan B"),
        (2, "agency", office.ids["ministry"], None, MINISTRY, "Bộ Nội vụ"),
        (3, "external", None, None, "000.00.99.G01", "Công ty Điện lực"),
        (4, "unit", None, office.ids["a.u2"], None, "Phòng Tổng hợp")]


def test_a_code_without_a_kind_is_an_agency_when_it_is_one_here(office):
    draft = office.draft(recipients=[{"code": B, "name": "Cơ quan B cũ"}, {"code": "000.00.31.H41", "name": "Sở Nội vụ"}])
    assert [(r.kind, r.agency_id, r.name) for r in draft.recipients] == [
        ("agency", office.ids["b"], "Cơ quan B"), ("external", None, "Sở Nội vụ")]


def test_paper_copies_follow_the_rules_and_say_why(office):
    draft = office.draft(recipients=[{"kind": "agency", "agency_id": office.ids["b"]},
                                     {"kind": "agency", "agency_id": office.ids["ministry"]},
                                     {"kind": "external", "name": "Hợp tác xã Nông nghiệp"},
                                     {"kind": "unit", "unit_id": office.ids["a.u2"], "paper": True}])
    assert [r.paper for r in draft.recipients] == [False, True, True, True]  # asked for by the drafter: the unit
    rules = drafts.rules_of(draft)
    assert [[rule.id for rule in recipients.paper_reasons(rules, r)] for r in draft.recipients] == [
        [], ["ministry"], ["not_connected"], []]


def test_a_budget_matter_goes_on_paper_to_every_outside_recipient(office):
    draft = office.draft(subject="V/v phân bổ NGÂN SÁCH năm 2027",
                         recipients=[{"kind": "agency", "agency_id": office.ids["b"]},
                                     {"kind": "unit", "unit_id": office.ids["a.u2"]}])
    assert [r.paper for r in draft.recipients] == [True, False]
    assert [rule.id for rule in recipients.paper_reasons(drafts.rules_of(draft), draft.recipients[0])] == [
        "finance_personnel"]


def test_a_report_to_the_provincial_committee_goes_on_paper_a_notice_does_not(office):
    to_committee = [{"kind": "external", "name": "Ủy ban nhân dân tỉnh Hà Nam", "code": "000.00.00.H41"}]
    assert office.draft(doc_type="Tờ trình", recipients=to_committee).recipients[0].paper is True
    assert office.draft(doc_type="Thông báo", recipients=to_committee).recipients[0].paper is False


def test_the_texts_are_kept_in_nfc(office):
    subject = unicodedata.normalize("NFD", "V/v báo cáo kết quả kiểm tra")
    draft = office.draft(subject=subject, doc_type=unicodedata.normalize("NFD", "Báo cáo"))
    assert draft.subject == unicodedata.normalize("NFC", subject) and draft.doc_type == "Báo cáo"


@pytest.mark.parametrize("fields, field", [
    ({"subject": " "}, "subject"),
    ({"subject": "x" * 501}, "subject"),
    ({"doc_type": "Thư tình"}, "doc_type"),
    ({"urgency": "asap"}, "urgency"),
    ({"reply_by": date(2026, 11, 22)}, "reply_by"),
    ({"reply_by": "22/13/2026"}, "reply_by"),
    ({"recipients": []}, "recipients"),
    ({"recipients": [{"kind": "external", "name": f"Nơi {i}"} for i in range(201)]}, "recipients"),
    ({"recipients": [{"kind": "agency", "code": "000.00.77.H99"}]}, "recipients.0"),
    ({"recipients": [{"kind": "agency", "agency_id": 999_999}]}, "recipients.0"),
    ({"recipients": [{"kind": "agency", "code": A}]}, "recipients.0"),                # itself
    ({"recipients": [{"kind": "unit", "unit_id": 999_999}]}, "recipients.0"),
    ({"recipients": [{"kind": "external", "name": " "}]}, "recipients.0.name"),
    ({"recipients": [{"kind": "planet", "name": "Sao Hỏa"}]}, "recipients.0"),
    ({"recipients": [{"kind": "external", "name": "Sở Y tế"}, {"kind": "external", "name": "SỞ Y TẾ"}]}, "recipients.1"),
    ({"in_reply_to": 999_999}, "in_reply_to"),
    ({"business_type": "3"}, "supersedes_id"),
])
def test_bad_input_is_refused_per_field_with_nothing_stored(office, fields, field):
    with pytest.raises(InvalidData) as refused:
        office.draft(**fields)
    assert field in refused.value.errors
    assert nothing_stored(office)


def test_another_agencys_unit_is_not_a_recipient(office):
    with pytest.raises(InvalidData) as refused:
        office.draft(recipients=[{"kind": "unit", "unit_id": office.ids["b.u1"]}])
    assert list(refused.value.errors) == ["recipients.0"]
    assert nothing_stored(office)


def test_every_fault_is_named_at_once(office):
    with pytest.raises(InvalidData) as refused:
        office.draft(subject="", doc_type="?", reply_by="2020-01-01")
    assert set(refused.value.errors) == {"subject", "doc_type", "reply_by"}


def test_todays_reply_date_is_accepted(office):
    assert office.draft(reply_by=TODAY.isoformat()).reply_by == TODAY


def test_a_process_administrator_drafts_nothing(office):
    with pytest.raises(NotAllowed):
        office.draft("a.process_admin")
    assert nothing_stored(office)


# --------------------------------------------------------------------------- changes

def test_the_author_changes_the_draft_and_the_trail_keeps_before_and_after(office):
    draft = office.draft()
    changed = office.run(drafts.update, office.people["a.staff"], draft.id,
                         {"subject": "V/v kiểm tra (sửa)", "recipients": [{"kind": "unit", "unit_id": office.ids["a.u2"]}],
                          "reply_by": "2026-12-01"}, draft.row_version)
    assert (changed.subject, changed.reply_by, changed.row_version) == ("V/v kiểm tra (sửa)", date(2026, 12, 1),
                                                                         draft.row_version + 1)
    assert [(r.kind, r.name) for r in changed.recipients] == [("unit", "Phòng Tổng hợp")]
    assert office.count(OutgoingRecipient) == 1
    with office.system.sessions() as session:
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "outgoing.draft_updated")).one()
    assert (event.before["subject"], event.after["subject"]) == ("V/v kiểm tra công tác văn thư năm 2026",
                                                                 "V/v kiểm tra (sửa)")


def test_a_stale_form_is_a_conflict_and_changes_nothing(office):
    draft = office.draft()
    office.run(drafts.update, office.people["a.staff"], draft.id, {"subject": "Lần một"}, draft.row_version)
    with pytest.raises(Conflict):
        office.run(drafts.update, office.people["a.staff"], draft.id, {"subject": "Lần hai"}, draft.row_version)
    assert office.run(drafts.get, office.people["a.staff"], draft.id).subject == "Lần một"


def test_only_the_author_changes_it_and_bad_changes_store_nothing(office):
    draft = office.draft()
    for who in ("a.leader", "a.head1", "a.staff2"):
        with pytest.raises(NotAllowed):
            office.run(drafts.update, office.people[who], draft.id, {"subject": "X"}, draft.row_version)
    with pytest.raises(NotFound):
        office.run(drafts.update, office.people["b.staff"], draft.id, {"subject": "X"}, draft.row_version)
    with pytest.raises(InvalidData) as refused:
        office.run(drafts.update, office.people["a.staff"], draft.id,
                   {"subject": "Y", "recipients": [{"kind": "agency", "code": "000.00.77.H99"}]}, draft.row_version)
    assert list(refused.value.errors) == ["recipients.0"]
    with pytest.raises(InvalidData) as refused:
        office.run(drafts.update, office.people["a.staff"], draft.id, {"state": "issued"}, draft.row_version)
    kept = office.run(drafts.get, office.people["a.staff"], draft.id)
    assert (kept.subject, kept.row_version, [r.name for r in kept.recipients]) == (
        draft.subject, draft.row_version, ["Cơ quan B"])


# --------------------------------------------------------------------------- readers

def test_who_reads_a_draft(office):
    draft = office.draft(recipients=[{"kind": "agency", "agency_id": office.ids["b"]},
                                     {"kind": "unit", "unit_id": office.ids["a.u2"]}])
    for who in ("a.staff", "a.leader", "a.clerk", "a.head1"):
        assert office.run(drafts.get, office.people[who], draft.id).id == draft.id
    for who in ("a.staff2", "a.process_admin", "a.staff3", "a.head2"):  # u2 receives it only once issued
        with pytest.raises(NotAllowed):
            office.run(drafts.get, office.people[who], draft.id)

    def issued(session):
        session.get(OutgoingDocument, draft.id).issued_at = clocks.now()
    office.run(issued)
    for who in ("a.staff3", "a.head2"):
        assert office.run(drafts.get, office.people[who], draft.id).id == draft.id
    for who in ("b.leader", "b.staff", "b.clerk"):
        with pytest.raises(NotFound):
            office.run(drafts.get, office.people[who], draft.id)


def test_reading_is_audited(office):
    draft = office.draft()
    office.run(drafts.get, office.people["a.leader"], draft.id)
    with office.system.sessions() as session:
        viewers = list(session.scalars(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "outgoing.draft_viewed")))
    assert viewers == [office.people["a.leader"].user_id]


def test_two_saves_of_the_same_form_at_once_one_wins_the_other_is_a_conflict(office):
    draft = office.draft()

    def save(subject):
        try:
            office.run(drafts.update, office.people["a.staff"], draft.id, {"subject": subject}, draft.row_version)
            return subject
        except Conflict:
            return None

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(save, ["Bản của tab một", "Bản của tab hai"]))
    (winner,) = [r for r in results if r]
    assert results.count(None) == 1
    kept = office.run(drafts.get, office.people["a.staff"], draft.id)
    assert (kept.subject, kept.row_version) == (winner, draft.row_version + 1)
