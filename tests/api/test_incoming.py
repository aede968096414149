"""The incoming register over HTTP: a clerk registers a paper scan and an e-mailed file, the
leader searches the register, downloads are the signed files, bad input changes nothing."""
from __future__ import annotations

import json
from urllib.parse import quote

from documents.incoming.models import IncomingDocument
from documents.registers.models import RegisterEntry
from documents.signing import validate_pdf, verdict
from tests.api.conftest import count
from tests.files import samples

METADATA = {"issuer_code": "000.00.31.H41", "issuer_name": "Sở Nội vụ tỉnh Hà Nam",
            "number_notation": "123/SNV-VP", "document_date": "2026-11-20", "doc_type": "Công văn",
            "subject": "Về việc kiểm tra công tác văn thư năm 2026", "urgency": "urgent"}


def register(client, headers, metadata=None, files=(("scan.pdf", samples.pdf("1.7")),), channel="paper",
             allow_duplicate=True):
    return client.post("/api/incoming", headers=headers,
                       data={"metadata": json.dumps(metadata or METADATA, ensure_ascii=False), "channel": channel,
                             "allow_duplicate": str(allow_duplicate).lower()},
                       files=[("files", (name, data, "application/octet-stream")) for name, data in files])


def test_a_paper_document_is_registered_signed_and_numbered(client, api, system, province):
    system.keystore.install_demo("000.00.01.H99", "Cơ quan A")
    response = register(client, api("a.clerk"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["incoming_number"], body["status"], body["status_name"]) == (1, "03", "accepted")
    assert [s["code"] for s in body["statuses"]] == ["01", "03"]
    assert body["received_at"] == "2026-11-23T08:00:00+07:00"
    assert body["signature_check"][0]["verdict"] == "valid"
    (attachment,) = body["attachments"]

    download = client.get(f"/api/incoming/{body['id']}/files/{attachment['id']}", headers=api("a.leader"))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''scan.pdf" in download.headers["content-disposition"]
    assert verdict(validate_pdf(download.content, system.keystore.trust_roots)) == "valid"

    warned = register(client, api("a.clerk"), files=(("email.pdf", samples.pdf("1.7")),), channel="manual",
                      allow_duplicate=False)
    assert warned.status_code == 409
    assert warned.json()["error"]["duplicates"] == [{"id": body["id"], "incoming_number": 1,
                                                     "received_at": "2026-11-23T08:00:00+07:00"}]
    again = register(client, api("a.clerk"), files=(("email.pdf", samples.pdf("1.7")),), channel="manual")
    assert again.json()["incoming_number"] == 2
    assert [d["id"] for d in again.json()["duplicates"]] == [body["id"]]  # the warning
    assert again.json()["signature_check"][0]["verdict"] == "unsigned"


def test_search_is_accent_insensitive(client, api, system, province):
    system.keystore.install_demo("000.00.01.H99", "Cơ quan A")
    register(client, api("a.clerk"), channel="manual")
    register(client, api("a.clerk"), {**METADATA, "subject": "Quyết định khen thưởng", "urgency": "normal"},
             channel="manual")
    leader = api("a.leader")
    found = client.get("/api/incoming", params={"q": "quyet dinh"}, headers=leader).json()
    assert found["total"] == 1 and found["items"][0]["subject"] == "Quyết định khen thưởng"
    assert client.get("/api/incoming", params={"urgency": "urgent"}, headers=leader).json()["total"] == 1
    assert client.get("/api/incoming", params={"issuer": "so noi vu"}, headers=leader).json()["total"] == 2
    assert client.get("/api/incoming", params={"status": "09"}, headers=leader).status_code == 422


def test_bad_input_is_refused_and_nothing_is_stored(client, api, system, province):
    clerk = api("a.clerk")
    cases = [
        register(client, clerk, files=(("scan.pdf", samples.EXE),)),                       # executable as PDF
        register(client, clerk, files=(("../../etc/passwd.pdf", samples.HTML),), channel="manual"),
        register(client, clerk, {**METADATA, "secrecy": "secret"}, channel="manual"),      # secret document
        register(client, clerk, {**METADATA, "document_date": "20/11/2026"}, channel="manual"),
        client.post("/api/incoming", headers=clerk, data={"metadata": "{not json"}),
        register(client, clerk, files=(), channel="paper"),                                  # paper without scan
    ]
    assert [r.status_code for r in cases] == [422] * len(cases), [r.text for r in cases]
    assert "scan.pdf" in cases[0].json()["error"]["message"]
    assert "secrecy" in cases[2].json()["error"]["errors"]
    assert "document_date" in cases[3].json()["error"]["errors"]
    assert count(system, IncomingDocument) == 0


def test_a_hostile_file_among_several_is_refused_over_http_and_nothing_is_kept(client, api, system, province):
    system.keystore.install_demo("000.00.01.H99", "Cơ quan A")
    clerk, (scripted, _) = api("a.clerk"), samples.ACTIVE_PDFS["launch-link"]
    refused = register(client, clerk, files=(("scan.pdf", samples.pdf("1.7")), ("phụ lục.docx", samples.docx()),
                                             ("phụ lục 2.pdf", scripted)))
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == (
        "Tệp «phụ lục 2.pdf» có nội dung chủ động không được phép: lệnh mở chương trình hoặc tệp khác (Launch). "
        "Hãy đề nghị nơi gửi xuất lại tệp PDF không có các thành phần này.")
    assert count(system, IncomingDocument) == count(system, RegisterEntry) == 0
    assert list(system.files.keys()) == []

    hostile = "..\\..\\\u202eQuyết định\u2069 số 12" + "x" * 1000 + ".pdf"
    accepted = register(client, clerk, files=((hostile, samples.pdf("1.7")),))
    assert accepted.status_code == 201 and accepted.json()["incoming_number"] == 1  # the refusal took no number
    body = accepted.json()
    name = "Quyết định số 12" + "x" * (255 - len(".pdf") - len("Quyết định số 12".encode())) + ".pdf"
    assert [a["file_name"] for a in body["attachments"]] == [name]
    assert body["signature_check"][0]["file"] == name
    download = client.get(f"/api/incoming/{body['id']}/files/{body['attachments'][0]['id']}", headers=clerk)
    assert download.headers["content-disposition"].endswith("filename*=UTF-8''" + quote(name))


def test_accepting_an_electronic_document_over_http_tells_the_sender(client, api, system, province):
    from documents.exchange import statuses
    from engine import outbox
    from engine.db import unit_of_work
    from tests.api.test_authorization import arrived_from

    document_id = arrived_from(system, "000.00.01.H99", sender="000.00.02.H99", reference="B-123")
    assert client.post(f"/api/incoming/{document_id}/refuse", headers=api("a.clerk"), json={"reason": ""}).status_code == 422
    unsigned = client.post(f"/api/incoming/{document_id}/accept", headers=api("a.clerk"))
    assert unsigned.status_code == 409 and "cong-van.pdf" in unsigned.json()["error"]["message"]
    reason = "Cơ quan B xác nhận qua điện thoại"
    accepted = client.post(f"/api/incoming/{document_id}/accept", headers=api("a.clerk"),
                           json={"override_reason": reason})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["arrival"]["signature_override"]["reason"] == reason
    assert (accepted.json()["status"], accepted.json()["incoming_number"]) == ("03", 1)
    assert client.post(f"/api/incoming/{document_id}/accept", headers=api("a.clerk")).status_code == 409

    published = []
    outbox.relay(system.sessions, lambda row: published.append(row.id))
    for outbox_id in published:
        with unit_of_work(system.sessions) as session:
            statuses.deliver(session, outbox_id)
    seen_by_sender = client.get("/api/sent/B-123/statuses", headers=api("b.clerk")).json()
    assert [(s["code"], s["name"]) for s in seen_by_sender] == [("01", "arrived"), ("03", "accepted")]
    assert client.get("/api/sent/B-123/statuses", headers=api("a.clerk")).json() == []

    walk_to_completion(client, api, system, province)  # every later status reaches the sender too
    seen_by_sender = client.get("/api/sent/B-123/statuses", headers=api("b.clerk")).json()
    assert [s["code"] for s in seen_by_sender] == ["01", "03", "04", "05", "06"]
    assert client.get(f"/api/incoming/{document_id}", headers=api("a.leader")).json()["status"] == "06"


def test_a_paper_document_goes_from_arrival_to_completion_through_the_api(client, api, system, province):
    """Clerk registers → leader distributes → specialist handles → unit head confirms: 06."""
    system.keystore.install_demo("000.00.01.H99", "Cơ quan A")
    document = register(client, api("a.clerk")).json()
    leader_queue = client.get("/api/tasks", headers=api("a.leader")).json()
    (distribute,) = [t for t in leader_queue if t["name"] == "distribute"]
    assert distribute["urgency"] == 1  # "urgent" puts it first in every queue
    assert distribute["instance_id"] == document["process_instance_id"]  # the registration says which
    walk_to_completion(client, api, system, province)
    shown = client.get(f"/api/incoming/{document['id']}", headers=api("a.leader")).json()
    assert [s["code"] for s in shown["statuses"]] == ["01", "03", "04", "05", "06"]
    assert shown["status_name"] == "completed"


def walk_to_completion(client, api, system, province) -> None:
    """The one document in the leader's queue: distributed to the specialist, handled, approved."""
    from tests.conftest import drain_outbox

    staff = province["a.staff"]
    (distribute,) = [t for t in client.get("/api/tasks", headers=api("a.leader")).json() if t["name"] == "distribute"]
    client.post(f"/api/tasks/{distribute['id']}/complete", headers=api("a.leader"),
                json={"data": {"decision": "assign", "direction": "Đề nghị xử lý", "lead_user_id": staff.user_id,
                               "lead_unit_id": staff.unit_id}}).raise_for_status()
    (handle,) = client.get("/api/tasks", headers=api("a.staff")).json()
    client.post(f"/api/tasks/{handle['id']}/complete", headers=api("a.staff"),
                json={"data": {"result": "Đã báo cáo", "completed": True}}).raise_for_status()
    (review,) = client.get("/api/tasks", headers=api("a.unit_head")).json()
    client.post(f"/api/tasks/{review['id']}/complete", headers=api("a.unit_head"),
                json={"data": {"approved": True}}).raise_for_status()
    drain_outbox(system)


def test_a_unit_lead_goes_through_the_unit_head_who_assigns_or_returns(client, api, system, province):
    """The leader names only a unit: its head assigns a specialist, or returns it to the leader."""
    document = register(client, api("a.clerk"), channel="manual", files=()).json()
    staff = province["a.staff"]

    def only(user, name):
        tasks = [t for t in client.get("/api/tasks", headers=api(user)).json() if t["name"] == name]
        assert len(tasks) == 1, (user, name, tasks)
        return tasks[0]["id"]

    def complete(user, name, data):
        response = client.post(f"/api/tasks/{only(user, name)}/complete", headers=api(user), json={"data": data})
        assert response.status_code == 200, response.text

    to_unit = {"decision": "assign", "direction": "Phòng xử lý", "lead_unit_id": staff.unit_id}
    complete("a.leader", "distribute", to_unit)
    assert client.get("/api/tasks", headers=api("a.staff")).json() == []  # nobody named yet
    refused = client.post(f"/api/tasks/{only('a.unit_head', 'unit_assign')}/complete", headers=api("a.unit_head"),
                          json={"data": {"unit_decision": "return"}})
    assert refused.status_code == 422 and "unit_note" in refused.json()["error"]["errors"]
    complete("a.unit_head", "unit_assign", {"unit_decision": "return", "unit_note": "Không thuộc phòng"})
    complete("a.leader", "distribute", to_unit)  # back with the leader, sent again
    complete("a.unit_head", "unit_assign", {"unit_decision": "assign", "handler_user_id": staff.user_id})
    complete("a.staff", "handle", {"result": "Xong", "completed": True})
    complete("a.unit_head", "review", {"approved": True})
    from tests.conftest import drain_outbox
    drain_outbox(system)
    shown = client.get(f"/api/incoming/{document['id']}", headers=api("a.leader")).json()
    assert shown["status"] == "06"


def test_coordinators_answer_in_parallel_and_rework_does_not_ask_them_again(client, api, system, province):
    document = register(client, api("a.clerk"), channel="manual", files=()).json()
    staff = province["a.staff"]

    def names(user):
        return sorted(t["name"] for t in client.get("/api/tasks", headers=api(user)).json())

    def complete(user, name, data):
        (task,) = [t for t in client.get("/api/tasks", headers=api(user)).json() if t["name"] == name]
        response = client.post(f"/api/tasks/{task['id']}/complete", headers=api(user), json={"data": data})
        assert response.status_code == 200, response.text
        return response.json()

    complete("a.leader", "distribute", {"decision": "assign", "direction": "Chủ trì xử lý", "lead_user_id": staff.user_id,
                                        "lead_unit_id": staff.unit_id, "coordinators": [staff.unit_id]})
    assert names("a.staff") == ["handle"] and names("a.unit_head") == ["coordinate"]
    complete("a.staff", "handle", {"result": "Dự thảo trả lời", "completed": True})
    assert names("a.unit_head") == ["coordinate"]  # the review waits for the coordinator's opinion
    complete("a.unit_head", "coordinate", {"opinion": "Thống nhất, đề nghị bổ sung số liệu"})
    instance = complete("a.unit_head", "review", {"approved": False, "comment": "Bổ sung số liệu"})
    assert names("a.unit_head") == [] and names("a.staff") == ["handle"]  # rework: no second coordination
    complete("a.staff", "handle", {"result": "Đã bổ sung", "completed": True})
    assert names("a.unit_head") == ["review"]
    complete("a.unit_head", "review", {"approved": True})
    shown = client.get(f"/api/process-instances/{instance['id']}", headers=api("a.leader")).json()
    assert shown["status"] == "completed"
    opinions = [h["data"] for h in shown["history"] if h["action"] == "completed" and h["step"] == "coordinate"]
    assert opinions == [{"opinion": "Thống nhất, đề nghị bổ sung số liệu"}]
    assert document["id"]


def test_the_leader_reassigns_and_extends_the_deadline_with_reasons(client, api, system, people):
    from engine.models import Timer

    document = register(client, api("a.clerk"), channel="manual", files=()).json()
    staff, staff2 = people["a.staff"], people["a.staff2"]
    (distribute,) = [t for t in client.get("/api/tasks", headers=api("a.leader")).json() if t["name"] == "distribute"]
    client.post(f"/api/tasks/{distribute['id']}/complete", headers=api("a.leader"),
                json={"data": {"decision": "assign", "direction": "Xử lý", "lead_user_id": staff.user_id,
                               "lead_unit_id": staff.unit_id, "deadline": "2026-11-30T17:00:00+07:00"}}
                ).raise_for_status()
    assert [t["name"] for t in client.get("/api/tasks", headers=api("a.staff")).json()] == ["handle"]
    url = f"/api/incoming/{document['id']}"

    assert client.post(f"{url}/reassign", headers=api("a.staff"),
                       json={"lead_user_id": staff2.user_id, "reason": "x"}).status_code == 403
    assert client.post(f"{url}/reassign", headers=api("a.leader"),
                       json={"lead_user_id": staff2.user_id, "reason": "  "}).status_code == 422
    moved = client.post(f"{url}/reassign", headers=api("a.leader"),
                        json={"lead_user_id": staff2.user_id, "reason": "Chuyên viên A đi công tác"})
    assert moved.status_code == 200, moved.text
    assert client.get("/api/tasks", headers=api("a.staff")).json() == []
    (handle,) = client.get("/api/tasks", headers=api("a.staff2")).json()

    with system.sessions() as session:
        before = [t.fire_at for t in session.query(Timer).filter(Timer.spec_name == "handle_overdue")]
    extended = client.post(f"{url}/extend", headers=api("a.leader"),
                           json={"deadline": "2026-12-04T17:00:00+07:00", "reason": "Chờ số liệu của Sở"})
    assert extended.status_code == 200, extended.text
    with system.sessions() as session:
        after = [t.fire_at.isoformat() for t in session.query(Timer).filter(Timer.spec_name == "handle_overdue")]
    assert len(before) == 1 and after == ["2026-12-04T10:00:00+00:00"]
    (handle,) = client.get("/api/tasks", headers=api("a.staff2")).json()
    assert handle["due_at"] == "2026-12-04T17:00:00+07:00"

    shown = client.get(f"/api/process-instances/{handle['instance_id']}", headers=api("a.leader")).json()
    reasons = [(h["action"], h["data"]["reason"]) for h in shown["history"] if h["action"] in ("retargeted", "rescheduled")]
    assert ("retargeted", "Chuyên viên A đi công tác") in reasons and ("rescheduled", "Chờ số liệu của Sở") in reasons
    client.post(f"/api/tasks/{handle['id']}/complete", headers=api("a.staff2"),
                json={"data": {"result": "Xong", "completed": True}}).raise_for_status()
    assert client.post(f"{url}/extend", headers=api("a.leader"),
                       json={"deadline": "2026-12-05T17:00:00+07:00", "reason": "Muộn"}).status_code == 409
