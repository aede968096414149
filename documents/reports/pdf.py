"""A report as an A4 landscape PDF: the header row repeats on every page, pages are numbered
"Trang n/N", the register's book details head it and its closing block (khóa sổ: the number of
pages, the date, the places to sign) ends it, as on paper; Vietnamese text is drawn with the project's DejaVu Sans VN (embedded), which
covers every Vietnamese letter with every tone mark."""
from __future__ import annotations

from functools import cache
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus.doctemplate import LayoutError
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..signing.fonts import font_bytes
from .table import Cell, Closing, Report, shown

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
_CLOSING = ParagraphStyle("closing", parent=_BODY, fontSize=10, leading=14)
_DATED = ParagraphStyle("dated", parent=_CLOSING, alignment=TA_RIGHT)
_SIGNER = ParagraphStyle("signer", parent=_CLOSING, alignment=TA_CENTER)
_SIGNING_SPACE = 25 * mm  # under each signer's title: room to sign (and seal)


@cache
def _register_font() -> None:
    # The shipped font has no bold face: headers stand out by their shading instead.
    pdfmetrics.registerFont(TTFont(FONT, BytesIO(font_bytes())))


def write(report: Report) -> bytes:
    _register_font()
    try:
        return _write(report, split_rows=False)
    except LayoutError:
        # A row taller than a page (a long note in a narrow column): rows may then continue on
        # the next page — not always, as reportlab then repeats the header row oddly.
        return _write(report, split_rows=True)


def _write(report: Report, split_rows: bool) -> bytes:
    out = BytesIO()
    document = SimpleDocTemplate(out, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN + 4 * mm, title=report.title, subject=report.subtitle,
                                 author=" – ".join(report.heading), creator="QLVBĐH", lang="vi",
                                 initialFontName=FONT, initialFontSize=8.5)  # no unembedded Helvetica
    story = [*(Paragraph(_markup(line), _HEADING) for line in report.heading),
             Paragraph(_markup(report.title), _TITLE), Paragraph(_markup(report.subtitle), _SUBTITLE),
             *(Paragraph(_markup(line), _SUBTITLE) for line in report.book),
             Spacer(0, 5 * mm), _table(report, document.width, split_rows)]
    if report.closing is not None:
        story.append(_closing(report.closing, document.width))
    document.build(story, canvasmaker=_NumberedCanvas)
    return out.getvalue()


def _table(report: Report, width: float, split_rows: bool) -> Table:
    total = sum(c.width for c in report.columns)
    widths = [width * c.width / total for c in report.columns]
    styles = [_CENTERED if c.centered else _BODY for c in report.columns]
    header = [Paragraph(_markup(c.header), _HEADER) for c in report.columns]
    body = [[_cell(value, style) for value, style in zip(row, styles)] for row in report.rows]
    table = Table([header, *body], colWidths=widths, repeatRows=1, splitInRow=int(split_rows))
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


def _closing(closing: Closing, width: float) -> KeepTogether:
    """Kept on one page: a closing block split from its signatures would not close anything."""
    lines = [_PageCounted(line, _CLOSING) if "{pages}" in line else Paragraph(_markup(line), _CLOSING)
             for line in closing.lines]
    titles = [Paragraph(_markup(title), _SIGNER) for title, _ in closing.signers]
    hints = [Paragraph(_markup(hint), _SIGNER) for _, hint in closing.signers]
    signers = Table([titles, hints, [""] * len(titles)], colWidths=[width / max(len(titles), 1)] * len(titles),
                    rowHeights=[None, None, _SIGNING_SPACE])
    signers.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([Spacer(0, 6 * mm), *lines, Spacer(0, 3 * mm), Paragraph(_markup(closing.dated), _DATED),
                         Spacer(0, 2 * mm), signers])


class _PageCounted(Flowable):
    """A line naming the number of pages, which is known only once every page is laid out: it
    takes its place now and is written by the canvas at the end (_NumberedCanvas.save)."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text, self.style = text, style

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return available_width, self.style.leading

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, self.style.leading - self.style.fontSize)
        self.canv.later.append((self.text, self.style.fontSize, x, y))


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
        self.later: list[tuple[str, float, float, float]] = []  # text with "{pages}", size, x, y

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self.later = []
        self._startPage()

    def save(self) -> None:
        for number, page in enumerate(self._held, start=1):
            self.__dict__.update(page)
            self.setFont(FONT, 8.5)
            self.drawCentredString(PAGE[0] / 2, MARGIN / 2 + 2 * mm, f"Trang {number}/{len(self._held)}")
            for text, size, x, y in self.later:
                self.setFont(FONT, size)
                self.drawString(x, y, text.replace("{pages}", str(len(self._held))))
            super().showPage()
        super().save()
