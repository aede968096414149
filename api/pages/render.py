"""Jinja2 rendering with autoescape, the translator and Vietnam-time formatting."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.dates import format_datetime
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from documents.vntime import VN_TZ

from ..i18n import locale_of, translator

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
DISPLAY_FORMATS = {"vi": "HH:mm, dd/MM/yyyy", "en": "d MMM yyyy, HH:mm"}


@pass_context
def vntime(context, moment) -> str:
    """A time as people read it, in Vietnam time and the page's locale (22/11/2026, 07:01)."""
    if moment is None:
        return ""
    locale = context.get("locale", "vi")
    return format_datetime(moment, format=DISPLAY_FORMATS.get(locale, DISPLAY_FORMATS["vi"]), tzinfo=VN_TZ,
                           locale=locale)


templates.env.filters["vntime"] = vntime


def page(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200):
    locale = locale_of(request)
    values = {"t": translator(locale), "locale": locale, **(context or {})}
    return templates.TemplateResponse(request, name, values, status_code=status)


def error_page(request: Request, status: int, message: str, errors: dict | None = None):
    return page(request, "error.html", {"status": status, "message": message, "errors": errors or {}}, status)
