"""Handling an incoming document over HTTP, besides completing tasks: the handler records
progress, links related documents, asks to be relieved and starts the reply; the unit head
re-assigns or declines; the leader hands over the distribution and steers each coordinator.
Everything shows on GET /api/incoming/{id}, times in +07:00."""
from __future__ import annotations

import json
import unicodedata

import pytest

from tests.api.conftest import audit_actions, complete, distribution_to

METADATA = {"issuer_code": "000.00.31.H41", "issuer_name": "Sở Nội vụ tỉnh Hà Nam", "number_notation": "123/SNV-VP",
            "document_date": "2026-11-20", "doc_type": "Công văn", "subject": "Về việc kiểm tra công tác văn thư"}


def register(client, api, **changes) -> int:
    response = client.post("/api/incoming", headers=api("a.clerk"),
                           data={"metadata": json.dumps({**METADATA, **changes}, ensure_ascii=False)})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def shown(client, api, document_id, who="a.leader") -> dict:
    response = client.get(f"/api/incoming/{document_id}", headers=api(who))
    assert response.status_code == 200, response.text
    return response.json()


def open_task(client, api, document_id, name) -> dict:
    (task,) = [t for t in shown(client, api, document_id)["open_tasks"] if t["name"] == name]
    return task


@pytest.fixture
def handled(client, api, people) -> int:
    """A document a.staff handles for Phòng Kinh tế, whose head (a.unit_head) also coordinates."""
    document_id = register(client, api)
    staff = people["a.staff"]
    complete(client, api("a.leader"), open_task(client, api, document_id, "distribute")["id"],
             {**distribution_to(staff), "coordinators": [staff.unit_id]})
    return document_id


def test_progress_is_recorded_by_the_handler_and_shown_on_the_document(client, api, people, handled):
    url = f"/api/incoming/{handled}/progress"
    text = unicodedata.normalize("NFD", "Đã làm việc với Sở Tài chính")
    recorded = client.post(url, headers=api("a.staff"), json={"text": text, "percent": 60})
    assert recorded.status_code == 201, recorded.text
    assert recorded.json() == {"id": recorded.json()["id"], "author_id": people["a.staff"].user_id, "step": "handle",
                               "at": "2026-11-23T08:00:00+07:00", "text": "Đã làm việc với Sở Tài chính",
                               "percent": 60}
    assert client.post(url, headers=api("a.unit_head"), json={"text": "Đang góp ý"}).json()["step"] == "coordinate"

    refused = client.post(url, headers=api("a.staff"), json={"text": "", "percent": 150})
    assert refused.status_code == 422
    assert refused.json()["error"]["errors"] == {"text": "Trường «Nội dung tiến độ» là bắt buộc."}
    refused = client.post(url, headers=api("a.staff"), json={"text": "Xong", "percent": 150})
    assert refused.json()["error"]["errors"] == {"percent": "Trường «Tỷ lệ hoàn thành» phải là số nguyên từ 0 đến 100."}
    assert client.post(url, headers=api("a.staff2"), json={"text": "Tôi cũng làm"}).status_code == 403

    # The handler reads the document they handle; another specialist does not.
    document = shown(client, api, handled, "a.staff")
    assert [(p["step"], p["text"]) for p in document["progress"]] == [
        ("handle", "Đã làm việc với Sở Tài chính"), ("coordinate", "Đang góp ý")]
    assert client.get(f"/api/incoming/{handled}", headers=api("a.staff2")).status_code == 403
    assert "incoming.progress_recorded" in audit_actions(client.app.state.system, people["a.staff"].user_id)


