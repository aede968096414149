"""The agency's part at issue (seed 002 Đ11.2, 004 Đ5.2b). In one incremental revision: the
number and date filled into the fields the person's signing revision made (form filling, which
keeps the person's signature valid), and the agency's signature, the red seal at true size over
the left third of the person's signature with the agency name and the signing time (ISO 8601,
+07:00) below it. Urgent documents then get the urgency stamp, signed by the agency too.
Attachments in their own files are signed at the top right of page 1 with number, notation and
time as text."""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.stamp.base import BaseStamp, BaseStampStyle

from documents.vntime import iso
from engine.errors import InvalidData

from .agency import AgencySigner, _seal_image, _TimedPdfSigner, seal_size_mm
from .appearance import LEADING, MM, SealStampStyle, StampLayout, TextLine, _numbers, wrap
from .fonts import StampFontFactory, metrics
from .free_space import CELL, free_rect, occupancy
from .issue_fields import DATE_FIELD, NUMBER_FIELD, fill_issue_fields
from .pagecontent import reader_for
from .pdfinput import open_pdf, unreadable
from .person import FIELD_NAME as PERSON_FIELD
from .placement import Box, page_geometry
from .timestamps import TOKEN_RESERVE, TimestampRequestError, unavailable

URGENCY_TEXT = {"urgent": "KHẨN", "very_urgent": "THƯỢNG KHẨN", "flash": "HỎA TỐC"}
AGENCY_FIELD = "CoQuanBanHanh"
URGENCY_FIELD = "DoKhan"
ATTACHMENT_FIELD = "CoQuanKyPhuLuc"
REASON = "Ban hành văn bản"
TEXT_SIZE = 5.5
RED = (0.81, 0.07, 0.15)
SEAL_DPI = 300


def issue_pdf(person_signed_pdf: bytes, agency: AgencySigner, seal_png: bytes, *,
              agency_name: str, number_text: str, date_text: str, at: datetime,
              urgency: str = "normal", filename: str = "document.pdf") -> bytes:
    """``number_text`` ("Số: 12/VPUBND-KT") and ``date_text`` ("Hà Nội, ngày 05 tháng 12 năm
    2026") written on page 1, then the agency's signature(s); every earlier signature stays
    valid. Returns the PDF as issued. The PDF must carry the person's signature made by
    ``person.sign_as_person`` (its fields receive the number and date)."""
    if at.tzinfo is None:
        raise ValueError("the signing time must be timezone-aware")
    if urgency not in URGENCY_TEXT and urgency != "normal":
        raise InvalidData(f"Độ khẩn không hợp lệ: {urgency}")
    name = _stamp_text(agency_name)
    seal_size = round(seal_size_mm(bytes(seal_png)) * MM)
    seal = _seal_image(bytes(seal_png), math.ceil(seal_size / 72 * SEAL_DPI))
    reader = open_pdf(person_signed_pdf, filename)
    try:
        page_index, person_box = _person_widget(reader)
        writer = IncrementalPdfFileWriter.from_reader(reader)
        fill_issue_fields(writer, number_text, date_text)
        plan = _seal_plan(name, iso(at), seal_size)
        box = _seal_box(person_box, plan, page_geometry(reader, page_index).visible)
        output = _sign(agency, writer, AGENCY_FIELD, page_index, box,
                       SealStampStyle(plan=plan, seal=seal), name, at)
        if urgency in URGENCY_TEXT:
            output = _urgency(output, agency, name, URGENCY_TEXT[urgency], at, filename)
        return output
    except TimestampRequestError as exc:
        raise unavailable(getattr(agency.timestamper, "url", "?"), exc) from exc
    except SigningError as exc:
        raise InvalidData(f"file '{filename}' cannot be signed: {exc}") from exc
    except (PdfError, KeyError) as exc:
        raise unreadable(filename, exc) from exc


