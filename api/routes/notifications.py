"""JSON API: the person's notifications, email choices, and the leader's urge (issue 11 item 3).
Everything is the caller's own: another person's notification is not found."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from documents.notifications import centre, preferences, urge
from documents.notifications.service import unread_count
from documents.models import User

from ..deps import DB, ApiUser
from ..notification_schemas import (MarkedAll, NotificationOut, NotificationPage, PreferencesIn, PreferencesOut,
                                    UnreadCount, UrgeIn, UrgeOut)
from ..params import Id
from ..schemas import ERRORS

router = APIRouter(tags=["notifications"], responses=ERRORS)


@router.get("/api/notifications", response_model=NotificationPage, summary="One's notifications, newest first")
def listed(who: ApiUser, session: DB, unread: bool = False,
           offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
           limit: Annotated[int, Query(ge=1, le=centre.MAX_PAGE_SIZE)] = centre.PAGE_SIZE) -> NotificationPage:
    return NotificationPage.of(centre.listing(session, who, unread_only=unread, offset=offset, limit=limit))


@router.get("/api/notifications/unread-count", response_model=UnreadCount, summary="How many are unread")
def unread(who: ApiUser, session: DB) -> UnreadCount:
    return UnreadCount(unread=unread_count(session, who.user_id))


@router.post("/api/notifications/{notification_id}/read", response_model=NotificationOut,
             summary="Mark one of one's notifications read")
def read(notification_id: Id, who: ApiUser, session: DB) -> NotificationOut:
    return NotificationOut.of(centre.mark_read(session, who, notification_id))


@router.post("/api/notifications/read-all", response_model=MarkedAll, summary="Mark all one's notifications read")
def read_all(who: ApiUser, session: DB) -> MarkedAll:
    return MarkedAll(marked=centre.mark_all_read(session, who))


@router.get("/api/me/notification-preferences", response_model=PreferencesOut,
            summary="One's email address and which kinds come by email")
def my_preferences(who: ApiUser, session: DB) -> PreferencesOut:
    return _preferences(session, who.user_id)


@router.put("/api/me/notification-preferences", response_model=PreferencesOut,
            summary="Set one's email address and which kinds come by email")
def set_my_preferences(body: PreferencesIn, who: ApiUser, session: DB) -> PreferencesOut:
    if "email" in body.model_fields_set:
        preferences.set_own_email(session, who, body.email)
    preferences.set_email_choices(session, who, dict(body.by_email))
    return _preferences(session, who.user_id)


@router.post("/api/urges", response_model=UrgeOut, status_code=201,
             summary="Đôn đốc: urge the people responsible for an overdue document (leaders; the lead unit's head)")
def urge_document(body: UrgeIn, who: ApiUser, session: DB) -> UrgeOut:
    return UrgeOut.of(urge.urge(session, who, incoming_document_id=body.incoming_document_id,
                                outgoing_document_id=body.outgoing_document_id, note=body.note))


def _preferences(session, user_id: int) -> PreferencesOut:
    return PreferencesOut(email=session.get(User, user_id).email,
                          by_email=preferences.email_choices(session, user_id))
