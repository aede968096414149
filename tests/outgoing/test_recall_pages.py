"""Recall through the API and the pages, across two agencies: A's clerk asks with a reason (its
panel, its buttons, CSRF), B's clerk finds the request in the list and on the document's page,
agrees or refuses; who may not gets 403, another agency 404; bad input 422 with nothing stored."""
from __future__ import annotations

import sqlalchemy as sa

from documents.incoming import service as incoming
from documents.incoming.models import IncomingDocument, IncomingRecall
from documents.outgoing.models import OutgoingDocument, OutgoingRecall, State
from engine.db import unit_of_work
from tasks import inline
from tests.api.conftest import app, browser, client, context_clock, csrf_of, api, system  # noqa: F401  (fixtures)

from .delivery_fixtures import B, issue, world  # noqa: F401  (the fixture)
from .test_recall import superseding


def taken_in(world) -> tuple[int, int]:
    """A's document delivered to B and accepted there: (A's document, B's copy)."""
    document_id = issue(world, recipients=[{"agency": B}])
    inline.drain(world.system)
    with unit_of_work(world.system.sessions) as session:
        copy = session.scalar(sa.select(IncomingDocument))
        incoming.accept(session, world.system.runtime, world.people["b.clerk"], copy.id)
        return document_id, copy.id


def recalls_kept(world) -> int:
    with unit_of_work(world.system.sessions) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(OutgoingRecall))


def test_recall_over_the_api_with_its_denials(world, client, api):
    document_id, copy_id = taken_in(world)
    url = f"/api/outgoing/{document_id}/recall"
    assert client.post(url, headers=api("a.staff"), json={"reason": "Nhầm"}).status_code == 403
    assert client.post(url, headers=api("b.clerk"), json={"reason": "Nhầm"}).status_code == 404
    refused = client.post(url, headers=api("a.clerk"), json={"reason": "  "})
    assert refused.status_code == 422 and "reason" in refused.json()["error"]["errors"]
    assert client.post(url, json={"reason": "Nhầm"}).status_code == 401
    assert recalls_kept(world) == 0

    made = client.post(url, headers=api("a.leader"), json={"reason": "Ban hành nhầm"})
    assert made.status_code == 201, made.text
    assert (made.json()["kind"], made.json()["reason"]) == ("recall", "Ban hành nhầm")
    assert client.post(url, headers=api("a.clerk"), json={"reason": "Lần hai"}).status_code == 409
    shown = client.get(f"/api/outgoing/{document_id}/recalls", headers=api("a.clerk")).json()
    assert shown["state"] == State.RECALLED and [r["recall_status"] for r in shown["recipients"]] == ["13"]
    assert client.get(f"/api/outgoing/{document_id}/recalls", headers=api("b.clerk")).status_code == 404

    inline.drain(world.system)
    waiting = client.get("/api/recall-requests?pending=true", headers=api("b.clerk")).json()
    assert [(r["document_id"], r["kind"], r["answer"]) for r in waiting] == [(copy_id, "recall", None)]
    assert client.get("/api/recall-requests", headers=api("b.staff")).status_code == 403
    assert client.get(f"/api/incoming/{copy_id}/recall", headers=api("a.clerk")).status_code == 404

    answer = f"/api/incoming/{copy_id}/recall"
    assert client.post(answer, headers=api("b.clerk"), json={"decision": "refuse", "reason": ""}).status_code == 422
    assert client.post(answer, headers=api("b.leader"), json={"decision": "accept"}).status_code == 403
    assert client.post(answer, headers=api("a.clerk"), json={"decision": "accept"}).status_code == 404
    agreed = client.post(answer, headers=api("b.clerk"), json={"decision": "accept"})
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["answer"] == "15" and agreed.json()["withdrawn_at"]
    assert client.post(answer, headers=api("b.clerk"), json={"decision": "refuse", "reason": "x"}).status_code == 409
    register = client.get("/api/incoming", headers=api("b.clerk")).json()
    assert register["total"] == 0  # withdrawn: out of the register's list

    inline.drain(world.system)
    shown = client.get(f"/api/outgoing/{document_id}/recalls", headers=api("a.clerk")).json()
    assert [r["recall_status"] for r in shown["recipients"]] == ["15"]


def test_a_replacement_draft_over_the_api(world, client, api):
    document_id, _ = taken_in(world)
    url = f"/api/outgoing/{document_id}/replacements"
    assert client.post(url, headers=api("a.clerk"), json={"kind": "amend", "reason": "x"}).status_code == 422
    assert client.post(url, headers=api("a.staff"), json={"kind": "replace", "reason": "x"}).status_code == 403
    made = client.post(url, headers=api("a.clerk"), json={"kind": "replace", "reason": "Sai ngày hiệu lực"})
    assert made.status_code == 201, made.text
    assert (made.json()["business_type"], made.json()["supersedes_id"]) == ("3", document_id)
    with unit_of_work(world.system.sessions) as session:
        draft = session.get(OutgoingDocument, made.json()["draft_id"])
        assert draft.state == State.DRAFTING and draft.process_instance_id is not None  # the normal workflow


