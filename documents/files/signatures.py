"""Leading bytes of content we refuse and name: programs and archives. Looked for at the start of
an upload (``sniff``) and at the start of everything a container holds (``containers``)."""
from __future__ import annotations

ZIP_ARCHIVE = "một tệp nén ZIP"
_MACH_O = "một tệp chương trình chạy được (Mach-O)"

PROGRAMS: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "một tệp chương trình chạy được của Windows"),
    (b"\x7fELF", "một tệp chương trình chạy được (ELF)"),
    (b"\xfe\xed\xfa\xce", _MACH_O),
    (b"\xfe\xed\xfa\xcf", _MACH_O),
    (b"\xce\xfa\xed\xfe", _MACH_O),
    (b"\xcf\xfa\xed\xfe", _MACH_O),
    (b"\xca\xfe\xba\xbe", "một tệp chương trình chạy được (Mach-O đa kiến trúc) hoặc một tệp lớp Java (.class)"),
    (b"\x00asm", "một mô-đun WebAssembly"),
)
ARCHIVES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x07\x08", ZIP_ARCHIVE),
    (b"\x1f\x8b", "một tệp nén gzip"),
    (b"BZh", "một tệp nén bzip2"),
    (b"\xfd7zXZ\x00", "một tệp nén xz"),
    (b"\x28\xb5\x2f\xfd", "một tệp nén zstd"),
    (b"7z\xbc\xaf\x27\x1c", "một tệp nén 7-Zip"),
    (b"Rar!\x1a\x07", "một tệp nén RAR"),
    (b"MSCF", "một tệp nén CAB của Windows"),
)


def named(head: bytes, *tables: tuple[tuple[bytes, str], ...]) -> str | None:
    """What ``head`` starts with, from the first table entry that matches."""
    for table in tables:
        for signature, description in table:
            if head.startswith(signature):
                return description
    return None
