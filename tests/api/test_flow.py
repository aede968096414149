"""The incoming-document flow through the JSON API, form validation, races, and diagram uploads."""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from documents.incoming.models import IncomingDocument
from documents.models import AuditEvent
from documents.settings import BPMN_DIR
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from tests.api.conftest import (AGENCY_A, METADATA, RETURN, complete, count, distribution_to, document_id,
                                notice_diagram, only_task, register_incoming, snapshot)

INCOMING = (BPMN_DIR / "incoming.bpmn").read_bytes()
VN_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$")
TIME_FIELDS = ("at", "created_at", "started_at", "ended_at", "due_at", "expires_at")

EVIL_SCRIPT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="evil_definitions"
                  targetNamespace="https://qlvbdh.example/bpmn">
  <bpmn:process id="incoming" name="Xử lý văn bản đến" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="run_shell" name="Ghi sổ">
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>__import__('os').system('id')</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="run_shell"/>
    <bpmn:sequenceFlow id="f2" sourceRef="run_shell" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
""".encode()

EVIL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE bpmn:definitions [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="xxe_definitions"
                  targetNamespace="https://qlvbdh.example/bpmn">
  <bpmn:process id="incoming" name="&secret;" isExecutable="true">
    <bpmn:startEvent id="start"/>
  </bpmn:process>
</bpmn:definitions>
"""

