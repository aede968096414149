"""Every wait of a request ends in a 503 with Retry-After rather than a hang: waiting for a row
lock (DB_LOCK_TIMEOUT) and waiting for a transaction turn (DB_POOL_TIMEOUT). Someone else holds
the process instance's row lock from a plain connection of the test."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

import httpx
import sqlalchemy as sa

from api.app import create_app
from documents.system import build_system
from tests.conftest import PASSWORD
from tests.serving import live_server

from .flow import METADATA, seed_agency

RETURN = {"data": {"decision": "return", "return_reason": "Không thuộc thẩm quyền."}}


def test_waits_for_a_lock_or_a_turn_end_in_503_with_retry_after(pg, clock):
    seed_agency(pg)
    # One turn, a short wait for it, a longer one for locks: a completion stuck on the lock keeps
    # the only turn while a second request waits for it.
    settings = replace(pg.settings, db_pool_size=1, db_pool_timeout=0.5, db_lock_timeout=2.0)
    system = build_system(settings, engine_clock=clock)
    try:
        with live_server(create_app(system, start_worker=False)) as base, httpx.Client(base_url=base) as http:
            login = lambda name: http.post("/api/auth/token", json={"username": name, "password": PASSWORD})
            clerk, leader = ({"Authorization": f"Bearer {login(name).json()['access_token']}"}
                             for name in ("clerk", "leader"))
            registered = http.post("/api/incoming", headers=clerk,
                                   data={"metadata": json.dumps(METADATA), "channel": "manual"}).json()
            instance_id = registered["process_instance_id"]
            (task,) = http.get(f"/api/process-instances/{instance_id}", headers=clerk).json()["tasks"]
            complete = lambda: http.post(f"/api/tasks/{task['id']}/complete", headers=leader, json=RETURN,
                                         timeout=30)

            with pg.db.connect() as holder:
                holder.execute(sa.text("SELECT id FROM process_instance WHERE id = :id FOR UPDATE"),
                               {"id": instance_id})
                stuck: list[httpx.Response] = []
                waiting = threading.Thread(target=lambda: stuck.append(complete()))
                began = time.monotonic()
                waiting.start()
                time.sleep(0.3)
                turned_away = http.get("/api/tasks", headers=leader)
                waiting.join()
                lock_seconds = time.monotonic() - began
                holder.rollback()

            assert turned_away.status_code == 503 and int(turned_away.headers["Retry-After"]) >= 1
            (locked_out,) = stuck
            assert locked_out.status_code == 503 and int(locked_out.headers["Retry-After"]) >= 1
            assert lock_seconds < 10
            # Nothing was written by the refused completion: it goes through now.
            assert complete().status_code == 200
    finally:
        system.db.dispose()
