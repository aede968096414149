"""The values that cross between the engine and a sandbox helper process, and the frames that
carry them.

JSON only, never pickle: unpickling what a (possibly compromised) helper sends would hand it code
execution in the engine. Task data needs more types than JSON has, so these are tagged as
``{"$t": tag, "v": payload}``: datetime (with its UTC offset), date, time, timedelta, Decimal,
UUID, range, tuple, set, frozenset, bytes, and dicts whose keys are not all strings (or that
contain "$t").

Encoding walks the value with a byte budget and stops as soon as it is spent, so a structure made
of shared references (``[[x] * 1000] * 1000``) is refused after about MAX_RESULT_BYTES of work
instead of being expanded into gigabytes.
"""
from __future__ import annotations

import base64
import json
import os
import select
import struct
import time
from datetime import date, datetime, time as dtime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

# The size of what diagram code may return (a value, a script's changes, a function's
# arguments), encoded. The one place it is set.
MAX_RESULT_BYTES = 1 << 20
# What the engine may send a helper (the task data a step works on; the runtime caps the state).
MAX_REQUEST_BYTES = 16 << 20
MAX_DEPTH = 100  # nesting of lists/dicts; deeper data is refused rather than recursed into
TAG = "$t"

_HEADER = struct.Struct(">I")


class WireError(Exception):
    """A value that cannot cross (its type, its size, its depth) or a malformed frame."""


class TooLarge(WireError):
    """A value or frame over its size limit."""


def limit_text(limit: int) -> str:
    return f"{limit / (1 << 20):g} MiB" if limit >= 1 << 20 else f"{limit / 1024:g} KiB"


class Budget:
    """How many more encoded bytes (roughly) a value may take; spending past it raises."""

    __slots__ = ("left", "limit", "what")

    def __init__(self, limit: int, what: str = "result") -> None:
        self.left = self.limit = limit
        self.what = what

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise TooLarge(f"{self.what} larger than the limit of {limit_text(self.limit)}")


