"""A report as an Excel workbook: the agency and title above, bold wrapped headers frozen in
place and repeated on every printed page, dates as real dates shown dd/mm/yyyy."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .table import Report

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "dd/mm/yyyy"
HEADER_ROW = 5  # agency, title, period, the book (Quyển số, from … to), then the headers
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", start_color="FFD9D9D9")


def write(report: Report) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = report.sheet_name
    _title(sheet, report)
    _headers(sheet, report)
    _rows(sheet, report)
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def _title(sheet: Worksheet, report: Report) -> None:
    last = len(report.columns)
    lines = [(" – ".join(report.heading), Font(bold=True, size=11)),
             (report.title, Font(bold=True, size=14)),
             (report.subtitle, Font(italic=True, size=11))]
    if report.book:
        lines.append((" – ".join(report.book), Font(size=11)))
    for row, (text, font) in enumerate(lines, start=1):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
        cell = sheet.cell(row, 1)
        _text(cell, text)
        cell.font, cell.alignment = font, Alignment(horizontal="center")


def _headers(sheet: Worksheet, report: Report) -> None:
    for index, column in enumerate(report.columns, start=1):
        cell = sheet.cell(HEADER_ROW, index)
        _text(cell, column.header)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width


def _rows(sheet: Worksheet, report: Report) -> None:
    aligns = [Alignment(horizontal="center" if c.centered else "left", vertical="top", wrap_text=True)
              for c in report.columns]
    for row, values in enumerate(report.rows, start=HEADER_ROW + 1):
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row, index)
            if isinstance(value, str):
                _text(cell, value)
            else:
                cell.value = value
                if isinstance(value, date):
                    cell.number_format = DATE_FORMAT
            cell.alignment, cell.border = aligns[index - 1], _BOX


def _text(cell, text: str) -> None:
    # openpyxl stores a string starting with "=" as a formula: a subject written by another
    # agency must never run as one in the clerk's Excel, so text is always typed as text.
    cell.value = text
    cell.data_type = "s"
