"""What a worker process does with due timers, run as its own process by the sweep tests: build
a runtime on the test database and fire what is due at a given instant. ``slow`` makes each
firing's service step take a while, so a test can kill the process in the middle of one."""
from __future__ import annotations

import sys
import time
from datetime import datetime

from documents.settings import Settings
from documents.system import build_system
from engine.clock import FixedClock
from engine.runtime import EngineHooks, WorkflowRuntime
from engine.sandbox import Sandbox


def slow_service(params, data):
    time.sleep(0.05)  # inside the worker: stands for a slow mail server, not a test waiting
    return {"sent": True}


def sweep(url: str, at: str) -> int:
    moment = datetime.fromisoformat(at)
    system = build_system(Settings(database_url=url), engine_clock=FixedClock(moment))
    runtime = WorkflowRuntime(Sandbox(), clock=FixedClock(moment), hooks=EngineHooks(services={"slow": slow_service}))
    try:
        return runtime.fire_due(system.sessions, moment)
    finally:
        system.db.dispose()


if __name__ == "__main__":
    fired = sweep(sys.argv[1], sys.argv[2])
    print(f"fired {fired}", flush=True)
