"""The file name a user sent, made safe to show and to store. It is never used in a path (the
store is content-addressed), so this is about what people see: no folders, no control or bidi
characters (a right-to-left override can make ``gpj.exe`` look like ``exe.jpg``), NFC, and at most
255 bytes of UTF-8, the limit of every common file system, so a downloaded copy can be saved
under the name shown. ``display_name`` is the one function for every name that is stored or
shown: the attachment row, the signature report, the download's Content-Disposition."""
from __future__ import annotations

import re
import unicodedata

from .refusals import refuse

MAX_NAME_BYTES = 255
_MAX_EXTENSION_KEPT = 16
_SPACES = re.compile(r"\s+")


def display_name(raw: str) -> str:
    """The last component of ``raw`` (``/`` and ``\\`` both separate folders) as ``visible_text``,
    without leading or trailing dots, at most 255 bytes of UTF-8 with the extension kept.
    Refuses a name that leaves nothing."""
    name = visible_text(raw.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    if not name:
        refuse("Có một tệp gửi lên không có tên dùng được: tên rỗng hoặc chỉ gồm thư mục, "
               "dấu chấm, khoảng trắng hay ký tự không hiển thị.")
    return _shorten(name)


def visible_text(raw: str) -> str:
    """``raw`` without control, format (bidi overrides and isolates, zero-width, the Arabic letter
    mark), surrogate, private-use or unassigned characters, separators and runs of whitespace as
    one space, NFC. For any text from outside that is shown as a name (a signer's too)."""
    kept = []
    for char in raw:
        category = unicodedata.category(char)
        if category[0] == "C":
            continue
        kept.append(" " if category[0] == "Z" else char)
    # Removing a format character can leave a base letter and its accent apart: compose again.
    return unicodedata.normalize("NFC", _SPACES.sub(" ", "".join(kept))).strip()


def extension(name: str) -> str:
    """The lower-case extension without the dot, '' when there is none."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def _shorten(name: str) -> str:
    if _size(name) <= MAX_NAME_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > _MAX_EXTENSION_KEPT:
        return _cut(name, MAX_NAME_BYTES)
    return f"{_cut(stem, MAX_NAME_BYTES - _size(ext) - 1)}.{ext}"


def _cut(text: str, limit: int) -> str:
    # On a character boundary; a trailing space or dot goes, as Windows drops them when saving.
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore").rstrip(" .")


def _size(text: str) -> int:
    return len(text.encode("utf-8"))
