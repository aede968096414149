"""JSON API: the incoming documents the caller was told of for information."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
