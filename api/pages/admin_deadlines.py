"""Pages: the agency admin's default handling deadlines (issue 11 item 1)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
