"""Reading back what the signer wrote: the signature widgets of page 1 and their text."""
from __future__ import annotations

import re
from io import BytesIO

from pyhanko.pdf_utils.generic import read_string_from_stream
from pyhanko.pdf_utils.reader import PdfFileReader


def signature_widgets(pdf: bytes, page_index: int = 0) -> list:
    reader = PdfFileReader(BytesIO(pdf))
    page_ref, _ = reader.find_page_for_modification(page_index)
    annots = [a.get_object() for a in page_ref.get_object().get("/Annots", [])]
    return [a for a in annots if a.get("/FT") == "/Sig"]


def rect(widget) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def appearance_texts(widget) -> list[str]:
    """The /ActualText of every text span in the widget's normal appearance, in order."""
    data = widget["/AP"]["/N"].data
    return [str(read_string_from_stream(BytesIO(data[m.end():])))
            for m in re.finditer(rb"/ActualText\s*(?=\()", data)]