def test_related_documents_show_on_both_and_unlink(client, api, handled):
    other = register(client, api, number_notation="99/SNV-VP", subject="Văn bản trước")
    url = f"/api/incoming/{handled}/related"
    linked = client.post(url, headers=api("a.staff"), json={"related_id": other, "note": "Cùng vụ việc"})
    assert linked.status_code == 201, linked.text
    assert (linked.json()["document_id"], linked.json()["subject"], linked.json()["note"],
            linked.json()["linked_at"]) == (other, "Văn bản trước", "Cùng vụ việc", "2026-11-23T08:00:00+07:00")
    assert [r["document_id"] for r in shown(client, api, other)["related"]] == [handled]
    assert client.post(url, headers=api("a.staff"), json={"related_id": other}).status_code == 409
    self_link = client.post(url, headers=api("a.staff"), json={"related_id": handled})
    assert self_link.status_code == 422 and "related_id" in self_link.json()["error"]["errors"]
    foreign = client.post("/api/incoming", headers=api("b.clerk"),
                          data={"metadata": json.dumps(METADATA, ensure_ascii=False)}).json()["id"]
    assert client.post(url, headers=api("a.staff"), json={"related_id": foreign}).status_code == 404

    assert client.delete(f"{url}/{other}", headers=api("a.leader")).status_code == 204
    assert shown(client, api, handled)["related"] == shown(client, api, other)["related"] == []
    assert client.delete(f"{url}/{other}", headers=api("a.leader")).status_code == 404


def test_a_reassignment_request_is_granted_by_the_unit_head(client, api, people, handled):
    asked = client.post(f"/api/incoming/{handled}/reassignment-requests", headers=api("a.staff"),
                        json={"reason": "Đi học tập trung"})
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["state"], request["unit_id"], request["requested_at"]) == (
        "open", people["a.staff"].unit_id, "2026-11-23T08:00:00+07:00")
    queue = client.get("/api/incoming/reassignment-requests", headers=api("a.unit_head"))
    assert queue.status_code == 200 and [r["id"] for r in queue.json()] == [request["id"]]
    assert client.get("/api/incoming/reassignment-requests", headers=api("a.staff")).status_code == 403
    bad_state = client.get("/api/incoming/reassignment-requests", headers=api("a.leader"), params={"state": "x"})
    assert bad_state.status_code == 422 and "state" in bad_state.json()["error"]["errors"]

    moved = client.post(f"/api/incoming/{handled}/reassign", headers=api("a.unit_head"),
                        json={"lead_user_id": people["a.staff2"].user_id, "reason": "Giao chuyên viên 2",
                              "request_id": request["id"]})
    assert moved.status_code == 200, moved.text
    (granted,) = moved.json()["reassignment_requests"]
    assert (granted["state"], granted["new_handler_id"], granted["resolution"]) == (
        "granted", people["a.staff2"].user_id, "Giao chuyên viên 2")
    (handle,) = [t for t in moved.json()["open_tasks"] if t["name"] == "handle"]
    assert handle["candidate_user"] == str(people["a.staff2"].user_id)
    assert [t["name"] for t in client.get("/api/tasks", headers=api("a.staff2")).json()] == ["handle"]
    assert client.get("/api/incoming/reassignment-requests", headers=api("a.unit_head")).json() == []
    declined = client.post(f"/api/incoming/{handled}/reassignment-requests/{request['id']}/decline",
                           headers=api("a.leader"), json={"reason": "Muộn"})
    assert declined.status_code == 409


def test_a_reassignment_request_is_declined_once(client, api, people, handled):
    request = client.post(f"/api/incoming/{handled}/reassignment-requests", headers=api("a.staff"),
                          json={"reason": "Quá tải"}).json()
    url = f"/api/incoming/{handled}/reassignment-requests/{request['id']}/decline"
    empty = client.post(url, headers=api("a.unit_head"), json={"reason": " "})
    assert empty.status_code == 422 and empty.json()["error"]["errors"] == {"reason": "Trường «Lý do» là bắt buộc."}
    declined = client.post(url, headers=api("a.unit_head"), json={"reason": "Phòng không còn người"})
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    assert declined.json()["resolved_at"] == "2026-11-23T08:00:00+07:00"
    assert client.post(url, headers=api("a.leader"), json={"reason": "Lần hai"}).status_code == 409
    again = client.post(f"/api/incoming/{handled}/reassign", headers=api("a.unit_head"),
                        json={"lead_user_id": people["a.staff2"].user_id, "reason": "Đổi ý", "request_id": request["id"]})
    assert again.status_code == 409
    assert [t["name"] for t in client.get("/api/tasks", headers=api("a.staff")).json()] == ["handle"]