EVIL_LAUGHS = INCOMING.replace(
    b"<bpmn:definitions",
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>\n<bpmn:definitions', 1)


def assert_vietnam_times(value, path="body") -> int:
    """Every time field anywhere in a response is ISO 8601 in Vietnam time; returns how many."""
    seen = 0
    if isinstance(value, dict):
        for key, item in value.items():
            if key in TIME_FIELDS and item is not None:
                assert isinstance(item, str) and VN_TIME.match(item), f"{path}.{key} = {item!r}"
                seen += 1
            else:
                seen += assert_vietnam_times(item, f"{path}.{key}")
    elif isinstance(value, list):
        seen += sum(assert_vietnam_times(item, f"{path}[{i}]") for i, item in enumerate(value))
    return seen


def upload(client, headers, xml: bytes, filename: str = "incoming.bpmn"):
    return client.post("/api/process-definitions", headers=headers,
                       files={"file": (filename, xml, "application/xml")})


def queue_ids(client, headers) -> list[int]:
    response = client.get("/api/tasks", headers=headers)
    assert response.status_code == 200, response.text
    assert_vietnam_times(response.json())
    return [t["id"] for t in response.json()]


# --------------------------------------------------------------------------- "done means"

def test_an_incoming_document_goes_from_the_clerk_to_done(client, api, province):
    clerk, leader, staff, head = (province[f"a.{r}"] for r in ("clerk", "leader", "staff", "unit_head"))

    instance = register_incoming(client, api("a.clerk"), urgency="urgent")
    assert instance["status"] == "running" and instance["started_by"] == str(clerk.user_id)
    distribute = only_task(instance, "distribute")
    assert distribute["candidate_role"] == "leader"
    assert distribute["due_at"] == "2026-11-23T14:00:00+07:00", "urgent: four working hours (lunch excluded)"
    assert queue_ids(client, api("a.clerk")) == [], "registering is the clerk's whole part"
    assert queue_ids(client, api("a.leader")) == [distribute["id"]]
    assert queue_ids(client, api("a.staff")) == []
    detail = client.get(f"/api/tasks/{distribute['id']}", headers=api("a.leader")).json()
    assert detail["form"]["key"] == "incoming_distribute" and "lead_unit_id" in detail["form"]["schema"]["properties"]

    instance = complete(client, api("a.leader"), distribute["id"], distribution_to(staff))
    handle = only_task(instance, "handle")
    assert (handle["candidate_user"], handle["candidate_unit"]) == (str(staff.user_id), str(staff.unit_id))
    assert queue_ids(client, api("a.staff")) == [handle["id"]]

    instance = complete(client, api("a.staff"), handle["id"], {"result": "Đã tham mưu văn bản trả lời.",
                                                               "completed": True})
    review = only_task(instance, "review")
    assert (review["candidate_role"], review["candidate_unit"]) == ("unit_head", str(head.unit_id))
    assert queue_ids(client, api("a.unit_head")) == [review["id"]]

    instance = complete(client, api("a.unit_head"), review["id"], {"approved": True, "comment": "Đồng ý"})
    assert instance["status"] == "completed" and instance["tasks"] == []

    shown = client.get(f"/api/process-instances/{instance['id']}", headers=api("a.clerk"))
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["status"] == "completed" and body["ended_at"] is not None
    assert assert_vietnam_times(body) >= 8
    completed = [(h["actor"], h["step"]) for h in body["history"] if h["action"] == "completed"]
    assert completed == [(str(leader.user_id), "distribute"), (str(staff.user_id), "handle"),
                         (str(head.user_id), "review")]
    assert body["history"][0]["action"] == "started" and body["history"][0]["actor"] == str(clerk.user_id)
    assert body["history"][-1]["action"] == "ended"
    document = client.get(f"/api/incoming/{document_id(body)}", headers=api("a.clerk")).json()
    assert (document["incoming_number"], document["process_instance_id"]) == (1, body["id"])
    assert [s["code"] for s in document["statuses"]] == ["01", "03", "04", "05", "06"]
    for user in ("a.clerk", "a.leader", "a.staff", "a.unit_head"):
        assert queue_ids(client, api(user)) == [], user


# --------------------------------------------------------------------------- one way to start

def test_the_generic_start_refuses_incoming_and_stores_nothing(client, system, api, province):
    before = snapshot(system), count(system, AuditEvent, AuditEvent.action == "process.started")
    for user in ("a.clerk", "a.process_admin", "a.admin", "a.leader"):
        response = client.post("/api/process-instances", headers=api(user),
                               json={"key": "incoming", "data": {"document_id": 1, "urgency": "urgent"}})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        message = "Quy trình «incoming» chỉ bắt đầu khi vào sổ văn bản đến (POST /api/incoming)."
        assert (error["message"], error["errors"]) == (message, {"key": message})
    assert (snapshot(system), count(system, AuditEvent, AuditEvent.action == "process.started")) == before
    assert count(system, ProcessInstance) == count(system, IncomingDocument) == 0


def test_an_agencys_own_incoming_diagram_is_refused_too_and_other_diagrams_still_start(client, system, api,
                                                                                           province):
    admin = api("a.process_admin")
    assert upload(client, admin, INCOMING).status_code == 201
    assert upload(client, admin, notice_diagram()).status_code == 201
    refused = client.post("/api/process-instances", headers=admin, json={"key": "incoming", "data": {}})
    assert refused.status_code == 422, refused.text
    started = client.post("/api/process-instances", headers=admin, json={"key": "notice", "data": {}})
    assert started.status_code == 201, started.text
    assert only_task(started.json(), "read")["title"] == "Đọc thông báo"
    assert count(system, ProcessInstance) == 1


# --------------------------------------------------------------------------- the leader returns it

def returned(client, api, **metadata) -> tuple[dict, dict]:
    """A registered document the leader returned to the clerk: (the instance, its recheck task)."""
    instance = register_incoming(client, api("a.clerk"), **metadata)
    instance = complete(client, api("a.leader"), only_task(instance, "distribute")["id"], RETURN)
    return instance, only_task(instance, "recheck")


def test_the_leaders_return_reaches_the_clerks_recheck_with_the_reason(client, api, people):
    instance, recheck = returned(client, api)
    assert (recheck["candidate_role"], recheck["lane"], recheck["form_key"]) == ("clerk", "Văn thư", "incoming_recheck")
    assert recheck["due_at"] == "2026-11-25T08:00:00+07:00", "the next working day (24/11 is a holiday)"
    assert queue_ids(client, api("a.clerk")) == queue_ids(client, api("a.clerk2")) == [recheck["id"]]
    assert queue_ids(client, api("a.leader")) == []
    form = client.get(f"/api/tasks/{recheck['id']}", headers=api("a.clerk")).json()["form"]
    assert (form["key"], form["title"]["vi"]) == ("incoming_recheck", "Xem lại văn bản bị trả lại")
    # The leader's direction, where the clerk reads it: the workflow's history.
    history = client.get(f"/api/process-instances/{instance['id']}", headers=api("a.clerk")).json()["history"]
    (distributed,) = [h for h in history if h["action"] == "completed" and h["step"] == "distribute"]
    assert distributed["data"]["return_reason"] == RETURN["return_reason"]
    for user in ("a.leader", "a.staff", "a.unit_head"):
        denied = client.post(f"/api/tasks/{recheck['id']}/complete", headers=api(user),
                             json={"data": {"recheck_decision": "close", "close_reason": "x"}})
        assert denied.status_code == 403, (user, denied.text)


def test_the_clerk_sends_a_returned_document_back_to_the_leader_with_a_note(client, api, province):
    instance, recheck = returned(client, api)
    note = "Đã bổ sung phụ lục theo ý kiến lãnh đạo."
    instance = complete(client, api("a.clerk"), recheck["id"], {"recheck_decision": "resubmit", "recheck_note": note})
    distribute = only_task(instance, "distribute")
    assert queue_ids(client, api("a.leader")) == [distribute["id"]]
    history = client.get(f"/api/process-instances/{instance['id']}", headers=api("a.leader")).json()["history"]
    assert [h["data"]["recheck_note"] for h in history if h["step"] == "recheck" and h["action"] == "completed"] \
        == [note]

    instance = complete(client, api("a.leader"), distribute["id"], distribution_to(province["a.staff"]))
    assert only_task(instance, "handle")
    document = client.get(f"/api/incoming/{document_id(instance)}", headers=api("a.leader")).json()
    assert [s["code"] for s in document["statuses"]] == ["01", "03", "04"]


def overdue_ids(client, headers) -> list[int]:
    return [d["id"] for d in client.get("/api/incoming", params={"overdue": True}, headers=headers).json()["items"]]


def test_the_clerk_closes_a_returned_document_not_for_this_agency(client, system, api, province):
    instance, recheck = returned(client, api, due_date="2026-11-20")  # already past the sender's reply date
    assert overdue_ids(client, api("a.leader")) == []  # overdue counts the handling deadline: none is set
    before = snapshot(system)
    missing = client.post(f"/api/tasks/{recheck['id']}/complete", headers=api("a.clerk"),
                          json={"data": {"recheck_decision": "close", "close_reason": "  "}})
    assert missing.status_code == 422
    assert missing.json()["error"]["errors"] == {"close_reason": "Trường «Lý do đóng» là bắt buộc."}
    assert snapshot(system) == before

    reason = "Văn bản gửi Sở Tài chính, không thuộc thẩm quyền của cơ quan."
    instance = complete(client, api("a.clerk"), recheck["id"], {"recheck_decision": "close", "close_reason": reason})
    assert (instance["status"], instance["tasks"]) == ("completed", [])
    for user in ("a.clerk", "a.leader"):
        assert queue_ids(client, api(user)) == [], user
    document = client.get(f"/api/incoming/{document_id(instance)}", headers=api("a.leader")).json()
    assert (document["status"], document["open_tasks"], document["closure_reason"]) == ("02", [], reason)
    assert document["closed_at"] == "2026-11-23T08:00:00+07:00" and document["arrival"]["refusal_reason"] == reason
    # Returned (NĐ 30 Đ21.2b): 02 with the reason, the number kept; not overdue.
    assert [(s["code"], s["reason"]) for s in document["statuses"]] == [("01", None), ("03", None), ("02", reason)]
    assert overdue_ids(client, api("a.leader")) == []
    with system.sessions() as session:
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "incoming.closed")).one()
        assert (event.object_id, event.after, event.agency_code) == (
            str(document["id"]), {"reason": reason, "status": "02"}, "000.00.01.H99")


