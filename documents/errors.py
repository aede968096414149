"""Domain errors share the engine's base (message + status), so one handler renders them all."""
import math
from datetime import datetime

from engine.errors import Conflict, EngineError, InvalidData, NotAllowed, NotFound  # noqa: F401


class DomainError(EngineError):
    status = 400


class AuthenticationFailed(DomainError):
    status = 401


class TooManyAttempts(DomainError):
    """Too many failed logins from one client address; ``retry_at`` says when it may try again."""

    status = 429

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until then (at least 1), as the Retry-After header wants them."""
        return max(1, math.ceil((self.retry_at - now).total_seconds()))
