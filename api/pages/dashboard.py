"""Pages: the leader's dashboard (/dashboard) with its charts, and the drill-down lists
(/dashboard/items). What they show comes from documents/dashboard (the queries the JSON API
answers with too); who sees what is documents/dashboard/access.py's: a leader the agency, a unit
head their own unit, anyone else a 403 page.

Filters come from selects and links, never typed: a hand-edited value that makes no sense (a
unit id that is not a number, an unknown list) gets an error page saying so, nothing else."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Callable
from urllib.parse import urlencode

from babel.dates import format_date
from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.dashboard import access, periods, queries
from documents.dashboard.access import Scope
from documents.dashboard.overview import overview
from documents.models import Agency, OrgUnit, Role, User
from documents.vntime import VN_TZ
from engine import clock

from ..deps import DB, PageUser
from ..i18n import locale_of, translator
from .render import error_page, page

router = APIRouter(include_in_schema=False)

SERIES_LENGTH = {periods.WEEK: 12, periods.MONTH: 12}
# A period's name: short under the chart, in full in the table that carries its numbers.
SHORT_LABELS = {(periods.WEEK, "vi"): "dd/MM", (periods.WEEK, "en"): "d MMM",
                (periods.MONTH, "vi"): "MM/yyyy", (periods.MONTH, "en"): "MMM yyyy"}
FULL_LABELS = {(periods.WEEK, "vi"): "dd/MM/yyyy", (periods.WEEK, "en"): "d MMM yyyy",
               (periods.MONTH, "vi"): "'tháng' M/yyyy", (periods.MONTH, "en"): "MMMM yyyy"}


@dataclass(frozen=True)
class Paging:
    page: int
    url: Callable[[int], str]


class BadFilter(Exception):
    """A query parameter a select or a link would never send."""


def _id(params, name: str) -> int | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise BadFilter(name)
    return int(text)


def _page_number(params) -> int:
    text = (params.get("page") or "1").strip()
    if not text.isdigit() or len(text) > 6 or int(text) < 1:
        raise BadFilter("page")
    return int(text)


def number(locale: str):
    """A figure as the locale writes it: 1.234 and 12,5 in Vietnamese; 1,234 and 12.5 in English."""
    def formatted(value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return ""
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=locale)
    return formatted


def items_url(status: str, *, unit_id: int | None = None, user_id: int | None = None,
              page: int | None = None, period: str | None = None) -> str:
    """The drill-down list of ``status``, narrowed to a unit and/or a person; its completed rows
    within the weeks or months the dashboard showed (``period``; weeks unless said)."""
    query: dict[str, Any] = {"status": status}
    query |= {"unit_id": unit_id} if unit_id is not None else {}
    query |= {"user_id": user_id} if user_id is not None else {}
    query |= {"period": period} if period and period != periods.WEEK else {}
    query |= {"page": page} if page and page > 1 else {}
    return "/dashboard/items?" + urlencode(query)


def dashboard_url(**query: Any) -> str:
    shown = {name: value for name, value in query.items() if value is not None and value != ""}
    return "/dashboard" + ("?" + urlencode(shown) if shown else "")


def _scope_name(session: Session, scope: Scope) -> str:
    """Whose figures: the person picked, else the unit, else the agency (already in the session)."""
    if scope.user_id is not None:
        return session.get(User, scope.user_id).full_name
    if scope.unit_id is not None:
        return session.get(OrgUnit, scope.unit_id).name
    return session.get(Agency, scope.agency_id).name


def _scope_kind(scope: Scope) -> str:
    return "person" if scope.user_id is not None else "unit" if scope.unit_id is not None else "agency"


def _asked_scope(request: Request, session: Session, who: Identity) -> Scope:
    params = request.query_params
    return access.scope_for(session, who, _id(params, "unit_id"), _id(params, "user_id"))


def period_name(point: queries.Point, kind: str, locale: str, labels: dict = FULL_LABELS) -> str:
    return format_date(point.start.astimezone(VN_TZ).date(), labels[kind, locale], locale=locale)


def _series_chart(points: list[queries.Point], kind: str, locale: str, t) -> dict:
    labels = [period_name(point, kind, locale, SHORT_LABELS) for point in points]
    return {"labels": labels, "stacked": True, "datasets": [
        {"key": "received", "label": t("dashboard.chart.received"), "type": "line", "stack": "received",
         "data": [point.received for point in points]},
        *({"key": status, "label": t("dashboard.status." + status), "stack": "completed",
           "data": [getattr(point, status) for point in points]} for status in (queries.ON_TIME, queries.LATE)),
    ]}


def _breakdown_chart(groups: list[queries.Group], t) -> dict:
    shown = (queries.OPEN, queries.OVERDUE, queries.ON_TIME, queries.LATE)
    return {"labels": [group.name for group in groups], "stacked": False, "datasets": [
        {"key": status, "label": t("dashboard.status." + status),
         "data": [getattr(group.figures, status) for group in groups]} for status in shown]}


def _period(request: Request) -> str:
    kind = request.query_params.get("period")
    return kind if kind in periods.KINDS else periods.WEEK


def _province(session: Session, who: Identity, at: datetime, since: datetime) -> queries.Province | None:
    """The province's rows for a leader whose agency has agencies below it; else nothing to show."""
    if Role.LEADER not in who.roles:
        return None
    agency_ids = access.province_scope(session, who)
    return queries.province(session, agency_ids, at, since) if len(agency_ids) > 1 else None


