"""Jinja2 rendering with autoescape, the translator and Vietnam-time formatting."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from documents.notifications.service import unread_count
from documents.permissions import Permission, allows
from documents.incoming.participants import LEADERS, UNIT_HEADS
from documents.incoming.service import CLERKS, READERS
from documents.signing import VERDICTS
from documents.vntime import VN_TZ, iso

from ..i18n import catalog, locale_of, translator
from .localized import domain_message

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
DISPLAY_FORMATS = {"vi": "HH:mm, dd/MM/yyyy", "en": "d MMM yyyy, HH:mm"}
DATE_FORMATS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}


@pass_context
def vntime(context, moment) -> str:
    """A time as people read it, in Vietnam time and the page's locale (22/11/2026, 07:01)."""
    if moment is None:
        return ""
    locale = context.get("locale", "vi")
    return format_datetime(moment, format=DISPLAY_FORMATS.get(locale, DISPLAY_FORMATS["vi"]), tzinfo=VN_TZ,
                           locale=locale)


@pass_context
def vndate(context, day: date | None) -> str:
    """A calendar date (a document's date, a deadline) in the page's locale (20/11/2026)."""
    if day is None:
        return ""
    locale = context.get("locale", "vi")
    return format_date(day, format=DATE_FORMATS.get(locale, DATE_FORMATS["vi"]), locale=locale)


def local_input(moment: datetime | None) -> str:
    """A time as a ``datetime-local`` field holds it: Vietnam time, to the minute, no offset."""
    return "" if moment is None else moment.astimezone(VN_TZ).strftime("%Y-%m-%dT%H:%M")


def field_label(field: dict[str, Any], name: str, locale: str) -> str:
    """A form field's title in the page's language (the schema's title is Vietnamese)."""
    title = field.get("title", name)
    return field.get("x-title-en", title) if locale == "en" else title


def choices(field: dict[str, Any], locale: str) -> list[tuple[Any, str]]:
    """An enum field's options with their labels in the page's language."""
    labels = ((field.get("x-enumLabels-en") if locale == "en" else None) or field.get("x-enumLabels")
              or field.get("enumNames") or field["enum"])
    return list(zip(field["enum"], labels))


def verdict_text(verdict: str, locale: str) -> str:
    """The overall signature verdict of a PDF, in the page's language."""
    vi, en = VERDICTS.get(verdict, (verdict, verdict))
    return en if locale == "en" else vi


@pass_context
def step_title(context, process_key: str | None, element_id: str | None, default: str = "") -> str:
    """A step's name (a BPMN element's) in the page's language: ``step.<process>.<element>`` from
    the catalog (locales/<locale>/steps.json) when there is one, else the diagram's own name,
    which a process admin writes in Vietnamese."""
    key = f"step.{process_key}.{element_id}"
    return catalog(context.get("locale", "vi")).get(key) or default or element_id or ""


# The pages the header links to, so a page knows which entry it belongs to (aria-current).
NAV_TARGETS = ("/tasks", "/incoming", "/incoming/new", "/incoming/requests", "/incoming/informed", "/diagrams",
               "/instances", "/incidents", "/migrations", "/admin/users", "/account")

templates.env.filters.update(vntime=vntime, vndate=vndate, iso=iso, local_input=local_input)
# The same role sets the services check, so the navigation never offers what would be refused.
templates.env.globals.update(field_label=field_label, choices=choices, verdict_text=verdict_text,
                             REGISTER_READERS=READERS, REGISTER_CLERKS=CLERKS, REQUEST_DECIDERS=LEADERS + UNIT_HEADS,
                             allows=allows, Permission=Permission, step_title=step_title, NAV_TARGETS=NAV_TARGETS)


def page(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200):
    locale = locale_of(request)
    values = {"t": translator(locale), "locale": locale, **(context or {})}
    who = values.get("who")
    # The error page is rendered by the async error handler, after the request's unit of work
    # ended (and maybe with the database down): its bell goes without a count.
    if who is not None and name != "error.html" and "unread_notifications" not in values:
        values["unread_notifications"] = header_unread(request, who.user_id)
    return templates.TemplateResponse(request, name, values, status_code=status)


def header_unread(request: Request, user_id: int) -> int:
    """The header's badge: one COUNT on the index of (user, read_at), in the request's own unit of
    work when the page's identity left it on ``request.state.db``, else in a short session."""
    session = getattr(request.state, "db", None)
    if session is not None:
        return unread_count(session, user_id)
    with request.app.state.system.sessions() as own:
        return unread_count(own, user_id)


def for_people(text: str) -> bool:
    """Whether a refusal's text was written for the people using the pages: the services write
    those in Vietnamese; the engine's and the framework's are English developer text ("Not Found",
    "task 5 not found"), which an error page replaces by its own explanation."""
    return bool(text) and not text.isascii()


def error_page(request: Request, status: int, message: str = "", errors: dict | None = None, *,
               who=None, message_key: str = ""):
    """The error page: a title and an explanation for the status in the page's language, the
    service's own words when they were written for people, and a way back."""
    locale = locale_of(request)
    shown = domain_message(locale, message) if for_people(message) else ""
    details = [domain_message(locale, text) for text in (errors or {}).values()
               if isinstance(text, str) and for_people(text)]
    referrer = request.headers.get("referer", "")
    own_site = str(request.base_url)
    back = referrer if referrer.startswith(own_site) and referrer != str(request.url) else ""
    context = {"status": status, "message": shown, "message_key": message_key, "details": details,
               "back": back, "retry": status == 503 and request.method == "GET", "who": who}
    return page(request, "error.html", context, status)
