"""The two places the clerk fills at issue, the number ("Số: 12/UBND-VX") and the date line, as
read-only text fields created in the person's signing revision. Filling a form field after an
approval signature is a change pyHanko's difference analysis allows (form filling), where a new
annotation or content would be reported as tampering; so the number is stamped at issue and the
person's signature stays intact."""
from __future__ import annotations

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pypdf import PdfReader

from .appearance import _numbers
from .fonts import StampFontFactory
from .placement import Box
from .textfind import DATE_LINE, NUMBER_LINE, Shown, find

NUMBER_FIELD = "SoKyHieu"  # số, ký hiệu
DATE_FIELD = "NgayBanHanh"  # địa danh, ngày tháng năm ban hành
READ_ONLY = 1


def _rect(found: list[Shown], fallback: Box, page_width: float) -> tuple[Box, float]:
    if not found:
        return fallback, 11.0
    shown = found[0]
    x0, y0, x1, y1 = shown.box
    # Room for the number or the day written in the blanks (and a bit to spare).
    right = min(page_width - 10, max(x1 + 30, x0 + 150))
    return (x0 - 2, y0 - 1, right, y1 + 1), shown.size


def add_issue_fields(writer, reader: PdfReader) -> None:
    """Add the empty number and date fields on page 1 (where it prints "Số:" and "ngày … tháng …
    năm", else the NĐ 30 places), unless they are there already."""
    root = writer.root
    form = root.get("/AcroForm")
    if form is None:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        root[pdf_name("/AcroForm")] = writer.add_object(form)
        writer.update_root()
    form = form.get_object()
    fields = form.setdefault(pdf_name("/Fields"), generic.ArrayObject())
    taken = {str(f.get_object().get("/T")) for f in fields}
    if NUMBER_FIELD in taken:
        return
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    _, _, width, height = (float(v) for v in page["/MediaBox"])
    number_rect, number_size = _rect(find(reader, 0, NUMBER_LINE.search),
                                     (40, height - 115, 260, height - 95), width)
    date_rect, date_size = _rect(find(reader, 0, DATE_LINE.search),
                                 (300, height - 115, width - 30, height - 95), width)
    annots = page.get("/Annots")
    if annots is None:
        annots = page[pdf_name("/Annots")] = generic.ArrayObject()
    else:
        annots = annots.get_object()
    for name, rect, size in ((NUMBER_FIELD, number_rect, number_size),
                             (DATE_FIELD, date_rect, date_size)):
        field = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/FT"): pdf_name("/Tx"), pdf_name("/T"): pdf_string(name),
            pdf_name("/Ff"): generic.NumberObject(READ_ONLY),
            pdf_name("/F"): generic.NumberObject(4),  # printed
            pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in rect),
            pdf_name("/DA"): pdf_string(f"/F1 {size:g} Tf 0 g"),
            pdf_name("/P"): page_ref,
        })
        ref = writer.add_object(field)
        fields.append(ref)
        annots.append(ref)
    writer.update_container(fields if isinstance(fields, generic.IndirectObject) else form)
    writer.update_container(page)


def fill_issue_fields(writer, number_text: str, date_text: str) -> None:
    """Write the values with appearances (white over the blank line, the text in the stamp
    font at the line's size). The fields must exist (the person signed with them)."""
    from engine.errors import InvalidData

    form = writer.root.get("/AcroForm")
    fields = {str(f.get_object().get("/T")): f for f in (form.get_object().get("/Fields") or [])} \
        if form is not None else {}
    if NUMBER_FIELD not in fields or DATE_FIELD not in fields:
        raise InvalidData("Văn bản chưa được ký bởi người có thẩm quyền trên hệ thống "
                          "(thiếu ô số và ngày ban hành)")
    for name, text in ((NUMBER_FIELD, number_text), (DATE_FIELD, date_text)):
        ref = fields[name]
        field = ref.get_object()
        x0, y0, x1, y1 = (float(v) for v in field["/Rect"])
        size = _size(field)
        stream = _appearance(writer, text, x1 - x0, y1 - y0, size)
        field[pdf_name("/V")] = pdf_string(text)
        field[pdf_name("/AP")] = generic.DictionaryObject({
            pdf_name("/N"): writer.add_object(stream)})
        writer.update_container(field)


def _size(field) -> float:
    try:
        return float(str(field.get("/DA", "")).split()[1])
    except (IndexError, ValueError):
        return 11.0


def _appearance(writer, text: str, width: float, height: float, size: float):
    engine = StampFontFactory().create_font_engine(writer)
    engine.font_size = size
    shaped = engine.shape(text)
    content = b"q 1 1 1 rg 0 0 %s re f Q 0 g BT /F1 %s Tf 1 0 0 1 %s Tm %s ET" % (
        _numbers(width, height), _numbers(size), _numbers(2, 1 + 0.3 * size),
        shaped.graphics_ops)
    resources = generic.DictionaryObject({
        ResourceType.FONT.value: generic.DictionaryObject(
            {pdf_name("/F1"): engine.as_resource()})})
    return generic.StreamObject({
        pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
        pdf_name("/BBox"): generic.ArrayObject(generic.FloatObject(v)
                                               for v in (0, 0, width, height)),
        pdf_name("/Resources"): resources,
    }, stream_data=content)
