"""The file name a user sent, made safe to show. It is never used in a path (the store is
content-addressed), so this is about display: no folders, no control or bidi characters (a
right-to-left override can make ``gpj.exe`` look like ``exe.jpg``), NFC, at most 255 characters."""
from __future__ import annotations

import re
import unicodedata

from .refusals import refuse

MAX_NAME_LENGTH = 255
_MAX_EXTENSION_KEPT = 16
_SPACES = re.compile(r"\s+")


def display_name(raw: str) -> str:
    """The last component of ``raw`` (``/`` and ``\\`` both separate folders), without control,
    format or separator characters, whitespace collapsed, NFC, at most 255 characters with the
    extension kept. Refuses a name that leaves nothing."""
    kept = []
    for char in raw:
        category = unicodedata.category(char)
        if category[0] == "C":  # control, format (bidi, zero-width), surrogate, private, unassigned
            continue
        kept.append(" " if category[0] == "Z" else char)
    name = "".join(kept).replace("\\", "/").rsplit("/", 1)[-1]
    # Removing a format character can leave a base letter and its accent apart: compose again.
    name = unicodedata.normalize("NFC", _SPACES.sub(" ", name)).strip(" .")
    if not name:
        refuse("Có một tệp gửi lên không có tên dùng được: tên rỗng hoặc chỉ gồm thư mục, "
               "dấu chấm, khoảng trắng hay ký tự không hiển thị.")
    return _shorten(name)


def extension(name: str) -> str:
    """The lower-case extension without the dot, '' when there is none."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def _shorten(name: str) -> str:
    if len(name) <= MAX_NAME_LENGTH:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > _MAX_EXTENSION_KEPT:
        return name[:MAX_NAME_LENGTH].rstrip(" .")
    return f"{stem[:MAX_NAME_LENGTH - len(ext) - 1].rstrip(' .')}.{ext}"
