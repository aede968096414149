"""How many requests may hold a database transaction at once, and the worker threads to match.

A sync endpoint passes through three pools: anyio's worker threads (dependencies, the endpoint,
then FastAPI's response validation each take a thread), SQLAlchemy's connections, and the row
locks of PostgreSQL. Sized apart, they deadlock under contention: forty requests waiting for the
register's row lock or for a connection held every thread, while the request holding the lock had
finished its endpoint but needed one more thread to validate its response before its commit could
run — everything froze until the pool timeout (30 s) and then answered 500.

So one number, ``DB_POOL_SIZE``, sizes all three. At most that many requests hold a transaction
(the turn below; the others wait on the event loop, holding nothing), each of them uses at most one
thread at a time, and there are more threads than turns: the request holding a lock always finds a
thread to finish and commit. The connection pool has the same number for requests plus a reserve
for what runs outside a turn (the readiness probe, the in-process worker and scheduler)."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException

from .errors import RETRY_AFTER

log = logging.getLogger(__name__)

# Threads beyond the request turns: work that holds no transaction (reading uploads, static
# files, the readiness probe) never takes a thread a turn needs.
SPARE_THREADS = 10


def install(app: FastAPI, turns: int, wait_seconds: float) -> None:
    """Call on the running event loop (in the lifespan): the limiter and the semaphore belong to it."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = turns + SPARE_THREADS
    app.state.turns = anyio.Semaphore(turns)
    app.state.turn_wait = wait_seconds


@asynccontextmanager
async def turn(request: Request) -> AsyncIterator[None]:
    """Wait (on the event loop, holding no thread and no connection) for a transaction turn; a
    clean 503 with Retry-After when none frees up in time. Apps started without their lifespan
    (a TestClient outside ``with``) have no turns and are not limited."""
    turns: anyio.Semaphore | None = getattr(request.app.state, "turns", None)
    if turns is None:
        yield
        return
    wait = request.app.state.turn_wait
    try:
        with anyio.fail_after(wait):
            await turns.acquire()
    except TimeoutError:
        log.warning("503 on %s: no transaction turn free within %.0f s", request.url.path, wait)
        raise HTTPException(503, "the server is busy; retry shortly", headers={"Retry-After": RETRY_AFTER}) from None
    try:
        yield
    finally:
        turns.release()
