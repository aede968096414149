"""JSON API: the agency's business calendar (working hours, days off, make-up working days)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
