"""The sandbox for the expressions and scripts that agency admins put in BPMN diagrams.

Checking stays in this process: engine.restricted compiles with a strict RestrictedPython policy
(no imports, no ``_`` names, no ``while``/``def``…) and refuses what escapes. Running happens in
helper processes under hard limits (engine.sandbox_pool, engine.sandbox_helper): wall-clock time,
address space, a CPU backstop, no file writes, and a cap on what comes back (engine.wire). Guards
inside the language bound loops and the values operators build, but not one C-level operation
(``str()`` of a big list, comparing shared structures); the OS limits bound everything. An
evaluation that passes a limit raises SandboxError and leaves the caller's data untouched.
"""
from __future__ import annotations

import keyword
from collections.abc import Callable, Mapping
from typing import Any

from . import cheap, clock, wire
from .restricted import (FORBIDDEN_NAMES, SandboxError, SandboxViolation, _compile,  # noqa: F401
                         compiled, parse_datetime, parse_duration)
from .sandbox_pool import SandboxLimits, pool_for

__all__ = ['Sandbox', 'SandboxLimits', 'SandboxError', 'SandboxViolation', 'parse_datetime', 'parse_duration']


class Sandbox:
    """Checks diagram code here and runs it in a helper process under ``limits``."""

    def __init__(self, functions: Mapping[str, Callable] | None = None, *,
                 max_steps: int = 100_000, limits: SandboxLimits | None = None):
        self.max_steps = max_steps
        self.limits = limits or SandboxLimits()
        self._functions: dict[str, Callable] = {}
        for name, fn in (functions or {}).items():
            self.register(name, fn)
        pool_for(self.limits).start()

    def register(self, name: str, fn: Callable) -> None:
        """Let diagram code call ``fn`` as ``name``. It runs in this process (the helper calls
        back), in the thread running the step, so it sees the step's session and clock; its
        arguments come from diagram code and are as hostile as the code itself."""
        if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)
                and not name.startswith('_') and name not in FORBIDDEN_NAMES):
            raise ValueError(f'invalid helper name: {name!r}')
        if not callable(fn):
            raise TypeError(f'helper {name!r} is not callable')
        self._functions[name] = fn  # builtins in the helper: never part of the context

    def check_expression(self, source: str) -> None:
        compiled('eval', source)

    def check_script(self, source: str) -> None:
        compiled('exec', source)

    def evaluate(self, source: str, context: Mapping[str, Any]) -> Any:
        """The value of an expression over ``context``."""
        compiled('eval', source)  # refused code never runs, here or in a helper
        done, value = cheap.evaluate(source, context, self._functions, self.limits.seconds)
        if done:
            return value
        answer = self._run('eval', source, context)
        return wire.untag(answer['value'])

    def execute(self, source: str, context: dict[str, Any]) -> None:
        """Run a script over ``context``; the plain values it set or changed are written back and
        the names it deleted removed — only once it has finished within every limit."""
        compiled('exec', source)
        answer = self._run('exec', source, context)
        changes, deleted = answer.get('changes'), answer.get('deleted')
        if not isinstance(changes, dict) or not isinstance(deleted, list):
            raise SandboxError('sandbox helper sent a malformed answer')
        values = {key: wire.untag(value) for key, value in changes.items()}  # all decoded first
        for key in deleted:
            context.pop(key, None)
        context.update(values)

    def _run(self, kind: str, source: str, context: Mapping[str, Any]) -> dict[str, Any]:
        budget = wire.Budget(wire.MAX_REQUEST_BYTES, 'task data')
        try:
            # Diagram code can only name str keys without a leading '_' (the policy): send those.
            sent = {key: wire.tag(value, budget) for key, value in context.items()
                    if type(key) is str and not key.startswith('_')}
            now = wire.encode(clock.now())
        except wire.WireError as exc:
            raise SandboxError(str(exc)) from None
        # The engine clock's now() is answered in the helper from `now`: no call back needed.
        clocked = sorted(name for name, fn in self._functions.items() if fn is clock.now)
        request = {'kind': kind, 'source': source, 'context': sent, 'now': now, 'clocked': clocked,
                   'functions': sorted(set(self._functions) - set(clocked)),
                   'max_steps': self.max_steps, 'seconds': self.limits.seconds}
        answer = pool_for(self.limits).run(request, self._functions, self.limits.seconds)
        if answer.get('op') == 'error':
            reason = str(answer.get('reason'))[:2000]
            raise SandboxViolation(reason) if answer.get('violation') else SandboxError(reason)
        return answer
