"""Path and query parameters shared by the routes. Ids and offsets are bounded by what the
database holds (PostgreSQL bigint): a larger number cannot name anything, and sent to the
driver it overflows, so it is refused here as a 422 like any other malformed parameter."""
from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2**63 - 1

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="rows to skip")]
