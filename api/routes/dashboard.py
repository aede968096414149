"""JSON API: the leader's dashboard figures and drill-down lists (issue 11 item 4)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/dashboard", tags=["dashboard"])
