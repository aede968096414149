"""The incoming registers of NĐ 30/2020 Phụ lục IV as files: the register (sổ đăng ký văn bản
đến) and the handling-tracking register (sổ theo dõi giải quyết văn bản đến), as XLSX or PDF.

Each register is one table of columns (Vietnamese header, value, width); the XLSX and PDF
writers of ``documents.reports`` both render that table, so a column is changed in one place."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import audit
from ..accounts import Identity
from ..errors import InvalidData, NotAllowed
from ..models import Agency
from ..reports import Column, Report, build, pdf, xlsx
from ..vntime import FIRST_YEAR, LAST_YEAR, VN_TZ
from . import progress
from .casework_models import ProgressNote
from .models import IncomingDocument, Status
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


def _notes(d: IncomingDocument) -> str:
    returned = f"Trả lại: {d.refusal_reason}" if d.status == Status.REFUSED else None
    return "\n".join(filter(None, (d.description, returned)))


def _blank(d: IncomingDocument) -> None:
    # Filled by hand on paper (Ký nhận), or by the workflow once it records assignments and replies.
    return None


TYPE_AND_SUBJECT = Column("Tên loại và trích yếu nội dung", _type_and_subject, 45)
RECIPIENT = Column("Đơn vị hoặc người nhận", _blank, 18)
NOTES = Column("Ghi chú", _notes, 22)

REGISTER_COLUMNS = (
    Column("Ngày đến", _received, 12, centered=True),
    Column("Số đến", lambda d: d.incoming_number, 7, centered=True),
    Column("Tác giả", lambda d: d.issuer_name, 22),
    Column("Số, ký hiệu", lambda d: d.number_notation, 14),
    Column("Ngày tháng", lambda d: d.document_date, 12, centered=True),
    TYPE_AND_SUBJECT,
    RECIPIENT,
    Column("Ký nhận", _blank, 10),
    NOTES,
)
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
    return REGISTER_COLUMNS


def _tracking_columns(session: Session, documents: list[IncomingDocument]) -> tuple[Column, ...]:
    latest = progress.latest_of(session, (d.id for d in documents))
    return (
        Column("Số đến", lambda d: d.incoming_number, 7, centered=True),
        Column("Ngày đến", _received, 12, centered=True),
        TYPE_AND_SUBJECT,
        RECIPIENT,
        Column("Thời hạn giải quyết", lambda d: d.due_date, 12, centered=True),
        Column("Tiến độ giải quyết", lambda d: _progress(d, latest.get(d.id)), 22),
        Column("Số, ký hiệu văn bản trả lời", _blank, 14),
        NOTES,
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
    return build(title=spec.title, heading=[agency.name], subtitle=period.label, sheet_name=spec.sheet_name,
                 columns=spec.columns(session, documents), items=documents)


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
