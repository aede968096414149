"""The outgoing register of NĐ 30/2020 Phụ lục IV (sổ đăng ký văn bản đi) as XLSX or PDF: the
agency's issued documents of a year or a date range, in issue-number order.

The file is the incoming register's (documents/incoming/exports.py): the same period rule (a year
or a range within one), the same writers and row limits, the same book lines ("Quyển số 01",
from number to number) and closing block; only the columns are the outgoing register's own.

The rules the columns follow:
- date: the issue date in Vietnam; signer: the person who signed, then the position printed;
- recipients (nơi nhận): each recipient on its line, "(bản giấy)" after those sent a paper copy;
- the kept copy (bản lưu): the clerks' office (Văn thư) and the drafting unit with its drafter;
- copies (số lượng bản): one a recipient, plus the two kept copies;
- sent (ngày chuyển): the first delivery to a recipient, else blank;
- notes: the urgency, what it answers or replaces, and its recall, update or replacement."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import audit
from ..accounts import Identity
from ..errors import InvalidData, NotAllowed
# The incoming register's book lines and closing block take only the numbers' span: shared as they are.
from ..incoming.exports import WRITERS, Exported, Period
from ..incoming.exports import book_lines, closing_block
from ..incoming.models import IncomingDocument
from ..models import Agency, OrgUnit, User
from ..registers.models import Register, RegisterEntry
from ..reports import Cell, Column, Report, build
from ..vntime import VN_TZ
from .models import OutgoingDocument, OutgoingRecall
from .register import IN_REGISTER, reads_register, start_of

URGENCY_NAMES = {"normal": None, "urgent": "Khẩn", "very_urgent": "Thượng khẩn", "flash": "Hỏa tốc"}
RECALL_NAMES = {"recall": "Đã thu hồi", "update": "Đã yêu cầu cập nhật", "replace": "Đã thay thế"}
KEPT_COPIES = 2  # one at the clerks' office, one with the drafting unit (NĐ 30 Đ18)


@dataclass(frozen=True)
class Kind:
    title: str
    file_name: str
    register: str          # the kind of registers/models.Register whose numbers it lists


# Legal normative documents are numbered in a series of their own (NĐ 30 Đ15.1), hence a book of their own.
KINDS = {
    "register": Kind("SỔ ĐĂNG KÝ VĂN BẢN ĐI", "Sổ đăng ký văn bản đi", "outgoing"),
    "normative": Kind("SỔ ĐĂNG KÝ VĂN BẢN QUY PHẠM PHÁP LUẬT", "Sổ đăng ký văn bản quy phạm pháp luật", "normative"),
}


def issued_on(d: OutgoingDocument) -> date:
    return d.issued_at.astimezone(VN_TZ).date()


@dataclass(frozen=True)
class Facts:
    """What the cells read beyond the document rows, loaded for all of them at once (a fixed
    number of queries): people's and units' names, what each answers, replaces or was replaced
    by, and its recalls."""

    people: dict[int, str]
    units: dict[int, str]
    answers: dict[int, str]                 # incoming id -> its number/notation
    notations: dict[int, str]               # outgoing id -> notation, of those replaced
    replaced_by: dict[int, str]             # outgoing id -> notation of the newer one
    recalls: dict[int, list[OutgoingRecall]]

    @classmethod
    def of(cls, session: Session, documents: list[OutgoingDocument]) -> Facts:
        ids = [d.id for d in documents]
        if not ids:
            return cls({}, {}, {}, {}, {}, {})
        user_ids = {d.signer_id for d in documents} | {d.author_id for d in documents}
        unit_ids = {d.unit_id for d in documents}
        people = dict(session.execute(sa.select(User.id, User.full_name).where(User.id.in_(user_ids - {None}))).all())
        units = dict(session.execute(sa.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(unit_ids - {None}))).all())
        answered = {d.in_reply_to for d in documents} - {None}
        answers = dict(session.execute(sa.select(IncomingDocument.id, IncomingDocument.number_notation)
                                       .where(IncomingDocument.id.in_(answered))).all()) if answered else {}
        superseded = {d.supersedes_id for d in documents} - {None}
        D = OutgoingDocument
        notations = dict(session.execute(sa.select(D.id, D.notation).where(D.id.in_(superseded))).all()) \
            if superseded else {}
        replaced_by = dict(session.execute(sa.select(D.supersedes_id, D.notation)
                                           .where(D.supersedes_id.in_(ids), D.notation.is_not(None))
                                           .order_by(D.id)).all())
        recalls: dict[int, list[OutgoingRecall]] = {}
        for recall in session.scalars(sa.select(OutgoingRecall).where(OutgoingRecall.document_id.in_(ids))
                                      .order_by(OutgoingRecall.id)):
            recalls.setdefault(recall.document_id, []).append(recall)
        return cls(people, units, answers, notations, replaced_by, recalls)

    def signer(self, d: OutgoingDocument) -> str | None:
        return "\n".join(filter(None, (self.people.get(d.signer_id), d.signer_position))) or None

    def kept(self, d: OutgoingDocument) -> str:
        """Văn thư, then the drafting unit and its drafter: "Phòng Kinh tế – Nguyễn Văn A"."""
        drafting = " – ".join(filter(None, (self.units.get(d.unit_id), self.people.get(d.author_id))))
        return "\n".join(filter(None, ("Văn thư", drafting)))

    def notes(self, d: OutgoingDocument) -> str:
        recalls = [f"{RECALL_NAMES[r.kind]} ngày {r.requested_at.astimezone(VN_TZ):%d/%m/%Y}: {r.reason}"
                   for r in self.recalls.get(d.id, ())]
        return "\n".join(filter(None, (
            URGENCY_NAMES.get(d.urgency),
            f"Trả lời văn bản số {self.answers[d.in_reply_to]}" if d.in_reply_to in self.answers else None,
            f"Thay thế văn bản số {self.notations[d.supersedes_id]}" if d.supersedes_id in self.notations else None,
            *recalls,
            f"Bị thay thế bởi văn bản số {self.replaced_by[d.id]}" if d.id in self.replaced_by else None,
        )))


def _recipients(d: OutgoingDocument) -> str | None:
    return "\n".join(f"{r.name} (bản giấy)" if r.paper else r.name for r in d.recipients) or None


def _copies(d: OutgoingDocument) -> int:
    return len(d.recipients) + KEPT_COPIES


def _sent(d: OutgoingDocument) -> Cell:
    sent = [r.sent_at for r in d.recipients if r.sent_at is not None]
    return min(sent).astimezone(VN_TZ).date() if sent else None


def _blank(d: OutgoingDocument) -> None:
    return None  # Ký nhận: signed by hand on the printed register


def columns(session: Session, documents: list[OutgoingDocument]) -> tuple[Column, ...]:
    """NĐ 30 Phụ lục IV, sổ đăng ký văn bản đi, in its order."""
    facts = Facts.of(session, documents)
    return (
        Column("Số, ký hiệu văn bản", lambda d: d.notation, 17),
        Column("Ngày tháng văn bản", issued_on, 12, centered=True),
        Column("Tên loại và trích yếu nội dung", lambda d: f"{d.doc_type} {d.subject}", 36),
        Column("Người ký", facts.signer, 16),
        Column("Nơi nhận văn bản", _recipients, 24),
        Column("Đơn vị, người nhận bản lưu", facts.kept, 18),
        Column("Số lượng bản", _copies, 8, centered=True),
        Column("Ngày chuyển", _sent, 12, centered=True),
        Column("Ký nhận", _blank, 9),
        Column("Ghi chú", facts.notes, 22),
    )


def export(session: Session, who: Identity, kind: str, file_format: str, period: Period) -> Exported:
    """The agency's outgoing register for the period as a file, in issue-number order; audited."""
    if not reads_register(who):
        raise NotAllowed("your roles may not read the outgoing register")
    spec, writer = KINDS[kind], WRITERS[file_format]
    report = report_of(session, who, spec, period, writer.max_rows)
    data = writer.write(report)
    audit.record(session, "outgoing.exported", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="outgoing_register",
                 after={"register": kind, "format": file_format, "from": period.start.isoformat(),
                        "to": period.end.isoformat(), "rows": len(report.rows)})
    return Exported(data, writer.media_type, f"{spec.file_name} {period.slug}.{file_format}", len(report.rows))


