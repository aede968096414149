"""The denial matrix: every /api route refuses a caller without a token, refuses agency B on
agency A's objects, and refuses the wrong role; a refusal changes nothing in the database."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from fastapi.routing import iter_route_contexts

from documents import accounts
from documents.incoming import service as incoming_service
from documents.incoming.casework_models import ProgressNote, ReassignmentRequest, RelatedLink
from documents.files.models import Attachment
from documents.outgoing.models import OutgoingDocument, OutgoingRecall, OutgoingRecipient, OutgoingVersion, State
from documents.registers.models import RegisterEntry
from documents.signing import credentials
from documents.models import ROLES, Agency, OrgUnit, User
from documents.notifications.models import Kind
from documents.notifications.service import Message, notify
from documents.settings import BPMN_DIR
from engine.db import unit_of_work
from engine import clock as clocks
from engine.models import DEFAULT_SCOPE, Incident, ProcessDefinition, ProcessInstance
from tests.api.conftest import (AGENCY_A, AGENCY_B, RETURN, complete, count, distribution_to, get_token,
                                instance_of, notice_diagram, only_task, register_incoming, snapshot)
from tests.conftest import PASSWORD
from tests.files import samples
from tests.outgoing.issuing_office import at_issue_step

INCOMING = (BPMN_DIR / "incoming.bpmn").read_bytes()
OPEN_ACCESS = {("POST", "/api/auth/token")}  # the one way in


def api_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        if (route.path or "").startswith("/api"):
            found |= {(method, route.path) for method in route.methods or () if method != "HEAD"}
    return found - OPEN_ACCESS


@dataclass(frozen=True)
class Route:
    """How to call a route, and what agency B gets when it aims at agency A's objects:
    'refused' (403/404), 'hidden' (a list without A's objects) or 'own' (acts on B's own data)."""

    other_agency: str
    request: Callable[[dict], dict[str, Any]] = field(default=lambda ids: {})
    task: str = "open"  # which of A's tasks {task_id} names: "open" (unclaimed), "claimed" or "coordination"
    # Which of A's incoming documents: "registered" (its open distribute task is {task_id}), "arrived"
    # (electronic, 01)
    # or "handled" (a.staff handles it, a.unit_head's unit coordinates, a.staff asked to be relieved);
    # of A's outgoing documents: "draft" (a.staff's, one version), "signing" (at a.leader's signature),
    # "issuing" (signed, at the clerk's issue) or "issued" (sent to B and, on paper, outside).
    document: str = "registered"


ROUTES: dict[tuple[str, str], Route] = {
    ("POST", "/api/auth/logout"): Route("own"),
    ("GET", "/api/auth/me"): Route("own"),
    ("GET", "/api/process-definitions"): Route("hidden"),
    ("POST", "/api/process-definitions"): Route(
        "own", lambda ids: {"files": {"file": ("incoming.bpmn", INCOMING, "application/xml")}}),
    ("GET", "/api/process-definitions/{definition_id}/xml"): Route("refused"),
    ("POST", "/api/process-instances"): Route("own", lambda ids: {"json": {"key": "notice", "data": {}}}),
    ("GET", "/api/process-instances/{instance_id}"): Route("refused"),
    ("POST", "/api/process-instances/{instance_id}/cancel"): Route(
        "refused", lambda ids: {"json": {"reason": "Hủy thử"}}),
    ("GET", "/api/tasks"): Route("hidden"),
    ("GET", "/api/tasks/{task_id}"): Route("refused"),
    ("POST", "/api/tasks/{task_id}/claim"): Route("refused"),
    ("POST", "/api/tasks/{task_id}/unclaim"): Route("refused", task="claimed"),
    ("POST", "/api/tasks/{task_id}/complete"): Route("refused", lambda ids: {"json": {"data": RETURN}}),
    ("POST", "/api/incoming"): Route("own", lambda ids: incoming_upload()),
    ("GET", "/api/incoming"): Route("hidden"),
    # Agency B gets its own register, empty of A's documents (tests/api/test_incoming_exports.py).
    ("GET", "/api/incoming/export/register.xlsx"): Route("hidden"),
    ("GET", "/api/incoming/export/register.pdf"): Route("hidden"),
    ("GET", "/api/incoming/export/tracking.xlsx"): Route("hidden"),
    ("GET", "/api/incoming/export/tracking.pdf"): Route("hidden"),
    ("GET", "/api/incoming/{document_id}"): Route("refused"),
    ("GET", "/api/incoming/duplicates"): Route("hidden", lambda ids: {"params": DUPLICATE_QUERY}),
    ("GET", "/api/incoming/{document_id}/files/{attachment_id}"): Route("refused"),
    ("POST", "/api/incoming/{document_id}/accept"): Route("refused", document="arrived"),
    ("POST", "/api/incoming/{document_id}/refuse"): Route(
        "refused", lambda ids: {"json": {"reason": "Sai địa chỉ"}}, document="arrived"),
    ("GET", "/api/sent/{reference:path}/statuses"): Route("hidden"),
    ("POST", "/api/incoming/{document_id}/reassign"): Route(
        "refused", lambda ids: {"json": {"lead_unit_id": 1, "reason": "Điều chỉnh"}}),
    ("POST", "/api/incoming/{document_id}/extend"): Route(
        "refused", lambda ids: {"json": {"deadline": "2026-12-01T17:00:00+07:00", "reason": "Gia hạn"}}),
    ("POST", "/api/incoming/{document_id}/progress"): Route(
        "refused", lambda ids: {"json": {"text": "Đã làm việc với Sở", "percent": 50}}, document="handled"),
    ("POST", "/api/incoming/{document_id}/related"): Route(
        "refused", lambda ids: {"json": {"related_id": ids["arrived_document_id"]}}, document="handled"),
    ("DELETE", "/api/incoming/{document_id}/related/{related_id}"): Route("refused", document="handled"),
    ("GET", "/api/incoming/reassignment-requests"): Route("hidden"),
    ("GET", "/api/incoming/deadlines"): Route("hidden"),
    ("GET", "/api/incoming/{document_id}/deadline"): Route("refused"),
    ("POST", "/api/incoming/{document_id}/corrections"): Route("refused", lambda ids: {"json": {
        "changes": {"subject": "Trích yếu đính chính"}, "reason": "Nhập nhầm trích yếu", "version": 0}}),
    ("GET", "/api/incoming/{document_id}/corrections"): Route("refused"),
    ("GET", "/api/incoming/informed"): Route("hidden"),
    ("POST", "/api/incoming/informed/{document_id}/seen"): Route("refused"),
    ("GET", "/api/calendar"): Route("own"),
    ("PUT", "/api/calendar/hours"): Route("own", lambda ids: {"json": {
        "weekdays": {"0": [{"start": "07:30", "end": "11:30"}]}}}),
    ("POST", "/api/calendar/days"): Route("own", lambda ids: {"json": {"day": "2026-12-24", "kind": "day_off"}}),
    ("DELETE", "/api/calendar/days/{day}"): Route("refused"),
    ("POST", "/api/calendar/swaps"): Route("own", lambda ids: {"json": {"day_off": "2026-11-27",
                                                                        "make_up": "2026-11-28"}}),
    ("GET", "/api/calendar/working-time"): Route("own", lambda ids: {"params": {"from": "2026-11-26", "days": 1}}),
    ("GET", "/api/agency/settings"): Route("own"),
    ("PUT", "/api/agency/settings"): Route("own", lambda ids: {"json": {"scan_quality_policy": "refuse"}}),
    ("POST", "/api/incoming/{document_id}/reassignment-requests"): Route(
        "refused", lambda ids: {"json": {"reason": "Bận việc khác"}}, document="handled"),
    ("POST", "/api/incoming/{document_id}/reassignment-requests/{request_id}/decline"): Route(
        "refused", lambda ids: {"json": {"reason": "Không đồng ý"}}, document="handled"),
    ("POST", "/api/incoming/{document_id}/reply-drafts"): Route("refused", lambda ids: {"json": {}}, document="handled"),
    ("GET", "/api/outgoing/drafts/{draft_id}"): Route("refused"),
    ("POST", "/api/outgoing"): Route("own", lambda ids: {"json": OUTGOING_DRAFT}),
    ("GET", "/api/outgoing"): Route("hidden"),
    ("GET", "/api/outgoing/{document_id:int}"): Route("refused", document="draft"),
    ("PATCH", "/api/outgoing/{document_id:int}"): Route(
        "refused", lambda ids: {"json": {"row_version": 1, "subject": "Sửa thử"}}, document="draft"),
    ("POST", "/api/outgoing/{document_id:int}/versions"): Route(
        "refused", lambda ids: {"files": {"pdf": ("v.pdf", samples.pdf("1.7"), "application/pdf")}}, document="draft"),
    ("GET", "/api/outgoing/{document_id:int}/versions"): Route("refused", document="draft"),
    ("GET", "/api/outgoing/{document_id:int}/versions/{number:int}/{kind}"): Route("refused", document="draft"),
    ("GET", "/api/outgoing/recipients/agencies"): Route("own"),
    ("GET", "/api/outgoing/paper-rules"): Route("own"),
    ("POST", "/api/outgoing/{document_id}/sign"): Route("refused", document="signing"),
    ("GET", "/api/outgoing/{document_id}/issue"): Route("refused", document="issuing"),
    ("POST", "/api/outgoing/{document_id}/issue"): Route("refused", document="issuing"),
    ("PUT", "/api/agency/abbreviation"): Route("own", lambda ids: {"json": {"abbreviation": "CQB"}}),
    ("PUT", "/api/agency/units/{unit_id}/abbreviation"): Route("refused", lambda ids: {"json": {"abbreviation": "KT"}}),
    ("GET", "/api/outgoing/{document_id}/recipients"): Route("refused", document="issued"),
    ("POST", "/api/outgoing/{document_id}/recipients/{recipient_id}/paper-sent"): Route("refused", document="issued"),
    ("GET", "/api/outgoing/paper"): Route("hidden"),
    ("GET", "/api/outgoing/interchange"): Route("hidden"),
    ("GET", "/api/outgoing/internal"): Route("hidden"),
    ("POST", "/api/outgoing/{document_id}/recall"): Route(
        "refused", lambda ids: {"json": {"reason": "Thu hồi thử"}}, document="issued"),
    ("POST", "/api/outgoing/{document_id}/replacements"): Route(
        "refused", lambda ids: {"json": {"kind": "replace", "reason": "Thay thế thử"}}, document="issued"),
    ("GET", "/api/outgoing/{document_id}/recalls"): Route("refused", document="issued"),
    ("GET", "/api/incoming/{document_id}/recall"): Route("refused", document="arrived"),
    ("POST", "/api/incoming/{document_id}/recall"): Route(
        "refused", lambda ids: {"json": {"decision": "accept"}}, document="arrived"),
    ("GET", "/api/recall-requests"): Route("hidden"),
    # Agency B gets its own register, empty of A's documents (tests/outgoing/test_register.py).
    ("GET", "/api/outgoing/register.xlsx"): Route("hidden"),
    ("GET", "/api/outgoing/register.pdf"): Route("hidden"),
    ("GET", "/api/outgoing/register/normative.xlsx"): Route("hidden"),
    ("GET", "/api/outgoing/register/normative.pdf"): Route("hidden"),
    ("POST", "/api/incoming/{document_id}/distribution/reassign"): Route(
        "refused", lambda ids: {"json": {"leader_user_id": ids["leader_id"], "reason": "Đi công tác"}}),
    ("POST", "/api/incoming/{document_id}/coordination/{task_id}/reassign"): Route(
        "refused", lambda ids: {"json": {"unit_id": ids["unit_id"], "reason": "Chuyển"}}, task="coordination",
        document="handled"),
    ("POST", "/api/incoming/{document_id}/coordination/{task_id}/extend"): Route(
        "refused", lambda ids: {"json": {"deadline": "2026-12-01T17:00:00+07:00", "reason": "Gia hạn"}},
        task="coordination", document="handled"),
    ("GET", "/api/incidents"): Route("hidden"),
    ("POST", "/api/incidents/{incident_id}/retry"): Route("refused"),
    ("POST", "/api/incidents/{incident_id}/skip"): Route("refused"),
    ("POST", "/api/incidents/{incident_id}/cancel"): Route("refused", lambda ids: {"json": {"reason": "Hủy thử"}}),
    ("GET", "/api/process-versions"): Route("hidden"),
    ("POST", "/api/process-definitions/{definition_id}/migration-preview"): Route(
        "refused", lambda ids: {"json": {"target_definition_id": ids["definition_id"]}}),
    ("POST", "/api/process-definitions/{definition_id}/migrate"): Route(
        "refused", lambda ids: {"json": {"target_definition_id": ids["definition_id"], "reason": "Chuyển thử"}}),
    ("GET", "/api/agency/deadline-policy"): Route("own"),
    ("PUT", "/api/agency/deadline-policy"): Route("own", lambda ids: {"json": {"rows": [
        {"doc_type": "", "urgency": "normal", "amount": 7, "unit": "days"}]}}),
    ("POST", "/api/agency/deadline-policy/reset"): Route("own"),
    # Agency B's leader gets its own agency's figures; A's units and people are 404 (test_dashboard_api.py).
    ("GET", "/api/dashboard"): Route("own"),
    ("GET", "/api/dashboard/items"): Route("own", lambda ids: {"params": {"status": "overdue"}}),
    ("GET", "/api/dashboard/province"): Route("own"),
    ("GET", "/api/notifications"): Route("hidden"),
    ("GET", "/api/notifications/unread-count"): Route("own"),
    ("POST", "/api/notifications/{notification_id}/read"): Route("refused"),
    ("POST", "/api/notifications/read-all"): Route("own"),
    ("GET", "/api/me/notification-preferences"): Route("own"),
    ("PUT", "/api/me/notification-preferences"): Route("own", lambda ids: {"json": {"by_email": {"reminder": True}}}),
    ("POST", "/api/urges"): Route("refused", lambda ids: {"json": {"incoming_document_id": ids["handled_document_id"],
                                                                   "note": "Đôn đốc thử"}}, document="handled"),
}
TASKS = {"open": "task_id", "claimed": "claimed_task_id", "coordination": "coordination_task_id"}

AGENCY_ADMIN_ONLY = ("a.leader", "a.clerk", "a.staff", "a.process_admin")
NOT_A_CLERK = ("a.leader", "a.staff", "a.unit_head", "a.process_admin")
NOT_THE_AUTHOR = ("a.leader", "a.clerk", "a.unit_head", "a.process_admin")  # a.staff wrote the draft
# Who of agency A each route refuses for their role (403, nothing changed), the body being valid.
WRONG_ROLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/api/incoming/{document_id}/reassign"): ("a.staff", "a.clerk", "a.process_admin"),
    ("POST", "/api/incoming/{document_id}/extend"): ("a.unit_head", "a.staff", "a.clerk"),
    ("POST", "/api/incoming/{document_id}/progress"): ("a.leader", "a.clerk", "a.process_admin"),
    ("POST", "/api/incoming/{document_id}/related"): ("a.clerk", "a.process_admin"),
    ("DELETE", "/api/incoming/{document_id}/related/{related_id}"): ("a.clerk", "a.process_admin"),
    ("GET", "/api/incoming/reassignment-requests"): ("a.staff", "a.clerk", "a.process_admin"),
    ("GET", "/api/incoming/duplicates"): ("a.leader", "a.staff", "a.unit_head"),
    ("GET", "/api/incoming/deadlines"): ("a.staff", "a.process_admin"),
    ("GET", "/api/incoming/{document_id}/deadline"): ("a.process_admin",),
    ("POST", "/api/incoming/{document_id}/corrections"): ("a.leader", "a.unit_head", "a.staff", "a.process_admin"),
    ("GET", "/api/incoming/{document_id}/corrections"): ("a.staff", "a.process_admin"),
    ("POST", "/api/incoming/informed/{document_id}/seen"): ("a.staff", "a.process_admin"),  # not told of it
    **{key: AGENCY_ADMIN_ONLY for key in (
        ("GET", "/api/calendar"), ("PUT", "/api/calendar/hours"), ("POST", "/api/calendar/days"),
        ("DELETE", "/api/calendar/days/{day}"), ("POST", "/api/calendar/swaps"), ("GET", "/api/calendar/working-time"),
        ("GET", "/api/agency/settings"), ("PUT", "/api/agency/settings"))},
    ("POST", "/api/incoming/{document_id}/reassignment-requests"): ("a.leader", "a.unit_head", "a.clerk"),
    ("POST", "/api/incoming/{document_id}/reassignment-requests/{request_id}/decline"): (
        "a.staff", "a.clerk", "a.process_admin"),
    ("POST", "/api/incoming/{document_id}/reply-drafts"): ("a.leader", "a.unit_head", "a.clerk"),
    ("GET", "/api/outgoing/drafts/{draft_id}"): ("a.process_admin",),
    ("POST", "/api/outgoing"): ("a.process_admin",),
    ("GET", "/api/outgoing/{document_id:int}"): ("a.process_admin",),
    ("PATCH", "/api/outgoing/{document_id:int}"): NOT_THE_AUTHOR,
    ("POST", "/api/outgoing/{document_id:int}/versions"): NOT_THE_AUTHOR,
    ("GET", "/api/outgoing/{document_id:int}/versions"): ("a.process_admin",),
    ("GET", "/api/outgoing/{document_id:int}/versions/{number:int}/{kind}"): ("a.process_admin",),
    ("POST", "/api/outgoing/{document_id}/sign"): ("a.clerk", "a.staff", "a.unit_head", "a.process_admin"),
    ("GET", "/api/outgoing/{document_id}/issue"): NOT_A_CLERK,
    ("POST", "/api/outgoing/{document_id}/issue"): NOT_A_CLERK,
    ("PUT", "/api/agency/abbreviation"): AGENCY_ADMIN_ONLY,
    ("PUT", "/api/agency/units/{unit_id}/abbreviation"): AGENCY_ADMIN_ONLY,
    ("GET", "/api/outgoing/{document_id}/recipients"): ("a.unit_head", "a.process_admin"),
    ("POST", "/api/outgoing/{document_id}/recipients/{recipient_id}/paper-sent"): NOT_A_CLERK,
    ("GET", "/api/outgoing/paper"): NOT_A_CLERK,
    ("GET", "/api/outgoing/interchange"): NOT_A_CLERK,
    ("POST", "/api/outgoing/{document_id}/recall"): ("a.staff", "a.unit_head", "a.process_admin"),
    ("POST", "/api/outgoing/{document_id}/replacements"): ("a.staff", "a.unit_head", "a.process_admin"),
    ("GET", "/api/outgoing/{document_id}/recalls"): ("a.unit_head", "a.process_admin"),
    ("POST", "/api/incoming/{document_id}/recall"): ("a.leader", "a.unit_head", "a.staff"),
    ("GET", "/api/recall-requests"): ("a.staff", "a.process_admin"),
    **{key: ("a.staff", "a.process_admin") for key in (
        ("GET", "/api/outgoing/register.xlsx"), ("GET", "/api/outgoing/register.pdf"),
        ("GET", "/api/outgoing/register/normative.xlsx"), ("GET", "/api/outgoing/register/normative.pdf"))},
    ("POST", "/api/incoming/{document_id}/distribution/reassign"): ("a.unit_head", "a.staff", "a.clerk"),
    ("POST", "/api/incoming/{document_id}/coordination/{task_id}/reassign"): ("a.unit_head", "a.staff", "a.clerk"),
    ("POST", "/api/incoming/{document_id}/coordination/{task_id}/extend"): ("a.unit_head", "a.staff", "a.clerk"),
    ("GET", "/api/incidents"): ("a.leader", "a.clerk", "a.staff", "a.admin"),
    ("POST", "/api/incidents/{incident_id}/retry"): ("a.leader", "a.clerk", "a.staff", "a.admin"),
    ("POST", "/api/incidents/{incident_id}/skip"): ("a.leader", "a.clerk", "a.staff", "a.admin"),
    ("POST", "/api/incidents/{incident_id}/cancel"): ("a.leader", "a.clerk", "a.staff", "a.admin"),
    ("POST", "/api/process-instances/{instance_id}/cancel"): ("a.process_admin", "a.admin", "a.staff", "a.clerk"),
    ("GET", "/api/process-versions"): ("a.leader", "a.clerk", "a.staff", "a.admin"),
    ("POST", "/api/process-definitions/{definition_id}/migration-preview"): ("a.leader", "a.clerk", "a.staff", "a.admin"),
    ("POST", "/api/process-definitions/{definition_id}/migrate"): ("a.leader", "a.clerk", "a.staff", "a.admin",
                                                                   "a.unit_head"),
    ("PUT", "/api/agency/deadline-policy"): AGENCY_ADMIN_ONLY,
    ("POST", "/api/agency/deadline-policy/reset"): AGENCY_ADMIN_ONLY,
    ("GET", "/api/dashboard"): ("a.staff", "a.clerk", "a.admin", "a.process_admin"),
    ("GET", "/api/dashboard/items"): ("a.staff", "a.clerk", "a.admin", "a.process_admin"),
    ("GET", "/api/dashboard/province"): ("a.unit_head", "a.staff", "a.clerk", "a.admin", "a.process_admin"),
    ("POST", "/api/urges"): ("a.staff", "a.clerk", "a.process_admin", "a.admin"),
}


def call(client, key: tuple[str, str], ids: dict, headers: dict | None = None):
    method, path = key
    route = ROUTES[key]
    url = path.replace(":int", "").replace(":path", "").format(
                      definition_id=ids["definition_id"], instance_id=ids["instance_id"],
                      task_id=ids[TASKS[route.task]], document_id=ids[f"{route.document}_document_id"],
                      attachment_id=ids["attachment_id"], reference=ids["reference"],
                      related_id=ids["registered_document_id"], request_id=ids["request_id"],
                      draft_id=ids["draft_id"], incident_id=ids["incident_id"], day="2026-12-24",
                      notification_id=ids["notification_id"],
                      unit_id=ids["unit_id"], recipient_id=ids["recipient_id"], number=1, kind="pdf")
    return client.request(method, url, headers=headers or {}, **route.request(ids))


@pytest.fixture
def b_all(province, system) -> str:
    """A user of agency B holding every role: whatever B is refused, it is refused for the agency."""
    with unit_of_work(system.sessions) as session:
        agency = session.scalar(sa.select(Agency).where(Agency.code == AGENCY_B))
        unit = session.get(OrgUnit, province["b.staff"].unit_id)
        user = accounts.create_user(session, agency, "b.all", "Mọi vai trò B", PASSWORD, ROLES, unit=unit)
        province["b.all"] = accounts.identity_of(session, user)
    return "b.all"


@pytest.fixture
def world(client, api, province, system) -> dict:
    """Agency A's objects: its own version of 'incoming', a registered document (with a file)
    whose distribute task is open, and one whose distribute task the leader has claimed."""
    deployed = client.post("/api/process-definitions", headers=api("a.process_admin"),
                           files={"file": ("incoming.bpmn", INCOMING, "application/xml")})
    assert deployed.status_code == 201, deployed.text
    assert deployed.json()["scope"] == AGENCY_A
    document = client.post("/api/incoming", headers=api("a.clerk"), **incoming_upload())
    assert document.status_code == 201, document.text
    open_instance = instance_of(client, api("a.clerk"), document.json()["id"])
    claimed_instance = register_incoming(client, api("a.clerk"), number_notation="124/UBND-VX")
    claimed_task = only_task(claimed_instance, "distribute")["id"]
    assert client.post(f"/api/tasks/{claimed_task}/claim", headers=api("a.leader")).status_code == 200
    assert open_instance["definition_id"] == deployed.json()["id"]
    ids = {"definition_id": deployed.json()["id"], "instance_id": open_instance["id"],
           "task_id": only_task(open_instance, "distribute")["id"], "claimed_task_id": claimed_task,
           "registered_document_id": document.json()["id"],
           "attachment_id": document.json()["attachments"][0]["id"],
           "arrived_document_id": arrived_from(system, AGENCY_A, sender=AGENCY_B, reference="A-SENT-1"),
           "reference": "A-SENT-1", "leader_id": province["a.leader"].user_id,
           "unit_id": province["a.unit_head"].unit_id, "incident_id": incident_of(system, AGENCY_A, open_instance["id"]),
           "notification_id": notification_of(system, province["a.staff"])}
    return ids | handled_document(client, api, province, ids["registered_document_id"]) | outgoing_documents(
        client, api, province, system)


OUTGOING_DRAFT = {"subject": "V/v thử quyền", "doc_type": "Công văn",
                  "recipients": [{"kind": "external", "name": "Sở Y tế"}]}


def outgoing_documents(client, api, province, system) -> dict:
    """Agency A's outgoing documents, one at each point the routes act on (see Route.document)."""
    def drafted() -> int:
        created = client.post("/api/outgoing", headers=api("a.staff"), json=OUTGOING_DRAFT)
        assert created.status_code == 201, created.text
        version = client.post(f"/api/outgoing/{created.json()['id']}/versions", headers=api("a.staff"),
                              files={"pdf": ("du-thao.pdf", samples.pdf("1.7"), "application/pdf")})
        assert version.status_code == 201, version.text
        return created.json()["id"]

    signing = drafted()
    instance = client.get(f"/api/outgoing/{signing}", headers=api("a.staff")).json()["process_instance_id"]
    for who, role, data in (("a.staff", "outgoing.draft", {"decision": "submit"}),
                            ("a.unit_head", "outgoing.review", {"decision": "approve"}),
                            ("a.clerk", "outgoing.check", {"decision": "approve"}),
                            ("a.leader", "outgoing.approve",
                             {"decision": "approve", "signer_id": province["a.leader"].user_id})):
        (task,) = [t for t in client.get("/api/tasks", headers=api(who)).json()
                   if t["role"] == role and t["instance_id"] == instance]
        complete(client, api(who), task["id"], data)
    with unit_of_work(system.sessions) as session:  # the leader can sign: the demo CA issued a key
        agency = session.scalar(sa.select(Agency).where(Agency.code == AGENCY_A))
        system.keystore.install_demo(AGENCY_A, agency.name)
        credentials.install_demo_person(session, system.keystore, agency, session.get(User, province["a.leader"].user_id))
    issuing = at_issue_step(system, province["a.staff"], province["a.unit_head"], province["a.clerk"],
                            province["a.leader"], samples.pdf("1.7"))
    with unit_of_work(system.sessions) as session:
        agencies = {a.code: a for a in session.scalars(sa.select(Agency))}
        now = clocks.now()
        issued = OutgoingDocument(
            agency_id=agencies[AGENCY_A].id, author_id=province["a.staff"].user_id, subject="V/v đã ban hành",
            doc_type="Công văn", state=State.ISSUED, number=1, notation="1/A-KT",
            identifier=f"{AGENCY_A},2026/11/23,1/A-KT", issued_at=now, created_at=now, updated_at=now,
            recipients=[OutgoingRecipient(position=1, kind="agency", agency_id=agencies[AGENCY_B].id, code=AGENCY_B,
                                          name="Cơ quan B", sent_at=now),
                        OutgoingRecipient(position=2, kind="external", name="Sở Y tế", paper=True, sent_at=now)])
        session.add(issued)
        session.flush()
        return {"draft_document_id": drafted(), "signing_document_id": signing, "issuing_document_id": issuing,
                "issued_document_id": issued.id, "recipient_id": issued.recipients[1].id}


