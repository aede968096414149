"""The worker process's System, built on first use from the environment (actors take ids,
never objects, so each process builds its own)."""
from __future__ import annotations

from documents.system import System, build_system

_system: System | None = None


def use(system: System) -> None:
    """Share an already-built System (the web process running the embedded worker)."""
    global _system
    _system = system


def system() -> System:
    global _system
    if _system is None:
        _system = build_system()
    return _system
