"""The user's own account (/account): who they are in the agency (name, unit, position, roles)
and the form to change their own password — the current one checked under the login limits, the
new one under the policy, every other session ended."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session

from documents import accounts
from documents.accounts import Identity
from documents.errors import TooManyAttempts
from documents.models import Agency, OrgUnit, User
from documents.notifications import preferences
from documents.notifications.models import Kind
from engine import clock

from ..client_address import ClientAddress
from ..deps import DB, CsrfUser, PageUser
from ..i18n import locale_of
from .formdata import FormText
from .localized import domain_message
from .refusals import NOTHING_FAILED, Failed, attempt
from .render import page

router = APIRouter(include_in_schema=False)
Password = Annotated[str, Form(max_length=1000)]
Kinds = Annotated[list[str], Form()]


@router.get("/account")
def account_page(request: Request, who: PageUser, session: DB):
    return _account_page(request, session, who, changed=bool(request.query_params.get("changed")),
                         saved=bool(request.query_params.get("notifications")))


@router.post("/account/notifications")
def set_notifications(request: Request, who: CsrfUser, session: DB, email: FormText = "", by_email: Kinds = []):
    """The person's email address and, per kind, a ticked box: by email; unticked: only in the app."""
    def action():
        preferences.set_own_email(session, who, email)
        preferences.set_email_choices(session, who, {kind: kind in by_email for kind in Kind.ALL})

    return attempt(request, session, "notifications", {"email": email, "by_email": by_email}, action,
                   conflict="admin.conflict", then=lambda _: "/account?notifications=saved#notifications",
                   shown_again=lambda failed, status: _account_page(request, session, who, failed=failed,
                                                                    status=status))


@router.post("/account/password")
def change_password(request: Request, who: CsrfUser, session: DB, address: ClientAddress,
                    current_password: Password = "", new_password: Password = "", repeat_password: Password = ""):
    def shown_again(failed: Failed, status: int):
        return _account_page(request, session, who, failed=failed, status=status)

    def action():
        try:
            accounts.change_own_password(session, who, current_password, new_password, repeat_password, address)
        except accounts.CurrentPasswordWrong:
            session.commit()  # the wrong guess counts toward the limits even though the form is refused
            raise

    try:
        return attempt(request, session, "password", {}, action, conflict="admin.conflict", shown_again=shown_again,
                       then=lambda _: "/account?changed=1")
    except TooManyAttempts as exc:
        session.commit()  # keep the audit event of the refused try
        failed = Failed("password", {}, {"current_password": domain_message(locale_of(request), exc.message)})
        response = shown_again(failed, exc.status)
        response.headers["Retry-After"] = str(exc.retry_after(clock.now()))
        return response


def _account_page(request: Request, session: Session, who: Identity, failed: Failed = NOTHING_FAILED,
                  status: int = 200, changed: bool = False, saved: bool = False):
    user = session.get(User, who.user_id)
    unit = session.get(OrgUnit, user.unit_id) if user.unit_id else None
    return page(request, "account.html", {"who": who, "user": user, "unit": unit, "roles": sorted(who.roles),
                                          "agency": session.get(Agency, who.agency_id),
                                          "failed": failed, "changed": changed, "saved": saved,
                                          "email_choices": preferences.email_choices(session, who.user_id)}, status)
