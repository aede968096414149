"""A sandbox helper process: runs diagram code sent by the engine (engine.sandbox_pool) under OS
limits, one request at a time, and answers over its stdin/stdout pipes (engine.wire frames).

Started as a fresh interpreter (never a fork of the engine's process): it holds none of the
engine's connections, files or secrets. Before it says it is ready it limits itself —
address space (RLIMIT_AS), no file writes (RLIMIT_FSIZE 0), a few descriptors — and before each
request it sets a CPU-time backstop (RLIMIT_CPU) a little past the engine's wall-clock watchdog.
It exits when the engine closes the pipe (the engine exited or died) and after a MemoryError
(its heap may be left fragmented; the engine starts another).

The registered functions (Sandbox.register) are proxies here: calling one sends its arguments to
the engine, which runs the real function in the thread that owns the step, and waits for the
answer — except the engine clock's ``now``: it and ``datetime.now()`` read the engine's ``now``
sent with the request.
"""
from __future__ import annotations

import math
import os
import resource
import sys
from typing import Any, Callable

READY = {"op": "ready"}
MEMORY_EXIT = 3  # exit status when even the MemoryError report could not be written
NOFILE = 16
CPU_LIFETIME = 3600  # hard RLIMIT_CPU: the helper retires before reaching it (RETIRE_CPU)
RETIRE_CPU = CPU_LIFETIME // 2


def _limit_process(memory_mb: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIFETIME, CPU_LIFETIME))
    memory = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_backstop(seconds: float) -> None:
    """SIGXCPU (which ends the process) once this request used its time and a margin in CPU:
    the engine's watchdog normally kills first; this also ends a helper whose engine is gone."""
    soft = min(math.ceil(_cpu_used() + seconds) + 1, CPU_LIFETIME)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, CPU_LIFETIME))


class Helper:
    def __init__(self, read_fd: int, write_fd: int, memory_mb: int) -> None:
        from engine import restricted, wire  # imported under the limits

        self.restricted, self.wire = restricted, wire
        self.read_fd, self.write_fd = read_fd, write_fd
        self.out_of_memory = {"op": "error", "reason": f"memory limit of {memory_mb} MiB exceeded",
                              "retire": True}
        self._builtins: dict[tuple[tuple[str, ...], tuple[str, ...]], dict[str, Any]] = {}

    def send(self, message: dict[str, Any]) -> None:
        limit = self.wire.MAX_RESULT_BYTES + ENVELOPE
        self.wire.write_frame(self.write_fd, self.wire.dumps(message, limit), None)

    def receive(self) -> dict[str, Any]:
        return self.wire.read_frame(self.read_fd, self.wire.MAX_REQUEST_BYTES, None)

    def serve(self) -> None:
        self.send(READY)
        while True:
            try:
                request = self.receive()
            except self.wire.Closed:
                return
            reply = self.answer(request)
            self.send(reply)
            if reply.get("retire"):
                return

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        restricted, wire = self.restricted, self.wire
        seconds = float(request["seconds"])
        _cpu_backstop(seconds)
        try:
            context = {key: wire.untag(value) for key, value in request["context"].items()}
            namespace = dict(context)
            functions = self._functions(tuple(request["functions"]), tuple(request["clocked"]))
            with restricted.engine_time(wire.untag(request["now"])):
                value = restricted.run_here(request["kind"], request["source"], namespace, functions,
                                            int(request["max_steps"]), seconds)
            if request["kind"] == "eval":
                reply = {"op": "done", "value": wire.encode(value)}
            else:
                reply = {"op": "done", **self._changes(request["context"], context, namespace)}
        except restricted.SandboxViolation as exc:
            reply = {"op": "error", "violation": True, "reason": exc.reason}
        except restricted.SandboxError as exc:
            reply = {"op": "error", "reason": exc.reason}
        except wire.WireError as exc:
            reply = {"op": "error", "reason": str(exc)}
        except MemoryError:
            reply = dict(self.out_of_memory)
        except Exception as exc:  # a malformed request or a bug here: report it, start afresh
            reply = {"op": "error", "reason": f"sandbox helper failed: {type(exc).__name__}: {exc}",
                     "retire": True}
        reply["retire"] = reply.get("retire", False) or _cpu_used() > RETIRE_CPU
        return reply

    def _changes(self, sent: dict[str, Any], context: dict[str, Any], namespace: dict[str, Any]) -> dict[str, Any]:
        """What the script changed: new or changed plain values (compared as encoded text, so an
        in-place ``items.append(x)`` counts and ``True`` differs from ``1``) and the names it
        deleted. Only the changes count against the cap on what comes back: task data the
        script left alone may be larger than that."""
        wire, plain = self.wire, self.restricted.PLAIN
        result = wire.Budget(wire.MAX_RESULT_BYTES)
        changed = {}
        for key, value in namespace.items():
            if key.startswith("_") or not isinstance(value, plain):
                continue
            if key not in sent:
                changed[key] = wire.tag(value, result)
                continue
            before = wire.json_text(sent[key])
            # As big as it came (the budget overestimates small items up to 8×), or it changed and
            # pays from the result's budget: either way a blow-up stops early.
            try:
                encoded = wire.tag(value, wire.Budget(8 * len(before) + 64 + result.left))
            except wire.TooLarge:
                raise wire.TooLarge(f"result larger than the limit of {wire.limit_text(result.limit)}") from None
            text = wire.json_text(encoded)
            if text != before:
                result.spend(len(text))
                changed[key] = encoded
        return {"changes": changed, "deleted": [key for key in context if key not in namespace]}

    def _functions(self, names: tuple[str, ...], clocked: tuple[str, ...]) -> dict[str, Any]:
        """Builtins with a proxy per registered function, and the engine clock's ``now`` (the one
        sent with the request) under the names in ``clocked``."""
        builtins_ = self._builtins.get((names, clocked))
        if builtins_ is None:
            functions = {name: self._proxy(name) for name in names}
            functions.update({name: self.restricted.engine_now for name in clocked})
            builtins_ = self._builtins[names, clocked] = self.restricted.builtins_with(functions)
        return builtins_

    def _proxy(self, name: str) -> Callable[..., Any]:
        wire, restricted = self.wire, self.restricted

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                self.send({"op": "call", "name": name, "args": wire.encode(list(args)),
                           "kwargs": wire.encode(kwargs)})
            except wire.WireError as exc:
                raise restricted.SandboxError(f"arguments of {name}(): {exc}") from None
            reply = self.receive()
            if reply.get("op") == "return":
                return wire.untag(reply["value"])
            raise restricted.SandboxError(str(reply.get("error")))

        call.__name__ = call.__qualname__ = name
        return call


ENVELOPE = 4096  # room around a result in its frame


def main() -> None:
    memory_mb = int(sys.argv[1])
    # The protocol gets private descriptors; 0 and 1 point to /dev/null so stray output or
    # input can never corrupt a frame.
    read_fd, write_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    _limit_process(memory_mb)
    helper = Helper(read_fd, write_fd, memory_mb)
    import _strptime  # noqa: F401  (datetime.strptime imports it: load it while files can be opened)
    try:
        helper.serve()
    except MemoryError:
        try:
            helper.send(helper.out_of_memory)
        finally:
            os._exit(MEMORY_EXIT)


if __name__ == "__main__":
    main()
