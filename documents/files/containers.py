"""Office files are containers: OOXML and ODF are ZIP archives, legacy DOC/XLS are OLE2 compound
files. We read only their directories and one small manifest entry, never extract, and cap
what we read, so a crafted archive (a zip bomb, a million entries) is refused in milliseconds.
Macros are refused whatever the container: agencies exchange documents, not programs."""
from __future__ import annotations

import io
import struct
import zipfile
from xml.etree.ElementTree import ParseError

import olefile
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .detected import Detected
from .refusals import count, size

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_ARCHIVE = "một tệp nén ZIP"
_MACROS = "một tài liệu Office có chứa macro"

MAX_ENTRIES = 10_000
MAX_DECLARED_BYTES = 1 << 30  # what all entries would expand to, as their headers declare
MAX_RATIO = 100  # declared expansion over the archive's size, beyond the floor below
RATIO_FLOOR_BYTES = 64 << 20
MAX_MANIFEST_BYTES = 1 << 20  # [Content_Types].xml is a few KiB in real documents

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
_VBA_PROJECT = "application/vnd.ms-office.vbaProject"
_ODF = {
    "application/vnd.oasis.opendocument.text": ("odt", "một tài liệu văn bản OpenDocument (ODT)"),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", "một bảng tính OpenDocument (ODS)"),
}
_ODF_MACRO_FOLDERS = ("Basic/", "Scripts/")
_EOCD = b"PK\x05\x06"


def inspect_zip(data: bytes) -> Detected:
    """DOCX/XLSX by the main part in ``[Content_Types].xml``, ODT/ODS by the ``mimetype`` entry;
    any other ZIP is an archive."""
    declared_entries = _declared_entry_count(data)
    if declared_entries is not None and declared_entries > MAX_ENTRIES:
        return Detected("other", _too_many_entries(declared_entries))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            bomb = _bomb(archive.infolist(), len(data))
            if bomb:
                return Detected("other", bomb)
            entries = {info.filename: info for info in archive.infolist()}
            if "[Content_Types].xml" in entries:
                return _ooxml(archive, entries)
            if "mimetype" in entries:
                return _odf(archive, entries)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError,
            EOFError, OSError):
        # RuntimeError: an encrypted entry; NotImplementedError: an unknown compression method.
        return Detected("other", f"{ZIP_ARCHIVE} bị hỏng, được mã hóa hoặc không đọc được")
    return Detected("other", ZIP_ARCHIVE)


def _declared_entry_count(data: bytes) -> int | None:
    # Read the count from the end-of-central-directory record before zipfile parses every entry.
    at = data.rfind(_EOCD, max(0, len(data) - 22 - 0xFFFF))
    if at < 0 or len(data) < at + 22:
        return None
    (count,) = struct.unpack_from("<H", data, at + 10)
    return None if count == 0xFFFF else count  # 0xFFFF: ZIP64, counted by zipfile below


def _bomb(infos: list[zipfile.ZipInfo], archive_size: int) -> str | None:
    if len(infos) > MAX_ENTRIES:
        return _too_many_entries(len(infos))
    declared = sum(info.file_size for info in infos)
    if declared > MAX_DECLARED_BYTES or (declared > RATIO_FLOOR_BYTES and declared > MAX_RATIO * archive_size):
        return f"{ZIP_ARCHIVE} mà khi giải nén sẽ lên tới {size(declared)} (bom nén, zip bomb)"
    return None


def _too_many_entries(entries: int) -> str:
    return f"{ZIP_ARCHIVE} có {count(entries)} mục (quá nhiều)"


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes | None:
    # read(cap + 1) decompresses at most that much, whatever the entry's header declares.
    with archive.open(info) as entry:
        raw = entry.read(cap + 1)
    return None if len(raw) > cap else raw


def _ooxml(archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo]) -> Detected:
    raw = _read_capped(archive, entries["[Content_Types].xml"], MAX_MANIFEST_BYTES)
    if raw is None:
        return Detected("other", "một tài liệu Office có tệp kê khai [Content_Types].xml quá lớn")
    try:
        root = fromstring(raw)  # defusedxml: no entity expansion, no external references
    except (ParseError, DefusedXmlException):
        return Detected("other", "một tài liệu Office bị hỏng (không đọc được [Content_Types].xml)")
    parts = {name.lower() for name in entries}
    overrides = [(element.get("PartName", ""), element.get("ContentType", ""))
                 for element in root.iter() if element.tag.endswith("Override")]
    content_types = {content_type for _part, content_type in overrides}
    content_types |= {element.get("ContentType", "") for element in root.iter() if element.tag.endswith("Default")}
    if _VBA_PROJECT in content_types:
        return Detected("other", _MACROS)
    found = {_OOXML[content_type] for part, content_type in overrides
             if content_type in _OOXML and part.lstrip("/").lower() in parts}
    if len(found) == 1:
        return Detected(*found.pop())
    if found:
        return Detected("other", "một tài liệu Office không rõ loại (có nhiều phần chính)")
    refused = sorted(_OOXML_REFUSED[content_type] for content_type in content_types if content_type in _OOXML_REFUSED)
    return Detected("other", refused[0] if refused else "một gói Office Open XML không rõ loại")


def _odf(archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo]) -> Detected:
    raw = _read_capped(archive, entries["mimetype"], 200)
    declared = (raw or b"").decode("ascii", "replace").strip()
    if any(name.startswith(_ODF_MACRO_FOLDERS) for name in entries):
        return Detected("other", "một tệp OpenDocument có chứa macro")
    if declared in _ODF and "content.xml" in entries:
        return Detected(*_ODF[declared])
    if declared.startswith("application/vnd.oasis.opendocument."):
        return Detected("other", f"một tệp OpenDocument loại khác ({declared[35:60]})")
    return Detected("other", ZIP_ARCHIVE)


def inspect_ole(data: bytes) -> Detected:
    """DOC or XLS by the streams at the root of the compound file (embedded objects live deeper,
    so a Word document holding a chart is still a Word document)."""
    try:
        # A BytesIO, never bytes: olefile takes bytes shorter than 1536 as a path to open.
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            root = {entry[0].lower() for entry in ole.listdir(streams=True, storages=True) if len(entry) == 1}
    except Exception:  # olefile raises anything from OSError to IndexError on a crafted file
        return Detected("other", "một tệp phức hợp OLE2 bị hỏng")
    word, excel = "worddocument" in root, bool(root & {"workbook", "book"})
    if root & {"macros", "_vba_project_cur"}:
        return Detected("other", _MACROS)
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
