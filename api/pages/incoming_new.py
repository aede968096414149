"""The clerk's registration page: the incoming_document form, the channel (a paper scan, which
the service signs for the agency, or a file received otherwise) and the files, in one multipart
POST with the session's CSRF token. Refusals come back on the same page, values kept."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile

from documents.accounts import Identity
from documents.errors import InvalidData, NotAllowed
from documents.incoming import service, signature_binding
from forms import default_registry

from ..deps import DB, CsrfUser, PageUser, get_system
from ..i18n import locale_of, translator
from . import arrival_form, arrival_held, form_stash
from .formdata import coerce, shown_dates, typed_values, undated
from .localized import form_errors
from .render import field_label, page

router = APIRouter(include_in_schema=False)
CHANNELS = ("paper", "manual")


async def submitted_form(request: Request) -> FormData:
    """The multipart body. FastAPI has parsed it already for the CSRF field; this is the cached copy."""
    return await request.form()


SubmittedForm = Annotated[FormData, Depends(submitted_form)]


@router.get("/incoming/new")
def new_document(request: Request, who: PageUser):
    _only_clerks(who)
    kept = form_stash.restore(request, "/incoming/new")  # typed before the session expired
    if kept is None:
        return _form_page(request, who, values={"channel": CHANNELS[0]})
    return form_stash.forget(_form_page(request, who, values=kept, restored=True))


# A plain `def`, like the API's: pyHanko signs the scan with its own event loop, off the server's.
@router.post("/incoming/new")
def register(request: Request, who: CsrfUser, session: DB, form: SubmittedForm):
    _only_clerks(who)
    data = coerce(form, _definition().schema)
    uploads = _uploads(form)
    if len(uploads) > service.MAX_FILES:
        too_many = translator(locale_of(request))("incoming.new.too_many_files").format(max=service.MAX_FILES)
        return _refused(request, who, form, {"file": too_many})
    system = get_system(request)
    root = arrival_held.root_of(system.files)
    token = str(form.get("held") or "")
    if not uploads and token:  # the files chosen before the page asked its question
        uploads = arrival_held.held(root, who, token) or []
    try:
        arrived_at = arrival_form.late_arrival(form, locale_of(request))
        registered = service.register(session, system.runtime, system.files, system.keystore, who, data, uploads,
                                      str(form.get("channel") or ""), allow_duplicate=form.get("allow_duplicate") == "true",
                                      override_reason=str(form.get("override_reason") or "") or None,
                                      arrived_at=arrived_at)
    except (service.ProbableDuplicate, signature_binding.SignatureRefused) as exc:
        session.rollback()
        if uploads and not arrival_held.held(root, who, token):
            token = arrival_held.hold(root, who, uploads)
        question = arrival_form.Question.of(exc, token, arrival_held.names(root, who, token))
        return _form_page(request, who, typed_values(form), status=409, question=question)
    except InvalidData as exc:
        session.rollback()
        return _refused(request, who, form, _errors(request, data, exc, sent_files=bool(uploads)))
    arrival_held.release(root, token)
    return RedirectResponse(f"/incoming/{registered.document.id}", status_code=303)


def _only_clerks(who: Identity) -> None:
    # The service refuses too; checked first so that a non-clerk is not even shown the form.
    if not who.has_any(*service.CLERKS):
        raise NotAllowed("only a clerk registers incoming documents")


def _uploads(form: FormData) -> list[service.Upload]:
    """The chosen files; a file input left empty still sends a nameless empty part, skipped."""
    limit = service.MAX_ATTACHMENT_BYTES
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and (f.filename or f.size)]
    return [service.Upload(f.filename or "", f.file.read(limit + 1)) for f in files]


def _errors(request: Request, data: dict, exc: InvalidData, sent_files: bool) -> dict[str, str]:
    """Field -> message in the page's language. The metadata is checked again in that language
    (all its faults at once, even when the service stopped at the files); a refused file keeps
    the service's detail, which names the file and what its content really is."""
    locale = locale_of(request)
    t = translator(locale)
    errors = dict(exc.errors)
    if "file" in errors:
        errors["file_detail"] = errors["file"] if sent_files else ""
        errors["file"] = t("incoming.new.file_refused" if sent_files else "incoming.new.scan_required")
    if "secrecy" in errors:
        errors["secrecy"] = t("incoming.new.secret")
    errors.update(form_errors(locale, service.METADATA_FORM, data))
    schema = _definition().schema
    for name in undated(data, schema):  # a date that is no date says how to type one
        errors[name] = t("form.bad_date_typed").replace("{label}", field_label(schema["properties"][name], name, locale))
    return errors or {"": exc.message}


def _refused(request: Request, who: Identity, form: FormData, errors: dict[str, str]):
    """The form again with what was typed (files cannot be put back into a file input)."""
    return _form_page(request, who, typed_values(form), errors, status=422)


def _form_page(request: Request, who: Identity, values: dict | None = None, errors: dict | None = None,
               status: int = 200, restored: bool = False, question: arrival_form.Question | None = None):
    definition = _definition()
    return page(request, "incoming_new.html", {"who": who, "form": definition, "channels": CHANNELS,
                                               "values": shown_dates(values or {}, definition.schema),
                                               "errors": errors or {}, "restored": restored, "question": question,
                                               "late_days": service.LATE_ENTRY_DAYS}, status)


def _definition():
    return default_registry().get(service.METADATA_FORM)
