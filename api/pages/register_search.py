"""The search form of the incoming register: the query string of /incoming as typed (kept for
the form, the page links and the export links) turned into the register's ``Filters``.

A hand-edited value that makes no sense is reported next to its field and left out of the
search, rather than answered with a bare 422: the page still shows what the rest finds."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from documents.incoming.models import STATUSES, URGENCIES
from documents.incoming.queries import Filters

from . import deadline_marks  # noqa: F401  (the list's deadline badges: a template global)

PAGE_SIZE = 25
FIELDS = ("q", "received_from", "received_to", "issuer", "doc_type", "urgency", "status", "overdue")
MAX_LENGTHS = {"q": 200, "issuer": 255, "doc_type": 100}
CHOICES = {"urgency": URGENCIES, "status": tuple(STATUSES)}
DATES = ("received_from", "received_to")  # the period, which the register exports take too


@dataclass(frozen=True)
class Search:
    values: dict[str, str]                      # the non-empty fields as typed
    filters: Filters
    page: int
    errors: dict[str, str] = field(default_factory=dict)   # field -> locale key

    def url(self, page: int) -> str:
        return "/incoming?" + urlencode({**self.values, "page": page})

    def export_query(self) -> str:
        period = {name: self.values[name] for name in DATES if name in self.values and name not in self.errors}
        return "?" + urlencode(period) if period else ""


def parse(params: Mapping[str, str]) -> Search:
    values = {name: params[name].strip() for name in FIELDS if (params.get(name) or "").strip()}
    errors: dict[str, str] = {}
    for name, limit in MAX_LENGTHS.items():
        if len(values.get(name, "")) > limit:
            errors[name] = "incoming.search.too_long"
    for name, allowed in CHOICES.items():
        if name in values and values[name] not in allowed:
            errors[name] = "incoming.search.unknown_choice"
    dates = {name: _date(values[name]) for name in DATES if name in values}
    errors.update({name: "incoming.search.bad_date" for name, day in dates.items() if day is None})
    page = _page(params.get("page"))

    def kept(name: str) -> str | None:
        return values.get(name) if name not in errors else None

    filters = Filters(received_from=dates.get("received_from"), received_to=dates.get("received_to"),
                      issuer=kept("issuer"), doc_type=kept("doc_type"), urgency=kept("urgency"),
                      status=kept("status"), overdue="overdue" in values, text=kept("q"),
                      limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return Search(values, filters, page, errors)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _page(text: str | None) -> int:
    try:
        return max(1, min(int(text or 1), 100_000))
    except ValueError:
        return 1