def notification_of(system, person) -> int:
    """A notification of agency A's specialist (only they may read it: anyone else gets 404)."""
    with unit_of_work(system.sessions) as session:
        [row] = notify(session, person.agency_id, [person.user_id], Message(Kind.REMINDER, "Nhắc hạn thử"), "matrix:1")
        session.flush()
        return row.id


def incident_of(system, scope: str, instance_id: int) -> int:
    """An open incident of ``scope``: a reminder timer of the instance that failed every attempt."""
    with unit_of_work(system.sessions) as session:
        incident = Incident(scope=scope, instance_id=instance_id, job="timer", job_id=0, element="distribute_overdue",
                            error="RuntimeError: thử", attempts=4, created_at=clocks.now())
        session.add(incident)
        session.flush()
        return incident.id


def handled_document(client, api, province, related_id: int) -> dict:
    """A document a.staff handles (a.unit_head's unit coordinates), linked to ``related_id``, with
    a.staff's re-assignment request and reply draft."""
    staff = province["a.staff"]
    url = f"/api/incoming/{client.post('/api/incoming', headers=api('a.clerk'), **incoming_upload()).json()['id']}"

    def open_task(name: str) -> int:
        (task,) = [t for t in client.get(url, headers=api("a.leader")).json()["open_tasks"] if t["name"] == name]
        return task["id"]

    complete(client, api("a.leader"), open_task("distribute"),
             {**distribution_to(staff), "coordinators": [staff.unit_id]})
    for path, body in (("related", {"related_id": related_id}), ("reassignment-requests", {"reason": "Bận"}),
                       ("reply-drafts", {})):
        assert client.post(f"{url}/{path}", headers=api("a.staff"), json=body).status_code == 201
    shown = client.get(url, headers=api("a.leader")).json()
    return {"handled_document_id": shown["id"], "coordination_task_id": open_task("coordinate"),
            "request_id": shown["reassignment_requests"][0]["id"], "draft_id": shown["reply_drafts"][0]["id"]}


