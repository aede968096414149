"""The registration page's part of the arrival desk: the late-entry option read from the form, and
the question the page asks before numbering (a probable duplicate, a signature that fails)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from starlette.datastructures import FormData

from documents.errors import InvalidData
from documents.incoming import service, signature_binding
from documents.incoming.models import IncomingDocument
from documents.vntime import VN_TZ

_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
BAD_TIME = "Nhập ngày giờ đến thực tế dạng dd/mm/yyyy và HH:MM."


def late_arrival(form: FormData, locale: str = "vi") -> datetime | None:
    """The real arrival time of a late entry (Vietnam time), when the clerk chose the option."""
    if form.get("late_entry") not in ("true", "on"):
        return None
    day, moment = str(form.get("late_date") or ""), str(form.get("late_time") or "")
    found, iso, clock_time = _DATE.match(day), _ISO_DATE.match(day), _TIME.match(moment)
    if not (found or iso) or not clock_time:
        raise InvalidData(BAD_TIME, errors={"arrived_at": BAD_TIME})
    year, month, date_ = (int(found[3]), int(found[2]), int(found[1])) if found else (int(iso[1]), int(iso[2]), int(iso[3]))
    try:
        return datetime(year, month, date_, int(clock_time[1]), int(clock_time[2]), tzinfo=VN_TZ)
    except ValueError:
        raise InvalidData(BAD_TIME, errors={"arrived_at": BAD_TIME}) from None


@dataclass(frozen=True)
class Question:
    """What the page asks before the number is taken; ``token`` keeps the files already sent."""
    kind: str                                   # duplicate | signature
    message: str
    token: str
    files: list[str]
    duplicates: list[IncomingDocument] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, exc: Exception, token: str, files: list[str]) -> Question:
        if isinstance(exc, service.ProbableDuplicate):
            return cls("duplicate", exc.message, token, files, duplicates=exc.duplicates)
        assert isinstance(exc, signature_binding.SignatureRefused)
        return cls("signature", exc.message, token, files, problems=list(exc.problems))
