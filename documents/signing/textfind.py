"""Where a page prints a given piece of text: the signer's printed name, the "Số:" line, the
date line. pypdf reports each shown string with its matrices; the width is measured with the
stamp font's metrics (close enough to place a box beside or above it)."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from pypdf import PdfReader

from .fonts import metrics
from .pagecontent import ASCENT, DESCENT, reader_for
from .placement import Box


@dataclass(frozen=True)
class Shown:
    text: str
    x: float
    y: float  # baseline
    size: float
    width: float

    @property
    def box(self) -> Box:
        return (self.x, self.y - DESCENT * self.size, self.x + self.width,
                self.y + ASCENT * self.size)


def normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def shown_strings(reader: PdfReader, page_index: int) -> list[Shown]:
    """Every string the page shows (read once per reader and page: the signature's placement
    and the issue fields ask the same pages several times)."""
    cache = reader.__dict__.setdefault("_qlvbdh_shown", {})
    if page_index not in cache:
        cache[page_index] = _read_strings(reader, page_index)
    return cache[page_index]


def _read_strings(reader: PdfReader, page_index: int) -> list[Shown]:
    found: list[Shown] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text.strip():
            return
        a, b, c, d, e, f = (float(v) for v in cm)
        x = tm[4] * a + tm[5] * c + e
        y = tm[4] * b + tm[5] * d + f
        size = abs(float(font_size) * float(tm[3]) * d) or float(font_size) or 10.0
        for line in text.splitlines():
            if line.strip():
                found.append(Shown(line, x, y, size, metrics().width(line, size)))

    try:
        reader.pages[page_index].extract_text(visitor_text=visit)
    except Exception:  # a page pypdf cannot read: callers fall back to default positions
        return []
    return found


def find(pdf: bytes | PdfReader, page_index: int,
         match: Callable[[str], bool]) -> list[Shown]:
    reader = pdf if isinstance(pdf, PdfReader) else reader_for(pdf)
    if page_index < 0:
        page_index += len(reader.pages)
    return [s for s in shown_strings(reader, page_index) if match(normal(s.text))]


def containing(needle: str) -> Callable[[str], bool]:
    wanted = normal(needle)
    return lambda text: wanted in text


NUMBER_LINE = re.compile(r"^số\s*:")
DATE_LINE = re.compile(r"ngày.*tháng.*năm")