def arrived_from(system, recipient_code: str, *, sender: str, reference: str) -> int:
    """An electronic document that ``sender`` sent to ``recipient_code``, waiting for its clerk."""
    with unit_of_work(system.sessions) as session:
        agencies = {a.code: a for a in session.scalars(sa.select(Agency))}
        document = incoming_service.receive_electronic(
            session, system.files, system.keystore, sender=agencies[sender], recipient=agencies[recipient_code],
            sender_reference=reference, metadata=INCOMING_METADATA,
            uploads=[incoming_service.Upload("cong-van.pdf", samples.pdf("1.7"))])
        return document.id


INCOMING_METADATA = {"issuer_name": "Sở Nội vụ", "number_notation": "5/SNV", "document_date": "2026-11-20",
                     "doc_type": "Công văn", "subject": "Về việc thử quyền"}


DUPLICATE_QUERY = {"number_notation": INCOMING_METADATA["number_notation"], "issuer_name": INCOMING_METADATA["issuer_name"]}


def incoming_upload() -> dict[str, Any]:
    # Registered several times with the same metadata: each is confirmed as no duplicate.
    return {"data": {"metadata": json.dumps(INCOMING_METADATA), "allow_duplicate": "true"},
            "files": [("files", ("cong-van.pdf", samples.pdf("1.7"), "application/pdf"))]}