def tag(value: Any, budget: Budget, depth: int = 0) -> Any:
    """``value`` as JSON-native data (tagged where JSON lacks the type), charged to ``budget``."""
    kind = type(value)
    if value is None or kind is bool:
        budget.spend(5)
        return value
    if kind is str:
        budget.spend(len(value) + 2)
        return value
    if kind is int or kind is float:
        budget.spend(8)
        return value
    if depth >= MAX_DEPTH:
        raise WireError(f"data nested deeper than {MAX_DEPTH} levels")
    depth += 1
    budget.spend(2)
    if kind is list:
        return [tag(item, budget, depth) for item in value]
    if kind is dict:
        if all(type(k) is str for k in value) and TAG not in value:
            out = {}
            for key, item in value.items():
                budget.spend(len(key) + 4)
                out[key] = tag(item, budget, depth)
            return out
        return {TAG: "dict", "v": [[tag(k, budget, depth), tag(v, budget, depth)] for k, v in value.items()]}
    if isinstance(value, datetime):
        budget.spend(40)
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        budget.spend(20)
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, dtime):
        budget.spend(30)
        return {TAG: "time", "v": value.isoformat()}
    if isinstance(value, timedelta):
        budget.spend(40)
        return {TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, Decimal):
        text = str(value)
        budget.spend(len(text) + 20)
        return {TAG: "decimal", "v": text}
    if isinstance(value, bytes):
        budget.spend(len(value) * 4 // 3 + 20)
        return {TAG: "bytes", "v": base64.b64encode(value).decode("ascii")}
    if isinstance(value, UUID):
        budget.spend(50)
        return {TAG: "uuid", "v": str(value)}
    if kind is range:
        budget.spend(40)
        return {TAG: "range", "v": [value.start, value.stop, value.step]}
    for base, name in ((tuple, "tuple"), (frozenset, "frozenset"), (set, "set")):
        if isinstance(value, base):
            budget.spend(16)
            return {TAG: name, "v": [tag(item, budget, depth) for item in value]}
    # Subclasses of the JSON types (a str enum, a bool-like int…) cross as their base type.
    for base in (bool, str, int, float):
        if isinstance(value, base):
            return tag(base(value), budget, depth - 1)
    if isinstance(value, list):
        return tag(list(value), budget, depth - 1)
    if isinstance(value, dict):
        return tag(dict(value), budget, depth - 1)
    raise WireError(f"values of type {kind.__name__} are not supported in the sandbox")


def untag(value: Any, depth: int = 0) -> Any:
    """The inverse of ``tag``; builds new containers, never returns a piece of ``value``'s."""
    kind = type(value)
    if kind is list:
        if depth >= MAX_DEPTH:
            raise WireError(f"data nested deeper than {MAX_DEPTH} levels")
        return [untag(item, depth + 1) for item in value]
    if kind is not dict:
        return value
    if depth >= MAX_DEPTH:
        raise WireError(f"data nested deeper than {MAX_DEPTH} levels")
    depth += 1
    name = value.get(TAG)
    if name is None:
        return {k: untag(v, depth) for k, v in value.items()}
    payload = value.get("v")
    try:
        if name == "datetime":
            return datetime.fromisoformat(payload)
        if name == "date":
            return date.fromisoformat(payload)
        if name == "time":
            return dtime.fromisoformat(payload)
        if name == "timedelta":
            days, seconds, micros = payload
            return timedelta(days=days, seconds=seconds, microseconds=micros)
        if name == "decimal":
            return Decimal(payload)
        if name == "bytes":
            return base64.b64decode(payload, validate=True)
        if name == "uuid":
            return UUID(payload)
        if name == "range":
            start, stop, step = (int(n) for n in payload)
            return range(start, stop, step)
        if name in ("tuple", "set", "frozenset"):
            items = [untag(item, depth) for item in payload]
            return tuple(items) if name == "tuple" else set(items) if name == "set" else frozenset(items)
        if name == "dict":
            return {untag(k, depth): untag(v, depth) for k, v in payload}
    except (TypeError, ValueError, OverflowError, InvalidOperation) as exc:
        raise WireError(f"malformed {name!r} value: {type(exc).__name__}") from None
    raise WireError(f"unknown tag {name!r}")


def encode(value: Any, limit: int = MAX_RESULT_BYTES, what: str = "result") -> Any:
    """JSON-native data for ``value``; WireError when it cannot cross or is over ``limit``."""
    try:
        return tag(value, Budget(limit, what))
    except RecursionError:
        raise WireError(f"data nested deeper than {MAX_DEPTH} levels") from None


# --- frames: a 4-byte length, then UTF-8 JSON ---------------------------------------------

def json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def dumps(message: dict[str, Any], limit: int) -> bytes:
    try:
        body = json_text(message).encode("utf-8")
    except ValueError as exc:  # an int over Python's 4300-digit conversion limit
        raise WireError(str(exc)) from None
    if len(body) > limit:
        raise TooLarge(f"result larger than the limit of {limit_text(limit)}")
    return _HEADER.pack(len(body)) + body


def loads(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"malformed frame: {type(exc).__name__}") from None
    if not isinstance(message, dict):
        raise WireError("malformed frame: not an object")
    return message


class Timeout(Exception):
    """The other side did not answer before the deadline."""


class Closed(Exception):
    """The other side closed the pipe (it exited or was killed)."""


def _wait(fd: int, event: int, deadline: float | None) -> None:
    # poll, not select: a busy server has descriptors above select's FD_SETSIZE (1024).
    poller = select.poll()
    poller.register(fd, event)
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            raise Timeout()
        if poller.poll(None if remaining is None else max(1, int(remaining * 1000) + 1)):
            return


def write_frame(fd: int, frame: bytes, deadline: float | None) -> None:
    """Write all of ``frame`` to a non-blocking ``fd`` by ``deadline``."""
    view = memoryview(frame)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            _wait(fd, select.POLLOUT, deadline)
            continue
        except (BrokenPipeError, ConnectionResetError):
            raise Closed() from None
        view = view[written:]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < size:
        try:
            chunk = os.read(fd, min(size - got, 1 << 20))
        except BlockingIOError:
            _wait(fd, select.POLLIN, deadline)
            continue
        if not chunk:
            raise Closed()
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, limit: int, deadline: float | None) -> dict[str, Any]:
    """The next message on ``fd``; WireError when it announces more than ``limit`` bytes."""
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    if size > limit:
        raise TooLarge(f"result larger than the limit of {limit_text(limit)}")
    return loads(_read_exact(fd, size, deadline))
