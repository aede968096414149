"""One way for a page's form to be refused. The service says why (or the page, for a value that
is not even of the right kind), the unit of work is rolled back, and the page comes back with
each message next to its field in the form that was sent, in the page's language, with what
was typed, under the refusal's status (422; 409 when someone else changed it first). Accepted,
the browser is sent on (303) to where the action leads."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from documents.errors import Conflict, InvalidData

from ..i18n import locale_of, translator
from .formdata import Unreadable
from .localized import domain_message


@dataclass(frozen=True)
class Failed:
    form: str = ""                                           # which form of the page was sent
    values: Mapping[str, str] = field(default_factory=dict)  # what was typed in it
    errors: Mapping[str, str] = field(default_factory=dict)  # field ("" for the form) -> message

    def error(self, form: str, name: str = "") -> str:
        return self.errors.get(name, "") if form == self.form else ""

    def value(self, form: str, name: str, default: Any = "") -> Any:
        return self.values.get(name, default) if form == self.form else default

    def sent(self, form: str) -> bool:
        return form == self.form


NOTHING_FAILED = Failed()


def attempt(request: Request, session: Session, form: str, values: Mapping[str, str], action: Callable[[], Any], *,
            conflict: str, shown_again: Callable[[Failed, int], Response], then: Callable[[Any], str],
            renamed: Mapping[str, str] | None = None) -> Response:
    """Run ``action`` (one service call); refused, ``shown_again`` renders the page with the
    ``Failed`` form; done, go to ``then(result)``. ``conflict`` is the locale key of the 409
    message; ``renamed`` maps a service's field name to the form's, where they differ."""
    try:
        result = action()
    except (InvalidData, Conflict, Unreadable) as exc:
        session.rollback()
        errors = _messages(locale_of(request), exc, conflict, renamed or {})
        return shown_again(Failed(form, dict(values), errors), exc.status)
    return RedirectResponse(then(result), status_code=303)


def _messages(locale: str, exc: Exception, conflict: str, renamed: Mapping[str, str]) -> dict[str, str]:
    t = translator(locale)
    if isinstance(exc, Unreadable):
        return {exc.field: t(exc.key)}
    if isinstance(exc, Conflict):
        return {"": t(conflict)}
    assert isinstance(exc, InvalidData)
    errors = {renamed.get(name, name): domain_message(locale, text) for name, text in exc.errors.items()}
    return errors or {"": domain_message(locale, exc.message)}