def assert_refused(response, *statuses: int) -> None:
    assert response.status_code in statuses, response.text
    assert response.json()["error"]["status"] == response.status_code


# --------------------------------------------------------------------------- the matrix is complete

def test_the_matrix_covers_every_api_route(app):
    routes = api_routes(app)
    assert routes, "no /api routes found: the route walk is broken"
    assert routes - set(ROUTES) == set(), "new /api routes need a row in ROUTES (and its denial tests)"
    assert set(ROUTES) - routes == set(), "ROUTES names routes the app no longer has"


# --------------------------------------------------------------------------- no token

def refusals(responses: dict[tuple[str, str], Any], *statuses: int) -> list[str]:
    """The routes whose answer is not one of ``statuses`` (with a matching error body), each with
    what it answered: every route is called in one world (building it costs seconds)."""
    wrong = []
    for key, response in responses.items():
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code not in statuses or body.get("error", {}).get("status") != response.status_code:
            wrong.append(f"{' '.join(key)}: {response.status_code} {response.text[:200]}")
    return wrong


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-real-token"], ids=["none", "garbage"])
def test_without_a_valid_token_every_route_is_401(client, system, world, authorization):
    before = snapshot(system), casework(system)
    headers = {"Authorization": authorization} if authorization else {}
    responses = {key: call(client, key, world, headers) for key in sorted(ROUTES)}
    assert refusals(responses, 401) == []
    assert {key for key, r in responses.items() if r.headers.get("www-authenticate") != "Bearer"} == set()
    assert (snapshot(system), casework(system)) == before


