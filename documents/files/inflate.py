"""Deflate data inflated under a budget. What compressed data really expands to is known only by
inflating it: the sizes a ZIP header or a PDF dictionary declares are written by the sender and
can lie. Output comes in chunks of at most 1 MiB and stops as soon as the budget is passed, so a
bomb costs a bounded amount of time and no memory beyond what the caller keeps."""
from __future__ import annotations

import zlib
from collections.abc import Iterator

RAW = -15  # a ZIP entry: deflate without the zlib header
ZLIB = 15  # a PDF FlateDecode stream
_IN = 64 << 10
_OUT = 1 << 20


class TooLarge(Exception):
    """The data expands beyond the budget (its ``args[0]``: bytes produced when stopped)."""


class Damaged(Exception):
    """The data is not valid deflate, or ends before the stream does."""


def inflate(compressed: bytes | memoryview, *, wbits: int, budget: int) -> Iterator[bytes]:
    """The inflated chunks of ``compressed``; raises ``TooLarge`` past ``budget`` bytes and
    ``Damaged`` when the stream is invalid or incomplete. Bytes after the stream's end are ignored."""
    decompressor = zlib.decompressobj(wbits)
    view = memoryview(compressed)
    produced, position, pending = 0, 0, b""
    try:
        while not decompressor.eof:
            if not pending and position < len(view):
                pending, position = view[position:position + _IN], position + _IN
            out = decompressor.decompress(pending, _OUT)
            pending = decompressor.unconsumed_tail
            if not out and not pending and position >= len(view):
                break  # the input ran out before the stream's end
            produced += len(out)
            if produced > budget:
                raise TooLarge(produced)
            if out:
                yield out
    except zlib.error as exc:
        raise Damaged(str(exc)) from None
    if not decompressor.eof:
        raise Damaged("the compressed stream ends early")
