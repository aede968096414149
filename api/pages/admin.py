"""Placeholder: this area's pages are being built (issue 8)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
