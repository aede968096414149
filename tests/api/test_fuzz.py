"""Schemathesis over the whole JSON API, on PostgreSQL: whatever a client sends, the answer is
never a 5xx. Ids and offsets past 2^63, dates at the end of the calendar, values longer than
their column, wrong JSON types: each is a 4xx refusal, not a server error.

Bounded so it stays a unit of the suite: schemathesis' boundary cases of every parameter plus a
few derandomised examples per operation, as three callers (clerk, leader, process admin) of an
agency that has one registered document waiting at the leader's distribution."""
from __future__ import annotations

import os
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.python import asgi

from engine import clock as clocks
from engine.clock import FixedClock
from tests.api.conftest import get_token, register_incoming

# Who calls, and which operations: the clerk all of them (the log-in too, once), the leader all
# but the log-in, the process admin what only process admins reach (deploy, start).
CALLERS = {"a.clerk": "^/api/", "a.leader": "^/api/(?!auth/)", "a.process_admin": "^/api/process-"}
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 5))  # per operation, besides the boundary cases; raise it to dig
# Logging out would revoke the caller's token and leave the rest of the run at 401.
SKIPPED = "^/api/auth/logout$"
BOUNDED = hypothesis.settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                              suppress_health_check=list(HealthCheck))


def clocked(app: FastAPI, clock: FixedClock):
    """The app run under the test clock: schemathesis calls it from its own event-loop thread,
    where the test's context (and so its clock) is not bound."""

    async def asgi(scope: dict, receive: Any, send: Any) -> None:
        with clocks.using(clock):
            await app(scope, receive, send)

    return asgi


def check(case: schemathesis.Case) -> None:
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])


def server_errors(schema: Any) -> list[str]:
    """Every operation; the failures found, each with a request that reproduces it. The tests are
    built by the helper behind schemathesis.pytest.from_fixture, which itself cannot run under
    pytest 9.2 (it renames the test through Function._nodeid, which pytest no longer has)."""
    failures = []
    for result in get_all_tests(schema=schema, test_func=check, settings=BOUNDED, given_kwargs=None):
        operation, test = result.ok()
        try:
            test()
        except Exception as exc:  # noqa: BLE001 — collected, so one run names every 5xx
            failures.append(f"{operation.label}: {exc}")
    return failures


@pytest.mark.parametrize("caller, paths", CALLERS.items(), ids=CALLERS)
def test_no_operation_answers_a_server_error(app: FastAPI, client: TestClient, clock: FixedClock, province: dict,
                                             caller: str, paths: str) -> None:
    register_incoming(client, {"Authorization": f"Bearer {get_token(client, 'a.clerk')}"})
    config = schemathesis.Config.from_dict({
        "seed": 2026, "generation": {"mode": "all", "deterministic": True},
        # The boundary values a valid request may carry (largest id, last date, longest text):
        # where the 5xx's were. Invalid ones stop at the parameter check; the fuzzing covers them.
        "phases": {"coverage": {"generation": {"mode": "positive"}, "unexpected-methods": []}},
        "headers": {"authorization": f"Bearer {get_token(client, caller)}"}})
    schema = schemathesis.openapi.from_asgi("/openapi.json", clocked(app, clock), config=config)
    try:
        failures = server_errors(schema.include(path_regex=paths).exclude(path_regex=SKIPPED))
    finally:  # schemathesis keeps an app's lifespan running until the process exits
        asgi.shutdown_lifespans()
    assert not failures, "\n\n".join(failures)
