"""Active content in a PDF: what a reader runs or opens by itself rather than shows. JavaScript,
launch actions, form data sent or read elsewhere, links into other files, XFA forms, Flash and 3D
annotations are refused; embedded files are refused unless the caller allows them. A PDF signed
by the agency as a paper scan must be a page image and text, nothing that acts.

The check walks the object graph from the catalog, every reachable object once, rather than
looking at a few known places (``/OpenAction``, ``/AA``, ``/Names``…): actions hide in
annotations, form fields, outline items and ``/Next`` chains, and names can be written with
``#xx`` escapes that a byte search would miss. pyHanko's strict parser reads the file (the same
parser that signs and validates it) and bounds what its streams may expand to."""
from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from engine.errors import InvalidData

from .refusals import count, refuse

MAX_OBJECTS = 100_000  # a 300-page scan has a few thousand

_JAVASCRIPT = "mã JavaScript"
_EMBEDDED = "tệp đính kèm nhúng bên trong"
_ACTIONS = {  # the /S of an action dictionary
    "/JavaScript": _JAVASCRIPT,
    "/Launch": "lệnh mở chương trình hoặc tệp khác (Launch)",
    "/ImportData": "lệnh nhập dữ liệu từ tệp khác (ImportData)",
    "/SubmitForm": "lệnh gửi dữ liệu biểu mẫu ra ngoài (SubmitForm)",
    "/GoToR": "liên kết mở một tệp PDF khác (GoToR)",
    "/GoToE": "liên kết mở một tệp nhúng (GoToE)",
    "/RichMediaExecute": "lệnh điều khiển nội dung đa phương tiện (RichMedia)",
}
_ANNOTATIONS = {  # the /Subtype of an annotation
    "/RichMedia": "nội dung đa phương tiện (RichMedia, Flash)",
    "/3D": "mô hình 3D (có thể chứa mã JavaScript)",
    "/FileAttachment": _EMBEDDED,
}


class _TooComplex(Exception):
    pass


def refuse_active_content(name: str, data: bytes, *, allow_embedded_files: bool = False) -> None:
    """Raises ``InvalidData`` naming the file and what it holds when the PDF ``data`` carries
    active content, is encrypted, too complex or unreadable."""
    try:
        reader = PdfFileReader(BytesIO(data), strict=True)
        if reader.encrypted:
            refuse(f"Tệp «{name}» là tệp PDF được mã hóa hoặc đặt mật khẩu: không kiểm tra được nội dung "
                   "(hãy đề nghị nơi gửi cung cấp bản không đặt mật khẩu).")
        found = _active(reader, allow_embedded_files)
    except InvalidData:
        raise
    except _TooComplex:
        refuse(f"Tệp «{name}» là tệp PDF quá phức tạp để kiểm tra (hơn {count(MAX_OBJECTS)} đối tượng).")
    except Exception:  # malformed input surfaces as any of a dozen types, RecursionError on loops
        refuse(f"Tệp «{name}» là tệp PDF bị hỏng, không đọc được: cấu trúc tệp không đúng chuẩn PDF.")
    if found:
        refuse(f"Tệp «{name}» có nội dung chủ động không được phép: {', '.join(found)}. "
               "Hãy đề nghị nơi gửi xuất lại tệp PDF không có các thành phần này.")


def _active(reader: PdfFileReader, allow_embedded_files: bool) -> list[str]:
    found: dict[str, None] = {}  # ordered, without repeats
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.root_ref]
    while stack:
        obj = stack.pop()
        if isinstance(obj, (generic.IndirectObject, generic.Reference)):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            if len(seen) > MAX_OBJECTS:
                raise _TooComplex
            obj = obj.get_object()
        if isinstance(obj, generic.DictionaryObject):
            found.update(dict.fromkeys(_named(obj, allow_embedded_files)))
            # /Parent leads back up a tree whose objects are reached from the top anyway.
            stack.extend(obj.raw_get(key) for key in obj if key != "/Parent")
        elif isinstance(obj, generic.ArrayObject):
            stack.extend(obj.raw_get(index) for index in range(len(obj)))
    return list(found)


def _named(obj: generic.DictionaryObject, allow_embedded_files: bool) -> list[str]:
    """What this one dictionary (or stream dictionary) is that a document must not hold."""
    found = []
    if "/JS" in obj:
        found.append(_JAVASCRIPT)
    action, subtype = _name(obj, "/S"), _name(obj, "/Subtype")
    if action in _ACTIONS:
        found.append(_ACTIONS[action])
    if subtype in _ANNOTATIONS:
        found.append(_ANNOTATIONS[subtype])
    if "/XFA" in obj:
        found.append("biểu mẫu XFA (có thể chứa mã)")
    embeds = "/EmbeddedFiles" in obj or "/EF" in obj or _name(obj, "/Type") == "/EmbeddedFile"
    if embeds:
        found.append(_EMBEDDED)
    return [what for what in found if not (allow_embedded_files and what == _EMBEDDED)]


def _name(obj: generic.DictionaryObject, key: str) -> str | None:
    if key not in obj:
        return None
    value = obj.raw_get(key).get_object()
    return str(value) if isinstance(value, generic.NameObject) else None
