"""Fixtures for the HTTP tests: the real app on the real PostgreSQL, a two-agency province,
helpers to log in through the API (bearer token) and through the pages (cookie + CSRF)."""
from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterator
from xml.sax.saxutils import quoteattr

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from documents import accounts
from documents.models import Agency, AuditEvent, OrgUnit
from documents.system import System
from engine import clock as clocks
from engine.clock import FixedClock
from engine.db import unit_of_work
from engine.models import HistoryEntry, HumanTask, Incident, ProcessDefinition, ProcessInstance
from tests.conftest import PASSWORD

AGENCY_A, AGENCY_B = "000.00.01.H99", "000.00.02.H99"
LOGIN_CSRF_COOKIE = "qlvb_login_csrf"
SESSION_COOKIE = "qlvb_session"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')

# What the clerk types when registering an incoming document (the incoming_document form).
METADATA = {
    "issuer_name": "UBND tỉnh Thừa Thiên Huế",
    "number_notation": "123/UBND-VX",
    "document_date": "2026-11-20",
    "doc_type": "Công văn",
    "subject": "Về việc triển khai kế hoạch chuyển đổi số năm 2026",
    "urgency": "normal",
}


@pytest.fixture
def system(pg: System) -> System:
    """The API tests run on PostgreSQL only (the engine tests cover SQLite): this overrides the
    parametrized root fixture, so `province` builds its agencies on `pg`."""
    return pg


@pytest.fixture(autouse=True)
def context_clock(clock: FixedClock) -> Iterator[FixedClock]:
    """Bind the test clock as the context clock, so accounts (logins, lock-outs, sessions, audit)
    and the engine read the same time. TestClient copies the caller's context into the app."""
    with clocks.using(clock):
        yield clock