def test_the_sender_recalls_on_the_page_and_the_recipient_agrees_on_its_page(world, client, browser):
    document_id, copy_id = taken_in(world)
    sender = browser("a.clerk")
    on_the_document = sender.get(f"/outgoing/{document_id}")  # the panel on the document's own page
    assert on_the_document.status_code == 200 and 'action="/outgoing/%d/recall"' % document_id in on_the_document.text
    form = sender.get(f"/outgoing/{document_id}/recall")
    assert form.status_code == 200
    for button in ('value="recall"', 'value="update"', 'value="replace"'):
        assert button in form.text
    token = csrf_of(form.text)
    url = f"/outgoing/{document_id}/recall"
    assert sender.post(url, data={"csrf_token": "forged", "action": "recall", "reason": "Nhầm"}).status_code == 403
    empty = sender.post(url, data={"csrf_token": token, "action": "recall", "reason": " "})
    assert empty.status_code == 422 and "Cần nêu lý do" in empty.text
    author = browser("a.staff").get(url)  # the author follows the answers, without the buttons
    assert author.status_code == 200 and 'id="recall-form"' not in author.text
    assert browser("a.outsider").get(url).status_code == 403
    assert browser("b.clerk").get(url).status_code == 404
    assert recalls_kept(world) == 0

    done = sender.post(url, data={"csrf_token": token, "action": "recall", "reason": "Ban hành <nhầm>"})
    assert (done.status_code, done.headers["location"]) == (303, f"/outgoing/{document_id}#recall")
    shown = sender.get(url).text
    assert "Văn bản đã bị thu hồi" in shown and "Ban hành &lt;nhầm&gt;" in shown  # escaped
    assert 'id="recall-form"' not in shown  # frozen: no more buttons
    assert "Đang chờ trả lời" in shown

    inline.drain(world.system)
    clerk = browser("b.clerk")
    listed = clerk.get("/incoming/recalls")
    assert listed.status_code == 200 and "1 yêu cầu, 1 đang chờ trả lời" in listed.text
    assert browser("b.staff").get("/incoming/recalls").status_code == 403
    head = browser("b.head").get("/incoming/recalls")  # the register's readers follow, the clerk answers
    assert head.status_code == 200 and "1 đang chờ trả lời" in head.text and "/answer" not in head.text
    page = clerk.get(f"/incoming/{copy_id}")
    assert page.status_code == 200 and "Đồng ý thu hồi" in page.text and "Ban hành &lt;nhầm&gt;" in page.text
    with unit_of_work(world.system.sessions) as session:
        recall_id = session.scalar(sa.select(IncomingRecall.id))
    answer = f"/incoming/recalls/{recall_id}/answer"
    token = csrf_of(page.text)
    no_reason = clerk.post(answer, data={"csrf_token": token, "decision": "refuse", "reason": ""})
    assert no_reason.status_code == 422 and "Cần nêu lý do từ chối" in no_reason.text
    assert browser("b.leader").post(answer, data={"csrf_token": csrf_of(browser("b.leader").get("/incoming/recalls").text),
                                                  "decision": "accept"}).status_code == 403
    agreed = clerk.post(answer, data={"csrf_token": token, "decision": "accept", "reason": ""})
    assert (agreed.status_code, agreed.headers["location"]) == (303, f"/incoming/{copy_id}#recall")
    withdrawn = clerk.get(f"/incoming/{copy_id}").text
    assert "Văn bản đã bị nơi gửi thu hồi" in withdrawn and "Đã đồng ý" in withdrawn
    assert f'href="/incoming/{copy_id}"' not in clerk.get("/incoming").text  # out of the register's list

    english = browser("b.clerk")
    english.cookies.set("lang", "en")
    assert "The sender recalled this document" in english.get(f"/incoming/{copy_id}").text

    inline.drain(world.system)
    assert "Đã đồng ý" in sender.get(url).text


def test_the_replace_button_opens_the_new_draft(world, client, browser):
    document_id, _ = taken_in(world)
    sender = browser("a.leader")
    form = sender.get(f"/outgoing/{document_id}/recall")
    made = sender.post(f"/outgoing/{document_id}/recall",
                       data={"csrf_token": csrf_of(form.text), "action": "replace", "reason": "Sai ngày hiệu lực"})
    assert made.status_code == 303
    draft_id = int(made.headers["location"].rsplit("/", 1)[1])
    with unit_of_work(world.system.sessions) as session:
        assert session.get(OutgoingDocument, draft_id).supersedes_id == document_id
    again = sender.post(f"/outgoing/{document_id}/recall",
                        data={"csrf_token": csrf_of(form.text), "action": "update", "reason": "Lần hai"})
    assert again.status_code == 409 and "chưa ban hành" in again.text


def test_the_recipient_sees_the_replacement_on_both_documents(world, client, browser):
    document_id, copy_id = taken_in(world)
    superseding(world, document_id, "replace")
    inline.drain(world.system)
    clerk = browser("b.clerk")
    with unit_of_work(world.system.sessions) as session:
        new_copy_id = session.scalar(sa.select(IncomingRecall.replacement_id))
    new_page = clerk.get(f"/incoming/{new_copy_id}").text
    assert "Văn bản này thay thế văn bản" in new_page and f'href="/incoming/{copy_id}#recall"' in new_page
    old_page = clerk.get(f"/incoming/{copy_id}").text
    assert "Đồng ý thay thế" in old_page and f'href="/incoming/{new_copy_id}"' in old_page


def test_a_rejected_replacement_is_shown_and_frees_the_document(world, client, api, browser):
    document_id, _ = taken_in(world)
    made = client.post(f"/api/outgoing/{document_id}/replacements", headers=api("a.clerk"),
                       json={"kind": "update", "reason": "Bổ sung phụ lục"})
    with unit_of_work(world.system.sessions) as session:
        session.get(OutgoingDocument, made.json()["draft_id"]).state = State.REJECTED  # the leader's rejection
    page = browser("a.clerk").get(f"/outgoing/{document_id}/recall").text
    assert "không được duyệt: yêu cầu không được gửi" in page and 'id="recall-form"' in page
    again = client.post(f"/api/outgoing/{document_id}/recall", headers=api("a.clerk"), json={"reason": "Thu hồi"})
    assert again.status_code == 201, again.text
