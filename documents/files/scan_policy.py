"""The agency's policy for paper scans below the quality of seed 002 Đ9.3b (colour, at least
200 dpi): warn the clerk (the registration goes on, the findings are kept on the document) or
refuse the registration. Set by the agency admin (Permission.MANAGE_ACCOUNTS), audited."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.errors import InvalidData

from .. import audit
from ..accounts import Identity
from ..administration import require_admin
from ..models import Agency

WARN, REFUSE = "warn", "refuse"
POLICIES = (WARN, REFUSE)


def policy(session: Session, who: Identity) -> str:
    require_admin(who)
    return session.get(Agency, who.agency_id).scan_quality_policy or WARN


def set_policy(session: Session, who: Identity, value: str) -> str:
    """Set the admin's agency's policy; unchanged values record nothing."""
    require_admin(who)
    if value not in POLICIES:
        message = "Chọn một trong hai: cảnh báo hoặc từ chối."
        raise InvalidData(message, errors={"scan_quality_policy": message})
    agency = session.get(Agency, who.agency_id)
    before = agency.scan_quality_policy or WARN
    if before != value:
        agency.scan_quality_policy = value
        audit.record(session, "agency.scan_policy_changed", actor_id=who.user_id,
                     agency_code=who.agency_code, object_type="agency", object_id=agency.code,
                     before={"scan_quality_policy": before}, after={"scan_quality_policy": value})
    return value
