"""A page of a PDF as PNG with a rectangle drawn on it: the signer sees where the signature goes
before signing (pypdfium2; PDFium is not thread-safe, hence the lock)."""
from __future__ import annotations

import threading
from io import BytesIO

from PIL import ImageDraw

from engine.errors import InvalidData

from .placement import Box

_LOCK = threading.Lock()
MAX_WIDTH_PX = 1600
BOX_COLOUR = (220, 30, 30)


def page_png(pdf: bytes, page_index: int, box: Box | None = None, *, width_px: int = 900) -> bytes:
    """Page ``page_index`` (0-based, negative from the end) ``width_px`` wide, with ``box``
    (user space, as a widget's /Rect) outlined in red."""
    import pypdfium2 as pdfium

    width_px = max(100, min(int(width_px), MAX_WIDTH_PX))
    with _LOCK:
        try:
            document = pdfium.PdfDocument(bytes(pdf))
        except pdfium.PdfiumError as exc:
            raise InvalidData(f"Không đọc được tệp PDF để xem trước ({exc})") from exc
        try:
            count = len(document)
            if not -count <= page_index < count:
                raise InvalidData(f"Văn bản không có trang {page_index + 1}")
            page = document[page_index % count]
            left, bottom, right, top = page.get_mediabox()
            scale = width_px / (right - left)
            image = page.render(scale=scale).to_pil().convert("RGB")
            page.close()
        finally:
            document.close()
    if box is not None:
        x0, y0, x1, y1 = box
        draw = ImageDraw.Draw(image)
        draw.rectangle(((x0 - left) * scale, (top - y1) * scale, (x1 - left) * scale,
                        (top - y0) * scale), outline=BOX_COLOUR, width=3)
    out = BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
