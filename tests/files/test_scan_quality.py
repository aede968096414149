"""Scan quality (seed 002 Đ9.3b: colour, at least 200 dpi) read from the images a paper scan's
PDF embeds: their colour space and their resolution as drawn on the page."""
from __future__ import annotations

import zlib
from io import BytesIO

from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from documents.files.scan_quality import NOT_A_SCAN, UNREADABLE, findings
from tests.signing.pdfs import write_pdf
from tests.signing.stamp_pages import A4, phu_luc_i, scan_of_heading, scan_pdf

GREY = "ảnh quét đen trắng/thang xám, không phải ảnh màu"


def test_a_greyscale_72_dpi_scan_is_caught():
    scan, _ = scan_of_heading(dpi=72, colour=False)
    assert findings(scan) == [f"Trang 1: {GREY}", "Trang 1: độ phân giải 72 dpi, dưới 200 dpi"]


def test_a_colour_300_dpi_scan_passes():
    scan, _ = scan_of_heading(dpi=300)
    assert findings(scan) == []


def test_a_colour_scan_at_150_dpi_is_only_too_coarse():
    scan, _ = scan_of_heading(dpi=150)
    assert findings(scan) == ["Trang 1: độ phân giải 150 dpi, dưới 200 dpi"]


def bitmap_pdf(width: int, height: int) -> bytes:
    """A scanner's black-and-white page: a 1-bit image over the whole A4 page (written by hand:
    reportlab would turn the bitmap into RGB)."""
    pixels = zlib.compress(b"\xff" * ((width + 7) // 8 * height))
    content = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % A4
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Contents 4 0 R "
        b"/Resources << /XObject << /Im0 5 0 R >> >> >>" % A4,
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 1 "
        b"/ColorSpace /DeviceGray /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
        % (width, height, len(pixels), pixels),
    ]
    return write_pdf(objects)


def test_a_black_and_white_bitmap_is_not_colour():
    assert findings(bitmap_pdf(2480, 3508)) == [f"Trang 1: {GREY}"]  # A4 at 300 dpi, 1 bit


def test_the_resolution_is_as_drawn_on_the_page_not_the_pixel_count():
    image = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi if it filled the page...
    out = BytesIO()
    page = canvas.Canvas(out, pagesize=A4, pdfVersion=(1, 7))
    page.drawImage(ImageReader(image), 0, A4[1] / 2, width=A4[0] / 2, height=A4[1] / 2)
    page.showPage()
    page.save()
    assert findings(out.getvalue()) == []  # ...drawn over half the width: 300 dpi


def test_each_page_is_judged():
    colour = Image.new("RGB", (1654, 2339), "white")  # A4 at 200 dpi
    grey = colour.convert("L")
    assert findings(scan_pdf(colour, grey, colour)) == [f"Trang 2: {GREY}"]


def test_a_pdf_without_images_is_not_a_scan():
    assert findings(phu_luc_i()) == [NOT_A_SCAN]


def test_an_unreadable_file_is_said_so():
    assert findings(b"%PDF-1.7\nnonsense") in ([UNREADABLE], [NOT_A_SCAN])
