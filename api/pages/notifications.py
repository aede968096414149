"""Pages: the notification centre, email choices and the urge button (issue 11 item 3)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
