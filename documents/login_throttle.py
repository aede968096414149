"""Throttling password guesses without handing strangers a way to lock people out.

Three limits, all read from the database so that every process sees the same counts:

* by client address: ADDRESS_LIMIT failures within WINDOW, whatever the usernames, and the address
  is refused until the oldest of them leaves the window — except for an account's owner logging
  in from an address familiar to the account, so one stranger cannot lock a whole office out.
* by account and address: PAIR_LIMIT failures for one account from one address within WINDOW,
  and that address may not try that account again until the window frees up.
* by account, for unfamiliar addresses only: ACCOUNT_LIMIT failures from addresses the account has
  not logged in from within FAMILIAR_FOR lock the account for LOCK_DURATION — against those
  addresses. From a familiar address the owner still logs in, so a stranger elsewhere, however many
  addresses they use, cannot keep the owner out.

accounts.authenticate answers every refusal alike and in the same time.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import LoginAttempt, User

WINDOW = timedelta(minutes=15)
ADDRESS_LIMIT = 30  # an office behind one NAT address shares it: room for everyone's typos
PAIR_LIMIT = 5
ACCOUNT_LIMIT = 5
LOCK_DURATION = timedelta(minutes=15)
FAMILIAR_FOR = timedelta(days=90)
PRUNE_BATCH = 500


def address_blocked_until(session: Session, address: str, now: datetime) -> datetime | None:
    """When ``address`` may try again, or None when it may try now."""
    recent = session.scalars(
        sa.select(LoginAttempt.at)
        .where(LoginAttempt.address == address, LoginAttempt.succeeded.is_(False), LoginAttempt.at > now - WINDOW)
        .order_by(LoginAttempt.at.desc()).limit(ADDRESS_LIMIT)).all()
    return recent[-1] + WINDOW if len(recent) >= ADDRESS_LIMIT else None


def is_familiar(session: Session, user: User, address: str, now: datetime) -> bool:
    """Has the account logged in from this address within FAMILIAR_FOR?"""
    return session.scalar(sa.select(sa.exists().where(
        LoginAttempt.user_id == user.id, LoginAttempt.address == address, LoginAttempt.succeeded.is_(True),
        LoginAttempt.at > now - FAMILIAR_FOR))) or False


def refuses(session: Session, user: User, address: str, familiar: bool, now: datetime) -> bool:
    """Must this attempt be refused without looking at the password?"""
    if not familiar and user.locked_until is not None and user.locked_until > now:
        return True
    failures = session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.user_id == user.id, LoginAttempt.address == address, LoginAttempt.succeeded.is_(False),
        LoginAttempt.at > now - WINDOW))
    return failures >= PAIR_LIMIT


def count_failure(user: User, familiar: bool, now: datetime) -> None:
    """A wrong password: from an unfamiliar address it counts toward the account's lock."""
    if familiar:
        # The owner's typos, or someone sharing the owner's address: the pair limit slows those;
        # the account lock is for guessing from places the owner does not log in from.
        return
    user.failed_attempts += 1
    if user.failed_attempts >= ACCOUNT_LIMIT:
        user.locked_until, user.failed_attempts = now + LOCK_DURATION, 0


def count_success(user: User, now: datetime) -> None:
    # A success from a familiar address during a lock leaves the lock on: lifting it would give
    # the stranger a fresh set of guesses each time the owner logs in.
    if user.locked_until is None or user.locked_until <= now:
        user.failed_attempts, user.locked_until = 0, None


def record(session: Session, address: str, user: User | None, succeeded: bool, now: datetime) -> None:
    """Keep the attempt and forget what no limit reads any more. ``user`` None: no account's
    password was checked (no such active account, or refused unchecked), so only the address
    counts it — a stranger's refused tries do not prolong the account-and-address limit."""
    user_id = user.id if user is not None else None
    if succeeded:
        # The pair's history ends with its success: one row says the address is familiar.
        session.execute(sa.delete(LoginAttempt).where(LoginAttempt.user_id == user_id,
                                                      LoginAttempt.address == address))
    session.add(LoginAttempt(at=now, address=address, user_id=user_id, succeeded=succeeded))
    _prune(session, now)
    session.flush()


def _prune(session: Session, now: datetime) -> None:
    # A bounded batch, and rows another login is deleting are skipped (SKIP LOCKED on PostgreSQL):
    # concurrent logins never wait for, nor deadlock on, each other's clean-up.
    stale = (sa.select(LoginAttempt.id)
             .where(sa.or_(sa.and_(LoginAttempt.succeeded.is_(False), LoginAttempt.at <= now - WINDOW),
                           LoginAttempt.at <= now - FAMILIAR_FOR))
             .order_by(LoginAttempt.id).limit(PRUNE_BATCH).with_for_update(skip_locked=True))
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.id.in_(stale.scalar_subquery())))
