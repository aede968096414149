"""Outages: without the database every request is a 503 with Retry-After and one log line (no
traceback); without Redis the API works and readiness says "degraded"; liveness never looks
further than the process. The real services stay up: the app is pointed at closed ports."""
from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from documents.settings import Settings
from documents.system import build_system
from tests.serving import free_port

from .conftest import get_token

NO_DATABASE = "postgresql+psycopg2://postgres@127.0.0.1:1/nowhere"


def no_redis() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def database_down(tmp_path):
    system = build_system(Settings(database_url=NO_DATABASE, redis_url=no_redis(), file_store_dir=tmp_path / "files",
                                   signing_dir=tmp_path / "signing"))
    with TestClient(create_app(system, start_worker=False)) as client:
        yield client
    system.db.dispose()


def assert_one_log_line(caplog) -> None:
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].exc_info is None and "database unavailable" in records[0].getMessage()


def test_without_the_database_the_api_answers_503_with_retry_after(database_down, caplog):
    response = database_down.get("/api/tasks", headers={"Authorization": "Bearer whatever"})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["error"]["status"] == 503
    assert response.headers["X-Frame-Options"] == "DENY"
    assert_one_log_line(caplog)


def test_without_the_database_a_page_answers_a_503_page(database_down, caplog):
    database_down.cookies.set("qlvb_session", "whatever")
    response = database_down.get("/tasks")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert int(response.headers["Retry-After"]) > 0
    assert_one_log_line(caplog)


def test_without_the_database_the_process_is_alive_but_not_ready(database_down):
    assert database_down.get("/healthz/live").json() == {"status": "ok"}
    for path in ("/healthz/ready", "/healthz"):
        response = database_down.get(path)
        assert response.status_code == 503 and "Retry-After" in response.headers
        assert response.json()["checks"]["database"].startswith("error")


def test_without_redis_the_api_works_and_readiness_is_degraded(pg, people):
    system = replace(pg, settings=replace(pg.settings, redis_url=no_redis()))
    with TestClient(create_app(system, start_worker=False)) as client:
        token = get_token(client, "a.clerk")
        assert client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        for path in ("/healthz/ready", "/healthz"):
            response = client.get(path)
            assert response.status_code == 200
            assert response.json() == {"status": "degraded",
                                       "checks": {"database": "ok", "broker": "error: ConnectionError"}}
        assert client.get("/healthz/live").status_code == 200
