"""The incoming registers of NĐ 30/2020 Phụ lục IV as files: the register (sổ đăng ký văn bản
đến) and the handling-tracking register (sổ theo dõi giải quyết văn bản đến), as XLSX or PDF.

Each register is one table of columns (Vietnamese header, value, width); the XLSX and PDF
writers of ``documents.reports`` both render that table, so a column is changed in one place.

The rules the columns follow:
- recipient: the current assignment's lead unit and person, then "Phối hợp: …" (coordinating units
  and people), then "Để biết: …" (told for information);
- deadline: the handling deadline of the current assignment (never the sender's reply date), a date
  when it falls at 17:00 (the end of the working day), else with its time; blank before distribution;
- the reply: its number and notation once numbered, else "Dự thảo: <subject>" of its latest draft;
- notes: the clerk's note, "Trùng với số đến N" (earlier registrations with the same number and
  issuer), the closure or return with its reason, "Nhập bù" for a late entry, "Đã đính chính ngày …".
- the book: "Quyển số 01" — one book a register a year, its numbers restarting every 1 January —
  from the first to the last incoming number listed; the PDF ends with the closing block (khóa sổ)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from engine import clock

from .. import audit
from ..accounts import Identity
from ..errors import InvalidData, NotAllowed
from ..models import Agency, OrgUnit, User
from ..outgoing.models import OutgoingDocument
from ..reports import Cell, Closing, Column, Report, build, pdf, xlsx
from ..vntime import FIRST_YEAR, LAST_YEAR, VN_TZ
from . import progress
from .casework_models import ProgressNote
from .models import IncomingCorrection, IncomingDocument, IncomingParty, Status
from .service import READERS


class Writer(NamedTuple):
    write: Callable[[Report], bytes]
    media_type: str
    # Past this the caller is asked for a shorter period: the request renders the file, and a
    # PDF table lays out in time growing faster than its rows (5,000 rows, 300 pages: ~5 s;
    # an XLSX of 20,000 rows: ~5 s, on one core).
    max_rows: int


WRITERS = {"xlsx": Writer(xlsx.write, xlsx.MEDIA_TYPE, 20_000), "pdf": Writer(pdf.write, pdf.MEDIA_TYPE, 5_000)}

# The status codes of STATUSES as the tracking register names them (QĐ 28/2018 Đ10.2h).
PROGRESS = {Status.ARRIVED: "Đã đến", Status.REFUSED: "Trả lại", Status.ACCEPTED: "Đã tiếp nhận",
            Status.ASSIGNED: "Đã phân công", Status.IN_PROGRESS: "Đang xử lý", Status.COMPLETED: "Hoàn thành"}


def _received(d: IncomingDocument) -> date:
    return d.received_at.astimezone(VN_TZ).date()


def _type_and_subject(d: IncomingDocument) -> str:
    return f"{d.doc_type} {d.subject}"


def _blank(d: IncomingDocument) -> None:
    # Ký nhận: signed by hand on the printed register.
    return None


@dataclass(frozen=True)
class Facts:
    """What the register's cells read beyond the document row, loaded for all the listed documents
    at once (a fixed number of queries, however many rows): names of units and people, the
    coordinators and those told for information, the reply drafts, the earlier registrations of a
    duplicate, the corrections."""

    units: dict[int, str]
    people: dict[int, str]
    parties: dict[tuple[int, str], list[IncomingParty]]  # (document, kind) -> its parties
    drafts: dict[int, str]                       # document -> subject of its latest reply draft
    duplicates: dict[int, list[tuple[int, int]]]  # document -> (incoming number, year) of earlier ones
    corrected: dict[int, list[datetime]]

    @classmethod
    def of(cls, session: Session, documents: list[IncomingDocument]) -> Facts:
        ids = [d.id for d in documents]
        if not ids:
            return cls({}, {}, {}, {}, {}, {})
        parties: dict[tuple[int, str], list[IncomingParty]] = {}
        for party in session.scalars(sa.select(IncomingParty).where(IncomingParty.document_id.in_(ids))
                                     .order_by(IncomingParty.id)):
            parties.setdefault((party.document_id, party.kind), []).append(party)
        named = [p for listed in parties.values() for p in listed]
        unit_ids = {d.lead_unit_id for d in documents} | {p.unit_id for p in named}
        user_ids = {d.lead_user_id for d in documents} | {p.user_id for p in named}
        units = dict(session.execute(sa.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(unit_ids - {None}))).all())
        people = dict(session.execute(sa.select(User.id, User.full_name).where(User.id.in_(user_ids - {None}))).all())
        return cls(units, people, parties, _drafts(session, ids), _duplicates(session, documents),
                   _corrections(session, ids))

    def recipient(self, d: IncomingDocument) -> str | None:
        """The lead unit and person, then the coordinators and those told for information:
        "Phòng Kinh tế – Nguyễn Văn A\nPhối hợp: …\nĐể biết: …"."""
        lead = " – ".join(filter(None, (self.units.get(d.lead_unit_id), self.people.get(d.lead_user_id))))
        return "\n".join(filter(None, (lead, self._named(d, "coordinate", "Phối hợp"),
                                        self._named(d, "inform", "Để biết")))) or None

    def _named(self, d: IncomingDocument, kind: str, label: str) -> str | None:
        names = [self.units.get(p.unit_id) or self.people.get(p.user_id) for p in self.parties.get((d.id, kind), ())]
        return f"{label}: {', '.join(filter(None, names))}" if any(names) else None

    def reply(self, d: IncomingDocument) -> str | None:
        """The reply's number once it has one; until then its draft, so the row is not blank."""
        if d.reply_number:
            return d.reply_number
        return f"Dự thảo: {self.drafts[d.id]}" if d.id in self.drafts else None

    def notes(self, d: IncomingDocument) -> str:
        year = _received(d).year
        earlier = ", ".join(str(n) if y == year else f"{n}/{y}" for n, y in self.duplicates.get(d.id, ()))
        corrected = ", ".join(f"{at.astimezone(VN_TZ):%d/%m/%Y}" for at in self.corrected.get(d.id, ()))
        return "\n".join(filter(None, (
            d.description,
            f"Trùng với số đến {earlier}" if earlier else None,
            _returned(d),
            "Nhập bù (ghi trên giấy khi hệ thống gián đoạn)" if d.entered_late else None,
            f"Đã đính chính ngày {corrected}" if corrected else None,
        )))