def test_the_handler_starts_the_reply_and_its_author_and_leaders_open_it(client, api, people, handled):
    started = client.post(f"/api/incoming/{handled}/reply-drafts", headers=api("a.staff"), json={"summary": "Báo cáo"})
    assert started.status_code == 201, started.text
    draft = started.json()
    assert (draft["in_reply_to"], draft["state"], draft["recipients"], draft["created_at"]) == (
        handled, "drafting", [{"code": "000.00.31.H41", "name": "Sở Nội vụ tỉnh Hà Nam"}], "2026-11-23T08:00:00+07:00")
    assert [d["id"] for d in shown(client, api, handled)["reply_drafts"]] == [draft["id"]]
    for who in ("a.staff", "a.leader", "a.clerk", "a.unit_head"):
        assert client.get(f"/api/outgoing/drafts/{draft['id']}", headers=api(who)).json() == draft
    assert client.get(f"/api/outgoing/drafts/{draft['id']}", headers=api("a.staff2")).status_code == 403
    assert client.get(f"/api/outgoing/drafts/{draft['id']}", headers=api("b.leader")).status_code == 404
    too_long = client.post(f"/api/incoming/{handled}/reply-drafts", headers=api("a.staff"), json={"subject": "x" * 501})
    assert too_long.status_code == 422
    assert too_long.json()["error"]["errors"] == {"subject": "Trường «Trích yếu» dài tối đa 500 ký tự."}
    assert client.post(f"/api/incoming/{handled}/reply-drafts", headers=api("a.leader"), json={}).status_code == 403


def test_the_leader_hands_the_distribution_to_another_leader(client, api, people, system):
    from documents import accounts
    from documents.models import Agency
    from engine.db import unit_of_work

    with unit_of_work(system.sessions) as session:
        agency = session.get(Agency, people["a.leader"].agency_id)
        deputy = accounts.create_user(session, agency, "a.leader2", "Phó Giám đốc", "mat-khau-thu-nghiem", ["leader"])
        deputy_id = deputy.id
    document_id = register(client, api)
    url = f"/api/incoming/{document_id}/distribution/reassign"
    not_a_leader = client.post(url, headers=api("a.leader"), json={"leader_user_id": people["a.staff"].user_id,
                                                                    "reason": "Chuyển"})
    assert not_a_leader.status_code == 422 and "leader_user_id" in not_a_leader.json()["error"]["errors"]
    moved = client.post(url, headers=api("a.leader"), json={"leader_user_id": deputy_id, "reason": "Đi công tác"})
    assert moved.status_code == 200, moved.text
    (distribute,) = moved.json()["open_tasks"]
    assert (distribute["name"], distribute["candidate_user"]) == ("distribute", str(deputy_id))
    assert client.get("/api/tasks", headers=api("a.leader")).json() == []
    assert [t["name"] for t in client.get("/api/tasks", headers=api("a.leader2")).json()] == ["distribute"]


def test_the_leader_extends_and_reassigns_one_coordinator(client, api, people, handled):
    coordinate = open_task(client, api, handled, "coordinate")
    url = f"/api/incoming/{handled}/coordination/{coordinate['id']}"
    extended = client.post(f"{url}/extend", headers=api("a.leader"),
                           json={"deadline": "2026-12-04T17:00:00+07:00", "reason": "Chờ số liệu"})
    assert extended.status_code == 200, extended.text
    (after,) = [t for t in extended.json()["open_tasks"] if t["name"] == "coordinate"]
    assert after["due_at"] == "2026-12-04T17:00:00+07:00"
    (handle,) = [t for t in extended.json()["open_tasks"] if t["name"] == "handle"]
    assert handle["due_at"] != after["due_at"]  # the handling keeps its own deadline

    moved = client.post(f"{url}/reassign", headers=api("a.leader"),
                        json={"user_id": people["a.staff2"].user_id, "reason": "Giao trực tiếp"})
    assert moved.status_code == 200, moved.text
    assert [t["name"] for t in client.get("/api/tasks", headers=api("a.staff2")).json()] == ["coordinate"]
    assert client.get("/api/tasks", headers=api("a.unit_head")).json() == []
    instance = client.get(f"/api/process-instances/{moved.json()['process_instance_id']}", headers=api("a.leader"))
    reasons = [h["data"]["reason"] for h in instance.json()["history"] if h["action"] == "retargeted"]
    assert reasons == ["Chờ số liệu", "Giao trực tiếp"]
    assert client.post(f"/api/incoming/{handled}/coordination/999999/extend", headers=api("a.leader"),
                       json={"deadline": "2026-12-04T17:00:00+07:00", "reason": "x"}).status_code == 404
