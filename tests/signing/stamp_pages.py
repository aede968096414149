"""Pages a stamp must not cover: an administrative document laid out per NĐ 30/2020 Phụ lục I
(written with reportlab, real text), a scan of one (an image with dark bands where the text is),
and the text boxes poppler reads back from a PDF."""
from __future__ import annotations

import subprocess
import re
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from documents.signing.fonts import font_bytes
from tests.tools import require_program

WIDTH, HEIGHT = A4
TOP, LEFT, RIGHT, BOTTOM = 20 * mm, 30 * mm, 15 * mm, 20 * mm  # Phụ lục I margins
BODY = ("Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh về việc số hóa văn bản đến, Văn phòng đề nghị "
        "các sở, ban, ngành rà soát quy trình tiếp nhận, đăng ký và chuyển giao văn bản, bảo đảm "
        "thời hạn giải quyết theo quy định của Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020.")


def _font() -> str:
    if "DejaVuVN" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuVN", BytesIO(font_bytes())))
    return "DejaVuVN"


def _lines(text: str, size: float, width: float) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if pdfmetrics.stringWidth(candidate, _font(), size) > width and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def phu_luc_i(paragraphs: int = 3) -> bytes:
    """A4: page 1 with the agency top left, the national heading top right, number and date,
    title, then ``paragraphs`` of body text running on to more pages when they are many; the
    signature block and "Nơi nhận" after the last paragraph."""
    out = BytesIO()
    page = canvas.Canvas(out, pagesize=A4, pdfVersion=(1, 7))
    font = _font()
    centre_left, centre_right = LEFT + 35 * mm, WIDTH - RIGHT - 50 * mm
    y = HEIGHT - TOP - 4 * mm
    page.setFont(font, 12)
    page.drawCentredString(centre_left, y, "UBND TỈNH HÀ NAM")
    page.drawCentredString(centre_right, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    y -= 6 * mm
    page.setFont(font, 13)
    page.drawCentredString(centre_left, y, "VĂN PHÒNG")
    page.drawCentredString(centre_right, y, "Độc lập - Tự do - Hạnh phúc")
    page.line(centre_right - 30 * mm, y - 1.5 * mm, centre_right + 30 * mm, y - 1.5 * mm)
    y -= 10 * mm
    page.setFont(font, 13)
    page.drawCentredString(centre_left, y, "Số: 123/VP-HCTC")
    page.drawCentredString(centre_right, y, "Hà Nam, ngày 20 tháng 11 năm 2026")
    y -= 14 * mm
    page.setFont(font, 14)
    page.drawCentredString(WIDTH / 2, y, "CÔNG VĂN")
    y -= 6 * mm
    page.drawCentredString(WIDTH / 2, y, "Về việc số hóa văn bản đến")
    y -= 12 * mm
    page.setFont(font, 13)
    for number in range(paragraphs):
        for line in _lines(BODY, 13, WIDTH - LEFT - RIGHT):
            if y < BOTTOM + 5 * mm:
                page.showPage()
                page.setFont(font, 13)
                y = HEIGHT - TOP - 4 * mm
            page.drawString(LEFT, y, line)
            y -= 6.5 * mm
        y -= 2 * mm
    y -= 6 * mm
    page.setFont(font, 12)
    page.drawString(LEFT, y, "Nơi nhận:")
    page.drawCentredString(centre_right, y, "CHÁNH VĂN PHÒNG")
    page.drawString(LEFT, y - 6 * mm, "- Như trên;")
    page.drawCentredString(centre_right, y - 30 * mm, "Nguyễn Văn An")
    page.showPage()
    page.save()
    return out.getvalue()


def full_of_text() -> bytes:
    """One A4 page covered with text from margin to margin: no blank place anywhere."""
    out = BytesIO()
    page = canvas.Canvas(out, pagesize=A4, pdfVersion=(1, 7))
    page.setFont(_font(), 11)
    y = HEIGHT - 8 * mm
    while y > 5 * mm:
        page.drawString(5 * mm, y, "Văn bản dày đặc chữ " * 12)
        y -= 4.2 * mm
    page.showPage()
    page.save()
    return out.getvalue()


def scan_of_heading(dpi: int = 150, colour: bool = True,
                    jpeg: bool = False) -> tuple[bytes, Image.Image]:
    """An A4 scan (one image page, as a scanner writes it): dark bands where a Phụ lục I page has
    its headings, title and body text. Returns the PDF and the image."""
    size = round(WIDTH / 72 * dpi), round(HEIGHT / 72 * dpi)
    image = Image.new("RGB", size, (250, 248, 240))
    draw = ImageDraw.Draw(image)

    def band(x_mm: float, top_mm: float, width_mm: float, height_mm: float = 4) -> None:
        px = dpi / 25.4
        draw.rectangle([x_mm * px, top_mm * px, (x_mm + width_mm) * px,
                        (top_mm + height_mm) * px], fill=(20, 20, 30))

    band(35, 22, 50)  # agency
    band(105, 22, 90)  # national heading
    band(120, 29, 60)  # motto
    band(40, 40, 40)  # number
    band(110, 40, 80)  # place and date
    band(80, 54, 50)  # title
    for line in range(12):
        band(30, 70 + 7 * line, 165)
    band(120, 170, 60)  # signature block
    picture = image if colour else image.convert("L")
    if jpeg:  # kept as the scanner's JPEG (DCTDecode) in the PDF
        out = BytesIO()
        picture.save(out, format="JPEG", quality=85)
        out.seek(0)
        picture = out
    return scan_pdf(picture), image


def scan_pdf(*images: Image.Image | BytesIO, page_size: tuple[float, float] = A4) -> bytes:
    """What a scanner writes: each image alone on a page, drawn over the whole page."""
    out = BytesIO()
    page = canvas.Canvas(out, pagesize=page_size, pdfVersion=(1, 7))
    for image in images:
        page.drawImage(ImageReader(image), 0, 0, width=page_size[0], height=page_size[1])
        page.showPage()
    page.save()
    return out.getvalue()


def text_boxes(pdf: bytes, tmp_path: Path, page: int = 1) -> list[tuple[float, float, float, float]]:
    """Every word's box on ``page`` as poppler sees it, in PDF user space (origin bottom left)."""
    pdftotext = require_program("pdftotext", "poppler-utils")
    source = tmp_path / "words.pdf"
    source.write_bytes(pdf)
    html = subprocess.run([pdftotext, "-bbox", "-f", str(page), "-l", str(page), str(source), "-"],
                          capture_output=True, check=True, text=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))
    boxes = []
    for match in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                             r'yMax="([\d.]+)"', html):
        x0, y0, x1, y1 = (float(v) for v in match.groups())
        boxes.append((x0, height - y1, x1, height - y0))
    return boxes


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