@pytest.fixture
def app(system: System) -> FastAPI:
    return create_app(system, start_worker=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def people(province: dict, system: System) -> dict:
    """The province plus a second clerk, a second leader (a.deputy) and a second staff member in
    agency A (for claim races and for "a staff member who is not the lead")."""
    with unit_of_work(system.sessions) as session:
        agency = session.scalar(sa.select(Agency).where(Agency.code == AGENCY_A))
        unit = session.get(OrgUnit, province["a.staff"].unit_id)
        extra = {"a.clerk2": ("clerk", None), "a.deputy": ("leader", None), "a.staff2": ("staff", unit)}
        for username, (role, in_unit) in extra.items():
            user = accounts.create_user(session, agency, username, f"{role} a2", PASSWORD, [role], unit=in_unit)
            province[username] = accounts.identity_of(session, user)
    return province


def get_token(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def api(client: TestClient) -> Callable[[str], dict[str, str]]:
    """api("a.clerk") → the Authorization header of a fresh login of that user (cached per test)."""
    tokens: dict[str, str] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            tokens[username] = get_token(client, username)
        return {"Authorization": f"Bearer {tokens[username]}"}

    return headers


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "no csrf_token hidden field in the page"
    return found.group(1)


def page_login(browser: TestClient, username: str, password: str = PASSWORD) -> Any:
    """Log a browser in the way a person does: GET /login (hidden field + cookie), POST /login."""
    form = browser.get("/login")
    assert form.status_code == 200
    token = csrf_of(form.text)
    assert browser.cookies.get(LOGIN_CSRF_COOKIE) == token
    response = browser.post("/login", data={"username": username, "password": password, "csrf_token": token},
                            follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/tasks"
    assert browser.cookies.get(SESSION_COOKIE)
    return response


@pytest.fixture
def browser(app: FastAPI, client: TestClient) -> Callable[[str | None], TestClient]:
    """browser("a.clerk") → a client with its own cookie jar, logged in through the pages
    (browser(None): not logged in). The app is already started by `client`."""

    def open_browser(username: str | None = None) -> TestClient:
        new = TestClient(app, follow_redirects=False)
        if username:
            page_login(new, username)
        return new

    return open_browser


# --------------------------------------------------------------------------- workflow helpers

def register_incoming(client: TestClient, headers: dict[str, str], **changes: Any) -> dict:
    """The clerk registers a document typed in by hand (POST /api/incoming, no file): it is
    numbered and its workflow waits at the leader's distribution. Returns that workflow
    instance as GET /api/process-instances/{id} shows it to the clerk."""
    metadata = json.dumps(METADATA | changes, ensure_ascii=False)
    # Each call is a document of its own, whatever the metadata: confirmed as no duplicate.
    response = client.post("/api/incoming", headers=headers,
                           data={"metadata": metadata, "channel": "manual", "allow_duplicate": "true"})
    assert response.status_code == 201, response.text
    return instance_of(client, headers, response.json()["id"])


def instance_of(client: TestClient, headers: dict[str, str], document: int) -> dict:
    """The workflow instance handling an incoming document, as its reader sees it."""
    shown = client.get(f"/api/incoming/{document}", headers=headers)
    assert shown.status_code == 200, shown.text
    instance = client.get(f"/api/process-instances/{shown.json()['process_instance_id']}", headers=headers)
    assert instance.status_code == 200, instance.text
    return instance.json()


def document_id(instance: dict) -> int:
    """The incoming document a workflow instance handles (its business key is incoming:<id>)."""
    kind, _, number = instance["business_key"].partition(":")
    assert kind == "incoming", instance["business_key"]
    return int(number)


def notice_diagram(task_title: str = "Đọc thông báo") -> bytes:
    """A diagram of a process admin's own, started by hand (POST /api/process-instances, key
    "notice"): start → user task `read` → end. No lanes, so only process admins start it."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="notice_definitions"
                  targetNamespace="https://qlvbdh.example/bpmn">
  <bpmn:process id="notice" name="Thông báo" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="read" name={quoteattr(task_title)}>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="read"/>
    <bpmn:sequenceFlow id="f2" sourceRef="read" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def only_task(instance: dict, name: str) -> dict:
    tasks = [t for t in instance["tasks"] if t["name"] == name]
    assert len(tasks) == 1, instance["tasks"]
    return tasks[0]


def complete(client: TestClient, headers: dict[str, str], task_id: int, data: dict) -> dict:
    response = client.post(f"/api/tasks/{task_id}/complete", headers=headers, json={"data": data})
    assert response.status_code == 200, response.text
    return response.json()


def distribution_to(person: accounts.Identity) -> dict:
    return {"decision": "assign", "lead_user_id": person.user_id, "lead_unit_id": person.unit_id,
            "direction": "Giao Phòng Kinh tế chủ trì xử lý."}


RETURN = {"decision": "return", "return_reason": "Văn bản thiếu phụ lục, đề nghị văn thư kiểm tra lại."}


# --------------------------------------------------------------------------- database snapshots

def snapshot(system: System) -> dict:
    """Everything a refused request must leave as it was: definitions, instances (status and
    optimistic-lock version), tasks (status, assignee), history. Audit rows are left out: some
    refusals are recorded on purpose."""
    with system.sessions() as session:
        return {
            "definitions": sorted(session.execute(sa.select(
                ProcessDefinition.id, ProcessDefinition.scope, ProcessDefinition.version,
                ProcessDefinition.sha256, ProcessDefinition.active)).all()),
            "instances": sorted(session.execute(sa.select(
                ProcessInstance.id, ProcessInstance.status, ProcessInstance.version,
                ProcessInstance.updated_at)).all()),
            "tasks": sorted(session.execute(sa.select(
                HumanTask.id, HumanTask.status, HumanTask.assignee, HumanTask.completed_by)).all()),
            "history": session.scalar(sa.select(sa.func.count(HistoryEntry.id))),
            "incidents": sorted(session.execute(sa.select(Incident.id, Incident.resolved_at)).all()),
        }


def count(system: System, model: type, *where: Any) -> int:
    with system.sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def audit_actions(system: System, actor_id: int) -> list[str]:
    with system.sessions() as session:
        return list(session.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor_id == actor_id)
                                    .order_by(AuditEvent.id)))
