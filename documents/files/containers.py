"""Office files are containers: OOXML and ODF are ZIP archives, legacy DOC/XLS are OLE2 compound
files. They are judged by what they really hold: every ZIP entry is inflated under a budget
(``zipentries``), never extracted, and looked at by its first bytes; a document embedded in a
document (a chart's workbook in a report) is judged the same way, one level deep. Macros, ActiveX
controls, OLE packages (which wrap any file, programs included), Equation Editor 3.0 objects,
programs, archives and links to outside templates are refused whatever the container: agencies
exchange documents, not programs."""
from __future__ import annotations

import io
import posixpath
import struct
import zipfile
from xml.etree.ElementTree import ParseError

import olefile
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from . import signatures
from .detected import Detected
from .signatures import ZIP_ARCHIVE
from .zipentries import MAX_ENTRIES, Entry, Refused, read_entries, shown, too_many_entries

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
MAX_MANIFEST_BYTES = 1 << 20  # [Content_Types].xml and relationship parts are a few KiB
MAX_DEPTH = 1  # a document inside a document, no deeper
_MACROS = "một tài liệu Office có chứa macro"
_ACTIVEX = "một tài liệu Office có chứa điều khiển ActiveX"
_DAMAGED = f"{ZIP_ARCHIVE} bị hỏng, được mã hóa hoặc không đọc được"
_EMBEDDABLE = frozenset({"docx", "xlsx", "odt", "ods"})

_OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        ("docx", "một tài liệu Word (DOCX)"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        ("xlsx", "một bảng tính Excel (XLSX)"),
}
_OOXML_REFUSED = {
    "application/vnd.ms-word.document.macroEnabled.main+xml": "một tài liệu Word có chứa macro (DOCM)",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml": "một mẫu Word có chứa macro (DOTM)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": "một mẫu Word (DOTX)",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "một bảng tính Excel có chứa macro (XLSM)",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": "một mẫu Excel có chứa macro (XLTM)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "một mẫu Excel (XLTX)",
    "application/vnd.ms-excel.sheet.binary.macroEnabled.main": "một bảng tính Excel dạng nhị phân (XLSB)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml":
        "một bản trình chiếu PowerPoint (PPTX)",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml":
        "một bản trình chiếu PowerPoint có chứa macro (PPTM)",
}
# Content types of macro code and its data, and of ActiveX controls, matched without regard to case.
_MACRO_TYPES = ("application/vnd.ms-office.vbaproject", "application/vnd.ms-word.vbadata+xml")
_ACTIVEX_TYPE = "application/vnd.ms-office.activex"
# Parts a document fetches from outside when opened: a remote template is how a harmless-looking
# DOCX pulls in macros. Outside hyperlinks and pictures are fine.
_EXTERNAL_REFUSED = ("/attachedtemplate", "/oleobject", "/subdocument", "/frame")
_ODF = {
    "application/vnd.oasis.opendocument.text": ("odt", "một tài liệu văn bản OpenDocument (ODT)"),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", "một bảng tính OpenDocument (ODS)"),
}
_ODF_MACRO_FOLDERS = ("basic/", "scripts/")
# OLE storages and streams by their case-folded names.
_OLE_MACROS = frozenset({"macros", "vba", "_vba_project", "_vba_project_cur"})
_OLE_HAZARDS = {
    "\x01ole10native": "một gói OLE (Package) có thể bọc bất kỳ tệp nào, kể cả chương trình chạy được",
    "equation native": "một đối tượng Equation Editor 3.0 (đã bị Microsoft gỡ bỏ vì lỗ hổng bảo mật)",
}
_EOCD = b"PK\x05\x06"