def _returned(d: IncomingDocument) -> str | None:
    if d.closed_at is not None:
        reason = d.closure_reason or d.refusal_reason
        return f"Đóng, trả lại nơi gửi: {reason}" if reason else "Đóng, trả lại nơi gửi"
    return f"Trả lại: {d.refusal_reason}" if d.status == Status.REFUSED else None


def _drafts(session: Session, ids: list[int]) -> dict[int, str]:
    rows = session.execute(sa.select(OutgoingDocument.in_reply_to, OutgoingDocument.subject)
                           .where(OutgoingDocument.in_reply_to.in_(ids)).order_by(OutgoingDocument.id))
    return dict(rows.all())  # the latest draft of each document wins


def _duplicates(session: Session, documents: list[IncomingDocument]) -> dict[int, list[tuple[int, int]]]:
    """Earlier numbered documents with the same number/notation and issuer (service.duplicates_of's
    rule: an issuer code on both sides must agree), for every listed document in one query."""
    D, E = IncomingDocument, aliased(IncomingDocument)
    rows = session.execute(
        sa.select(D.id, E.incoming_number, E.received_at)
        .join(E, sa.and_(E.agency_id == D.agency_id, E.number_notation == D.number_notation,
                         E.issuer_name == D.issuer_name, E.id < D.id, E.incoming_number.is_not(None),
                         sa.or_(D.issuer_code.is_(None), E.issuer_code.is_(None), E.issuer_code == D.issuer_code)))
        .where(D.id.in_([d.id for d in documents])).order_by(D.id, E.id))
    found: dict[int, list[tuple[int, int]]] = {}
    for document_id, number, received_at in rows:
        found.setdefault(document_id, []).append((number, received_at.astimezone(VN_TZ).year))
    return found


def _corrections(session: Session, ids: list[int]) -> dict[int, list[datetime]]:
    found: dict[int, list[datetime]] = {}
    for document_id, at in session.execute(sa.select(IncomingCorrection.document_id, IncomingCorrection.corrected_at)
                                           .where(IncomingCorrection.document_id.in_(ids))
                                           .order_by(IncomingCorrection.id)):
        found.setdefault(document_id, []).append(at)
    return found


def _deadline(d: IncomingDocument) -> Cell:
    """The handling deadline of the current assignment (not the sender's reply date): a date when
    it falls at the end of the working day (17:00) or of the day, else with its time."""
    if d.handling_deadline is None:
        return None
    local = d.handling_deadline.astimezone(VN_TZ)
    if (local.hour, local.minute) in ((17, 0), (23, 59)):
        return local.date()
    return f"{local:%H:%M %d/%m/%Y}"