# --------------------------------------------------------------------------- form validation

def test_invalid_form_data_is_422_in_vietnamese_and_changes_nothing(client, system, api, province):
    instance = register_incoming(client, api("a.clerk"))
    task_id = only_task(instance, "distribute")["id"]
    before = snapshot(system)

    bad = {"decision": "assign", "lead_user_id": 0, "deadline": "30/11/2026", "direction": "",
           "coordinators": [3, 3]}
    response = client.post(f"/api/tasks/{task_id}/complete", headers=api("a.leader"), json={"data": bad})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["status"] == 422
    assert error["errors"] == {
        "direction": "Trường «Ý kiến chỉ đạo» là bắt buộc.",  # blank counts as missing
        "lead_user_id": "«Người chủ trì» phải lớn hơn hoặc bằng 1.",
        "deadline": "«Hạn xử lý» phải là ngày giờ ISO 8601, ví dụ 2026-11-21T08:00:00+07:00.",
        "coordinators": "«Phối hợp» không được có mục trùng nhau.",
    }
    assert snapshot(system) == before
    task = client.get(f"/api/tasks/{task_id}", headers=api("a.leader")).json()
    assert task["status"] == "ready"
    again = client.get(f"/api/process-instances/{instance['id']}", headers=api("a.leader")).json()
    assert again["version"] == instance["version"]