def test_a_revoked_token_is_401_everywhere(client, system, world):
    token = get_token(client, "a.admin")
    assert client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    before = snapshot(system)
    for key in sorted(ROUTES):
        assert_refused(call(client, key, world, {"Authorization": f"Bearer {token}"}), 401)
    assert snapshot(system) == before


# --------------------------------------------------------------------------- the other agency

REFUSED = sorted(key for key, route in ROUTES.items() if route.other_agency == "refused")


@pytest.mark.parametrize("user", ["b.all", "b.admin"])
def test_agency_b_cannot_reach_agency_a_objects(client, system, api, world, b_all, user):
    before = snapshot(system), casework(system)
    assert refusals({key: call(client, key, world, api(user)) for key in REFUSED}, 403, 404) == []
    assert (snapshot(system), casework(system)) == before


def test_agency_b_lists_none_of_agency_a_objects(client, api, world, b_all):
    assert client.get("/api/incoming", headers=api(b_all)).json() == {"total": 0, "items": []}
    # A's registered documents are never B's probable duplicates.
    assert client.get("/api/incoming/duplicates", headers=api(b_all), params=DUPLICATE_QUERY).json() == \
        {"duplicates": []}
    assert client.get("/api/incoming/reassignment-requests", headers=api(b_all), params={"state": "all"}).json() == []
    assert [r["id"] for r in client.get("/api/incoming/reassignment-requests", headers=api("a.leader")).json()] == \
        [world["request_id"]]
    definitions = client.get("/api/process-definitions", headers=api(b_all)).json()
    assert {d["scope"] for d in definitions} == {DEFAULT_SCOPE}
    assert world["definition_id"] not in {d["id"] for d in definitions}
    assert client.get("/api/tasks", headers=api(b_all)).json() == []
    a_queue = client.get("/api/tasks", headers=api("a.leader")).json()
    assert {t["id"] for t in a_queue if t["role"] != "outgoing.sign"} == {world["task_id"], world["claimed_task_id"]}
    assert client.get("/api/outgoing", headers=api(b_all), params={"tab": "all"}).json()["total"] == 0


