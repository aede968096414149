"""Reading uploads with a hard size limit, so a huge body is refused before it is stored."""
from __future__ import annotations

from fastapi import UploadFile

from engine.errors import InvalidData
from engine.parsing import MAX_DIAGRAM_BYTES


async def read_limited(upload: UploadFile, limit: int = MAX_DIAGRAM_BYTES) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidData(f"the file is larger than {limit // 1024} KiB")
    if not data:
        raise InvalidData("the file is empty")
    return data
