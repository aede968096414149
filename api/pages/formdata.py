"""HTML forms send strings; turn them into the types the task's JSON Schema expects before the
schema validates them (the schema stays the single source of the rules), and into the ids,
numbers and times the casework services take."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import Form
from starlette.datastructures import FormData

from documents.vntime import VN_TZ

from ..schemas import TEXT_BOUND

_TRUE = {"on", "true", "1", "yes"}
_INTEGER = re.compile(r"-?[0-9]{1,10}")
_LARGEST = 2**31 - 1  # the database's integer ids and numbers
_YEARS = (2000, 2100)

# A field of a casework form: bounded only against abuse; the services set the real limits and
# say so in the user's words, so a text a little too long is refused next to its field.
FormText = Annotated[str, Form(max_length=TEXT_BOUND)]


def coerce(form: FormData, schema: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in schema.get("properties", {}).items():
        kind = field.get("type")
        if kind == "boolean":
            data[name] = form.get(name, "").lower() in _TRUE
            continue
        if kind == "array":
            # One item a line of a textarea (or one item a repeated field).
            values = [line for v in form.getlist(name) for line in str(v).splitlines() if line.strip()]
            if values:
                item_type = field.get("items", {}).get("type")
                data[name] = [_scalar(v, item_type) for v in values]
            continue
        raw = form.get(name)
        if raw is None or str(raw).strip() == "":
            continue
        data[name] = _scalar(raw, kind)
    return data


def _scalar(raw: Any, kind: str | None) -> Any:
    text = str(raw).strip()
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text  # the schema reports the wrong type in the user's language
    return text


class Unreadable(Exception):
    """A form value that is not even of the right kind (a select forged, a number typed as words):
    refused by the page, before any service is called, next to its field."""

    status = 422

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field, self.key = field, key  # key: the locale key of the message


def optional_int(field: str, raw: str | None) -> int | None:
    """An integer typed or chosen, or None when left empty."""
    text = (raw or "").strip()
    if not text:
        return None
    if not _INTEGER.fullmatch(text) or abs(int(text)) > _LARGEST:
        raise Unreadable(field, "form.not_a_whole_number")
    return int(text)


def vietnam_time(field: str, raw: str | None) -> datetime:
    """A ``datetime-local`` value (2026-12-04T17:00), which has no offset: Vietnam time is meant."""
    try:
        moment = datetime.fromisoformat((raw or "").strip())
    except ValueError:
        raise Unreadable(field, "form.bad_datetime") from None
    if not _YEARS[0] <= moment.year <= _YEARS[1]:  # far outside, a time would not even convert to UTC
        raise Unreadable(field, "form.bad_datetime")
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)