def test_agency_b_deploys_and_starts_only_in_its_own_scope(client, system, api, world, b_all):
    a_before = snapshot(system)["definitions"]
    deployed = client.post("/api/process-definitions", headers=api(b_all),
                           files={"file": ("incoming.bpmn", INCOMING, "application/xml")})
    assert deployed.status_code == 201, deployed.text
    assert (deployed.json()["scope"], deployed.json()["version"]) == (AGENCY_B, 1)
    assert [d for d in snapshot(system)["definitions"] if d.scope == AGENCY_A] == \
        [d for d in a_before if d.scope == AGENCY_A]

    registered = register_incoming(client, api("b.clerk"))
    assert registered["definition_id"] == deployed.json()["id"] != world["definition_id"]
    notice = client.post("/api/process-definitions", headers=api(b_all),
                         files={"file": ("notice.bpmn", notice_diagram(), "application/xml")})
    assert notice.json()["scope"] == AGENCY_B
    started = client.post("/api/process-instances", headers=api("b.process_admin"), json={"key": "notice"})
    assert started.status_code == 201, started.text
    assert started.json()["definition_id"] == notice.json()["id"]
    with system.sessions() as session:
        for instance in (registered, started.json()):
            assert session.get(ProcessInstance, instance["id"]).scope == AGENCY_B