def sign_attachment(pdf: bytes, agency: AgencySigner, *, text: str, at: datetime,
                    agency_name: str | None = None, filename: str = "attachment.pdf") -> bytes:
    """An attachment in its own file, signed by the agency at the top right of page 1 (the
    free place nearest it) with ``text`` (number, notation and time; lines split on ``\\n``)."""
    if at.tzinfo is None:
        raise ValueError("the signing time must be timezone-aware")
    lines = [_stamp_text(line) for line in text.splitlines() if line.strip()]
    if not lines:
        raise InvalidData("Nội dung chữ ký trên phụ lục đang trống")
    reader = open_pdf(pdf, filename)
    try:
        style = LabelStampStyle(lines=tuple(lines), size=7.0, color=(0, 0, 0), border=False)
        width, height = style.size_needed()
        geometry = page_geometry(reader, 0)
        box = free_rect(occupancy(reader_for(pdf), 0, geometry), geometry, width, height,
                        10 * MM, "top")
        if box is None:
            raise InvalidData(f"file '{filename}': page 1 has no free place at the top right "
                              "for the agency's signature")
        writer = IncrementalPdfFileWriter.from_reader(reader)
        return _sign(agency, writer, _free_name(reader, ATTACHMENT_FIELD), 0, box, style,
                     agency_name or lines[0], at)
    except TimestampRequestError as exc:
        raise unavailable(getattr(agency.timestamper, "url", "?"), exc) from exc
    except SigningError as exc:
        raise InvalidData(f"file '{filename}' cannot be signed: {exc}") from exc
    except (PdfError, KeyError) as exc:
        raise unreadable(filename, exc) from exc


def _stamp_text(text: str) -> str:
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if not text:
        raise InvalidData("the text shown in the agency's signature is empty")
    if not metrics().covers(text):
        missing = "".join(dict.fromkeys(ch for ch in text if not metrics().covers(ch)))
        raise InvalidData(f"the agency's signature cannot show these characters: {missing}")
    return text


def _person_widget(reader) -> tuple[int, Box]:
    """The page and rectangle of the person's signature (the latest one made here)."""
    found = None
    for name, _, ref in fields.enumerate_sig_fields(reader):
        if name.startswith(PERSON_FIELD):
            found = ref.get_object()
    if found is None:
        raise InvalidData("Văn bản chưa có chữ ký của người có thẩm quyền")
    page_ref = found.get("/P")
    rect = tuple(float(v) for v in found["/Rect"])
    page_index = 0
    if page_ref is not None:
        for index in range(int(reader.root["/Pages"]["/Count"])):
            if reader.find_page_for_modification(index)[0].reference == page_ref.reference:
                page_index = index
                break
    return page_index, (min(rect[0], rect[2]), min(rect[1], rect[3]),
                        max(rect[0], rect[2]), max(rect[1], rect[3]))


def _seal_plan(name: str, time_text: str, seal_size: int) -> StampLayout:
    """The seal on top, the agency name (wrapped) and the time centred below it."""
    measure = metrics().width
    width = seal_size
    name_lines = wrap(name, width - 2, TEXT_SIZE)
    time_size = min(TEXT_SIZE, (width - 2) / max(measure(time_text, 1), 1e-6))
    texts = [(line, TEXT_SIZE) for line in name_lines] + [(time_text, time_size)]
    text_height = sum(size * LEADING for _, size in texts)
    height = math.ceil(seal_size + 2 + text_height)
    lines, y = [], height - seal_size - 2
    for text, size in texts:
        y -= size * LEADING
        lines.append(TextLine(text, (width - measure(text, size)) / 2, y + 0.3 * size, size))
    return StampLayout(width=width, height=height, seal_x=0, seal_y=height - seal_size,
                       seal_size=seal_size, lines=tuple(lines))


def _seal_box(person: Box, plan: StampLayout, page: Box) -> Box:
    """The seal's right edge at a third of the person's signature from its left, the seal's
    centre at the signature's height (the text hangs below); kept on the page."""
    x1 = person[0] + (person[2] - person[0]) / 3
    x0 = x1 - plan.width
    seal_centre = (person[1] + person[3]) / 2
    y1 = seal_centre + plan.seal_size / 2
    y0 = y1 - plan.height
    dx = max(0.0, page[0] - x0)
    dy = max(0.0, page[1] - y0)
    return round(x0 + dx), round(y0 + dy), round(x1 + dx), round(y1 + dy)


# The agency's signature locks the number and date it fills: pyHanko ignores their ReadOnly flag,
# so without the lock a later revision could fill them again and still count as form filling.
_LOCKED = {AGENCY_FIELD: fields.FieldMDPSpec(fields.FieldMDPAction.INCLUDE, fields=[NUMBER_FIELD, DATE_FIELD])}


def _sign(agency: AgencySigner, writer, field_name: str, page_index: int, box: Box, style,
          name: str, at: datetime) -> bytes:
    pdf_signer = _TimedPdfSigner(
        signers.PdfSignatureMetadata(field_name=field_name, md_algorithm="sha256", name=name,
                                     reason=REASON, subfilter=fields.SigSeedSubFilter.PADES),
        signer=agency.signer, stamp_style=style,
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page_index,
                                           box=tuple(round(v) for v in box), field_mdp_spec=_LOCKED.get(field_name)),
        timestamper=agency.timestamper, at=at)
    reserved = agency.signer.bytes_reserved + (TOKEN_RESERVE if agency.timestamper else 0)
    return pdf_signer.sign_pdf(writer, bytes_reserved=reserved).getvalue()


