"""Twenty people complete the same task at the same moment over real HTTP on PostgreSQL:
exactly one wins, the others get 409, and the instance is not corrupted."""
from __future__ import annotations

import threading

import httpx
import sqlalchemy as sa

from api.app import create_app
from engine.db import unit_of_work
from engine.models import HistoryEntry, HumanTask, ProcessInstance
from tests.conftest import PASSWORD
from tests.serving import live_server

from .flow import REGISTER_FORM, seed_agency

CONTENDERS = 20


def test_twenty_concurrent_completions_one_wins(pg):
    people = seed_agency(pg)
    with live_server(create_app(pg, start_worker=False)) as base, httpx.Client(base_url=base) as http:
        token = lambda name: http.post("/api/auth/token", json={"username": name, "password": PASSWORD}).json()["access_token"]
        clerk = {"Authorization": f"Bearer {token('clerk')}"}
        started = http.post("/api/process-instances", headers=clerk,
                            json={"key": "incoming", "data": {"urgency": "normal"}}).json()
        task_id = started["tasks"][0]["id"]
        # Several clerks (one token each) and repeated clicks by the same clerk.
        tokens = [token("clerk") for _ in range(CONTENDERS)]
        barrier = threading.Barrier(CONTENDERS)
        statuses: list[int] = []

        def complete(bearer: str) -> None:
            with httpx.Client(base_url=base, timeout=30) as own:
                barrier.wait()
                response = own.post(f"/api/tasks/{task_id}/complete", headers={"Authorization": f"Bearer {bearer}"},
                                    json={"data": REGISTER_FORM})
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
        assert ready == ["distribute"]
        # The stored state still loads and the leader can go on.
        pg.runtime.data(session, instance)
    assert people["leader"]
