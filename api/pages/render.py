"""Jinja2 rendering with autoescape, the translator and Vietnam-time formatting."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from documents.vntime import iso

from ..i18n import locale_of, translator

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
templates.env.filters["vntime"] = lambda moment: (iso(moment) or "").replace("T", " ")


def page(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200):
    locale = locale_of(request)
    values = {"t": translator(locale), "locale": locale, **(context or {})}
    return templates.TemplateResponse(request, name, values, status_code=status)


def error_page(request: Request, status: int, message: str, errors: dict | None = None):
    return page(request, "error.html", {"status": status, "message": message, "errors": errors or {}}, status)
