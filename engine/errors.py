"""Engine errors: one base with a message and an HTTP-like status, a subclass per case."""
from __future__ import annotations


class EngineError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DiagramRefused(EngineError):
    """A diagram that cannot be deployed; names the offending element when there is one."""

    status = 422

    def __init__(self, reason: str, element_id: str | None = None, line: int | None = None) -> None:
        where = f"element '{element_id}': " if element_id else ""
        at_line = f" (line {line})" if line else ""
        super().__init__(f"{where}{reason}{at_line}")
        self.reason = reason
        self.element_id = element_id
        self.line = line


class NotFound(EngineError):
    status = 404


class Conflict(EngineError):
    """Somebody else changed the instance or the task first."""

    status = 409


class NotAllowed(EngineError):
    status = 403


class InvalidData(EngineError):
    """Form data that the task's schema refuses; ``errors`` maps field to message."""

    status = 422

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class ProcessFailed(EngineError):
    """A script, condition or service task failed while the engine advanced an instance."""

    status = 422


class StateUnreadable(EngineError):
    """An instance's stored state that this version cannot read (unknown format, damaged): the
    instance is left as it is for an administrator; nothing is guessed or overwritten."""

    status = 409
