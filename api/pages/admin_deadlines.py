"""The agency's default handling deadlines (/admin/deadlines), a tab of the agency admin's pages:
a table of document types (every type first, then those the agency sets apart) × urgencies, each
cell an amount of working hours or working days; a type's row is added by picking the type by
name and removed by its button; the whole table goes back to the national defaults after a
confirmation. The outgoing issuing deadline is shown beside it, read-only (fixed by NĐ 30 Điều 16).
A cell left empty follows the every-type row (or, in that row, the national default)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.administration import require_admin
from documents.deadlines import policy
from documents.outgoing.doc_types import TYPES

from ..deps import DB, CsrfUser, PageUser
from .formdata import FormText, Unreadable
from .refusals import NOTHING_FAILED, Failed, attempt
from .render import page

router = APIRouter(include_in_schema=False)
URL = "/admin/deadlines"
Cells = Annotated[list[str], Form(max_length=policy.MAX_ROWS * 2)]


@router.get(URL)
def deadlines_page(request: Request, who: PageUser, session: DB):
    return _page(request, session, who)


@router.post(URL)
def save(request: Request, who: CsrfUser, session: DB, doc_type: Cells = [], amount: Cells = [],
         unit: Cells = []):
    """The table as typed: ``doc_type`` one a row, ``amount`` and ``unit`` one a cell, row by
    row in the order of policy.URGENCIES."""
    values, cells = _typed(doc_type, amount, unit)

    def action():
        require_admin(who)
        return policy.set_table(session, who, _rules(doc_type, values, cells))

    renamed = {f"rows.{index}": f"amount-{row}-{urgency}" for index, (row, urgency) in enumerate(cells)}
    return _act(request, session, who, "table", values, action, "saved", renamed)


@router.post(f"{URL}/types")
def add_type(request: Request, who: CsrfUser, session: DB, doc_type: FormText = ""):
    return _act(request, session, who, "add", {"doc_type": doc_type},
                lambda: policy.add_type(session, who, doc_type), "added")


@router.post(f"{URL}/types/remove")
def remove_type(request: Request, who: CsrfUser, session: DB, remove: FormText = ""):
    """A type's button in the table's form: the form's other fields are not saved by it."""
    return _act(request, session, who, "table", {}, lambda: policy.remove_type(session, who, remove), "removed")


@router.post(f"{URL}/reset")
def reset(request: Request, who: CsrfUser, session: DB):
    return _act(request, session, who, "reset", {}, lambda: policy.reset(session, who), "reset")


def _typed(doc_types: list[str], amounts: list[str], units: list[str]) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """What was typed, by cell name (shown again if refused), and the cells that hold an amount."""
    values: dict[str, str] = {}
    cells: list[tuple[int, str]] = []
    for row in range(len(doc_types)):
        for column, urgency in enumerate(policy.URGENCIES):
            at = row * len(policy.URGENCIES) + column
            text = amounts[at].strip() if at < len(amounts) else ""
            values[f"amount-{row}-{urgency}"] = text
            values[f"unit-{row}-{urgency}"] = units[at] if at < len(units) else ""
            if text:
                cells.append((row, urgency))
    return values, cells


def _rules(doc_types: list[str], values: dict[str, str], cells: list[tuple[int, str]]) -> list[policy.Rule]:
    rules = []
    for row, urgency in cells:
        name = f"amount-{row}-{urgency}"
        unit = values[f"unit-{row}-{urgency}"]
        if unit not in policy.UNITS:
            raise Unreadable(name, "deadline_policy.bad_unit")
        try:
            amount = float(values[name].replace(",", "."))  # Vietnamese decimals are written 1,5
        except ValueError:
            raise Unreadable(name, "deadline_policy.bad_amount") from None
        rules.append(policy.Rule(doc_types[row], urgency, amount, unit))
    return rules


def _act(request: Request, session: Session, who: Identity, form: str, values: dict[str, str], action,
         saved: str, renamed: dict[str, str] | None = None):
    return attempt(request, session, form, values, action, conflict="admin.conflict", renamed=renamed,
                   shown_again=lambda failed, status: _page(request, session, who, failed, status),
                   then=lambda _: f"{URL}?saved={saved}")


def _page(request: Request, session: Session, who: Identity, failed: Failed = NOTHING_FAILED, status: int = 200):
    require_admin(who)
    table = policy.table(session, who.agency_id)
    rows = [("", table.every_type)] + [(name, table.by_type[name]) for name in table.by_type]
    saved = request.query_params.get("saved", "")
    return page(request, "admin_deadlines.html", {
        "who": who, "table": table, "rows": rows, "urgencies": policy.URGENCIES, "units": policy.UNITS,
        "addable": [name for name in TYPES if name not in table.by_type], "issuing_basis": policy.ISSUING_BASIS,
        "max_amount": policy.MAX_AMOUNT, "amount": _shown, "failed": failed, "section": "deadlines",
        "saved": saved if saved in ("saved", "added", "removed", "reset") else ""}, status)


def _shown(amount: float) -> str:
    """2.0 → "2", 1.5 → "1.5" (what a number field holds)."""
    return f"{amount:g}"
