"""Domain errors share the engine's base (message + status), so one handler renders them all."""
from engine.errors import Conflict, EngineError, InvalidData, NotAllowed, NotFound  # noqa: F401


class DomainError(EngineError):
    status = 400


class AuthenticationFailed(DomainError):
    status = 401


class AccountLocked(DomainError):
    status = 423