def test_agency_b_starting_uses_the_default_diagram_not_agency_a_version(client, system, api, world):
    started = register_incoming(client, api("b.clerk"))
    with system.sessions() as session:
        assert session.get(ProcessDefinition, started["definition_id"]).scope == DEFAULT_SCOPE


def test_me_and_logout_act_on_the_caller_only(client, api, world, b_all):
    me = client.get("/api/auth/me", headers=api(b_all)).json()
    assert (me["username"], me["agency"]) == ("b.all", AGENCY_B)
    a_headers = api("a.clerk")
    assert client.post("/api/auth/logout", headers=api(b_all)).status_code == 204
    assert client.get("/api/auth/me", headers=a_headers).status_code == 200


def test_a_default_diagram_is_readable_by_every_agency(client, system, api, world):
    with system.sessions() as session:
        default_id = session.scalar(sa.select(ProcessDefinition.id).where(ProcessDefinition.scope == DEFAULT_SCOPE))
    for user in ("a.process_admin", "b.process_admin"):
        response = client.get(f"/api/process-definitions/{default_id}/xml", headers=api(user))
        assert response.status_code == 200 and response.content == INCOMING


# --------------------------------------------------------------------------- the wrong role

def casework(system) -> dict:
    """What the handling routes write: progress, links, requests (and their states), drafts, audit
    aside."""
    with system.sessions() as session:
        return {"progress": session.scalar(sa.select(sa.func.count(ProgressNote.id))),
                "links": session.scalar(sa.select(sa.func.count(RelatedLink.id))),
                "requests": sorted(session.execute(sa.select(ReassignmentRequest.id, ReassignmentRequest.state)).all()),
                "drafts": session.scalar(sa.select(sa.func.count(OutgoingDocument.id))),
                **outgoing_state(session)}


def outgoing_state(session) -> dict:
    """What the outgoing routes write: documents (state, lock, number, freeze), versions, files,
    recipients (paper sent, recall asked), recalls, register entries, abbreviations."""
    D, R = OutgoingDocument, OutgoingRecipient
    return {"outgoing": sorted(session.execute(sa.select(D.id, D.state, D.row_version, D.number, D.frozen_at,
                                                         D.signed_file_id, D.subject)).all()),
            "versions": session.scalar(sa.select(sa.func.count(OutgoingVersion.id))),
            "files": session.scalar(sa.select(sa.func.count(Attachment.id))),
            "recipients": sorted(session.execute(sa.select(R.id, R.paper_sent_at, R.recall_status)).all()),
            "recalls": session.scalar(sa.select(sa.func.count(OutgoingRecall.id))),
            "entries": session.scalar(sa.select(sa.func.count(RegisterEntry.id))),
            "abbreviations": sorted(session.execute(sa.select(OrgUnit.id, OrgUnit.abbreviation)).all())
            + sorted(session.execute(sa.select(Agency.id, Agency.abbreviation)).all())}


def test_every_route_with_a_role_rule_is_in_the_wrong_role_table():
    assert set(WRONG_ROLES) <= set(ROUTES)
    handling_routes = {k for k in ROUTES if "/{document_id}/" in k[1] and k[0] != "GET"
                       and not k[1].endswith(("/accept", "/refuse"))}
    assert handling_routes - set(WRONG_ROLES) == set()


def test_the_wrong_role_is_403_and_changes_nothing(client, system, api, world):
    before = snapshot(system), casework(system)
    responses = {(*key, user): call(client, key, world, api(user))
                 for key in sorted(WRONG_ROLES) for user in WRONG_ROLES[key]}
    assert refusals(responses, 403) == []
    assert (snapshot(system), casework(system)) == before


def test_staff_cannot_deploy_a_diagram(client, system, api, province):
    before = count(system, ProcessDefinition)
    for user in ("a.staff", "a.clerk", "a.leader", "a.unit_head"):
        response = client.post("/api/process-definitions", headers=api(user),
                               files={"file": ("incoming.bpmn", INCOMING, "application/xml")})
        assert_refused(response, 403)
    assert count(system, ProcessDefinition) == before


def test_only_the_start_events_role_starts_a_diagram_by_hand(client, system, api, province):
    """A diagram without lanes is started by process admins only (the incoming workflow is never
    started by hand: tests/api/test_flow.py)."""
    deployed = client.post("/api/process-definitions", headers=api("a.process_admin"),
                           files={"file": ("notice.bpmn", notice_diagram(), "application/xml")})
    assert deployed.status_code == 201, deployed.text
    for user in ("a.staff", "a.leader", "a.unit_head", "a.clerk"):
        response = client.post("/api/process-instances", headers=api(user), json={"key": "notice", "data": {}})
        assert_refused(response, 403)
    assert count(system, ProcessInstance) == 0
    started = client.post("/api/process-instances", headers=api("a.process_admin"), json={"key": "notice"})
    assert started.status_code == 201, started.text
    assert count(system, ProcessInstance) == 1