def inspect_zip(data: bytes, depth: int = 0) -> Detected:
    """DOCX/XLSX by the main part in ``[Content_Types].xml``, ODT/ODS by the ``mimetype`` entry,
    once everything inside has been inflated and looked at; any other ZIP is an archive."""
    declared_entries = _declared_entry_count(data)
    if declared_entries is not None and declared_entries > MAX_ENTRIES:
        return Detected("other", too_many_entries(declared_entries))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = read_entries(data, archive, _kept)
    except Refused as refused:
        return Detected("other", refused.args[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError,
            EOFError, OSError):
        return Detected("other", _DAMAGED)
    hazard = _hazard(entries, depth)
    if hazard:
        return Detected("other", hazard)
    if "[Content_Types].xml" in entries:
        return _ooxml(entries)
    if "mimetype" in entries:
        return _odf(entries)
    return Detected("other", ZIP_ARCHIVE)


def _declared_entry_count(data: bytes) -> int | None:
    # Read the count from the end-of-central-directory record before zipfile parses every entry.
    at = data.rfind(_EOCD, max(0, len(data) - 22 - 0xFFFF))
    if at < 0 or len(data) < at + 22:
        return None
    (count,) = struct.unpack_from("<H", data, at + 10)
    return None if count == 0xFFFF else count  # 0xFFFF: ZIP64, counted by zipfile below


def _kept(name: str, head: bytes) -> bool:
    return (name in ("[Content_Types].xml", "mimetype") or name.endswith(".rels")
            or head.startswith((ZIP_SIGNATURE, OLE_SIGNATURE)))


def _hazard(entries: dict[str, Entry], depth: int) -> str | None:
    """What the archive holds that no document needs, named with the entry."""
    for entry in entries.values():
        folded = entry.name.casefold()
        if posixpath.basename(folded) in ("vbaproject.bin", "vbadata.xml"):
            return _MACROS
        if folded.startswith("activex/") or "/activex/" in folded:
            return _ACTIVEX
        found = _embedded(entry, depth)
        if found:
            return f"một gói ZIP có chứa {found} (mục {shown(entry.name)})"
    return None


def _embedded(entry: Entry, depth: int) -> str | None:
    if entry.name.casefold().endswith(".odttf"):
        return None  # an embedded font, obfuscated by design: its first bytes mean nothing
    named = signatures.named(entry.head, signatures.PROGRAMS, signatures.ARCHIVES)
    if named:
        return named
    if entry.body is None or not entry.head.startswith((ZIP_SIGNATURE, OLE_SIGNATURE)):
        return None
    if entry.head.startswith(OLE_SIGNATURE):
        return _ole_hazard(entry.body)
    if depth >= MAX_DEPTH:
        return f"{ZIP_ARCHIVE} lồng trong một tệp nén khác"
    inner = inspect_zip(entry.body, depth + 1)
    return None if inner.kind in _EMBEDDABLE else inner.description


def _ooxml(entries: dict[str, Entry]) -> Detected:
    root = _xml(entries["[Content_Types].xml"])
    if root is None:
        return Detected("other", "một tài liệu Office bị hỏng (không đọc được [Content_Types].xml)")
    overrides = [(element.get("PartName", ""), element.get("ContentType", ""))
                 for element in root.iter() if element.tag.endswith("Override")]
    content_types = {content_type for _part, content_type in overrides}
    content_types |= {element.get("ContentType", "") for element in root.iter() if element.tag.endswith("Default")}
    folded_types = {content_type.casefold() for content_type in content_types}
    if any(content_type.startswith(_MACRO_TYPES) for content_type in folded_types):
        return Detected("other", _MACROS)
    if any(content_type.startswith(_ACTIVEX_TYPE) for content_type in folded_types):
        return Detected("other", _ACTIVEX)
    external = _external_link(entries)
    if external:
        return Detected("other", external)
    parts = {name.lower() for name in entries}
    found = {_OOXML[content_type] for part, content_type in overrides
             if content_type in _OOXML and part.lstrip("/").lower() in parts}
    if len(found) == 1:
        return Detected(*found.pop())
    if found:
        return Detected("other", "một tài liệu Office không rõ loại (có nhiều phần chính)")
    refused = sorted(_OOXML_REFUSED[content_type] for content_type in content_types if content_type in _OOXML_REFUSED)
    return Detected("other", refused[0] if refused else "một gói Office Open XML không rõ loại")


def _external_link(entries: dict[str, Entry]) -> str | None:
    for entry in entries.values():
        if not entry.name.endswith(".rels"):
            continue
        root = _xml(entry)
        if root is None:
            return f"một tài liệu Office bị hỏng (không đọc được {shown(entry.name)})"
        for relation in root.iter():
            outside = (relation.get("TargetMode") or "").casefold() == "external"
            if outside and (relation.get("Type") or "").casefold().endswith(_EXTERNAL_REFUSED):
                return "một tài liệu Office tự tải mẫu hoặc đối tượng từ bên ngoài khi mở (có thể kéo theo macro)"
    return None


def _xml(entry: Entry):
    if entry.body is None or len(entry.body) > MAX_MANIFEST_BYTES:
        return None
    try:
        return fromstring(entry.body)  # defusedxml: no entity expansion, no external references
    except (ParseError, DefusedXmlException):
        return None


def _odf(entries: dict[str, Entry]) -> Detected:
    declared = (entries["mimetype"].body or b"")[:200].decode("ascii", "replace").strip()
    if any(name.casefold().startswith(_ODF_MACRO_FOLDERS) for name in entries):
        return Detected("other", "một tệp OpenDocument có chứa macro")
    if declared in _ODF and "content.xml" in entries:
        return Detected(*_ODF[declared])
    if declared.startswith("application/vnd.oasis.opendocument."):
        return Detected("other", f"một tệp OpenDocument loại khác ({declared[35:60]})")
    return Detected("other", ZIP_ARCHIVE)


def inspect_ole(data: bytes) -> Detected:
    """DOC or XLS by the streams at the root of the compound file (embedded objects live deeper,
    so a Word document holding a chart is still a Word document); macros, packages and Equation
    Editor objects are looked for at every depth."""
    paths = _ole_paths(data)
    if paths is None:
        return Detected("other", "một tệp phức hợp OLE2 bị hỏng")
    hazard = _ole_paths_hazard(paths)
    if hazard:
        return Detected("other", hazard)
    root = {path[0] for path in paths if len(path) == 1}
    word, excel = "worddocument" in root, bool(root & {"workbook", "book"})
    if word and not excel:
        return Detected("doc", "một tài liệu Word 97-2003 (DOC)")
    if excel and not word:
        return Detected("xls", "một bảng tính Excel 97-2003 (XLS)")
    if word and excel:
        return Detected("other", "một tệp OLE2 không rõ loại (có cả dữ liệu Word lẫn Excel)")
    if "encryptedpackage" in root:
        return Detected("other", "một tài liệu Office được đặt mật khẩu")
    if "powerpoint document" in root:
        return Detected("other", "một bản trình chiếu PowerPoint 97-2003 (PPT)")
    return Detected("other", "một tệp phức hợp OLE2 không phải tài liệu Word cũng không phải bảng tính Excel "
                             "(có thể là tệp cài đặt?)")


def _ole_hazard(data: bytes) -> str | None:
    """What an OLE object embedded in a ZIP document must not be (any other object is fine)."""
    paths = _ole_paths(data)
    return "một tệp phức hợp OLE2 bị hỏng" if paths is None else _ole_paths_hazard(paths)


def _ole_paths(data: bytes) -> list[list[str]] | None:
    try:
        # A BytesIO, never bytes: olefile takes bytes shorter than 1536 as a path to open.
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return [[part.casefold() for part in path] for path in ole.listdir(streams=True, storages=True)]
    except Exception:  # olefile raises anything from OSError to IndexError on a crafted file
        return None


def _ole_paths_hazard(paths: list[list[str]]) -> str | None:
    for path in paths:
        if _OLE_MACROS.intersection(path):
            return _MACROS
        for part in path:
            if part in _OLE_HAZARDS:
                return _OLE_HAZARDS[part]
    return None
