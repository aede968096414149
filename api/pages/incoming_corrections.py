"""Correcting a registered document's metadata (NĐ 30 Đ24.3): the clerk's form and the corrections panel of the document page."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