def report_of(session: Session, who: Identity, spec: Kind, period: Period, max_rows: int) -> Report:
    agency = session.get(Agency, who.agency_id)
    documents = entries(session, who.agency_id, spec.register, period, max_rows)
    span = _span(documents)
    return build(title=spec.title, heading=[agency.name], subtitle=period.label, sheet_name=spec.file_name,
                 columns=columns(session, documents), items=documents,
                 book=book_lines(span), closing=closing_block(span))


def entries(session: Session, agency_id: int, register_kind: str, period: Period,
            max_rows: int) -> list[OutgoingDocument]:
    """The documents numbered in the agency's register of ``register_kind`` and issued in the
    period, by year then number. A document whose entry is not linked counts as the ordinary
    outgoing register's."""
    D = OutgoingDocument
    kind = sa.select(Register.kind).join(RegisterEntry, RegisterEntry.register_id == Register.id) \
        .where(RegisterEntry.id == D.register_entry_id).scalar_subquery()
    in_book = kind == register_kind
    if register_kind == "outgoing":
        in_book = sa.or_(in_book, D.register_entry_id.is_(None))
    query = (sa.select(D)
             .where(D.agency_id == agency_id, D.state.in_(IN_REGISTER), D.number.is_not(None), in_book,
                    D.issued_at >= start_of(period.start), D.issued_at < start_of(period.end + timedelta(days=1)))
             .limit(max_rows + 1))
    documents = list(session.scalars(query))
    if len(documents) > max_rows:
        count = f"{max_rows:,}".replace(",", ".")  # Vietnamese groups thousands with dots
        raise InvalidData(f"Sổ có hơn {count} văn bản: hãy chọn khoảng thời gian ngắn hơn.")
    return sorted(documents, key=lambda d: (issued_on(d).year, d.number, d.issued_at, d.id))


def _span(documents: list[OutgoingDocument]) -> dict[int, tuple[int, int]]:
    """Year -> the first and last number listed (the book's lines and closing block name them)."""
    span: dict[int, tuple[int, int]] = {}
    for d in documents:
        year = issued_on(d).year
        first, last = span.get(year, (d.number, d.number))
        span[year] = (min(first, d.number), max(last, d.number))
    return span