def test_a_clerk_cannot_complete_or_claim_the_leaders_distribute_task(client, system, api, province):
    instance = register_incoming(client, api("a.clerk"))
    distribute = only_task(instance, "distribute")["id"]
    before = snapshot(system)
    data = distribution_to(province["a.staff"])
    assert_refused(client.post(f"/api/tasks/{distribute}/complete", headers=api("a.clerk"), json={"data": data}), 403)
    assert_refused(client.post(f"/api/tasks/{distribute}/claim", headers=api("a.clerk")), 403)
    assert_refused(client.get(f"/api/tasks/{distribute}", headers=api("a.clerk")), 403)
    assert snapshot(system) == before
    assert distribute not in {t["id"] for t in client.get("/api/tasks", headers=api("a.clerk")).json()}


def test_staff_who_is_not_the_lead_cannot_complete_the_handle_task(client, system, api, people):
    instance = register_incoming(client, api("a.clerk"))
    instance = complete(client, api("a.leader"), only_task(instance, "distribute")["id"],
                        distribution_to(people["a.staff"]))
    handle = only_task(instance, "handle")["id"]
    before = snapshot(system)
    data = {"result": "Tôi làm thay", "completed": True}
    for user in ("a.staff2", "a.unit_head", "a.leader"):
        assert_refused(client.post(f"/api/tasks/{handle}/complete", headers=api(user), json={"data": data}), 403)
        assert_refused(client.post(f"/api/tasks/{handle}/claim", headers=api(user)), 403)
    assert snapshot(system) == before
    assert client.get("/api/tasks", headers=api("a.staff2")).json() == []
    assert [t["id"] for t in client.get("/api/tasks", headers=api("a.staff")).json()] == [handle]


def start_notice(client, api) -> dict:
    """A process of the process admin's own (not started by the domain for a document)."""
    deployed = client.post("/api/process-definitions", headers=api("a.process_admin"),
                           files={"file": ("notice.bpmn", notice_diagram(), "application/xml")})
    assert deployed.status_code == 201, deployed.text
    started = client.post("/api/process-instances", headers=api("a.process_admin"), json={"key": "notice"})
    assert started.status_code == 201, started.text
    return started.json()


def test_only_a_leader_cancels_an_instance(client, system, api, people):
    instance = start_notice(client, api)
    before = snapshot(system)
    for user in ("a.staff", "a.clerk", "a.unit_head", "a.process_admin", "a.admin"):
        response = client.post(f"/api/process-instances/{instance['id']}/cancel", headers=api(user),
                               json={"reason": "Không cần xử lý nữa"})
        assert_refused(response, 403)
    assert snapshot(system) == before

    cancelled = client.post(f"/api/process-instances/{instance['id']}/cancel", headers=api("a.leader"),
                            json={"reason": "Không còn cần thông báo"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["tasks"] == []


def test_a_workflow_started_for_a_document_is_never_cancelled_bare(client, system, api, people):
    """Cancelling the incoming workflow would leave its document at 03 forever: 409, nothing changed."""
    instance = register_incoming(client, api("a.clerk"))
    before = snapshot(system)
    response = client.post(f"/api/process-instances/{instance['id']}/cancel", headers=api("a.leader"),
                           json={"reason": "Văn bản gửi nhầm"})
    assert_refused(response, 409)
    assert "gắn với một văn bản" in response.json()["error"]["message"]
    assert snapshot(system) == before


def test_only_participants_and_overseers_see_an_instance(client, api, people):
    instance = register_incoming(client, api("a.clerk"))
    url = f"/api/process-instances/{instance['id']}"
    for user in ("a.staff", "a.unit_head", "a.clerk2", "a.admin"):
        assert_refused(client.get(url, headers=api(user)), 403)
    # a.clerk registered the document, so started its workflow.
    for user in ("a.clerk", "a.leader", "a.deputy", "a.process_admin"):
        assert client.get(url, headers=api(user)).status_code == 200, user
    complete(client, api("a.leader"), only_task(instance, "distribute")["id"], RETURN)
    # a.clerk2 is now a candidate of the open recheck task, so a participant.
    assert client.get(url, headers=api("a.clerk2")).status_code == 200


def test_a_process_admin_sees_where_an_instance_stands_but_not_what_people_wrote(client, api, people):
    instance = register_incoming(client, api("a.clerk"))
    complete(client, api("a.leader"), only_task(instance, "distribute")["id"], RETURN)
    url = f"/api/process-instances/{instance['id']}"
    leader = client.get(url, headers=api("a.leader")).json()
    admin = client.get(url, headers=api("a.process_admin")).json()
    completed = [h for h in leader["history"] if h["action"] == "completed"]
    assert completed and completed[0]["data"]["return_reason"] == RETURN["return_reason"]
    assert (leader["data_visible"], admin["data_visible"]) == (True, False)
    assert [h["action"] for h in admin["history"]] == [h["action"] for h in leader["history"]]
    assert all(h["data"] is None for h in admin["history"])
    assert RETURN["return_reason"] not in json.dumps(admin, ensure_ascii=False)


def test_only_clerks_register_and_only_readers_read_the_incoming_register(client, api, world):
    for user in ("a.staff", "a.leader", "a.process_admin"):
        assert_refused(client.post("/api/incoming", headers=api(user), **incoming_upload()), 403)
    for user in ("a.staff", "a.process_admin"):
        assert_refused(client.get("/api/incoming", headers=api(user)), 403)
        assert_refused(client.get(f"/api/incoming/{world['registered_document_id']}", headers=api(user)), 403)
    for user in ("a.staff", "a.leader"):
        assert_refused(client.post(f"/api/incoming/{world['arrived_document_id']}/accept", headers=api(user)), 403)
    # registered, claimed (its distribution), handled, arrived
    assert client.get("/api/incoming", headers=api("a.leader")).json()["total"] == 4
