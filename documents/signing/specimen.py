"""A one-page (or longer) draft laid out like NĐ 30 Phụ lục I, for the demo, the tests and the
bench: the agency and the blank "Số: /…" on the left, the motto and the blank date on the right,
the body, and the signing block (title, room to sign, the printed full name) at the bottom right."""
from __future__ import annotations

from functools import cache
from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from .fonts import font_bytes

FONT = "DejaVuSansVN"


@cache
def _font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, BytesIO(font_bytes())))
    return FONT


def specimen_pdf(*, agency_name: str = "ỦY BAN NHÂN DÂN TỈNH HÀ NAM", notation: str = "UBND-VX",
                 place: str = "Hà Nam", year: int = 2026, subject: str = "V/v báo cáo tình hình",
                 signer_title: str = "CHỦ TỊCH", signer_name: str = "Nguyễn Văn An",
                 pages: int = 1) -> bytes:
    font = _font()
    out = BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    width, height = A4
    for page in range(1, pages + 1):
        if page == 1:
            pdf.setFont(font, 11)
            pdf.drawCentredString(150, height - 60, agency_name)
            pdf.drawCentredString(150, height - 100, f"Số:        /{notation}")
            pdf.drawCentredString(150, height - 118, subject)
            pdf.setFont(font, 10)
            pdf.drawCentredString(420, height - 60, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
            pdf.drawCentredString(420, height - 75, "Độc lập - Tự do - Hạnh phúc")
            pdf.drawCentredString(420, height - 100, f"{place}, ngày     tháng     năm {year}")
        pdf.setFont(font, 12)
        top = height - 170 if page == 1 else height - 80
        for line in range(12):
            pdf.drawString(70, top - 20 * line,
                           f"Nội dung trang {page}, dòng {line + 1}: kính gửi các cơ quan, đơn vị.")
        if page == pages:
            pdf.setFont(font, 9)
            pdf.drawString(57, 300, "Nơi nhận:")
            pdf.drawString(57, 288, "- Như trên;")
            pdf.drawString(57, 276, "- Lưu: VT.")
            pdf.setFont(font, 11)
            pdf.drawCentredString(430, 300, signer_title)
            pdf.drawCentredString(430, 210, signer_name)
        pdf.showPage()
    pdf.save()
    return out.getvalue()