@router.get("/dashboard")
def dashboard_page(request: Request, who: PageUser, session: DB):
    try:
        scope = _asked_scope(request, session, who)
    except BadFilter:
        return error_page(request, 400, who=who, message_key="dashboard.bad_filter")
    kind = _period(request)
    locale = locale_of(request)
    shown = overview(session, scope, clock.now(), kind, SERIES_LENGTH[kind])
    # The person picker lists the unit's (or agency's) people even while one of them is picked.
    people = shown.by_person if scope.user_id is None else \
        queries.by_person(session, replace(scope, user_id=None), shown.at, shown.since)
    per_unit = scope.unit_id is None and scope.user_id is None
    whole_agency = Role.LEADER in who.roles
    narrowed = scope.unit_id if whole_agency else None  # a unit head's own unit goes without saying
    t = translator(locale)
    charts = {"series": _series_chart(shown.series, kind, locale, t),
              "breakdown": _breakdown_chart(shown.by_unit if per_unit else people, t)}
    return page(request, "dashboard.html", page_context(request, who) | {
        "scope": scope, "scope_kind": _scope_kind(scope), "scope_name": _scope_name(session, scope),
        "at": shown.at, "period": kind, "figures": shown.totals, "points": shown.series, "units": shown.by_unit,
        "people": people, "per_unit": per_unit,
        "charts": {"charts": charts}, "whole_agency": whole_agency, "province": _province(session, who, shown.at, shown.since),
        "period_name": lambda point: period_name(point, kind, locale),
        "period_url": lambda other: dashboard_url(unit_id=narrowed, user_id=scope.user_id, period=other),
    })


@router.get("/dashboard/items")
def items_page(request: Request, who: PageUser, session: DB):
    status = request.query_params.get("status") or ""
    try:
        scope = _asked_scope(request, session, who)
        page_number = _page_number(request.query_params)
        if status not in queries.STATUSES:
            raise BadFilter("status")
    except BadFilter:
        return error_page(request, 400, who=who, message_key="dashboard.bad_filter")
    at, kind = clock.now(), _period(request)
    listed = queries.items(session, scope, at, status, page_number,
                           since=periods.window_start(kind, SERIES_LENGTH[kind], at))
    return page(request, "dashboard_items.html", page_context(request, who) | {
        "scope": scope, "scope_kind": _scope_kind(scope), "scope_name": _scope_name(session, scope),
        "status": status, "listed": listed, "at": at,
        # The urge button brings the leader back to this list (a local path, as it requires).
        "here": request.url.path + ("?" + request.url.query if request.url.query else ""),
        # What the shared pager reads: the page shown and the address of another.
        "search": Paging(page_number, lambda number: items_url(status, unit_id=scope.unit_id,
                                                                user_id=scope.user_id, page=number, period=kind)),
        "back_url": dashboard_url(unit_id=scope.unit_id, user_id=scope.user_id,
                                  period=kind if kind != periods.WEEK else None),
    })


def page_context(request: Request, who: Identity) -> dict[str, Any]:
    """What both pages' templates use: the figures' formatting and the links to the lists."""
    locale = locale_of(request)
    formatted = number(locale)
    period = _period(request)
    return {"who": who, "number": formatted, "STATUSES": queries.STATUSES,
            "items_url": lambda status, **narrow: items_url(status, period=period, **narrow),
            "overdue_by": lambda delta: overdue_by(delta, translator(locale), formatted)}


def overdue_by(delta: timedelta | None, t, formatted) -> str:
    """How long past its deadline, in words: "2 ngày 3 giờ", "5 giờ 10 phút", "40 phút"."""
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        key, values = "dashboard.overdue_by.days", {"days": days, "hours": hours}
    elif hours:
        key, values = "dashboard.overdue_by.hours", {"hours": hours, "minutes": minutes}
    else:
        key, values = "dashboard.overdue_by.minutes", {"minutes": minutes}
    text = t(key)
    for name, value in values.items():
        text = text.replace("{" + name + "}", formatted(value))
    return text
