"""Liveness and readiness, kept apart: a process that answers is alive; it is ready when it can
reach its database. The broker only carries work that the outbox keeps until it is back (the
relay re-publishes), so Redis down makes the API degraded, not unavailable."""
from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tasks.broker import ping

from ..errors import RETRY_AFTER

router = APIRouter(prefix="/healthz", tags=["health"])


@router.get("/live", summary="Liveness: the process answers (touches nothing)")
async def live() -> dict[str, str]:
    # async on purpose: it needs no worker thread, so it answers even when every thread is busy.
    return {"status": "ok"}


@router.get("/ready", summary="Readiness: 503 without the database; 200 \"degraded\" without the broker")
def ready(request: Request) -> JSONResponse:
    checks = {"database": _check(lambda: _select_one(request.app.state.system.db)),
              "broker": _check(lambda: ping(request.app.state.broker))}
    status = "ok" if checks["broker"] == "ok" else "degraded"
    if checks["database"] != "ok":
        return JSONResponse({"status": "unavailable", "checks": checks}, status_code=503,
                            headers={"Retry-After": RETRY_AFTER})
    return JSONResponse({"status": status, "checks": checks})


# /healthz is what existing probes (the Docker health check, the bench) ask: the readiness answer.
router.add_api_route("", ready, methods=["GET"], summary="Same as /healthz/ready")


def _select_one(db: sa.Engine) -> None:
    with db.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:  # report, do not raise: this endpoint exists to say what is down
        return f"error: {exc.__class__.__name__}"
