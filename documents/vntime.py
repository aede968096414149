"""Vietnam time: every time shown or exported is Asia/Ho_Chi_Minh, ISO 8601 with its offset."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(VN_TZ).isoformat(timespec="seconds")
