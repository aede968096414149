"""Where an outgoing document goes (nơi nhận): an agency of this deployment (by id or by its
identifier), an external agency (a name, optionally its identifier for the interchange), or a
unit of the agency itself; each with a paper copy when the drafter asks for one or a rule of
paper_rules demands it. Every fault is refused per recipient, naming it, before anything is kept."""
from __future__ import annotations

from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts import Identity
from ..errors import InvalidData
from ..incoming import texts
from ..incoming.search import fold
from ..models import Agency, OrgUnit
from . import paper_rules
from .models import RECIPIENT_KINDS, OutgoingRecipient

MAX_RECIPIENTS = 200
SEARCH_LIMIT = 20


def build(session: Session, who: Identity, given: Sequence[dict[str, Any]], document: paper_rules.Document,
          ) -> list[OutgoingRecipient]:
    """The recipients as rows (not yet added), in the order given, paper set where asked or required."""
    if not isinstance(given, (list, tuple)):
        raise InvalidData("Nơi nhận không hợp lệ.", errors={"recipients": "Nơi nhận phải là một danh sách."})
    if len(given) > MAX_RECIPIENTS:
        raise InvalidData("Quá nhiều nơi nhận.", errors={"recipients": f"Tối đa {MAX_RECIPIENTS} nơi nhận."})
    if not given:
        raise InvalidData("Cần ít nhất một nơi nhận.", errors={"recipients": "Trường «Nơi nhận» là bắt buộc."})
    rows, seen = [], set()
    for i, raw in enumerate(given):
        row = _one(session, who, raw if isinstance(raw, dict) else {}, f"recipients.{i}")
        key = (row.kind, row.agency_id, row.unit_id, fold(row.name) if row.kind == "external" else None)
        if key in seen:
            raise InvalidData(f"«{row.name}» có hai lần trong nơi nhận.",
                              errors={f"recipients.{i}": f"«{row.name}» đã có trong nơi nhận."})
        seen.add(key)
        row.position = i + 1
        row.paper = bool(raw.get("paper")) or bool(paper_rules.required(document, addressee(row)))
        rows.append(row)
    return rows


def addressee(row: OutgoingRecipient) -> paper_rules.Addressee:
    return paper_rules.Addressee(kind=row.kind, name=row.name, code=row.code)


def paper_reasons(document: paper_rules.Document, row: OutgoingRecipient) -> list[paper_rules.Rule]:
    """Why a paper copy goes to ``row`` by rule (empty: only if the drafter asked for one)."""
    return paper_rules.required(document, addressee(row))


def search_agencies(session: Session, who: Identity, query: str, limit: int = SEARCH_LIMIT) -> list[Agency]:
    """Agencies of the deployment other than ``who``'s whose name or identifier holds every word
    of ``query``, accents ignored; by name."""
    terms = fold(query or "").split()
    agencies = session.scalars(sa.select(Agency).where(Agency.id != who.agency_id).order_by(Agency.name, Agency.id))
    found = [a for a in agencies if all(t in f"{fold(a.name)} {a.code.lower()}" for t in terms)]
    return found[:limit]


def choices(session: Session, who: Identity) -> tuple[list[Agency], list[OrgUnit]]:
    """What the page's pickers offer: the other agencies, the agency's active units (by name)."""
    units = session.scalars(sa.select(OrgUnit).where(OrgUnit.agency_id == who.agency_id, OrgUnit.active.is_(True))
                            .order_by(OrgUnit.name, OrgUnit.id))
    return search_agencies(session, who, "", limit=10_000), list(units)


def _one(session: Session, who: Identity, raw: dict[str, Any], field: str) -> OutgoingRecipient:
    kind = raw.get("kind") or _legacy_kind(session, raw)
    if kind not in RECIPIENT_KINDS:
        raise InvalidData("Loại nơi nhận không hợp lệ.",
                          errors={field: "Nơi nhận là một cơ quan trong hệ thống, cơ quan bên ngoài hoặc đơn vị nội bộ."})
    if kind == "agency":
        return _agency(session, who, raw, field)
    if kind == "unit":
        return _unit(session, who, raw, field)
    name = texts.text(raw.get("name"), field=f"{field}.name", label="Tên nơi nhận", max_length=255)
    code = texts.text(raw.get("code"), field=f"{field}.code", label="Mã định danh nơi nhận", max_length=35,
                      required=False)
    return OutgoingRecipient(kind="external", name=name, code=code.upper() if code else None)


def _legacy_kind(session: Session, raw: dict[str, Any]) -> str:
    """A recipient given as a code and a name (the reply's issuer): an agency when the code is one here."""
    code = str(raw.get("code") or "").strip().upper()
    return "agency" if code and session.scalar(sa.select(Agency.id).where(Agency.code == code)) else "external"


def _agency(session: Session, who: Identity, raw: dict[str, Any], field: str) -> OutgoingRecipient:
    agency = None
    if raw.get("agency_id") is not None:
        agency = session.get(Agency, raw["agency_id"]) if _is_id(raw["agency_id"]) else None
    elif raw.get("code"):
        agency = session.scalar(sa.select(Agency).where(Agency.code == str(raw["code"]).strip().upper()))
    if agency is None:
        shown = raw.get("code") or raw.get("agency_id") or raw.get("name") or ""
        raise InvalidData(f"Không có cơ quan «{shown}» trong hệ thống.",
                          errors={field: f"Không có cơ quan «{shown}» trong hệ thống: chọn theo tên hoặc nhập "
                                         "như cơ quan bên ngoài."})
    if agency.id == who.agency_id:
        raise InvalidData("Không gửi văn bản cho chính cơ quan mình.",
                          errors={field: "Gửi cho đơn vị nội bộ thay vì cho chính cơ quan mình."})
    return OutgoingRecipient(kind="agency", agency_id=agency.id, code=agency.code, name=agency.name)


def _unit(session: Session, who: Identity, raw: dict[str, Any], field: str) -> OutgoingRecipient:
    unit = session.get(OrgUnit, raw.get("unit_id")) if _is_id(raw.get("unit_id")) else None
    if unit is None or unit.agency_id != who.agency_id or not unit.active:
        raise InvalidData("Đơn vị nhận không thuộc cơ quan.", errors={field: "Chọn một đơn vị đang hoạt động của cơ quan."})
    return OutgoingRecipient(kind="unit", unit_id=unit.id, name=unit.name)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
