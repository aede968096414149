from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tasks.broker import ping

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Database and broker reachability")
def healthz(request: Request) -> JSONResponse:
    checks = {}
    try:
        with request.app.state.system.db.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, do not raise: this endpoint exists to say what is down
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        ping(request.app.state.broker)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if healthy else "degraded", "checks": checks},
                        status_code=200 if healthy else 503)
