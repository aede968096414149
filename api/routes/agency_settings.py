"""JSON API: the agency's settings (the scan quality policy)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
