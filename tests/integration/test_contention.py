"""Sixty requests fighting for one row over real HTTP on PostgreSQL: the register's row (60
registrations) and one task (60 completions). Nothing may freeze: every request is answered
within seconds, none with a 5xx, the numbers have no gap, and /healthz answers throughout.

The bound on time is generous on purpose (a shared 2-core machine); what it catches is the
30-second freeze of a request that held the row lock but waited for a worker thread to finish."""
from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from api.app import create_app
from tests.conftest import PASSWORD
from tests.serving import live_server

from .flow import METADATA, seed_agency

CROWD = 60
BOUND_SECONDS = 20.0


class HealthProbe(threading.Thread):
    """Asks /healthz every 100 ms while the crowd runs; keeps the worst answer time."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base, self.stop, self.answers = base, threading.Event(), []

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=BOUND_SECONDS) as http:
            while not self.stop.is_set():
                began = time.monotonic()
                try:
                    status = http.get("/healthz").status_code
                except httpx.HTTPError as exc:
                    status = exc.__class__.__name__
                self.answers.append((status, time.monotonic() - began))
                self.stop.wait(0.1)


def storm(base: str, requests: list[tuple[str, dict]]) -> tuple[list, float]:
    """Fire every (path, httpx kwargs) at the same moment, one thread each; returns the responses
    in order and the seconds from the start until the last one was answered."""
    barrier = threading.Barrier(len(requests) + 1)
    answers: list = [None] * len(requests)

    def send(index: int, path: str, kwargs: dict) -> None:
        with httpx.Client(base_url=base, timeout=60) as own:
            barrier.wait()
            try:
                answers[index] = own.post(path, **kwargs)
            except httpx.HTTPError as exc:
                answers[index] = exc

    threads = [threading.Thread(target=send, args=(i, path, kwargs)) for i, (path, kwargs) in enumerate(requests)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    return answers, time.monotonic() - began


@pytest.fixture
def served(pg):
    seed_agency(pg)
    with live_server(create_app(pg, start_worker=False)) as base, httpx.Client(base_url=base) as http:
        login = lambda name: http.post("/api/auth/token", json={"username": name, "password": PASSWORD})
        yield base, {role: {"Authorization": f"Bearer {login(role).json()['access_token']}"}
                     for role in ("clerk", "leader")}


def test_sixty_registrations_then_sixty_completions_of_one_task(served):
    base, auth = served
    probe = HealthProbe(base)
    probe.start()
    try:
        registrations = [("/api/incoming", {"headers": auth["clerk"], "data": {
            "metadata": json.dumps(METADATA | {"number_notation": f"{i}/UBND-VX"}), "channel": "manual"}})
            for i in range(CROWD)]
        registered, register_seconds = storm(base, registrations)
        print(f"\n{CROWD} parallel registrations: {register_seconds:.2f} s")
        assert [getattr(r, "status_code", r) for r in registered] == [201] * CROWD
        numbers = sorted(r.json()["incoming_number"] for r in registered)
        assert numbers == list(range(1, CROWD + 1))

        with httpx.Client(base_url=base) as http:
            instance_id = registered[0].json()["process_instance_id"]
            (task,) = http.get(f"/api/process-instances/{instance_id}", headers=auth["clerk"]).json()["tasks"]
        distribution = {"decision": "return", "return_reason": "Không thuộc thẩm quyền."}
        completions = [(f"/api/tasks/{task['id']}/complete", {"headers": auth["leader"],
                                                               "json": {"data": distribution}})] * CROWD
        completed, complete_seconds = storm(base, completions)
        print(f"{CROWD} concurrent completions of one task: {complete_seconds:.2f} s")
        assert sorted(getattr(r, "status_code", r) for r in completed) == [200] + [409] * (CROWD - 1)
    finally:
        probe.stop.set()
        probe.join()

    assert register_seconds < BOUND_SECONDS and complete_seconds < BOUND_SECONDS
    assert probe.answers and all(status == 200 for status, _ in probe.answers), probe.answers
    slowest = max(seconds for _, seconds in probe.answers)
    print(f"slowest of {len(probe.answers)} /healthz answers: {slowest:.2f} s")
    assert slowest < BOUND_SECONDS / 2
