"""The whole outgoing lifecycle across two agencies of the demo province, through the JSON API
only, as issue 10's "done" reads: a specialist of the provincial office drafts, the unit head
returns it once and then approves, the clerk checks the format, the leader approves and signs,
the clerk issues; the Department of Home Affairs' clerk finds it with both signatures valid and
accepts it; the office recalls it and the department's copy is withdrawn and confirmed (15)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from documents import demo
from documents.signing.specimen import specimen_pdf
from documents.system import System
from engine import clock as clocks
from engine.db import unit_of_work
from tasks.inline import drain

OFFICE, HOME_AFFAIRS = demo.AGENCIES[0][0], demo.AGENCIES[1][0]


@pytest.fixture
def api(pg: System, clock) -> TestClient:
    with clocks.using(clock), unit_of_work(pg.sessions) as session:
        demo.seed(session, pg.runtime, pg.keystore)
    with clocks.using(clock), TestClient(create_app(pg, start_worker=False)) as client:
        yield client


def bearer(api: TestClient, username: str) -> dict[str, str]:
    answer = api.post("/api/auth/token", json={"username": username, "password": demo.DEMO_PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"authorization": f"Bearer {answer.json()['access_token']}"}


def complete(api: TestClient, who: dict, document_id: int, role: str, data: dict) -> None:
    """Complete the caller's open task of ``role`` on the document, found in the caller's queue."""
    queue = api.get("/api/tasks", headers=who).json()
    task = next(t for t in queue if t["role"] == role)
    answer = api.post(f"/api/tasks/{task['id']}/complete", headers=who, json={"data": data})
    assert answer.status_code == 200, answer.text
    assert api.get(f"/api/outgoing/{document_id}", headers=who).status_code == 200


def state(api: TestClient, who: dict, document_id: int) -> str:
    return api.get(f"/api/outgoing/{document_id}", headers=who).json()["state"]


def test_drafted_signed_issued_received_and_recalled_across_two_agencies(api, pg):
    specialist, head, clerk = bearer(api, "chuyenvien"), bearer(api, "truongphong"), bearer(api, "vanthu")
    leader, their_clerk = bearer(api, "lanhdao"), bearer(api, "snv.vanthu")

    created = api.post("/api/outgoing", headers=specialist, json={
        "subject": "V/v tổng kết công tác văn thư năm 2026", "doc_type": "Công văn", "urgency": "normal",
        "recipients": [{"kind": "agency", "code": HOME_AFFAIRS}]})
    assert created.status_code == 201, created.text
    document_id = created.json()["id"]
    letter = specimen_pdf(agency_name="VĂN PHÒNG UBND TỈNH DEMO", notation="VPUBND-KT", place="Demo",
                          subject="V/v tổng kết công tác văn thư năm 2026", signer_title="CHÁNH VĂN PHÒNG",
                          signer_name="Phạm Văn Đạo")
    uploaded = api.post(f"/api/outgoing/{document_id}/versions", headers=specialist,
                        files={"pdf": ("du-thao.pdf", letter, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text

    complete(api, specialist, document_id, "outgoing.draft", {"decision": "submit"})
    assert state(api, specialist, document_id) == "reviewing"
    complete(api, head, document_id, "outgoing.review", {"decision": "return", "comment": "Bổ sung số liệu quý IV."})
    assert state(api, specialist, document_id) == "drafting"
    complete(api, specialist, document_id, "outgoing.draft", {"decision": "submit"})
    complete(api, head, document_id, "outgoing.review", {"decision": "approve"})
    complete(api, clerk, document_id, "outgoing.check", {"decision": "approve"})
    leader_id = api.get("/api/auth/me", headers=leader).json()["id"]
    complete(api, leader, document_id, "outgoing.approve", {"decision": "approve", "signer_id": leader_id})
    assert state(api, leader, document_id) == "signing"

    # Only the named signer signs; then the clerk issues: number, notation, agency signature.
    assert api.post(f"/api/outgoing/{document_id}/sign", headers=clerk).status_code == 403
    signed = api.post(f"/api/outgoing/{document_id}/sign", headers=leader)
    assert signed.status_code == 200, signed.text
    issued = api.post(f"/api/outgoing/{document_id}/issue", headers=clerk)
    assert issued.status_code == 200, issued.text
    document = api.get(f"/api/outgoing/{document_id}", headers=clerk).json()
    assert document["state"] == "issued"
    notation = issued.json()["notation"]
    assert notation == "1/VPUBND-KT"

    # The workers deliver it: the department's clerk finds it waiting, both signatures valid.
    drain(pg)
    arrivals = api.get("/api/incoming", headers=their_clerk, params={"status": "01"}).json()["items"]
    (copy,) = [d for d in arrivals if d["number_notation"] == notation]
    received = api.get(f"/api/incoming/{copy['id']}", headers=their_clerk).json()
    (check,) = received["signature_check"]
    assert check["verdict"] == "valid"
    assert len(check["signatures"]) == 2
    assert all(s["trusted"] and s["intact"] and s["valid"] for s in check["signatures"])
    assert api.post(f"/api/incoming/{copy['id']}/accept", headers=their_clerk, json={}).status_code == 200
    drain(pg)
    (recipient,) = api.get(f"/api/outgoing/{document_id}/recipients", headers=clerk).json()
    assert recipient["status"] == "03"

    # The office recalls it: the department's clerk agrees, its copy leaves every list, 15 comes back.
    recalled = api.post(f"/api/outgoing/{document_id}/recall", headers=clerk, json={"reason": "Gửi nhầm nơi nhận."})
    assert recalled.status_code == 201, recalled.text
    assert state(api, clerk, document_id) == "recalled"
    drain(pg)
    answer = api.post(f"/api/incoming/{copy['id']}/recall", headers=their_clerk, json={"decision": "accept"})
    assert answer.status_code == 200, answer.text
    drain(pg)
    (recipient,) = api.get(f"/api/outgoing/{document_id}/recipients", headers=clerk).json()
    assert recipient["recall_status"] == "15"
    assert copy["id"] not in [d["id"] for d in api.get("/api/incoming", headers=their_clerk).json()["items"]]
    assert api.get(f"/api/incoming/{copy['id']}", headers=their_clerk).json()["withdrawn_at"] is not None
    statuses = api.get(f"/api/sent/{document['identifier']}/statuses", headers=clerk).json()
    assert [s["code"] for s in statuses] == ["01", "03", "15"]
    # The sender's copy is frozen: a second recall is refused.
    assert api.post(f"/api/outgoing/{document_id}/recall", headers=clerk,
                    json={"reason": "Lần nữa."}).status_code == 409
