"""Form validation messages in the page's language. The services validate in Vietnamese, the
system's language; the page asks the same form registry again in its own locale, so the schema
stays the single source of the rules and only the wording changes."""
from __future__ import annotations

from typing import Any

from forms import FormInvalid, default_registry


def form_errors(locale: str, form_key: str, data: dict[str, Any]) -> dict[str, str]:
    """Field -> message for ``data`` against the form ``form_key``; empty when it is valid."""
    try:
        default_registry().validate(form_key, data, locale=locale)
    except FormInvalid as exc:
        return exc.errors
    return {}
