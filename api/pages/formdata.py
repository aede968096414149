"""HTML forms send strings; turn them into the types the task's JSON Schema expects before the
schema validates them (the schema stays the single source of the rules), and into the ids,
numbers and times the casework services take. People type dates as Vietnamese write them
(dd/mm/yyyy, with HH:MM for a time); the schema and the engine get ISO 8601 in Vietnam time."""
from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import Form
from starlette.datastructures import FormData

from documents.vntime import VN_TZ

from ..schemas import TEXT_BOUND

_TRUE = {"on", "true", "1", "yes"}
_INTEGER = re.compile(r"-?[0-9]{1,10}")
_LARGEST = 2**31 - 1  # the database's integer ids and numbers
_YEARS = (2000, 2100)
# 21/11/2026, 21-11-2026 or 21.11.2026, then an optional 17:00 (or 17h00).
_VN_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ ,T]+(\d{1,2})[:hH](\d{2}))?")
# A deadline given as a day means the end of that working day, Vietnam time.
END_OF_WORKING_DAY = time(17, 0)

# A field of a casework form: bounded only against abuse; the services set the real limits and
# say so in the user's words, so a text a little too long is refused next to its field.
FormText = Annotated[str, Form(max_length=TEXT_BOUND)]


def coerce(form: FormData, schema: dict[str, Any], decision: str | None = None) -> dict[str, Any]:
    """The form's strings as the schema's types. A checkbox left unticked is False; but the form's
    ``decision`` (a button a choice) not sent is left out, so the schema says it is required."""
    data: dict[str, Any] = {}
    for name, field in schema.get("properties", {}).items():
        kind = field.get("type")
        if kind == "boolean":
            if name == decision and not str(form.get(name) or "").strip():
                continue
            data[name] = str(form.get(name) or "").lower() in _TRUE
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
        data[name] = _dated(str(raw).strip(), field.get("format")) or _scalar(raw, kind)
    return data


def _dated(text: str, fmt: str | None) -> str | None:
    """A date or date-time field's value as ISO 8601; None when the text is not a date at all
    (then the schema refuses it, and `undated` names the field for the page's own message)."""
    if fmt not in ("date", "date-time"):
        return None
    moment = typed_date(text)
    if moment is None:
        return None
    if fmt == "date":
        return moment.date().isoformat() if isinstance(moment, datetime) else moment.isoformat()
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, END_OF_WORKING_DAY)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN_TZ)
    return moment.isoformat(timespec="seconds")


def typed_date(text: str) -> date | datetime | None:
    """dd/mm/yyyy [HH:MM] as typed, or ISO 8601 (what the date picker puts in the field): a date,
    a datetime (naive unless the text had an offset), or None when it is no real date."""
    text = text.strip()
    found = _VN_DATE.fullmatch(text)
    try:
        if found:
            day, month, year, hour, minute = found.groups()
            day_of = date(int(year), int(month), int(day))
            moment = day_of if hour is None else datetime.combine(day_of, time(int(hour), int(minute)))
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            moment = date.fromisoformat(text)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if _YEARS[0] <= moment.year <= _YEARS[1] else None


def undated(data: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """The date fields whose typed text coerce could not read as a date."""
    return [name for name, field in schema.get("properties", {}).items()
            if field.get("format") in ("date", "date-time") and isinstance(data.get(name), str)
            and _dated(data[name], field["format"]) is None]


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
    """A deadline typed (21/11/2026 17:00) or picked (2026-11-21T17:00), in Vietnam time unless it
    says otherwise; a day alone means the end of that working day. Far outside the years it is
    refused: such a time would not even convert to UTC."""
    moment = typed_date(raw or "")
    if moment is None:
        raise Unreadable(field, "form.bad_datetime")
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, END_OF_WORKING_DAY)
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def typed_values(form: FormData) -> dict[str, str | list[str]]:
    """What a person typed, to show the form again: never a file, never the CSRF token; a field
    sent several times (the checkboxes of a column) keeps all its values."""
    values: dict[str, str | list[str]] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str) or name == "csrf_token":
            continue
        before = values.get(name)
        values[name] = value if before is None else [*before, value] if isinstance(before, list) else [before, value]
    return values


def shown_dates(values: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``values`` with each ISO date (what the picker posts) as people read it: 21/11/2026, and
    21/11/2026 08:30 for a date-time; text that is no date stays as typed, to be corrected."""
    shown = dict(values)
    for name, field in schema.get("properties", {}).items():
        value = values.get(name)
        if field.get("format") not in ("date", "date-time") or not isinstance(value, str) or "-" not in value:
            continue
        moment = typed_date(value)
        if isinstance(moment, datetime):
            moment = moment.astimezone(VN_TZ) if moment.tzinfo else moment
            shown[name] = moment.strftime("%d/%m/%Y" if field["format"] == "date" else "%d/%m/%Y %H:%M")
        elif moment is not None:
            shown[name] = moment.strftime("%d/%m/%Y")
    return shown
