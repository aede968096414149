"""JSON API: the agency's default handling deadlines (issue 11 item 1)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/agency/deadline-policy", tags=["deadline policy"])
