"""HTML forms send strings; turn them into the types the task's JSON Schema expects before the
schema validates them (the schema stays the single source of the rules)."""
from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

_TRUE = {"on", "true", "1", "yes"}


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
