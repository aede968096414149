"""The task page of an outgoing step (through the real app, logged in through the pages): the
document in brief with the version to read, a returned draft with its reason in view, the
opinions gathered with who gave them, escaped and in English too; another agency's person gets
404; the signature and the issue claimed through the generic form come back refused, saying
which button to use, with nothing changed."""
from __future__ import annotations

from documents import processes
from documents.outgoing import contract as c
from documents.outgoing.models import State
from tests.api.conftest import app, browser, client, context_clock, csrf_of  # noqa: F401  (fixtures)
from tests.outgoing.workflow_office import bureau, flow, system  # noqa: F401  (fixtures)

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def page_of(browser, who: str, task_id: int, lang: str | None = None):
    person = browser(who)
    if lang:
        person.cookies.set("lang", lang)
    return person, person.get(f"/tasks/{task_id}")


def test_a_returned_draft_shows_why_with_the_version_to_read(flow, browser):
    document_id = flow.new()
    flow.add_version(document_id)
    flow.act("a.staff", document_id, c.DRAFT, decision="submit")
    flow.act("a.head1", document_id, c.REVIEW, decision="return", comment=f"Sửa căn cứ {SCRIPT}")
    task = flow.task(document_id, c.DRAFT)
    _, page = page_of(browser, "a.staff", task.id)
    assert page.status_code == 200
    assert 'id="outgoing-task"' in page.text and "Về việc tổng kết năm 2026" in page.text
    assert f'href="/outgoing/{document_id}/versions/1/pdf"' in page.text
    returned = page.text.split('id="outgoing-returned"', 1)[1].split("</section>", 1)[0]
    assert f"Sửa căn cứ {ESCAPED}" in returned and SCRIPT not in page.text
    assert "head1 a" in returned and "Lãnh đạo đơn vị xem xét" in returned
    assert "head1 a" in page.text.split('id="outgoing-handover"', 1)[1].split("</dd>", 1)[0]
    assert 'id="outgoing-remarks"' not in page.text  # the return is not said twice

    _, english = page_of(browser, "a.staff", task.id, lang="en")
    assert "The draft was returned" in english.text and "Unit head&#39;s review" in english.text


def test_the_opinions_gathered_are_in_view_with_who_gave_them(flow, browser):
    document_id = flow.new()
    flow.add_version(document_id)
    flow.act("a.staff", document_id, c.DRAFT, decision="consult", consult_units=[flow["a.u2"]],
             note="Xin ý kiến về mục 3")
    consult = flow.task(document_id, c.CONSULT)
    _, asked = page_of(browser, "a.head2", consult.id)
    assert asked.status_code == 200 and "Xin ý kiến về mục 3" in asked.text and "staff a" in asked.text
    flow.run(processes.complete, flow.system.runtime, flow["a.head2"],
             consult.id, {"opinion": "Nhất trí, bổ sung số liệu"})
    _, page = page_of(browser, "a.staff", flow.task(document_id, c.DRAFT).id)
    remarks = page.text.split('id="outgoing-remarks"', 1)[1].split("</section>", 1)[0]
    assert "Nhất trí, bổ sung số liệu" in remarks and "Phòng Tổng hợp" in remarks and "head2 a" in remarks
    assert 'id="outgoing-returned"' not in page.text  # it came back with opinions, not returned


def test_another_agencys_person_gets_404(flow, browser):
    document_id = flow.new()
    task = flow.task(document_id, c.DRAFT)
    _, page = page_of(browser, "b.staff", task.id)
    assert page.status_code == 404 and "Về việc tổng kết" not in page.text


def test_the_signature_through_the_generic_form_is_refused_naming_the_button(flow, browser):
    document_id = flow.new()
    flow.add_version(document_id)
    flow.act("a.staff", document_id, c.DRAFT, decision="submit")
    flow.act("a.head1", document_id, c.REVIEW, decision="approve")
    flow.act("a.clerk", document_id, c.CHECK, decision="approve")
    flow.act("a.leader", document_id, c.APPROVE, decision="approve", signer_id=flow["a.leader"].user_id)
    task = flow.task(document_id, c.SIGN)
    person, page = page_of(browser, "a.leader", task.id)
    refused = person.post(f"/tasks/{task.id}", data={"csrf_token": csrf_of(page.text), "decision": "sign"})
    assert refused.status_code == 422
    assert "Văn bản chưa được ký số: dùng nút «Ký số»" in refused.text
    assert flow.state(document_id) == State.SIGNING and flow.task(document_id, c.SIGN).id == task.id


def test_the_approval_names_the_leader_himself_and_the_signature_offers_no_signed_button(flow, browser):
    document_id = flow.new()
    flow.add_version(document_id)
    flow.act("a.staff", document_id, c.DRAFT, decision="submit")
    flow.act("a.head1", document_id, c.REVIEW, decision="approve")
    flow.act("a.clerk", document_id, c.CHECK, decision="approve")
    _, approval = page_of(browser, "a.leader", flow.task(document_id, c.APPROVE).id)
    chosen = approval.text.split('name="signer_id"', 1)[1].split("</select>", 1)[0]
    assert f'value="{flow["a.leader"].user_id}" selected' in chosen  # the approver signs unless he picks another
    flow.act("a.leader", document_id, c.APPROVE, decision="approve", signer_id=flow["a.leader"].user_id)
    _, signature = page_of(browser, "a.leader", flow.task(document_id, c.SIGN).id)
    buttons = signature.text.split('class="decision"', 1)[1].split("</div>", 1)[0]
    assert 'value="return"' in buttons and 'value="sign"' not in buttons  # signing is the "Ký số" action
