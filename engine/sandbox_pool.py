"""The helper processes that run diagram code, seen from the engine: a process-global pool per
set of limits, started when the first Sandbox is built (not at import), shared by every thread,
with a wall-clock watchdog per request.

A helper is a fresh interpreter started with ``subprocess`` (posix_spawn/exec, never a fork of a
threaded server, so it inherits no database connection or other descriptor; its environment
holds no secret). It limits itself (engine.sandbox_helper). The thread that asks waits on the
helper's pipe with ``poll`` and a deadline, so other threads (``/healthz``, other steps) carry on;
at the deadline it kills the helper and starts another. When the helper calls a registered
function, this thread runs it — the one that holds the step's session and clock (contextvars).
"""
from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from . import wire
from .restricted import SandboxError
from .sandbox_helper import ENVELOPE, MEMORY_EXIT

ROOT = str(Path(__file__).resolve().parent.parent)  # where the `engine` package lives
STARTUP_SECONDS = 20.0  # a helper starts in ~0.15 s on an idle machine; this bounds a stuck start
GRACE_SECONDS = 0.25  # the helper's own loop deadline usually ends a slow loop first, cheaper than a kill
# -I: no PYTHON* variables, no user site, no current directory on the path.
_COMMAND = [sys.executable, "-I", "-c",
            f"import sys; sys.path.insert(0, {ROOT!r}); from engine.sandbox_helper import main; main()"]
# One malloc arena: with per-thread arenas glibc reserves 64 MiB of address space each.
_ENV = {"PATH": os.defpath, "LANG": "C.UTF-8", "MALLOC_ARENA_MAX": "1"}


@dataclass(frozen=True)
class SandboxLimits:
    """Hard limits of one evaluation of diagram code (settings SANDBOX_*)."""

    seconds: float = 2.0  # wall clock, including the registered functions it calls
    memory_mb: int = 512  # address space of a helper process
    workers: int = 2  # helper processes per engine process

    def __post_init__(self) -> None:
        # A helper needs ~64 MiB of address space to start at all.
        if not (self.seconds > 0 and self.memory_mb >= 64 and self.workers >= 1):
            raise ValueError(f"sandbox limits out of range: {self} (seconds > 0, memory_mb >= 64, workers >= 1)")


