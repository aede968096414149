"""JSON API: the person's notifications, email choices, and the leader's urge (issue 11 item 3)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["notifications"])
