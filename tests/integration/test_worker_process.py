"""A separate `qlvbdh worker` process, fed through the real Redis, fires a due timer that the
web side never touches."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from documents.settings import Settings
from documents.system import build_system
from engine.db import unit_of_work
from tests.conftest import PG_URL, REDIS_URL, truncate_all
from tests.engine import diagrams

ROOT = Path(__file__).resolve().parents[2]


def test_worker_process_fires_a_timer(pg, clean_redis):
    system = build_system(Settings(database_url=PG_URL))  # the real clock: the worker uses it too
    try:
        with unit_of_work(system.sessions) as session:
            system.runtime.deploy(session, "default", diagrams.boundary_timer("timeDuration", "'PT1S'", True), "t")
        with unit_of_work(system.sessions) as session:
            instance_id = system.runtime.start(session, "000.00.01.H99", "p", "tester").id

        env = {**os.environ, "DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL, "PYTHONPATH": str(ROOT)}
        worker = subprocess.Popen([sys.executable, "-m", "api.cli", "worker", "--processes", "1", "--threads", "1"],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            broker = RedisBroker(url=REDIS_URL)
            time.sleep(1.1)  # the timer is now due in real time
            broker.enqueue(dramatiq.Message(queue_name="default", actor_name="engine.sweep_timers",
                                            args=(), kwargs={}, options={}))
            deadline, names = time.monotonic() + 45, []
            while time.monotonic() < deadline:
                with unit_of_work(system.sessions) as session:
                    names = [t.spec_name for t in system.runtime.open_tasks(session, instance_id)]
                if names == ["after_timer"]:
                    break
                time.sleep(0.25)
            assert names == ["after_timer"], worker_output(worker)
            with unit_of_work(system.sessions) as session:
                actions = [(h.actor, h.action) for h in system.runtime.history(session, instance_id)]
            assert ("system", "timer") in actions
        finally:
            worker.terminate()
            worker.wait(timeout=20)
            broker.close()
    finally:
        truncate_all(system)
        system.db.dispose()


def worker_output(worker: subprocess.Popen) -> str:
    worker.terminate()
    out, _ = worker.communicate(timeout=20)
    return out.decode(errors="replace")[-4000:]
