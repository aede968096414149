"""Pages: the leader's dashboard with its charts and drill-down (issue 11 item 4)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
