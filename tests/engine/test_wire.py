"""The wire between the engine and a sandbox helper: JSON with tagged types, a size cap enforced
while encoding, and a parent that refuses whatever malformed thing a helper could send."""
from __future__ import annotations

import os
import struct
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest

from engine import wire

VALUES = [
    None, True, 0, -3, 1.5, "Quyết định", [1, [2]], {"a": {"b": []}},
    datetime(2026, 11, 23, 8, 0, tzinfo=timezone(timedelta(hours=7))), datetime(2026, 11, 23, 8, 0, 1, 5),
    date(2026, 11, 23), time(7, 30), timedelta(days=-1, seconds=5, microseconds=7), Decimal("1.10"),
    Decimal("NaN"), {1, "a"}, frozenset({2}), (1, ("x",)), b"\x00\xff", {1: "int key", (1, 2): "tuple key"},
    {"$t": "datetime", "v": "not a tag"}, UUID(int=5), range(0, 10, 2),
]


def _id(value) -> str:
    """repr, with a set's members sorted: the same id in every process (pytest-xdist compares them)."""
    if isinstance(value, (set, frozenset)):
        return f"{type(value).__name__}({sorted(value, key=repr)!r})"
    return repr(value)


@pytest.mark.parametrize("value", VALUES, ids=_id)
def test_task_data_types_round_trip(value):
    frame = wire.dumps({"value": wire.encode(value)}, wire.MAX_RESULT_BYTES)
    back = wire.untag(wire.loads(frame[4:])["value"])
    assert back == value or (isinstance(value, Decimal) and back.is_nan())
    assert type(back) is type(value)


def test_a_shared_structure_is_refused_after_the_budget_not_after_expanding_it():
    shared = [[list(range(1000))] * 1000] * 1000  # 10**9 ints by reference
    with pytest.raises(wire.WireError, match="result larger than the limit of 1 MiB"):
        wire.encode(shared)


def _nested(levels: int) -> list:
    deep: list = []
    for _ in range(levels):
        deep = [deep]
    return deep


@pytest.mark.parametrize("value, reason", [
    (object(), "values of type object are not supported"),
    (len, "values of type builtin_function_or_method"),
    (_nested(wire.MAX_DEPTH + 5), "nested deeper than"),
])
def test_what_cannot_cross_is_refused(value, reason):
    with pytest.raises(wire.WireError, match=reason):
        wire.encode(value)


@pytest.mark.parametrize("body", [
    b"not json", b"[1]", b'{"v": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", b'{"n": ' + b"9" * 5000 + b"}",
])
def test_malformed_frames_are_refused(body):
    with pytest.raises(wire.WireError):
        wire.loads(body)


@pytest.mark.parametrize("tagged", [
    {"$t": "pickle", "v": "gASV"}, {"$t": "set", "v": [[1]]}, {"$t": "timedelta", "v": [10**20, 0, 0]},
    {"$t": "datetime", "v": 5}, {"$t": "dict", "v": [[[1], 2]]}, {"$t": "bytes", "v": "!!"},
])
def test_malformed_tags_are_refused(tagged):
    with pytest.raises(wire.WireError):
        wire.untag(tagged)


def test_a_frame_announcing_more_than_the_limit_is_refused_before_reading_it():
    read, write = os.pipe()
    try:
        os.write(write, struct.pack(">I", wire.MAX_RESULT_BYTES + 1))
        with pytest.raises(wire.WireError, match="larger than the limit of 1 MiB"):
            wire.read_frame(read, wire.MAX_RESULT_BYTES, deadline=None)
    finally:
        os.close(read)
        os.close(write)
