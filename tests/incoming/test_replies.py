"""The reply draft: the handler starts a real outgoing draft (its process started) that answers
the document, addressed to its issuer by default — the agency of this deployment when its
identifier is one; it is listed on the document and shown to those who take part in it."""
from __future__ import annotations

import unicodedata

import pytest
import sqlalchemy as sa

from documents.errors import InvalidData, NotAllowed, NotFound
from documents.incoming import replies
from documents.incoming.models import IncomingDocument
from documents.models import AuditEvent
from documents.outgoing import drafts
from documents.outgoing.models import OutgoingDocument
from engine.models import HumanTask
from tests.conftest import START


def start(case, who, document_id, **fields):
    return case.run(replies.start, case.system.runtime, case.people[who], document_id, **fields)


def count(case) -> int:
    with case.system.sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(OutgoingDocument))


def test_the_handler_starts_a_reply_addressed_to_the_issuer(case, bureau):
    document_id = case.handled()
    draft = start(case, "a.staff", document_id)
    assert (draft.agency_id, draft.author_id, draft.in_reply_to, draft.state) == (
        bureau["a.staff"].agency_id, bureau["a.staff"].user_id, document_id, "drafting")
    assert [(r.kind, r.code, r.name) for r in draft.recipients] == [("external", "000.00.31.H41", "Sở Nội vụ tỉnh Hà Nam")]
    assert draft.subject == "V/v trả lời Văn bản số 123/SNV-VP ngày 20/11/2026 của Sở Nội vụ tỉnh Hà Nam"
    assert (draft.doc_type, draft.summary, draft.created_at, draft.updated_at) == ("Công văn", None, START, START)
    listed = case.run(lambda s: replies.of(s, s.get(IncomingDocument, document_id)))
    assert [d.id for d in listed] == [draft.id]
    with case.system.sessions() as session:
        actions = list(session.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor_id == bureau["a.staff"].user_id)
                                       .order_by(AuditEvent.id)))
    assert actions[-3:] == ["outgoing.draft_created", "outgoing.process_started", "incoming.reply_started"]
    with case.system.sessions() as session:
        task = session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == draft.process_instance_id)).one()
    assert (task.role, task.candidate_user) == ("outgoing.draft", str(bureau["a.staff"].user_id))


def test_an_issuer_of_this_deployment_is_addressed_as_its_agency(case, bureau):
    document_id = case.handled()
    with case.system.sessions() as session, session.begin():
        session.get(IncomingDocument, document_id).issuer_code = "000.00.02.H99"
    draft = start(case, "a.staff", document_id)
    assert [(r.kind, r.code, r.name) for r in draft.recipients] == [("agency", "000.00.02.H99", "Cơ quan B")]


def test_given_fields_are_kept_in_nfc(case):
    document_id = case.handled()
    subject = unicodedata.normalize("NFD", "V/v báo cáo kết quả kiểm tra")
    draft = start(case, "a.staff", document_id, subject=subject, doc_type="Báo cáo", summary="Tóm tắt",
                  recipients=[{"name": "UBND tỉnh Hà Nam"}, {"code": "000.00.31.H41", "name": "Sở Nội vụ"}])
    assert draft.subject == unicodedata.normalize("NFC", subject) and draft.doc_type == "Báo cáo"
    assert [(r.code, r.name) for r in draft.recipients] == [(None, "UBND tỉnh Hà Nam"), ("000.00.31.H41", "Sở Nội vụ")]


@pytest.mark.parametrize("fields, field", [
    ({"subject": "x" * 501}, "subject"), ({"doc_type": "x" * 101}, "doc_type"),
    ({"summary": "x" * 4001}, "summary"), ({"recipients": []}, "recipients"),
    ({"recipients": [{"code": "000.00.31.H41", "name": " "}]}, "recipients.0.name"),
    ({"doc_type": "Thư"}, "doc_type"),
])
def test_bad_fields_are_refused_per_field(case, fields, field):
    document_id = case.handled()
    with pytest.raises(InvalidData) as refused:
        start(case, "a.staff", document_id, **fields)
    assert list(refused.value.errors) == [field]
    assert count(case) == 0


def test_only_the_handler_starts_a_reply(case):
    document_id = case.handled()
    for who in ("a.staff2", "a.leader", "a.head1", "a.clerk"):
        with pytest.raises(NotAllowed):
            start(case, who, document_id)
    with pytest.raises(NotFound):
        start(case, "b.staff", document_id)
    assert count(case) == 0


def test_a_draft_is_shown_to_those_who_take_part_in_it(case, bureau):
    draft_id = start(case, "a.staff", case.handled()).id
    for who in ("a.staff", "a.leader", "a.leader2", "a.clerk", "a.head1"):  # head1 heads the drafting unit
        assert case.run(drafts.get, bureau[who], draft_id).id == draft_id
    for who in ("a.staff2", "a.head2", "a.staff3"):
        with pytest.raises(NotAllowed):
            case.run(drafts.get, bureau[who], draft_id)
    for who in ("b.leader", "b.staff"):
        with pytest.raises(NotFound):
            case.run(drafts.get, bureau[who], draft_id)
