"""What a ZIP archive really holds. The central directory is only the sender's claim: every
entry is read from its own local header and inflated under one budget for the whole archive, so
a bomb whose headers declare small sizes is caught by what it really expands to, and an entry
whose real size differs from its declared one is refused (readers that trust either would see
different files). Names that could escape a folder when extracted, duplicate names and encrypted
or exotic entries are refused before anything is inflated."""
from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from .inflate import RAW, Damaged, TooLarge, inflate
from .refusals import count, size

ZIP_ARCHIVE = "một tệp nén ZIP"
MAX_ENTRIES = 10_000
MAX_EXPANDED_BYTES = 1 << 30  # what all entries may expand to, whatever the archive's size
MAX_RATIO = 100  # expansion over the archive's size, beyond the floor below
RATIO_FLOOR_BYTES = 64 << 20
MAX_KEPT_BYTES = 20 << 20  # an entry kept for a closer look (a manifest, a nested document)
HEAD_BYTES = 8  # enough for every signature we look for inside an archive

_LOCAL_HEADER = struct.Struct("<4s2xHH16xHH")  # signature, flags, method, name and extra lengths
_ENCRYPTED = 0x1
# A name a careless extractor would write outside its folder: absolute, a drive, "..", a backslash.
_UNSAFE_NAME = re.compile(r"(^[/\\])|(^[a-zA-Z]:)|((^|/)\.\.(/|$))|\\|\x00")


@dataclass(frozen=True)
class Entry:
    name: str
    size: int  # as inflated, not as declared
    head: bytes  # its first bytes, to tell what it holds
    body: bytes | None  # the whole content, when the caller asked to keep it


class Refused(Exception):
    """The archive is refused; ``args[0]`` says what it is, for "nội dung thực là …"."""


def budget(archive_size: int) -> int:
    """How much an archive of ``archive_size`` bytes may expand to."""
    return min(MAX_EXPANDED_BYTES, max(RATIO_FLOOR_BYTES, MAX_RATIO * archive_size))


def read_entries(data: bytes, archive: zipfile.ZipFile, keep: Callable[[str, bytes], bool]) -> dict[str, Entry]:
    """Every entry of ``archive`` (opened on ``data``) by name, inflated for real; ``keep(name,
    head)`` says which bodies to keep. Raises ``Refused``."""
    infos, limit = archive.infolist(), budget(len(data))
    _check_directory(infos, limit)
    remaining, entries = limit, {}
    try:
        for info in infos:
            entry = _read(data, info, remaining, keep)
            remaining -= entry.size
            entries[info.filename] = entry
    except TooLarge:
        declared = sum(info.file_size for info in infos)
        raise Refused(f"{ZIP_ARCHIVE} mà khi giải nén thực tế sẽ vượt quá {size(limit)} dù phần đầu chỉ "
                      f"khai báo {size(declared)} (bom nén, zip bomb)") from None
    return entries


def too_many_entries(entries: int) -> str:
    return f"{ZIP_ARCHIVE} có {count(entries)} mục (quá nhiều)"


def _check_directory(infos: list[zipfile.ZipInfo], limit: int) -> None:
    if len(infos) > MAX_ENTRIES:
        raise Refused(too_many_entries(len(infos)))
    declared = sum(info.file_size for info in infos)
    if declared > limit:
        raise Refused(f"{ZIP_ARCHIVE} mà khi giải nén sẽ lên tới {size(declared)} (bom nén, zip bomb)")
    seen = set()
    for info in infos:
        if _UNSAFE_NAME.search(info.filename):
            raise Refused(f"{ZIP_ARCHIVE} có mục mang đường dẫn không an toàn ({shown(info.filename)})")
        # Office finds parts without regard to case: two spellings of one name are two readings.
        if info.filename.casefold() in seen:
            raise Refused(f"{ZIP_ARCHIVE} có hai mục trùng tên ({shown(info.filename)})")
        seen.add(info.filename.casefold())
        if info.flag_bits & _ENCRYPTED:
            raise Refused(f"{ZIP_ARCHIVE} được mã hóa")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused(f"{ZIP_ARCHIVE} dùng phương thức nén không được hỗ trợ")


def _read(data: bytes, info: zipfile.ZipInfo, remaining: int, keep: Callable[[str, bytes], bool]) -> Entry:
    start = _data_offset(data, info)
    compressed = memoryview(data)[start:start + info.compress_size]
    if len(compressed) != info.compress_size:
        raise Refused(f"{ZIP_ARCHIVE} bị hỏng (mục {shown(info.filename)} bị cắt cụt)")
    if info.compress_type == zipfile.ZIP_STORED:
        chunks = iter([bytes(compressed)])
    else:
        chunks = inflate(compressed, wbits=RAW, budget=remaining)
    produced, head, body = 0, b"", None
    try:
        for chunk in chunks:
            if produced == 0:
                head = chunk[:HEAD_BYTES]
                body = [] if keep(info.filename, head) else None
            produced += len(chunk)
            if produced > remaining:
                raise TooLarge(produced)
            if body is not None:
                if produced > MAX_KEPT_BYTES:
                    raise Refused(f"{ZIP_ARCHIVE} có mục {shown(info.filename)} quá lớn để kiểm tra "
                                  f"(hơn {size(MAX_KEPT_BYTES)})")
                body.append(chunk)
    except Damaged:
        raise Refused(f"{ZIP_ARCHIVE} bị hỏng (mục {shown(info.filename)} không giải nén được)") from None
    if produced != info.file_size:
        raise Refused(f"{ZIP_ARCHIVE} có mục {shown(info.filename)} khai báo {size(info.file_size)} "
                      f"nhưng thực chứa {size(produced)} (phần đầu khai man kích thước)")
    return Entry(info.filename, produced, head, b"".join(body) if body is not None else None)


def _data_offset(data: bytes, info: zipfile.ZipInfo) -> int:
    # The local header may disagree with the central directory; the data starts after its own
    # name and extra field, and a method that differs is a reader-dependent file.
    at = info.header_offset
    if at < 0 or at + _LOCAL_HEADER.size > len(data):
        raise Refused(f"{ZIP_ARCHIVE} bị hỏng (mục {shown(info.filename)} không có phần đầu)")
    signature, flags, method, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, at)
    if signature != b"PK\x03\x04" or method != info.compress_type or flags & _ENCRYPTED != info.flag_bits & _ENCRYPTED:
        raise Refused(f"{ZIP_ARCHIVE} bị hỏng (phần đầu của mục {shown(info.filename)} không khớp thư mục)")
    return at + _LOCAL_HEADER.size + name_length + extra_length


def shown(name: str) -> str:
    # The entry name comes from the archive: shown clipped and without its control characters.
    visible = "".join(char if char.isprintable() else "?" for char in name[:80])
    return f"«{visible}{'…' if len(name) > 80 else ''}»"
