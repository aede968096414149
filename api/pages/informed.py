"""Documents a person or their unit was told of for information (để biết): their own list."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