def test_a_form_cannot_name_another_agencys_units_or_people(client, system, api, people):
    """A leader of A cannot hand a document to a unit of B, nor name B's user as lead or for
    information; a unit head of A cannot name B's user as handler: 422 by field, nothing stored."""
    instance = register_incoming(client, api("a.clerk"))
    task_id = only_task(instance, "distribute")["id"]
    before = snapshot(system)
    b_unit, b_user = people["b.staff"].unit_id, people["b.staff"].user_id
    for data, field in (({"lead_unit_id": b_unit}, "lead_unit_id"), ({"lead_user_id": b_user}, "lead_user_id"),
                        ({"lead_user_id": people["a.staff"].user_id, "coordinators": [b_unit]}, "coordinators"),
                        ({"lead_user_id": people["a.staff"].user_id, "for_information": [b_user]}, "for_information"),
                        ({"lead_unit_id": 999_999}, "lead_unit_id")):
        response = client.post(f"/api/tasks/{task_id}/complete", headers=api("a.leader"),
                               json={"data": {"decision": "assign", "direction": "Xử lý", **data}})
        assert response.status_code == 422, response.text
        assert set(response.json()["error"]["errors"]) == {field}, data
    assert snapshot(system) == before
    # To a unit of A, the unit head of A is then asked; naming B's user as handler is refused too.
    complete(client, api("a.leader"), task_id, {"decision": "assign", "direction": "Xử lý",
                                                "lead_unit_id": people["a.unit_head"].unit_id})
    shown = client.get(f"/api/process-instances/{instance['id']}", headers=api("a.leader")).json()
    assign = only_task(shown, "unit_assign")["id"]
    response = client.post(f"/api/tasks/{assign}/complete", headers=api("a.unit_head"),
                           json={"data": {"unit_decision": "assign", "handler_user_id": b_user}})
    assert response.status_code == 422, response.text
    assert set(response.json()["error"]["errors"]) == {"handler_user_id"}


def test_missing_required_fields_are_each_named(client, api, province):
    instance = register_incoming(client, api("a.clerk"))
    url = f"/api/tasks/{only_task(instance, 'distribute')['id']}/complete"
    response = client.post(url, headers=api("a.leader"), json={"data": {}})
    assert response.status_code == 422
    assert response.json()["error"]["errors"] == {"decision": "Trường «Quyết định» là bắt buộc."}
    response = client.post(url, headers=api("a.leader"), json={"data": {"decision": "return"}})
    assert response.json()["error"]["errors"] == {"return_reason": "Trường «Lý do trả lại» là bắt buộc."}


def test_assigning_without_a_lead_is_refused_with_the_forms_own_message(client, system, api, province):
    instance = register_incoming(client, api("a.clerk"))
    before = snapshot(system)
    response = client.post(f"/api/tasks/{only_task(instance, 'distribute')['id']}/complete",
                           headers=api("a.leader"), json={"data": {"decision": "assign", "direction": "Xử lý"}})
    assert response.status_code == 422, response.text
    assert "Khi phân xử lý, phải chọn «Đơn vị chủ trì» hoặc «Người chủ trì»." in \
        response.json()["error"]["errors"].values()
    assert snapshot(system) == before


