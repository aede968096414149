"""The process admin's incidents, through the API and the page: a timer of the agency's own
diagram fails every attempt, the incident is listed for the agency's process admins only, and
one decision (retry, skip, cancel) resolves it; a second decision is a conflict."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.models import Incident, Timer
from tests.api.conftest import AGENCY_A, csrf_of, snapshot

BROKEN_REMINDER = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="https://x">
  <bpmn:process id="reminder" name="Nh\xe1\xba\xafc vi\xe1\xbb\x87c" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="work" name="L\xc3\xa0m vi\xe1\xbb\x87c"/>
    <bpmn:boundaryEvent id="remind" attachedToRef="work" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDuration>'PT1H'</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:scriptTask id="count"><bpmn:script>reminders = reminders_so_far / 0</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end"/>
    <bpmn:sequenceFlow id="f2" sourceRef="remind" targetRef="count"/>
    <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="end2"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def incident(client, system, api, province) -> dict:
    """An open incident of agency A: its reminder timer failed all four attempts."""
    deployed = client.post("/api/process-definitions", headers=api("a.process_admin"),
                           files={"file": ("reminder.bpmn", BROKEN_REMINDER, "application/xml")})
    assert deployed.status_code == 201, deployed.text
    started = client.post("/api/process-instances", headers=api("a.process_admin"),
                          json={"key": "reminder", "data": {"reminders_so_far": 1}})
    assert started.status_code == 201, started.text
    for _ in range(4):
        with system.sessions() as session:
            timer = session.scalar(sa.select(Timer))
            at = (timer.retry_at or timer.fire_at) + timedelta(seconds=1)
        system.runtime.fire_due(system.sessions, at)
    listed = client.get("/api/incidents", headers=api("a.process_admin"))
    assert listed.status_code == 200, listed.text
    (found,) = listed.json()
    return found | {"instance": started.json()}


def test_the_incident_names_the_process_the_step_and_the_error(incident, api):
    assert incident["instance_id"] == incident["instance"]["id"]
    assert (incident["process"], incident["version"], incident["job"], incident["element"]) == (
        "Nhắc việc", 1, "timer", "remind")
    assert incident["attempts"] == 4 and "ZeroDivisionError" in incident["error"]
    assert incident["resolved_at"] is None


def test_only_the_agencys_process_admins_see_and_decide_incidents(client, system, api, incident):
    for user in ("a.leader", "a.clerk", "a.staff", "a.admin"):
        assert client.get("/api/incidents", headers=api(user)).status_code == 403
    assert client.get("/api/incidents", headers=api("b.process_admin")).json() == []
    before = snapshot(system)
    for action in ("retry", "skip"):
        assert client.post(f"/api/incidents/{incident['id']}/{action}", headers=api("b.process_admin")).status_code == 404
    assert snapshot(system) == before


def test_retry_then_a_second_decision_is_a_conflict(client, system, api, incident):
    retried = client.post(f"/api/incidents/{incident['id']}/retry", headers=api("a.process_admin"))
    assert retried.status_code == 200, retried.text
    assert retried.json()["resolution"] == "retried"
    with system.sessions() as session:
        timer = session.scalar(sa.select(Timer))
        assert (timer.attempts, timer.incident_id, timer.retry_at) == (0, None, None)
    again = client.post(f"/api/incidents/{incident['id']}/skip", headers=api("a.process_admin"))
    assert again.status_code == 409
    assert client.get("/api/incidents", headers=api("a.process_admin")).json() == []
    resolved = client.get("/api/incidents", headers=api("a.process_admin"), params={"state": "resolved"}).json()
    assert [i["id"] for i in resolved] == [incident["id"]]


def test_cancel_ends_the_process_admins_own_instance(client, system, api, incident):
    refused = client.post(f"/api/incidents/{incident['id']}/cancel", headers=api("a.process_admin"), json={})
    assert refused.status_code == 422  # a reason is required
    cancelled = client.post(f"/api/incidents/{incident['id']}/cancel", headers=api("a.process_admin"),
                            json={"reason": "Quy trình thử nghiệm bị lỗi"})
    assert cancelled.status_code == 200, cancelled.text
    shown = client.get(f"/api/process-instances/{incident['instance_id']}", headers=api("a.process_admin")).json()
    assert shown["status"] == "cancelled"


def test_the_incidents_page_lists_and_decides_with_csrf(browser, system, incident):
    admin = browser("a.process_admin")
    page = admin.get("/incidents")
    assert page.status_code == 200
    assert "Nhắc việc" in page.text and "ZeroDivisionError" in page.text and "Chạy lại" in page.text
    assert 'href="/incidents"' in page.text  # in the menu of those who may use it
    refused = admin.post(f"/incidents/{incident['id']}/skip", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    done = admin.post(f"/incidents/{incident['id']}/skip", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/incidents"
    with system.sessions() as session:
        assert session.scalar(sa.select(Incident.resolution)) == "skipped"
    late = admin.post(f"/incidents/{incident['id']}/retry", data={"csrf_token": csrf_of(page.text)})
    assert late.status_code == 409 and "trước bạn" in late.text
    leader = browser("a.leader")
    assert 'href="/incidents"' not in leader.get("/tasks").text
    assert leader.get("/incidents").status_code == 403


def test_an_incident_of_a_document_workflow_cannot_be_answered_by_cancelling(client, system, api, province):
    from tests.api.conftest import register_incoming

    instance = register_incoming(client, api("a.clerk"))
    with system.sessions() as session:
        incident = Incident(scope=AGENCY_A, instance_id=instance["id"], job="timer", job_id=0, element="x",
                            error="boom", attempts=4, created_at=system.runtime.clock.now())
        session.add(incident)
        session.commit()
        incident_id = incident.id
    refused = client.post(f"/api/incidents/{incident_id}/cancel", headers=api("a.process_admin"),
                          json={"reason": "Huỷ"})
    assert refused.status_code == 409
    shown = client.get(f"/api/process-instances/{instance['id']}", headers=api("a.process_admin")).json()
    assert shown["status"] == "running"


def test_the_incidents_page_names_the_process_and_its_step_in_the_pages_language(browser, incident, monkeypatch):
    from api.pages import render

    english = {**render.catalog("en"), "step.reminder.reminder": "Reminders", "step.reminder.remind": "Remind"}
    monkeypatch.setattr(render, "catalog", lambda locale: english if locale == "en" else {})
    admin = browser("a.process_admin")
    admin.get("/lang/en")
    page = admin.get("/incidents").text
    assert "<h2>Reminders · " in page and "Remind <code>remind</code>" in page
    admin.get("/lang/vi")
    page = admin.get("/incidents").text
    assert "<h2>Nhắc việc · " in page and "<code>remind</code>" in page and "Remind <code>" not in page