TYPE_AND_SUBJECT = Column("Tên loại và trích yếu nội dung", _type_and_subject, 45)
NOTE_SHOWN = 300  # characters of the latest progress note a register cell shows


def _progress(d: IncomingDocument, note: ProgressNote | None) -> str:
    """The status, then the handler's latest progress note: "60% – … (25/11/2026)"."""
    if d.closed_at is not None:
        return f"Đóng, không xử lý: {d.closure_reason}" if d.closure_reason else "Đóng, không xử lý"
    if note is None:
        return PROGRESS[d.status]
    text = note.text if len(note.text) <= NOTE_SHOWN else note.text[:NOTE_SHOWN - 1] + "…"
    percent = f"{note.percent}% – " if note.percent is not None else ""
    return f"{PROGRESS[d.status]}\n{percent}{text} ({note.at.astimezone(VN_TZ):%d/%m/%Y})"


def _register_columns(session: Session, documents: list[IncomingDocument]) -> tuple[Column, ...]:
    facts = Facts.of(session, documents)
    return (
        Column("Ngày đến", _received, 12, centered=True),
        Column("Số đến", lambda d: d.incoming_number, 7, centered=True),
        Column("Tác giả", lambda d: d.issuer_name, 22),
        Column("Số, ký hiệu", lambda d: d.number_notation, 14),
        Column("Ngày tháng", lambda d: d.document_date, 12, centered=True),
        TYPE_AND_SUBJECT,
        Column("Đơn vị hoặc người nhận", facts.recipient, 18),
        Column("Ký nhận", _blank, 10),
        Column("Ghi chú", facts.notes, 22),
    )


def _tracking_columns(session: Session, documents: list[IncomingDocument]) -> tuple[Column, ...]:
    latest = progress.latest_of(session, (d.id for d in documents))
    facts = Facts.of(session, documents)
    return (
        Column("Số đến", lambda d: d.incoming_number, 7, centered=True),
        Column("Ngày đến", _received, 12, centered=True),
        TYPE_AND_SUBJECT,
        Column("Đơn vị hoặc người nhận", facts.recipient, 18),
        Column("Thời hạn giải quyết", _deadline, 12, centered=True),
        Column("Tiến độ giải quyết", lambda d: _progress(d, latest.get(d.id)), 22),
        Column("Số, ký hiệu văn bản trả lời", facts.reply, 14),
        Column("Ghi chú", facts.notes, 22),
    )


@dataclass(frozen=True)
class Kind:
    title: str
    file_name: str
    sheet_name: str
    # The columns for the documents listed: the tracking register reads their progress notes.
    columns: Callable[[Session, list[IncomingDocument]], tuple[Column, ...]]


KINDS = {
    "register": Kind("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", "Sổ đăng ký văn bản đến", "Sổ đăng ký văn bản đến", _register_columns),
    "tracking": Kind("SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN", "Sổ theo dõi giải quyết văn bản đến",
                     "Sổ theo dõi giải quyết", _tracking_columns),
}


@dataclass(frozen=True)
class Period:
    """Receipt dates in Vietnam, both ends included."""

    start: date
    end: date

    @classmethod
    def of(cls, received_from: date | None, received_to: date | None, year: int | None, today: date) -> Period:
        """A year, a range, or by default this year. An open end stays in the other end's year:
        numbers restart every 1 January, so a register is read one year at a time."""
        if year is not None:
            if received_from or received_to:
                raise InvalidData("Chọn năm hoặc khoảng ngày, không chọn cả hai.")
            return cls(date(year, 1, 1), date(year, 12, 31))
        start = received_from or date((received_to or today).year, 1, 1)
        end = received_to or date(start.year, 12, 31)
        if not (FIRST_YEAR <= start.year and end.year <= LAST_YEAR):
            # Beyond these the moment in UTC would overflow Python's dates (year 1, year 9999).
            raise InvalidData(f"Khoảng ngày phải nằm trong các năm {FIRST_YEAR}–{LAST_YEAR}.")
        if start > end:
            raise InvalidData("Ngày bắt đầu sau ngày kết thúc.",
                              errors={"received_from": "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."})
        return cls(start, end)

    @property
    def whole_year(self) -> bool:
        return (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31) \
            and self.start.year == self.end.year

    @property
    def label(self) -> str:
        if self.whole_year:
            return f"Năm {self.start.year}"
        return f"Từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"

    @property
    def slug(self) -> str:
        return str(self.start.year) if self.whole_year else f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"