class Helper:
    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.process = subprocess.Popen(_COMMAND + [str(memory_mb)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        close_fds=True, env=_ENV, cwd="/")
        self.to_helper, self.from_helper = self.process.stdin.fileno(), self.process.stdout.fileno()
        os.set_blocking(self.to_helper, False)
        os.set_blocking(self.from_helper, False)
        self.ready = False
        _helpers.add(self)

    def exchange(self, request: dict[str, Any], functions: Mapping[str, Callable], seconds: float) -> dict[str, Any]:
        """Send one request; serve the helper's calls until it answers. Raises wire.Timeout,
        wire.Closed, wire.WireError (the caller then kills this helper)."""
        if not self.ready:
            if self._read(time.monotonic() + STARTUP_SECONDS) != {"op": "ready"}:
                raise wire.WireError("sandbox helper did not start")
            self.ready = True
        deadline = time.monotonic() + seconds + GRACE_SECONDS
        wire.write_frame(self.to_helper, wire.dumps(request, wire.MAX_REQUEST_BYTES), deadline)
        while True:
            message = self._read(deadline)
            op = message.get("op")
            if op in ("done", "error"):
                return message
            if op != "call":
                raise wire.WireError(f"sandbox helper sent {op!r}")
            answer = _call(functions, message)
            if time.monotonic() > deadline:
                raise wire.Timeout()
            wire.write_frame(self.to_helper, wire.dumps(answer, wire.MAX_REQUEST_BYTES), deadline)

    def _read(self, deadline: float) -> dict[str, Any]:
        return wire.read_frame(self.from_helper, wire.MAX_RESULT_BYTES + ENVELOPE, deadline)

    def death(self) -> str:
        """Why the helper's pipe closed, from its exit status."""
        try:
            status = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "sandbox helper stopped answering"
        if status == -signal.SIGXCPU:
            return "CPU time limit exceeded"
        if status in (MEMORY_EXIT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT):
            return f"memory limit of {self.memory_mb} MiB exceeded"  # how the allocator ends
        return f"sandbox helper exited with status {status}"

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()

    def close(self) -> None:
        """Closing its stdin ends an idle helper."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        self.process.stdout.close()


def _call(functions: Mapping[str, Callable], message: dict[str, Any]) -> dict[str, Any]:
    """Run a registered function for the helper. Its arguments come from diagram code (hostile);
    the function is ours. What it raises goes back as the reason, as in-process code would see."""
    name = message.get("name")
    function = functions.get(name) if isinstance(name, str) else None
    if function is None:
        raise wire.WireError(f"sandbox helper called unknown function {name!r}")
    args, kwargs = wire.untag(message.get("args")), wire.untag(message.get("kwargs"))
    if not isinstance(args, list) or not isinstance(kwargs, dict) or not all(type(k) is str for k in kwargs):
        raise wire.WireError("sandbox helper sent malformed arguments")
    try:
        return {"op": "return", "value": wire.encode(function(*args, **kwargs))}
    except wire.WireError as exc:
        return {"op": "raise", "error": f"what {name}() returned: {exc}"}
    except Exception as exc:
        return {"op": "raise", "error": f"{type(exc).__name__}: {exc}"}


class HelperPool:
    """Up to ``limits.workers`` helpers. A request waits for a free one at most twice its own time
    limit (plus a second): by then an overrunning request holding one has been killed."""

    def __init__(self, limits: SandboxLimits) -> None:
        self.limits = limits
        self._idle: list[Helper] = []
        self._alive = 0  # idle + in use
        self._changed = threading.Condition()

    def run(self, request: dict[str, Any], functions: Mapping[str, Callable], seconds: float) -> dict[str, Any]:
        """The helper's answer ('done' or 'error' message); SandboxError when a limit stopped it."""
        helper = self._acquire(2 * seconds + 1)
        broken = True
        try:
            answer = helper.exchange(request, functions, seconds)
            broken = bool(answer.get("retire"))
            return answer
        except wire.Timeout:
            raise SandboxError(f"time limit of {seconds:g} s exceeded") from None
        except wire.Closed:
            raise SandboxError(helper.death()) from None
        except wire.WireError as exc:
            raise SandboxError(str(exc)) from None
        finally:
            self._release(helper, broken)

    def start(self) -> None:
        """Start the missing helpers now, without waiting for them: they import while the engine
        starts up, and the first evaluation does not wait for an interpreter."""
        with self._changed:
            missing = self.limits.workers - self._alive
            self._alive += max(missing, 0)
        for _ in range(missing):
            self._start_one()

    def _start_one(self) -> None:
        """A new idle helper, in a place already counted in ``_alive``."""
        try:
            helper = Helper(self.limits.memory_mb)
        except OSError:
            self._forget()
            return
        with self._changed:
            self._idle.append(helper)
            self._changed.notify()

    def _acquire(self, wait: float) -> Helper:
        deadline = time.monotonic() + wait
        with self._changed:
            while True:
                while not self._idle and self._alive >= self.limits.workers:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise SandboxError(f"no sandbox helper free within {wait:g} s")
                    self._changed.wait(remaining)
                if not self._idle:
                    break
                helper = self._idle.pop()
                if helper.process.poll() is None:
                    return helper
                helper.close()  # it died while idle (killed from outside): not this request's fault
                self._alive -= 1
            self._alive += 1
        try:
            return Helper(self.limits.memory_mb)
        except BaseException:
            self._forget()
            raise

    def _release(self, helper: Helper, broken: bool) -> None:
        if not broken:
            with self._changed:
                self._idle.append(helper)
                self._changed.notify()
            return
        helper.kill()
        self._start_one()  # started now, it imports while nobody waits for it

    def _forget(self) -> None:
        with self._changed:
            self._alive -= 1
            self._changed.notify()

    def pids(self) -> set[int]:
        """The process ids of the idle helpers (for operators and tests)."""
        with self._changed:
            return {helper.process.pid for helper in self._idle}

    def close(self) -> None:
        with self._changed:
            idle, self._idle = self._idle, []
            self._alive -= len(idle)
        for helper in idle:
            helper.close()


_pools: dict[tuple[int, int], HelperPool] = {}
_pools_lock = threading.Lock()
_helpers: weakref.WeakSet[Helper] = weakref.WeakSet()  # every helper's pipes, for a forked child


def pool_for(limits: SandboxLimits) -> HelperPool:
    """The process's pool for these memory and worker limits (time is per request)."""
    key = (limits.memory_mb, limits.workers)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = HelperPool(limits)
        return pool


def _forget_pools_in_child() -> None:
    # A forked child (a pre-fork server, a worker pool) must not share its parent's helpers: it
    # starts its own pools. It closes its copies of their pipes (the helpers stay the parent's,
    # and still see end-of-file when the parent exits).
    global _pools_lock
    for helper in list(_helpers):
        for pipe in (helper.process.stdin, helper.process.stdout):
            try:
                pipe.close()
            except OSError:
                pass
    _helpers.clear()
    _pools.clear()
    _pools_lock = threading.Lock()


def close_all() -> None:
    with _pools_lock:
        pools = list(_pools.values())
    for pool in pools:
        pool.close()


os.register_at_fork(after_in_child=_forget_pools_in_child)
atexit.register(close_all)
