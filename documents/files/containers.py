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

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

MAX_ENTRIES = 10_000
MAX_DECLARED_BYTES = 1 << 30  # what all entries would expand to, as their headers declare
MAX_RATIO = 100  # declared expansion over the archive's size, beyond the floor below
RATIO_FLOOR_BYTES = 64 << 20
MAX_MANIFEST_BYTES = 1 << 20  # [Content_Types].xml is a few KiB in real documents

_OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        ("docx", "a Word document (DOCX)"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        ("xlsx", "an Excel workbook (XLSX)"),
}
_OOXML_REFUSED = {
    "application/vnd.ms-word.document.macroEnabled.main+xml": "a macro-enabled Word document (DOCM)",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml": "a macro-enabled Word template (DOTM)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": "a Word template (DOTX)",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "a macro-enabled Excel workbook (XLSM)",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": "a macro-enabled Excel template (XLTM)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "an Excel template (XLTX)",
    "application/vnd.ms-excel.sheet.binary.macroEnabled.main": "a binary Excel workbook (XLSB)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml":
        "a PowerPoint presentation (PPTX)",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml":
        "a macro-enabled PowerPoint presentation (PPTM)",
}
_VBA_PROJECT = "application/vnd.ms-office.vbaProject"
_ODF = {
    "application/vnd.oasis.opendocument.text": ("odt", "an OpenDocument text (ODT)"),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", "an OpenDocument spreadsheet (ODS)"),
}
_ODF_MACRO_FOLDERS = ("Basic/", "Scripts/")
_EOCD = b"PK\x05\x06"


def inspect_zip(data: bytes) -> Detected:
    """DOCX/XLSX by the main part in ``[Content_Types].xml``, ODT/ODS by the ``mimetype`` entry;
    any other ZIP is an archive."""
    declared_entries = _declared_entry_count(data)
    if declared_entries is not None and declared_entries > MAX_ENTRIES:
        return Detected("other", f"a ZIP archive of {declared_entries} entries (too many)")
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
        return Detected("other", "a damaged, encrypted or unreadable ZIP archive")
    return Detected("other", "a ZIP archive")


def _declared_entry_count(data: bytes) -> int | None:
    # Read the count from the end-of-central-directory record before zipfile parses every entry.
    at = data.rfind(_EOCD, max(0, len(data) - 22 - 0xFFFF))
    if at < 0 or len(data) < at + 22:
        return None
    (count,) = struct.unpack_from("<H", data, at + 10)
    return None if count == 0xFFFF else count  # 0xFFFF: ZIP64, counted by zipfile below


def _bomb(infos: list[zipfile.ZipInfo], size: int) -> str | None:
    if len(infos) > MAX_ENTRIES:
        return f"a ZIP archive of {len(infos)} entries (too many)"
    declared = sum(info.file_size for info in infos)
    if declared > MAX_DECLARED_BYTES or (declared > RATIO_FLOOR_BYTES and declared > MAX_RATIO * size):
        return f"a ZIP archive that would expand to {declared >> 20} MiB (a zip bomb)"
    return None


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes | None:
    # read(cap + 1) decompresses at most that much, whatever the entry's header declares.
    with archive.open(info) as entry:
        raw = entry.read(cap + 1)
    return None if len(raw) > cap else raw


def _ooxml(archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo]) -> Detected:
    raw = _read_capped(archive, entries["[Content_Types].xml"], MAX_MANIFEST_BYTES)
    if raw is None:
        return Detected("other", "an Office document with an oversized manifest")
    try:
        root = fromstring(raw)  # defusedxml: no entity expansion, no external references
    except (ParseError, DefusedXmlException):
        return Detected("other", "a damaged Office document (unreadable [Content_Types].xml)")
    parts = {name.lower() for name in entries}
    overrides = [(element.get("PartName", ""), element.get("ContentType", ""))
                 for element in root.iter() if element.tag.endswith("Override")]
    content_types = {content_type for _part, content_type in overrides}
    content_types |= {element.get("ContentType", "") for element in root.iter() if element.tag.endswith("Default")}
    if _VBA_PROJECT in content_types:
        return Detected("other", "an Office document with macros")
    found = {_OOXML[content_type] for part, content_type in overrides
             if content_type in _OOXML and part.lstrip("/").lower() in parts}
    if len(found) == 1:
        return Detected(*found.pop())
    if found:
        return Detected("other", "an ambiguous Office document (several main parts)")
    refused = sorted(_OOXML_REFUSED[content_type] for content_type in content_types if content_type in _OOXML_REFUSED)
    return Detected("other", refused[0] if refused else "an Office Open XML package of an unknown kind")


def _odf(archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo]) -> Detected:
    raw = _read_capped(archive, entries["mimetype"], 200)
    declared = (raw or b"").decode("ascii", "replace").strip()
    if any(name.startswith(_ODF_MACRO_FOLDERS) for name in entries):
        return Detected("other", "an OpenDocument file with macros")
    if declared in _ODF and "content.xml" in entries:
        return Detected(*_ODF[declared])
    if declared.startswith("application/vnd.oasis.opendocument."):
        return Detected("other", f"an OpenDocument file of another kind ({declared[35:60]})")
    return Detected("other", "a ZIP archive")


def inspect_ole(data: bytes) -> Detected:
    """DOC or XLS by the streams at the root of the compound file (embedded objects live deeper,
    so a Word document holding a chart is still a Word document)."""
    try:
        # A BytesIO, never bytes: olefile takes bytes shorter than 1536 as a path to open.
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            root = {entry[0].lower() for entry in ole.listdir(streams=True, storages=True) if len(entry) == 1}
    except Exception:  # olefile raises anything from OSError to IndexError on a crafted file
        return Detected("other", "a damaged OLE2 compound file")
    word, excel = "worddocument" in root, bool(root & {"workbook", "book"})
    if root & {"macros", "_vba_project_cur"}:
        return Detected("other", "an Office document with macros")
    if word and not excel:
        return Detected("doc", "a Word 97-2003 document (DOC)")
    if excel and not word:
        return Detected("xls", "an Excel 97-2003 workbook (XLS)")
    if word and excel:
        return Detected("other", "an ambiguous OLE2 file (both Word and Excel streams)")
    if "encryptedpackage" in root:
        return Detected("other", "a password-protected Office document")
    if "powerpoint document" in root:
        return Detected("other", "a PowerPoint 97-2003 presentation (PPT)")
    return Detected("other", "an OLE2 compound file that is neither a Word nor an Excel document (an installer?)")