def _urgency(pdf: bytes, agency: AgencySigner, name: str, text: str, at: datetime,
             filename: str) -> bytes:
    """NĐ 30 Phụ lục I (ô 10b): the urgency mark below the number and the subject on page 1,
    in a red frame; signed by the agency as its own revision."""
    reader = open_pdf(pdf, filename)
    style = LabelStampStyle(lines=(text,), size=12.0, color=RED, border=True)
    width, height = style.size_needed()
    number = next(f.get_object() for f in reader.root["/AcroForm"]["/Fields"]
                  if str(f.get_object().get("/T")) == NUMBER_FIELD)
    x0, y0, x1, _ = (float(v) for v in number["/Rect"])
    centre = (x0 + x1) / 2
    box = _free_below(pdf, reader, (centre - width / 2, y0 - height, centre + width / 2, y0))
    writer = IncrementalPdfFileWriter.from_reader(reader)
    return _sign(agency, writer, URGENCY_FIELD, 0, box, style, name, at)


def _free_below(pdf: bytes, reader, start: Box) -> Box:
    """The first place at or below ``start`` on page 1 (within 120 pt) that covers nothing."""
    geometry = page_geometry(reader, 0)
    grid = occupancy(reader_for(pdf), 0, geometry)
    sums, stride = grid.integral(), grid.cols + 1
    x0, y0, x1, y1 = start
    ox, oy = geometry.visible[0], geometry.visible[1]
    for step in range(0, 121, 3):
        bottom, top = y0 - step - oy, y1 - step - oy
        c0, c1 = max(0, int((x0 - ox) // CELL)), min(grid.cols, math.ceil((x1 - ox) / CELL))
        r0, r1 = max(0, int(bottom // CELL)), min(grid.rows, math.ceil(top / CELL))
        if r0 >= r1:
            break
        taken = (sums[r1 * stride + c1] - sums[r0 * stride + c1]
                 - sums[r1 * stride + c0] + sums[r0 * stride + c0])
        if taken == 0:
            return x0, y0 - step, x1, y1 - step
    return x0, y0 - 45, x1, y1 - 45  # a crowded page: the usual place, over whatever is there


def _free_name(reader, base: str) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(reader)}
    return next(n for n in (f"{base}{i}" if i > 1 else base for i in range(1, 99))
                if n not in taken)


@dataclass(frozen=True)
class LabelStampStyle(BaseStampStyle):
    """Lines of text (Vietnamese, the stamp font), optionally framed; sized to fit them."""

    lines: tuple[str, ...] = ()
    size: float = 7.0
    color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    border: bool = False
    padding: float = 3.0
    font: StampFontFactory = field(default_factory=StampFontFactory)
    border_width: int = 0

    def size_needed(self) -> tuple[int, int]:
        widest = max(metrics().width(line, self.size) for line in self.lines)
        return (math.ceil(widest + 2 * self.padding),
                math.ceil(len(self.lines) * self.size * LEADING + 2 * self.padding))

    def create_stamp(self, writer, box: layout.BoxConstraints, text_params: dict) -> LabelStamp:
        return LabelStamp(writer=writer, style=self, box=box)


class LabelStamp(BaseStamp):
    style: LabelStampStyle

    def _render_inner_content(self) -> list[bytes]:
        style = self.style
        width, height = self.box.width, self.box.height
        commands = [b"%s rg %s RG" % (_numbers(*style.color), _numbers(*style.color))]
        if style.border:
            commands.append(b"1.2 w 0.6 0.6 %s re S" % _numbers(width - 1.2, height - 1.2))
        engine = style.font.create_font_engine(self.writer)
        self.set_resource(ResourceType.FONT, pdf_name("/F1"), engine.as_resource())
        y = height - style.padding
        for line in style.lines:
            y -= style.size * LEADING
            engine.font_size = style.size
            shaped = engine.shape(line)
            x = (width - metrics().width(line, style.size)) / 2
            commands.append(b"BT /F1 %s Tf 1 0 0 1 %s Tm %s ET" % (
                _numbers(style.size), _numbers(x, y + 0.3 * style.size), shaped.graphics_ops))
        return commands
