"""The agency's scan quality policy (/admin/scan): what a paper scan below seed 002 Đ9.3b
(colour, at least 200 dpi) meets at registration — a warning kept on the document, or a
refusal. Two explicit buttons, one per choice; the change is audited."""
from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.files import scan_policy

from ..deps import DB, CsrfUser, PageUser
from .formdata import FormText
from .refusals import NOTHING_FAILED, Failed, attempt
from .render import page

router = APIRouter(include_in_schema=False)


@router.get("/admin/scan")
def scan_page(request: Request, who: PageUser, session: DB):
    return _scan_page(request, session, who)


@router.post("/admin/scan")
def choose(request: Request, who: CsrfUser, session: DB, scan_quality_policy: FormText = ""):
    return attempt(request, session, "policy", {"scan_quality_policy": scan_quality_policy},
                   lambda: scan_policy.set_policy(session, who, scan_quality_policy),
                   conflict="admin.conflict",
                   shown_again=lambda failed, status: _scan_page(request, session, who, failed, status),
                   then=lambda _: "/admin/scan?saved=1")


def _scan_page(request: Request, session: Session, who: Identity, failed: Failed = NOTHING_FAILED,
               status: int = 200):
    current = scan_policy.policy(session, who)  # refuses a non-admin first
    return page(request, "admin_scan.html", {
        "who": who, "current": current, "policies": scan_policy.POLICIES,
        "failed": failed, "section": "scan", "saved": bool(request.query_params.get("saved"))},
        status)
