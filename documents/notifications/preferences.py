"""Each person's choice of which notifications also come by email, and their own email address.
No row for a kind: Kind.EMAIL_BY_DEFAULT decides (service.wants_email reads the same rule)."""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import audit
from ..accounts import Identity
from ..errors import InvalidData
from ..models import User
from .models import Kind, NotificationPreference

EMAIL_MAX = 254
# One address, no display name: local part @ a domain with a dot (what an SMTP server accepts).
EMAIL = re.compile(r"[^@\s<>\"(),;:\[\]\\]{1,64}@[^@\s<>\"(),;:\[\]\\]+\.[^@\s<>\"(),;:\[\]\\.]{2,}")
EMAIL_INVALID = "Địa chỉ email không hợp lệ (ví dụ: ten@coquan.gov.vn)."
KIND_UNKNOWN = "Loại thông báo không hợp lệ."


def email_choices(session: Session, user_id: int) -> dict[str, bool]:
    """kind -> whether it comes by email, for every kind (in Kind.ALL's order)."""
    chosen = dict(session.execute(sa.select(NotificationPreference.kind, NotificationPreference.email)
                                  .where(NotificationPreference.user_id == user_id)).all())
    return {kind: chosen.get(kind, kind in Kind.EMAIL_BY_DEFAULT) for kind in Kind.ALL}


def set_email_choices(session: Session, who: Identity, by_email: dict[str, bool]) -> dict[str, bool]:
    """Set the person's choices for the kinds named (the others keep theirs)."""
    unknown = set(by_email) - set(Kind.ALL)
    if unknown:
        raise InvalidData(KIND_UNKNOWN, {"kinds": KIND_UNKNOWN})
    before = email_choices(session, who.user_id)
    for kind, email in by_email.items():
        row = session.get(NotificationPreference, (who.user_id, kind))
        if row is None:
            session.add(NotificationPreference(user_id=who.user_id, kind=kind, email=bool(email)))
        else:
            row.email = bool(email)
    session.flush()
    after = email_choices(session, who.user_id)
    if after != before:
        audit.record(session, "notification.preferences_set", actor_id=who.user_id, agency_code=who.agency_code,
                     object_type="user", object_id=who.user_id, before=before, after=after)
    return after


def clean_email(text: str | None) -> str | None:
    """An address as stored (NFC, trimmed, the domain in lower case), None for empty; InvalidData
    (field ``email``) when it is not one address."""
    value = unicodedata.normalize("NFC", text or "").strip()
    if not value:
        return None
    if len(value) > EMAIL_MAX or not EMAIL.fullmatch(value):
        raise InvalidData(EMAIL_INVALID, {"email": EMAIL_INVALID})
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def set_email(session: Session, actor: Identity, user: User, text: str | None) -> User:
    """Set ``user``'s address (the caller checked that ``actor`` may: themselves, or their
    agency's admin); audited when it changes."""
    address = clean_email(text)
    if address != user.email:
        before = {"email": user.email}
        user.email = address
        session.flush()
        audit.record(session, "user.email_set", actor_id=actor.user_id, agency_code=actor.agency_code,
                     object_type="user", object_id=user.id, before=before, after={"email": address})
    return user


def set_own_email(session: Session, who: Identity, text: str | None) -> User:
    return set_email(session, who, session.get(User, who.user_id), text)