@dataclass(frozen=True)
class Exported:
    data: bytes
    media_type: str
    file_name: str
    rows: int


def export(session: Session, who: Identity, kind: str, file_format: str, period: Period,
           include_refused: bool = False) -> Exported:
    """The agency's register for the period as a file, in incoming-number order; the export is audited."""
    if not who.has_any(*READERS):
        raise NotAllowed("your roles may not read the incoming register")
    spec, writer = KINDS[kind], WRITERS[file_format]
    report = report_of(session, who, spec, period, include_refused, writer.max_rows)
    data = writer.write(report)
    audit.record(session, "incoming.exported", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="incoming_register",
                 after={"register": kind, "format": file_format, "from": period.start.isoformat(),
                        "to": period.end.isoformat(), "include_refused": include_refused, "rows": len(report.rows)})
    return Exported(data, writer.media_type, f"{spec.file_name} {period.slug}.{file_format}", len(report.rows))


def report_of(session: Session, who: Identity, spec: Kind, period: Period, include_refused: bool,
              max_rows: int) -> Report:
    agency = session.get(Agency, who.agency_id)
    documents = entries(session, who.agency_id, period, include_refused, max_rows)
    span = _span(documents)
    return build(title=spec.title, heading=[agency.name], subtitle=period.label, sheet_name=spec.sheet_name,
                 columns=spec.columns(session, documents), items=documents, book=book_lines(span), closing=closing_block(span))


BOOK = "01"  # one book a year per register: the numbers restart every 1 January (NĐ 30 Đ22)
Span = dict[int, tuple[int, int]]  # year -> first and last incoming number listed


def _span(documents: list[IncomingDocument]) -> Span:
    span: Span = {}
    for d in documents:
        if d.incoming_number is not None:
            year = _received(d).year
            first, last = span.get(year, (d.incoming_number, d.incoming_number))
            span[year] = (min(first, d.incoming_number), max(last, d.incoming_number))
    return span


def _numbers(span: Span) -> str:
    """ "từ số 1 đến số 52"; a period across 1 January names each number's year."""
    if not span:
        return "từ số … đến số …"
    (first_year, (first, _)), (last_year, (_, last)) = min(span.items()), max(span.items())
    if len(span) == 1:
        return f"từ số {first} đến số {last}"
    return f"từ số {first}/{first_year} đến số {last}/{last_year}"


def book_lines(span: Span) -> tuple[str, ...]:
    books = ", ".join(f"{BOOK}/{year}" for year in sorted(span)) if len(span) > 1 else BOOK
    numbers = _numbers(span)
    return (f"Quyển số: {books}", numbers[0].upper() + numbers[1:])


def closing_block(span: Span) -> Closing:
    today = clock.now().astimezone(VN_TZ).date()
    return Closing(lines=(f"Sổ này có {{pages}} trang, {_numbers(span)}.",),
                   dated=f"Ngày {today:%d} tháng {today:%m} năm {today:%Y}",
                   signers=(("NGƯỜI LẬP SỔ", "(Ký, ghi rõ họ tên)"), ("THỦ TRƯỞNG CƠ QUAN", "(Ký tên, đóng dấu)")))


def entries(session: Session, agency_id: int, period: Period, include_refused: bool,
            max_rows: int) -> list[IncomingDocument]:
    """Numbered documents received in the period (and refused ones, unnumbered, if asked), by
    year then incoming number: a number is given on acceptance, so it need not follow receipt time."""
    D = IncomingDocument
    in_register = D.incoming_number.is_not(None)
    query = (sa.select(D)
             .where(D.agency_id == agency_id, D.received_at >= _start_of(period.start),
                    D.received_at < _start_of(period.end + timedelta(days=1)),
                    sa.or_(in_register, D.status == Status.REFUSED) if include_refused else in_register)
             .limit(max_rows + 1))
    documents = list(session.scalars(query))
    if len(documents) > max_rows:
        count = f"{max_rows:,}".replace(",", ".")  # Vietnamese groups thousands with dots
        raise InvalidData(f"Sổ có hơn {count} văn bản: hãy chọn khoảng thời gian ngắn hơn.")
    return sorted(documents, key=_register_order)


def _register_order(d: IncomingDocument) -> tuple:
    return (_received(d).year, d.incoming_number is None, d.incoming_number or 0, d.received_at, d.id)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), VN_TZ)