def test_a_malformed_request_body_is_422_naming_the_field(client, api, province):
    response = client.post("/api/process-instances", headers=api("a.clerk"), json={"data": {}})
    assert response.status_code == 422
    assert "key" in response.json()["error"]["errors"]
    response = client.post("/api/process-instances", content=b"{not json",
                           headers=api("a.clerk") | {"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["status"] == 422


def test_an_unknown_process_or_task_is_404(client, api, province):
    response = client.post("/api/process-instances", headers=api("a.process_admin"),
                           json={"key": "khong-co", "data": {}})
    assert response.status_code == 404 and response.json()["error"]["status"] == 404
    assert client.get("/api/tasks/999999", headers=api("a.clerk")).status_code == 404
    assert client.get("/api/process-instances/999999", headers=api("a.leader")).status_code == 404


# --------------------------------------------------------------------------- races

def test_a_second_claim_by_another_eligible_user_is_409(client, system, api, people):
    instance = register_incoming(client, api("a.clerk"))
    task_id = only_task(instance, "distribute")["id"]
    claimed = client.post(f"/api/tasks/{task_id}/claim", headers=api("a.leader"))
    assert claimed.status_code == 200 and claimed.json()["assignee"] == str(people["a.leader"].user_id)
    assert client.post(f"/api/tasks/{task_id}/claim", headers=api("a.leader")).status_code == 200, "idempotent"
    before = snapshot(system)

    second = client.post(f"/api/tasks/{task_id}/claim", headers=api("a.deputy"))
    assert second.status_code == 409, second.text
    assert second.json()["error"]["status"] == 409
    completing = client.post(f"/api/tasks/{task_id}/complete", headers=api("a.deputy"), json={"data": RETURN})
    assert completing.status_code in (403, 409), completing.text
    assert snapshot(system) == before
    assert queue_ids(client, api("a.deputy")) == [], "a claimed task leaves the others' queues"

    released = client.post(f"/api/tasks/{task_id}/unclaim", headers=api("a.leader"))
    assert released.status_code == 200 and released.json()["assignee"] is None
    assert client.post(f"/api/tasks/{task_id}/claim", headers=api("a.deputy")).status_code == 200


def test_unclaiming_a_task_one_has_not_claimed_is_409(client, api, people):
    instance = register_incoming(client, api("a.clerk"))
    task_id = only_task(instance, "distribute")["id"]
    response = client.post(f"/api/tasks/{task_id}/unclaim", headers=api("a.leader"))
    assert response.status_code == 409, response.text


def test_completing_a_task_twice_is_409_the_second_time(client, system, api, province):
    instance = register_incoming(client, api("a.clerk"))
    task_id = only_task(instance, "distribute")["id"]
    complete(client, api("a.leader"), task_id, RETURN)
    before = snapshot(system)
    second = client.post(f"/api/tasks/{task_id}/complete", headers=api("a.leader"), json={"data": RETURN})
    assert second.status_code == 409, second.text
    assert second.json()["error"]["status"] == 409
    assert snapshot(system) == before
    assert count(system, HumanTask, HumanTask.id == task_id, HumanTask.status == "completed") == 1


def test_a_cancelled_instance_cannot_be_cancelled_again_nor_worked_on(client, system, api, province):
    assert client.post("/api/process-definitions", headers=api("a.process_admin"),
                       files={"file": ("notice.bpmn", notice_diagram(), "application/xml")}).status_code == 201
    instance = client.post("/api/process-instances", headers=api("a.process_admin"), json={"key": "notice"}).json()
    task_id = only_task(instance, "read")["id"]
    url = f"/api/process-instances/{instance['id']}/cancel"
    assert client.post(url, headers=api("a.leader"), json={"reason": "Gửi nhầm"}).status_code == 200
    before = snapshot(system)
    assert client.post(url, headers=api("a.leader"), json={"reason": "Lần nữa"}).status_code == 409
    assert client.post(f"/api/tasks/{task_id}/complete", headers=api("a.process_admin"),
                       json={"data": {}}).status_code in (404, 409)
    assert snapshot(system) == before
    assert client.post(url, headers=api("a.leader"), json={"reason": ""}).status_code == 422


# --------------------------------------------------------------------------- diagrams

def test_a_process_admin_uploads_a_new_version_in_the_agencys_own_scope(client, system, api, province):
    admin = api("a.process_admin")
    response = upload(client, admin, INCOMING)
    assert response.status_code == 201, response.text
    first = response.json()
    assert (first["key"], first["version"], first["scope"], first["active"]) == ("incoming", 1, AGENCY_A, True)
    assert first["created_by"] == str(province["a.process_admin"].user_id)
    assert VN_TIME.match(first["created_at"])

    download = client.get(f"/api/process-definitions/{first['id']}/xml", headers=admin)
    assert download.status_code == 200
    assert download.content == INCOMING
    assert download.headers["content-type"].startswith("application/xml")
    assert 'filename="incoming-v1.bpmn"' in download.headers["content-disposition"]

    assert upload(client, admin, INCOMING).json()["id"] == first["id"], "the same bytes are the same version"
    name = 'name="Xử lý văn bản đến" isExecutable'
    changed = INCOMING.replace(name.encode(), name.replace("đến", "đến (bản 2)").encode())
    second = upload(client, admin, changed)
    assert second.status_code == 201, second.text
    assert (second.json()["version"], second.json()["name"]) == (2, "Xử lý văn bản đến (bản 2)")

    listed = client.get("/api/process-definitions", headers=admin).json()
    assert {(d["scope"], d["version"]) for d in listed} == {("default", 1), (AGENCY_A, 1), (AGENCY_A, 2)}
    assert register_incoming(client, api("a.clerk"))["definition_id"] == second.json()["id"]


@pytest.mark.parametrize("xml, named", [
    (EVIL_SCRIPT, ["run_shell", "__import__"]),
    (EVIL_ENTITY, ["DTDs and entity declarations are not allowed"]),
    (EVIL_LAUGHS, ["DTDs and entity declarations are not allowed"]),
    (INCOMING.replace(b'value="incoming_recheck"', b'value="no_such_form"'), ["recheck", "no_such_form"]),
    (b"<not-bpmn/>", ["bpmn:definitions"]),
    (b"", ["empty"]),
], ids=["script", "external-entity", "billion-laughs", "unknown-form", "not-bpmn", "empty"])
def test_a_hostile_or_broken_diagram_is_422_naming_the_reason(client, system, api, province, xml, named):
    before = count(system, ProcessDefinition)
    response = upload(client, api("a.process_admin"), xml)
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    for part in named:
        assert part in message
    assert count(system, ProcessDefinition) == before


def test_an_oversized_diagram_is_refused_before_it_is_parsed(client, system, api, province):
    huge = INCOMING.replace(b"</bpmn:definitions>", b"<!--" + b"x" * (2 * 1024 * 1024) + b"--></bpmn:definitions>")
    before = count(system, ProcessDefinition)  # the default diagrams
    response = upload(client, api("a.process_admin"), huge)
    assert response.status_code == 422 and "KiB" in response.json()["error"]["message"]
    assert count(system, ProcessDefinition) == before


# --------------------------------------------------------------------------- the unit of work

def test_a_failed_commit_is_never_answered_as_a_success(app, client, system, api, province):
    """The request's transaction commits before the response is sent: when the commit fails the
    caller gets an error, not a 201 for a registration (number, workflow) that was never stored.
    A connection lost at commit is an outage: 503 with Retry-After."""
    headers = api("a.clerk")

    def refuse(session):
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    sa.event.listen(system.sessions, "before_commit", refuse)
    try:
        with TestClient(app, raise_server_exceptions=False) as unlucky:
            response = unlucky.post("/api/incoming", headers=headers,
                                    data={"metadata": json.dumps(METADATA), "channel": "manual"})
    finally:
        sa.event.remove(system.sessions, "before_commit", refuse)
    assert response.status_code == 503, response.text
    assert response.json()["error"]["status"] == 503 and response.headers["retry-after"]
    assert response.headers["x-frame-options"] == "DENY", "even an error carries the security headers"
    assert count(system, ProcessInstance) == count(system, IncomingDocument) == 0


def test_my_queue_is_paged(client, api, province):
    for n in range(3):
        register_incoming(client, api("a.clerk"), number_notation=f"{n}/UBND-VX")
    full = client.get("/api/tasks", headers=api("a.leader")).json()
    first = client.get("/api/tasks", headers=api("a.leader"), params={"limit": 2}).json()
    rest = client.get("/api/tasks", headers=api("a.leader"), params={"limit": 2, "offset": 2}).json()
    assert len(full) == 3 and [t["id"] for t in first + rest] == [t["id"] for t in full]
    for params in ({"limit": 0}, {"limit": 201}, {"offset": -1}):
        assert client.get("/api/tasks", headers=api("a.leader"), params=params).status_code == 422
