"""Official letters for the demo province, laid out as NĐ 30/2020 Phụ lục I lays out a công văn:
the issuing agency top left, the national heading top right, number and notation, place and date,
the subject under the number, the body, the signer. Made as a born-digital PDF (what an agency
signs and sends) and as a scan of paper (an image of the page: in colour at 300 dpi, or greyscale
at 72 dpi, the scan the quality check catches). Demo data only: real documents come from people."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .signing.fonts import font_bytes

MM_PER_INCH = 25.4
FONT = "DemoLetterVN"


@cache
def _font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, BytesIO(font_bytes())))
    return FONT


@dataclass(frozen=True)
class Letter:
    agency: str            # "SỞ NỘI VỤ"
    parent: str            # "UBND TỈNH DEMO"
    number_notation: str   # "123/SNV-VP"
    place_date: str        # "Demo, ngày 01 tháng 12 năm 2026"
    subject: str           # "V/v kiểm tra công tác văn thư"
    recipient: str         # "Kính gửi: Văn phòng UBND tỉnh Demo"
    body: tuple[str, ...]
    signer_position: str
    signer_name: str


# (x from the left or right edge, y from the top, size, text, alignment) in millimetres and points:
# the lines of Phụ lục I, drawn alike on the PDF and on the scan.
def _lines(letter: Letter) -> list[tuple[float, float, float, str, str]]:
    left, right = 30.0, 15.0
    lines = [
        (left + 25, 22, 12, letter.parent, "centre-left"),
        (left + 25, 27, 12, letter.agency, "centre-left"),
        (right + 52, 22, 12, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "centre-right"),
        (right + 52, 27, 13, "Độc lập - Tự do - Hạnh phúc", "centre-right"),
        (left + 25, 36, 13, f"Số: {letter.number_notation}", "centre-left"),
        (right + 52, 36, 13, letter.place_date, "centre-right"),
        *((left + 25, 42 + 5 * i, 12, line, "centre-left") for i, line in enumerate(_wrapped(letter.subject, 40))),
        (0, 58, 14, letter.recipient, "centre"),
    ]
    y = 72.0
    for paragraph in letter.body:
        for line in _wrapped(paragraph, 62):
            lines.append((left + 10, y, 13, line, "left"))
            y += 7
        y += 2
    for offset, line in enumerate(letter.signer_position.splitlines()):
        lines.append((right + 40, y + 10 + 6 * offset, 13, line, "centre-right"))
    lines.append((right + 40, y + 45, 13, letter.signer_name, "centre-right"))
    return lines


def _wrapped(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def pdf(letter: Letter) -> bytes:
    """The letter as a born-digital A4 PDF, its text embedded in DejaVu Sans VN."""
    font = _font()
    out = BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1, pdfVersion=(1, 7))
    canvas.setTitle(letter.subject)
    width, height = A4
    for x, y, size, text, align in _lines(letter):
        canvas.setFont(font, size)
        top = height - y * mm
        if align == "left":
            canvas.drawString(x * mm, top, text)
        elif align == "centre-left":
            canvas.drawCentredString(x * mm, top, text)
        elif align == "centre-right":
            canvas.drawCentredString(width - x * mm, top, text)
        else:
            canvas.drawCentredString(width / 2, top, text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def scan(letter: Letter, *, dpi: int = 300, colour: bool = True) -> bytes:
    """The printed letter as a scanner gives it: one image per page, placed over the whole A4 page."""
    px = lambda millimetres: round(millimetres / MM_PER_INCH * dpi)  # noqa: E731
    page_w, page_h = px(210), px(297)
    image = Image.new("RGB", (page_w, page_h), (250, 249, 244))  # paper is never pure white
    draw = ImageDraw.Draw(image)
    for x, y, size, text, align in _lines(letter):
        font = ImageFont.truetype(BytesIO(font_bytes()), max(1, round(size / 72 * dpi)))
        anchor = "ls" if align == "left" else "ms"
        across = {"left": px(x), "centre-left": px(x), "centre-right": page_w - px(x)}.get(align, page_w // 2)
        draw.text((across, px(y)), text, font=font, fill=(20, 20, 30), anchor=anchor)
    if not colour:
        image = image.convert("L")
    photo = BytesIO()
    image.save(photo, format="JPEG", quality=80, dpi=(dpi, dpi))
    out = BytesIO()
    canvas = Canvas(out, pagesize=A4, pdfVersion=(1, 7))  # a scanner writes PDF 1.4 or later
    canvas.drawImage(ImageReader(BytesIO(photo.getvalue())), 0, 0, width=A4[0], height=A4[1])  # kept as JPEG
    canvas.showPage()
    canvas.save()
    return out.getvalue()
