"""How a refused file is told to the clerk: Vietnamese sentences naming the file in «…», the
same text as the exception's message and as the ``file`` field's error, and numbers written the
Vietnamese way (thousands grouped with dots, a decimal comma: 65.536 byte, 64,3 KiB)."""
from __future__ import annotations

from typing import NoReturn

from engine.errors import InvalidData

_UNITS = (("GiB", 30), ("MiB", 20), ("KiB", 10))
_VIETNAMESE_SEPARATORS = str.maketrans(",.", ".,")


def refuse(message: str) -> NoReturn:
    raise InvalidData(message, {"file": message})


def count(number: int) -> str:
    """``65536`` as ``65.536``."""
    return f"{number:,}".translate(_VIETNAMESE_SEPARATORS)


def size(number_of_bytes: int, exact: bool = False) -> str:
    """``512 byte``, ``64,3 KiB``, ``50 MiB`` (a whole number loses its ``,0``); ``exact`` adds the
    byte count to a rounded size: ``64,3 KiB (65.843 byte)``."""
    in_bytes = f"{count(number_of_bytes)} byte"
    for unit, shift in _UNITS:
        if number_of_bytes >= 1 << shift:
            rounded = f"{number_of_bytes / (1 << shift):,.1f}".removesuffix(".0")
            shown = f"{rounded.translate(_VIETNAMESE_SEPARATORS)} {unit}"
            return f"{shown} ({in_bytes})" if exact else shown
    return in_bytes
