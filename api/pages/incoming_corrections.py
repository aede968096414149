"""Correcting a registered document's metadata (NĐ 30 Đ24.3): the clerk's form and the corrections panel of the document page."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from documents.accounts import Identity
from documents.errors import Conflict, InvalidData, NotAllowed
from documents.incoming import corrections, service
from documents.incoming.models import IncomingDocument
from documents.vntime import VN_TZ
from forms import default_registry

from ..deps import DB, CsrfUser, PageUser
from ..i18n import locale_of, translator
from ..params import Id
from . import document_panels
from .formdata import coerce, shown_dates, typed_values, undated
from .incoming_new import SubmittedForm
from .localized import form_errors
from .render import field_label, page

router = APIRouter(include_in_schema=False)


@router.get("/incoming/{document_id}/correct")
def correction_form(request: Request, document_id: Id, who: PageUser, session: DB):
    document = _correctable(session, who, document_id)
    values = {**corrections.metadata(document), "version": corrections.version(session, document.id)}
    if isinstance(values.get("recipients"), list):
        values["recipients"] = "\n".join(values["recipients"])  # typed one a line
    return _form_page(request, who, document, values)


@router.post("/incoming/{document_id}/correct")
def save_correction(request: Request, document_id: Id, who: CsrfUser, session: DB, form: SubmittedForm):
    document = _correctable(session, who, document_id)
    schema = _definition().schema
    data = coerce(form, schema)
    changes = {name: data.get(name) for name in corrections.FIELDS}  # a field emptied is emptied
    t = translator(locale_of(request))
    version = str(form.get("version") or "")
    try:
        if not version.isdigit():  # no version read: it cannot be known what this form overwrites
            raise Conflict("no version")
        corrections.correct(session, who, document.id, changes, str(form.get("reason") or ""), int(version))
    except Conflict:
        session.rollback()
        return _form_page(request, who, document, typed_values(form), {"": t("correction.stale")}, 409, stale=True)
    except InvalidData as exc:
        session.rollback()
        return _form_page(request, who, document, typed_values(form), _errors(request, data, exc), 422)
    return RedirectResponse(f"/incoming/{document.id}#corrections", status_code=303)


def _correctable(session, who: Identity, document_id: int) -> IncomingDocument:
    """The agency's document (404 otherwise, service.get), for its clerks only (403)."""
    document = service.get(session, who, document_id)
    if not who.has_any(*service.CLERKS):
        raise NotAllowed("only a clerk corrects a registration")
    if document.incoming_number is None:
        raise Conflict("Chỉ đính chính văn bản đã vào sổ (đã có số đến).")
    return document


def _errors(request: Request, data: dict[str, Any], exc: InvalidData) -> dict[str, str]:
    """Field -> message in the page's language: the form checked again in that language."""
    locale = locale_of(request)
    t = translator(locale)
    errors = dict(exc.errors)
    if "reason" in errors:
        errors["reason"] = t("correction.reason_required")
    if "" in errors:
        errors[""] = t("correction.nothing_changed")
    errors.update(form_errors(locale, service.METADATA_FORM, data))
    schema = _definition().schema
    for name in undated(data, schema):
        errors[name] = t("form.bad_date_typed").replace("{label}", field_label(schema["properties"][name], name, locale))
    return errors


def _form_page(request: Request, who: Identity, document: IncomingDocument, values: dict[str, Any],
               errors: dict[str, str] | None = None, status: int = 200, stale: bool = False):
    definition = _definition()
    return page(request, "incoming_correct.html", {
        "who": who, "document": document, "form": definition, "stale": stale,
        "values": shown_dates(values, definition.schema), "errors": errors or {}}, status)


def _definition():
    """The registration's form without its secrecy: a secret document is never registered, so
    there is no secrecy to correct."""
    form = default_registry().get(service.METADATA_FORM)
    return replace(form, ui={**form.ui, "order": [n for n in form.ui["order"] if n in corrections.FIELDS]})


# --------------------------------------------------------------------------- the document page's panel

@document_panels.register("_corrections.html", "facts")
def corrections_panel(session, who: Identity, document: IncomingDocument) -> dict[str, Any] | None:
    """Every correction with who, when, why and each field before → after; the clerk's link to
    correct. Nothing for a document not in the register, or never corrected and read by a non-clerk."""
    may_correct = who.has_any(*service.CLERKS) and document.incoming_number is not None
    entries = corrections.history(session, document.id)
    if not (entries or may_correct):
        return None
    return {"may_correct": may_correct, "entries": [_shown(entry) for entry in entries]}


def _shown(entry: corrections.Entry) -> dict[str, Any]:
    c = entry.correction
    return {"by": entry.by_name, "at": c.corrected_at.astimezone(VN_TZ), "reason": c.reason,
            "changes": [(name, *(_value(name, v) for v in c.changes[name]))
                        for name in corrections.FIELDS if name in c.changes]}


def _value(name: str, value: Any) -> Any:
    """As the page shows it: a date dd/mm/yyyy, recipients one after another."""
    if name in corrections.DATES and isinstance(value, str):
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return value
