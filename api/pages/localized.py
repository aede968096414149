"""Validation messages in the page's language. The services validate in Vietnamese, the
system's language; for a form the page asks the same form registry again in its own locale, so
the schema stays the single source of the rules and only the wording changes; the casework
services' own messages are translated from a catalogue."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from forms import FormInvalid, default_registry

_LOCALES = Path(__file__).resolve().parent.parent / "locales"


def form_errors(locale: str, form_key: str, data: dict[str, Any]) -> dict[str, str]:
    """Field -> message for ``data`` against the form ``form_key``; empty when it is valid."""
    try:
        default_registry().validate(form_key, data, locale=locale)
    except FormInvalid as exc:
        return exc.errors
    return {}


@lru_cache(maxsize=None)
def _domain_catalog(locale: str) -> dict[str, str]:
    path = _LOCALES / f"domain.{locale}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def domain_message(locale: str, message: str) -> str:
    """A message of the services, written in Vietnamese (the system's language), in the page's
    language: locales/domain.<locale>.json is keyed by the Vietnamese text, as gettext is by its
    source text. A message not translated yet is shown as the service wrote it."""
    return _domain_catalog(locale).get(message, message)
