"""Twenty people complete the same task at the same moment over real HTTP on PostgreSQL:
exactly one wins, the others get 409, and the instance is not corrupted."""
from __future__ import annotations

import json
import threading

import httpx
import sqlalchemy as sa

from api.app import create_app
from documents.incoming.models import IncomingDocument, IncomingStatus
from engine.db import unit_of_work
from engine.models import HistoryEntry, HumanTask, ProcessInstance
from tests.conftest import PASSWORD
from tests.serving import live_server

from .flow import METADATA, seed_agency

CONTENDERS = 20


def test_twenty_concurrent_completions_one_wins(pg):
    people = seed_agency(pg)
    staff = people["staff"]
    distribution = {"decision": "assign", "lead_user_id": staff.user_id, "lead_unit_id": staff.unit_id,
                    "direction": "Đề nghị xử lý."}
    with live_server(create_app(pg, start_worker=False)) as base, httpx.Client(base_url=base) as http:
        token = lambda name: http.post("/api/auth/token", json={"username": name, "password": PASSWORD}).json()["access_token"]
        clerk = {"Authorization": f"Bearer {token('clerk')}"}
        registered = http.post("/api/incoming", headers=clerk, data={"metadata": json.dumps(METADATA),
                                                                     "channel": "manual"})
        assert registered.status_code == 201, registered.text
        document_id = registered.json()["id"]
        shown = http.get(f"/api/incoming/{document_id}", headers=clerk).json()
        started = http.get(f"/api/process-instances/{shown['process_instance_id']}", headers=clerk).json()
        (task,) = started["tasks"]
        assert task["name"] == "distribute"
        # The leader's many sessions (one token each): double clicks, several tabs.
        tokens = [token("leader") for _ in range(CONTENDERS)]
        barrier = threading.Barrier(CONTENDERS)
        statuses: list[int] = []

        def complete(bearer: str) -> None:
            with httpx.Client(base_url=base, timeout=30) as own:
                barrier.wait()
                response = own.post(f"/api/tasks/{task['id']}/complete", headers={"Authorization": f"Bearer {bearer}"},
                                    json={"data": distribution})
                statuses.append(response.status_code)

        threads = [threading.Thread(target=complete, args=(t,)) for t in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(statuses) == [200] + [409] * (CONTENDERS - 1)
    with unit_of_work(pg.sessions) as session:
        instance = session.get(ProcessInstance, started["id"])
        assert instance.version == started["version"] + 1
        completions = session.scalars(sa.select(HistoryEntry).where(
            HistoryEntry.instance_id == instance.id, HistoryEntry.action == "completed")).all()
        assert len(completions) == 1
        ready = session.scalars(sa.select(HumanTask.spec_name).where(
            HumanTask.instance_id == instance.id, HumanTask.status == "ready")).all()
        assert ready == ["handle"]
        # The winner's step told the register once: one 04, however many tried.
        assert session.get(IncomingDocument, document_id).status == "04"
        codes = session.scalars(sa.select(IncomingStatus.code).where(IncomingStatus.document_id == document_id)
                                .order_by(IncomingStatus.id)).all()
        assert codes == ["01", "03", "04"]
        # The stored state still loads and the specialist can go on.
        pg.runtime.data(session, instance)
