"""A report as an A4 landscape PDF: the header row repeats on every page, pages are numbered
"Trang n/N", and Vietnamese text is drawn with the project's DejaVu Sans VN (embedded), which
covers every Vietnamese letter with every tone mark."""
from __future__ import annotations

from functools import cache
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..signing.fonts import font_bytes
from .table import Cell, Report, shown

MEDIA_TYPE = "application/pdf"
FONT = "DejaVuSansVN"
PAGE = landscape(A4)
MARGIN = 12 * mm
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=10.5, alignment=TA_LEFT)
_CENTERED = ParagraphStyle("centered", parent=_BODY, alignment=TA_CENTER)
_HEADER = ParagraphStyle("header", parent=_CENTERED, fontSize=9, leading=11)
_HEADING = ParagraphStyle("heading", parent=_CENTERED, fontSize=11, leading=14)
_TITLE = ParagraphStyle("title", parent=_CENTERED, fontSize=15, leading=20, spaceBefore=4)
_SUBTITLE = ParagraphStyle("subtitle", parent=_CENTERED, fontSize=10.5, leading=14)


@cache
def _register_font() -> None:
    # The shipped font has no bold face: headers stand out by their shading instead.
    pdfmetrics.registerFont(TTFont(FONT, BytesIO(font_bytes())))


def write(report: Report) -> bytes:
    _register_font()
    out = BytesIO()
    document = SimpleDocTemplate(out, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN + 4 * mm, title=report.title, subject=report.subtitle,
                                 author=" – ".join(report.heading), creator="QLVBĐH", lang="vi",
                                 initialFontName=FONT, initialFontSize=8.5)  # no unembedded Helvetica
    story = [*(Paragraph(_markup(line), _HEADING) for line in report.heading),
             Paragraph(_markup(report.title), _TITLE), Paragraph(_markup(report.subtitle), _SUBTITLE),
             Spacer(0, 5 * mm), _table(report, document.width)]
    document.build(story, canvasmaker=_NumberedCanvas)
    return out.getvalue()


def _table(report: Report, width: float) -> Table:
    total = sum(c.width for c in report.columns)
    widths = [width * c.width / total for c in report.columns]
    styles = [_CENTERED if c.centered else _BODY for c in report.columns]
    header = [Paragraph(_markup(c.header), _HEADER) for c in report.columns]
    body = [[_cell(value, style) for value, style in zip(row, styles)] for row in report.rows]
    table = Table([header, *body], colWidths=widths, repeatRows=1)
    centered = [("ALIGN", (i, 1), (i, -1), "CENTER") for i, c in enumerate(report.columns) if c.centered]
    table.setStyle(TableStyle([
        *centered,
        ("FONTNAME", (0, 0), (-1, -1), FONT),  # else the table still names Helvetica, unembedded
        ("FONTSIZE", (0, 1), (-1, -1), _BODY.fontSize), ("LEADING", (0, 1), (-1, -1), _BODY.leading),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9D9D9")),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _cell(value: Cell, style: ParagraphStyle) -> Paragraph | str:
    # Only text needs a Paragraph (wrapping); a number, a date or a blank is drawn as it is,
    # which halves the layout time of a long register.
    return Paragraph(_markup(value), style) if isinstance(value, str) and value else shown(value)


def _markup(text: str) -> str:
    # Paragraph reads a small XML markup: user text is escaped, its line breaks kept.
    return escape(text).replace("\n", "<br/>")


class _NumberedCanvas(Canvas):
    """Holds every page until the end, so that each can say how many there are ("Trang 2/7")."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for number, page in enumerate(self._held, start=1):
            self.__dict__.update(page)
            self.setFont(FONT, 8.5)
            self.drawCentredString(PAGE[0] / 2, MARGIN / 2 + 2 * mm, f"Trang {number}/{len(self._held)}")
            super().showPage()
        super().save()
