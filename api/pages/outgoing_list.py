"""The outgoing documents' page (/outgoing): tabs for one's drafts, what waits for one, the
register of issued documents (/outgoing/register: searched, filtered, exported) and, for clerks
and leaders, every document. What it lists comes from documents/outgoing/register.py, as the
JSON API's; the exports are the API's files.

A hand-edited filter that makes no sense is reported next to its field and left out of the
search, as on the incoming register's page: the page still shows what the rest finds."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from math import ceil
from urllib.parse import urlencode

from fastapi import APIRouter, Request

from documents.errors import NotFound
from documents.incoming.exports import WRITERS
from documents.outgoing import doc_types, drafts, exports, register
from documents.outgoing.models import STATES, URGENCIES
from documents.outgoing.register import Filters, Tab

from ..deps import DB, PageUser
from ..routes.outgoing_register import PeriodQuery, register_export
from .render import page, templates

router = APIRouter(include_in_schema=False)
# The header's "Văn bản đi" menu offers drafting to those the drafts service lets draft.
templates.env.globals.update(OUTGOING_DRAFTERS=drafts.DRAFTERS)

PAGE_SIZE = 25
FIELDS = ("q", "doc_type", "urgency", "state", "date_from", "date_to")
DATES = ("date_from", "date_to")
CHOICES = {"doc_type": doc_types.TYPES, "urgency": URGENCIES, "state": STATES}
MAX_QUERY = 200
# The tab's address: the register has its own, the menu's "Sổ văn bản đi".
TAB_PATHS = {Tab.ISSUED: "/outgoing/register"}


def tab_url(tab: Tab, **query: str | int) -> str:
    path = TAB_PATHS.get(tab, "/outgoing")
    query = {"tab": tab.value, **query} if path == "/outgoing" else query
    return path + ("?" + urlencode(query) if query else "")


@dataclass(frozen=True)
class Search:
    tab: Tab
    values: dict[str, str]                                  # the non-empty fields as typed
    filters: Filters
    page: int
    errors: dict[str, str] = field(default_factory=dict)    # field -> locale key

    def url(self, page: int) -> str:
        return tab_url(self.tab, **self.values, page=page)

    def export_query(self) -> str:
        """The register's period for the export links: the dates searched, if any make sense."""
        period = {("issued_" + name[5:]): self.values[name] for name in DATES
                  if name in self.values and name not in self.errors}
        return "?" + urlencode(period) if period else ""


def parse(tab: Tab, params: Mapping[str, str]) -> Search:
    values = {name: params[name].strip() for name in FIELDS if (params.get(name) or "").strip()}
    errors: dict[str, str] = {}
    if len(values.get("q", "")) > MAX_QUERY:
        errors["q"] = "outgoing_list.search.too_long"
    for name, allowed in CHOICES.items():
        if name in values and values[name] not in allowed:
            errors[name] = "outgoing_list.search.unknown_choice"
    dates = {name: _date(values[name]) for name in DATES if name in values}
    errors.update({name: "outgoing_list.search.bad_date" for name, day in dates.items() if day is None})
    if dates.get("date_from") and dates.get("date_to") and dates["date_from"] > dates["date_to"]:
        errors["date_from"] = "outgoing_list.search.dates_reversed"
        dates = {}
    page = _page(params.get("page"))

    def kept(name: str) -> str | None:
        return values.get(name) if name not in errors else None

    filters = Filters(tab=tab, text=kept("q"), doc_type=kept("doc_type"), urgency=kept("urgency"),
                      state=kept("state") if tab == Tab.ALL else None,
                      date_from=dates.get("date_from") if "date_from" not in errors else None,
                      date_to=dates.get("date_to") if "date_to" not in errors else None,
                      limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return Search(tab, values, filters, page, errors)


def _date(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2999 else None


def _page(text: str | None) -> int:
    try:
        return max(1, min(int(text or 1), 100_000))
    except ValueError:
        return 1


@router.get("/outgoing")
def list_page(request: Request, who: PageUser, session: DB):
    try:
        tab = Tab(request.query_params.get("tab") or Tab.MINE)
    except ValueError:
        tab = Tab.MINE
    return _render(request, who, session, tab)


@router.get("/outgoing/register")
def register_page(request: Request, who: PageUser, session: DB):
    return _render(request, who, session, Tab.ISSUED)


# The page's downloads: the API's files, with the page's cookie. "/outgoing/register.xlsx" and
# "/outgoing/register/normative.pdf" never meet the document page's integer "/outgoing/{id}".
@router.get("/outgoing/register.{file_format}")
def export_register(file_format: str, who: PageUser, session: DB, period: PeriodQuery):
    return _export(session, who, "register", file_format, period)


@router.get("/outgoing/register/{kind}.{file_format}")
def export_other(kind: str, file_format: str, who: PageUser, session: DB, period: PeriodQuery):
    return _export(session, who, kind, file_format, period)


def _export(session, who, kind: str, file_format: str, period):
    if kind not in exports.KINDS or file_format not in WRITERS:
        raise NotFound(f"no outgoing register export '{kind}.{file_format}'")
    return register_export(session, who, kind, file_format, period)


def _render(request: Request, who, session, tab: Tab):
    tabs = register.tabs_for(who)
    if tab not in tabs:
        tab = Tab.MINE  # "Tất cả" asked by someone it is not offered to: their own drafts instead
    search = parse(tab, request.query_params)
    total, rows = register.search(session, who, search.filters)
    return page(request, "outgoing_list.html", {
        "who": who, "search": search, "tab": tab, "tabs": tabs, "tab_url": tab_url,
        "form_action": TAB_PATHS.get(tab, "/outgoing"), "total": total, "rows": rows,
        "pages": max(1, ceil(total / PAGE_SIZE)), "choices": CHOICES,
        "exports": exports.KINDS if tab == Tab.ISSUED and register.reads_register(who) else {},
        "formats": WRITERS, "urgency_names": exports.URGENCY_NAMES,
    })
