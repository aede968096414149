"""The one description of a report that every writer reads: columns declared once, rows
computed once, text cleaned once."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Generic, Iterable, TypeVar

Cell = str | int | date | None
Item = TypeVar("Item")

# Control characters have no glyph in a PDF and make openpyxl refuse the whole workbook;
# a pasted subject can carry them. Tab and newline are kept: they are layout.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Column(Generic[Item]):
    header: str                       # Vietnamese, as printed
    value: Callable[[Item], Cell]     # a str, an int, a date (shown dd/mm/yyyy) or None (blank)
    width: float                      # in characters, as Excel counts them; the PDF shares the page in proportion
    centered: bool = False            # numbers and dates


@dataclass(frozen=True)
class Closing:
    """The block a paper register ends with (khóa sổ): its lines, where "{pages}" is replaced by the
    printed number of pages, the place and date, and the signers, each a title and how to sign."""

    lines: tuple[str, ...]
    dated: str                        # "Hà Nam, ngày 05 tháng 12 năm 2026"
    signers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Report:
    title: str                        # "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
    heading: tuple[str, ...]          # lines above the title: the agency's name
    subtitle: str                     # "Năm 2026", or the date range
    sheet_name: str                   # ≤ 31 characters, none of []:*?/\ (Excel's rule)
    columns: tuple[Column[Any], ...]
    rows: tuple[tuple[Cell, ...], ...]
    book: tuple[str, ...] = ()        # under the subtitle: "Quyển số: 01", "Từ số 1 đến số 52"
    closing: Closing | None = None    # printed after the table (PDF)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def build(*, title: str, heading: Iterable[str], subtitle: str, sheet_name: str,
          columns: Iterable[Column[Item]], items: Iterable[Item], book: Iterable[str] = (),
          closing: Closing | None = None) -> Report:
    """Evaluate every column on every item; text comes out NFC and free of control characters."""
    columns = tuple(columns)
    rows = tuple(tuple(clean(c.value(item)) for c in columns) for item in items)
    if closing is not None:
        closing = Closing(tuple(clean(line) for line in closing.lines), clean(closing.dated),
                          tuple((clean(t), clean(h)) for t, h in closing.signers))
    return Report(title=clean(title), heading=tuple(clean(h) for h in heading), subtitle=clean(subtitle),
                  sheet_name=clean(sheet_name)[:31], columns=columns, rows=rows,
                  book=tuple(clean(line) for line in book), closing=closing)


def clean(value: Cell) -> Cell:
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", unicodedata.normalize("NFC", value)).strip()


def shown(value: Cell) -> str:
    """A cell as text, the way the printed register shows it."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)
