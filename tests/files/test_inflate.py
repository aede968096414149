"""Inflating under a budget: the real size, never more than the budget (plus one chunk) produced."""
from __future__ import annotations

import zlib

import pytest

from documents.files.inflate import RAW, ZLIB, Damaged, TooLarge, inflate


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, RAW)
    return compressor.compress(data) + compressor.flush()


def test_the_real_content_comes_back_in_bounded_chunks():
    data = bytes(range(256)) * 20_000  # 5 MiB
    chunks = list(inflate(raw_deflate(data), wbits=RAW, budget=len(data)))
    assert b"".join(chunks) == data and max(map(len, chunks)) <= 1 << 20
    assert b"".join(inflate(zlib.compress(data) + b"trailing", wbits=ZLIB, budget=len(data))) == data


def test_inflating_stops_once_past_the_budget():
    bomb = zlib.compress(bytes(100 << 20), 9)  # 100 MiB of zeros in about 100 KiB
    produced = 0
    with pytest.raises(TooLarge) as caught:
        for chunk in inflate(bomb, wbits=ZLIB, budget=8 << 20):
            produced += len(chunk)
    assert produced <= 8 << 20 < caught.value.args[0] <= 9 << 20


@pytest.mark.parametrize("data", [zlib.compress(b"abc" * 1000)[:-6], b"\xff\xff not deflate", b""])
def test_a_stream_that_is_invalid_or_ends_early_is_damaged(data):
    with pytest.raises(Damaged):
        list(inflate(data, wbits=ZLIB, budget=1 << 20))
