"""The outgoing workflow on PostgreSQL: a draft goes from its drafter through the unit head, the
clerk's check, the leader's approval and the signer to the issue; every return comes back to the
drafter with its reason kept beside the version it answers; consultation gathers the opinions of a
unit and a person; a rejection ends it; each step is for its own people only; the signature and
the issue cannot be claimed through the generic form."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from documents import accounts, processes
from documents.models import Agency
from documents.outgoing import contract as c
from documents.outgoing.models import State
from engine.errors import InvalidData, NotAllowed, NotFound
from tests.outgoing.workflow_office import bureau, flow, system  # noqa: F401  (fixtures)

VN = timezone(timedelta(hours=7))


def submitted(flow, document_id: int) -> None:
    flow.act("a.staff", document_id, c.DRAFT, decision="submit")


def to_signature(flow, document_id: int) -> None:
    """From the drafting to the open signature step, every step agreeing."""
    submitted(flow, document_id)
    flow.act("a.head1", document_id, c.REVIEW, decision="approve")
    flow.act("a.clerk", document_id, c.CHECK, decision="approve")
    flow.act("a.leader", document_id, c.APPROVE, decision="approve", signer_id=flow["a.leader2"].user_id)


def signed(flow, document_id: int, by: str = "a.leader2") -> None:
    """What the signing action records before it completes the step."""
    flow.set(document_id, signer_id=flow[by].user_id, signed_version_id=flow.latest_version_id(document_id),
             signed_at=datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc))


def at_the_issue(flow) -> int:
    """A new document with one version, agreed, signed, at the open issue step."""
    document_id = flow.new()
    flow.add_version(document_id)
    to_signature(flow, document_id)
    signed(flow, document_id)
    flow.act("a.leader2", document_id, c.SIGN, decision="sign")
    return document_id


def returned_to_drafter(flow, document_id: int, role: str, reason: str) -> None:
    """The draft is back with its drafter, the reason kept beside the version it answers."""
    assert flow.state(document_id) == State.DRAFTING
    (draft,) = flow.tasks(document_id)
    assert draft.role == c.DRAFT and draft.candidate_user == str(flow["a.staff"].user_id)
    last = flow.comments(document_id)[-1]
    assert (last.kind, last.role, last.text) == ("return", role, reason)
    assert last.version_id == flow.latest_version_id(document_id)


def test_the_full_path_with_a_return_at_each_step(flow):
    document_id = flow.new()
    assert flow.state(document_id) == State.DRAFTING
    flow.add_version(document_id)

    submitted(flow, document_id)
    assert flow.state(document_id) == State.REVIEWING
    review = flow.task(document_id, c.REVIEW)
    assert review.candidate_unit == str(flow["a.u1"]) and review.candidate_role == "unit_head"
    flow.act("a.head1", document_id, c.REVIEW, decision="return", comment="Sửa căn cứ pháp lý")
    returned_to_drafter(flow, document_id, c.REVIEW, "Sửa căn cứ pháp lý")

    first = flow.latest_version_id(document_id)
    flow.add_version(document_id)
    submitted(flow, document_id)
    flow.act("a.head1", document_id, c.REVIEW, decision="approve")
    assert flow.state(document_id) == State.CHECKING
    assert flow.task(document_id, c.CHECK).candidate_role == "clerk"
    flow.act("a.clerk", document_id, c.CHECK, decision="return", comment="Sai thể thức trích yếu")
    returned_to_drafter(flow, document_id, c.CHECK, "Sai thể thức trích yếu")
    # The first return stays beside the version it answered.
    assert flow.comments(document_id)[0].version_id == first

    submitted(flow, document_id)
    flow.act("a.head1", document_id, c.REVIEW, decision="approve")
    flow.act("a.clerk", document_id, c.CHECK, decision="approve")
    assert flow.state(document_id) == State.APPROVING
    flow.act("a.leader", document_id, c.APPROVE, decision="return", comment="Bổ sung số liệu quý IV")
    returned_to_drafter(flow, document_id, c.APPROVE, "Bổ sung số liệu quý IV")

    flow.add_version(document_id)
    to_signature(flow, document_id)
    assert flow.state(document_id) == State.SIGNING
    assert flow.task(document_id, c.SIGN).candidate_user == str(flow["a.leader2"].user_id)
    flow.act("a.leader2", document_id, c.SIGN, decision="return", comment="Đổi người ký thay")
    returned_to_drafter(flow, document_id, c.SIGN, "Đổi người ký thay")

    to_signature(flow, document_id)
    signed(flow, document_id)
    flow.act("a.leader2", document_id, c.SIGN, decision="sign")
    assert flow.state(document_id) == State.ISSUING
    issue = flow.task(document_id, c.ISSUE)
    assert issue.candidate_role == "clerk"
    # Signed Monday 08:00 (a normal document): issued by the end of that working day.
    assert issue.due_at == datetime(2026, 11, 23, 17, 0, tzinfo=VN)
    flow.set(document_id, number=12, notation="12/UBND-KT")
    flow.act("a.clerk", document_id, c.ISSUE, decision="issue")
    assert flow.state(document_id) == State.ISSUED
    assert flow.tasks(document_id) == []
    assert flow.instance_status(document_id) == "completed"
    kinds = [(x.kind, x.role) for x in flow.comments(document_id)]
    assert kinds == [("return", c.REVIEW), ("return", c.CHECK), ("return", c.APPROVE), ("return", c.SIGN)]


def test_the_clerk_may_return_at_the_issue_and_the_draft_comes_back(flow):
    document_id = at_the_issue(flow)
    flow.act("a.clerk", document_id, c.ISSUE, decision="return", comment="Thiếu phụ lục")
    returned_to_drafter(flow, document_id, c.ISSUE, "Thiếu phụ lục")
    # Sent on with the same version (only the recipients changed): it is signed afresh.
    to_signature(flow, document_id)
    again = flow.document(document_id)
    assert (again.signer_id, again.signed_version_id, again.signed_file_id) == (None, None, None)


def test_an_urgent_document_is_due_for_issue_at_once(flow, clock):
    document_id = flow.new(urgency="urgent")
    flow.add_version(document_id)
    to_signature(flow, document_id)
    signed(flow, document_id)
    clock.set(datetime(2026, 11, 23, 9, 20, tzinfo=timezone.utc))  # Monday 16:20 in Vietnam
    flow.act("a.leader2", document_id, c.SIGN, decision="sign")
    issue = flow.task(document_id, c.ISSUE)
    assert issue.due_at == clock.now() and issue.urgency == 1


def test_consultation_with_a_unit_and_a_person_keeps_the_opinions_beside_the_version(flow):
    document_id = flow.new()
    version = flow.add_version(document_id)
    deadline = "2026-11-25T17:00:00+07:00"
    flow.act("a.staff", document_id, c.DRAFT, decision="consult", consult_units=[flow["a.u2"]],
             consult_people=[flow["a.staff2"].user_id], consult_deadline=deadline, note="Xin góp ý dự thảo")
    assert flow.state(document_id) == State.CONSULTING
    asked = sorted(flow.tasks(document_id, c.CONSULT), key=lambda t: t.candidate_unit or "")
    by_unit, by_person = (asked[1], asked[0]) if asked[1].candidate_unit else (asked[0], asked[1])
    assert by_unit.candidate_unit == str(flow["a.u2"]) and by_unit.candidate_user is None
    assert by_person.candidate_user == str(flow["a.staff2"].user_id)
    assert {t.due_at for t in asked} == {datetime.fromisoformat(deadline)}

    # The unit's question is for its head, not its specialists nor another unit's head.
    for stranger in ("a.staff3", "a.head1"):
        with pytest.raises(NotAllowed):
            flow.run(processes.complete, flow.system.runtime, flow[stranger], by_unit.id, {"opinion": "Đồng ý"})
    complete = processes.complete
    flow.run(complete, flow.system.runtime, flow["a.head2"], by_unit.id, {"opinion": "Phòng Tổng hợp nhất trí"})
    assert flow.state(document_id) == State.CONSULTING  # one opinion still awaited
    flow.run(complete, flow.system.runtime, flow["a.staff2"], by_person.id, {"opinion": "Bổ sung mục 3"})

    assert flow.state(document_id) == State.DRAFTING
    assert flow.task(document_id, c.DRAFT).candidate_user == str(flow["a.staff"].user_id)
    said = {(x.kind, x.text, x.unit_id, x.author_id, x.version_id) for x in flow.comments(document_id)}
    assert said == {("comment", "Xin góp ý dự thảo", None, flow["a.staff"].user_id, version),
                    ("opinion", "Phòng Tổng hợp nhất trí", flow["a.u2"], flow["a.head2"].user_id, version),
                    ("opinion", "Bổ sung mục 3", None, flow["a.staff2"].user_id, version)}
    # Then the drafter submits and the review follows.
    submitted(flow, document_id)
    assert flow.state(document_id) == State.REVIEWING


def test_asking_for_opinions_of_nobody_is_refused(flow):
    document_id = flow.new()
    flow.add_version(document_id)
    with pytest.raises(InvalidData):
        flow.act("a.staff", document_id, c.DRAFT, decision="consult")
    assert flow.state(document_id) == State.DRAFTING and flow.task(document_id, c.DRAFT)


def test_a_rejection_ends_the_process(flow):
    document_id = flow.new()
    flow.add_version(document_id)
    submitted(flow, document_id)
    flow.act("a.head1", document_id, c.REVIEW, decision="approve", comment="Đề nghị lãnh đạo xem xét")
    flow.act("a.clerk", document_id, c.CHECK, decision="approve")
    with pytest.raises(InvalidData):  # a rejection says why
        flow.act("a.leader", document_id, c.APPROVE, decision="reject")
    flow.act("a.leader", document_id, c.APPROVE, decision="reject", comment="Không thuộc thẩm quyền")
    assert flow.state(document_id) == State.REJECTED
    assert flow.tasks(document_id) == []
    assert flow.instance_status(document_id) == "completed"
    assert [(x.kind, x.role, x.text) for x in flow.comments(document_id)] == [
        ("comment", c.REVIEW, "Đề nghị lãnh đạo xem xét"), ("reject", c.APPROVE, "Không thuộc thẩm quyền")]


def test_a_return_without_its_reason_is_refused(flow):
    document_id = flow.new()
    flow.add_version(document_id)
    submitted(flow, document_id)
    with pytest.raises(InvalidData):
        flow.act("a.head1", document_id, c.REVIEW, decision="return", comment="  ")
    assert flow.state(document_id) == State.REVIEWING and flow.comments(document_id) == []


def test_a_drafting_submitted_without_any_version_is_refused(flow):
    document_id = flow.new()
    for decision, extra in (("submit", {}), ("consult", {"consult_people": [flow["a.staff2"].user_id]})):
        with pytest.raises(InvalidData) as refused:
            flow.act("a.staff", document_id, c.DRAFT, decision=decision, **extra)
        assert "chưa có phiên bản" in refused.value.message
    assert flow.state(document_id) == State.DRAFTING
    assert [t.role for t in flow.tasks(document_id)] == [c.DRAFT]
    assert flow.comments(document_id) == []


def test_each_step_is_for_its_own_people(flow):
    document_id = flow.new()
    flow.add_version(document_id)
    with pytest.raises(NotAllowed):  # another specialist of the same unit
        flow.act("a.staff2", document_id, c.DRAFT, decision="submit")
    submitted(flow, document_id)
    for stranger in ("a.head2", "a.staff", "a.clerk", "a.leader"):  # another unit's head, other roles
        with pytest.raises(NotAllowed):
            flow.act(stranger, document_id, c.REVIEW, decision="approve")
    with pytest.raises(NotFound):  # another agency does not see the step at all
        flow.act("b.head1", document_id, c.REVIEW, decision="approve")
    flow.act("a.head1", document_id, c.REVIEW, decision="approve")
    with pytest.raises(NotAllowed):
        flow.act("a.head1", document_id, c.CHECK, decision="approve")
    flow.act("a.clerk", document_id, c.CHECK, decision="approve")
    with pytest.raises(NotAllowed):
        flow.act("a.clerk", document_id, c.APPROVE, decision="approve", signer_id=flow["a.leader"].user_id)
    flow.act("a.leader", document_id, c.APPROVE, decision="approve", signer_id=flow["a.leader2"].user_id)
    with pytest.raises(NotAllowed):  # the step is the named signer's, not any leader's
        flow.act("a.leader", document_id, c.SIGN, decision="return", comment="Xem lại")
    assert flow.state(document_id) == State.SIGNING


def test_the_signer_is_one_of_the_agencys_leaders(flow):
    document_id = flow.new()
    flow.add_version(document_id)
    submitted(flow, document_id)
    flow.act("a.head1", document_id, c.REVIEW, decision="approve")
    flow.act("a.clerk", document_id, c.CHECK, decision="approve")
    for signer in (None, flow["a.head1"].user_id, flow["b.leader"].user_id):
        with pytest.raises(InvalidData):
            flow.act("a.leader", document_id, c.APPROVE, decision="approve",
                     **({"signer_id": signer} if signer else {}))
    assert flow.state(document_id) == State.APPROVING
    flow.act("a.leader", document_id, c.APPROVE, decision="approve", signer_id=flow["a.leader"].user_id,
             comment="Đồng ý ban hành")
    assert flow.task(document_id, c.SIGN).candidate_user == str(flow["a.leader"].user_id)
    assert [(x.kind, x.text) for x in flow.comments(document_id)] == [("approve", "Đồng ý ban hành")]


def test_the_signature_cannot_be_claimed_through_the_form(flow):
    document_id = flow.new()
    flow.add_version(document_id)
    to_signature(flow, document_id)
    with pytest.raises(InvalidData) as refused:  # nothing signed
        flow.act("a.leader2", document_id, c.SIGN, decision="sign")
    assert "chưa được ký số" in refused.value.message
    signed(flow, document_id, by="a.leader")  # signed by someone else than the one completing
    with pytest.raises(InvalidData):
        flow.act("a.leader2", document_id, c.SIGN, decision="sign")
    signed(flow, document_id)
    flow.add_version(document_id, by="a.staff")  # a newer version than the one signed
    with pytest.raises(InvalidData):
        flow.act("a.leader2", document_id, c.SIGN, decision="sign")
    assert flow.state(document_id) == State.SIGNING


def test_the_issue_cannot_be_claimed_through_the_form(flow):
    document_id = at_the_issue(flow)
    with pytest.raises(InvalidData) as refused:
        flow.act("a.clerk", document_id, c.ISSUE, decision="issue")
    assert "chưa được cấp số" in refused.value.message
    assert flow.state(document_id) == State.ISSUING and flow.task(document_id, c.ISSUE)


def test_a_document_of_another_agency_than_the_tasks_is_left_alone(flow):
    """Agency B's process moves only agency B's document, even one of A pointing at its instance."""
    theirs = flow.new(author="b.staff", unit="b.u1")
    ours = flow.new()
    flow.set(ours, process_instance_id=flow.document(theirs).process_instance_id)
    flow.add_version(theirs, by="b.staff")
    flow.act("b.staff", theirs, c.DRAFT, decision="submit")
    assert flow.state(theirs) == State.REVIEWING
    assert flow.state(ours) == State.DRAFTING and flow.comments(ours) == []


def test_a_unit_without_a_head_cannot_be_asked(flow):
    """Its question would wait for a head nobody is: refused, naming the unit."""
    def headless_unit(session):
        return accounts.create_unit(session, session.get(Agency, flow["a.staff"].agency_id), "Phòng Tài chính").id
    unit = flow.run(headless_unit)
    document_id = flow.new()
    flow.add_version(document_id)
    with pytest.raises(InvalidData) as refused:
        flow.act("a.staff", document_id, c.DRAFT, decision="consult", consult_units=[unit])
    assert "Phòng Tài chính" in refused.value.message
    assert flow.state(document_id) == State.DRAFTING
