"""JSON API: corrections of a registered incoming document's metadata."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
