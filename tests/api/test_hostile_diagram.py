"""A hostile diagram of one agency cannot stall the server: while a person's step runs code that
would take minutes and gigabytes (`str()` of a list of shared lists: 10^8 elements in one C call)
and another a loop that never ends, the real HTTP server keeps
answering `/healthz/live` within a second, the steps are refused with the reason, nothing of
them is stored, and the agency's process admin gets an incident; the other agency works on."""
from __future__ import annotations

import json
import threading
import time

import httpx
import sqlalchemy as sa

from api.app import create_app
from engine.models import Incident
from tests.api.conftest import METADATA
from tests.conftest import PASSWORD
from tests.serving import live_server

HOSTILE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="https://x">
  <bpmn:process id="hostile" name="Quy trình độc hại" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="work" name="Làm việc"/>
    <bpmn:exclusiveGateway id="which" default="to_loop"/>
    <bpmn:scriptTask id="burn"><bpmn:script>x = str([[[0] * 1000] * 1000] * 100)</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="count"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="again" default="back"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="which"/>
    <bpmn:sequenceFlow id="to_burn" sourceRef="which" targetRef="burn"><bpmn:conditionExpression>mode == 'burn'</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_loop" sourceRef="which" targetRef="count"/>
    <bpmn:sequenceFlow id="f2" sourceRef="burn" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="again"/>
    <bpmn:sequenceFlow id="back" sourceRef="again" targetRef="count"/>
    <bpmn:sequenceFlow id="out" sourceRef="again" targetRef="end"><bpmn:conditionExpression>n &lt; 0</bpmn:conditionExpression></bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>""".encode()


def login(http: httpx.Client, username: str) -> dict[str, str]:
    response = http.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_hostile_diagram_leaves_the_server_responsive_and_raises_incidents(system, province):
    # The live server's thread reads the real clock, so everything here goes through it.
    with live_server(create_app(system, start_worker=False)) as base, httpx.Client(base_url=base) as http:
        admin = login(http, "a.process_admin")
        assert http.post("/api/process-definitions", headers=admin,
                         files={"file": ("h.bpmn", HOSTILE, "application/xml")}).status_code == 201
        tasks = []
        for mode in ("burn", "loop"):
            started = http.post("/api/process-instances", headers=admin,
                                json={"key": "hostile", "data": {"mode": mode, "n": 0}})
            assert started.status_code == 201, started.text
            tasks.append(started.json()["tasks"][0]["id"])

        answers, slowest = [], 0.0

        def complete(task_id: int) -> None:
            answers.append(http.post(f"/api/tasks/{task_id}/complete", headers=admin, json={"data": {}},
                                     timeout=120))

        workers = [threading.Thread(target=complete, args=(task_id,)) for task_id in tasks]
        for worker in workers:
            worker.start()
        while any(worker.is_alive() for worker in workers):
            began = time.monotonic()
            assert http.get("/healthz/live", timeout=5).status_code == 200
            slowest = max(slowest, time.monotonic() - began)
        for worker in workers:
            worker.join()
        assert slowest < 1.0, f"/healthz/live took {slowest:.2f} s"
        assert sorted(a.status_code for a in answers) == [422, 422], [a.text for a in answers]
        assert all("limit" in a.json()["error"]["message"] for a in answers), [a.text for a in answers]
        # Agency B is not held up: its clerk registers a document, its leader gets the distribution.
        registered = http.post("/api/incoming", headers=login(http, "b.clerk"),
                               data={"metadata": json.dumps(METADATA, ensure_ascii=False), "channel": "manual"})
        assert registered.status_code == 201, registered.text
        assert [t["name"] for t in http.get("/api/tasks", headers=login(http, "b.leader")).json()] == ["distribute"]
        waiting = http.get("/api/tasks", headers=admin).json()
        assert sorted(t["id"] for t in waiting) == sorted(tasks)  # both still waiting: nothing stored

    with system.sessions() as session:
        incidents = session.scalars(sa.select(Incident).order_by(Incident.id)).all()
        assert [(i.scope, i.job, i.element) for i in incidents] == [("000.00.01.H99", "task", "work")] * 2
