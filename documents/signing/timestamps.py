"""RFC 3161 signature timestamps from the timestamp authority (TSA) named by ``TSA_URL``: the
agency's signature then proves when it was made, independently of the server's clock."""
from __future__ import annotations

from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from engine.errors import InvalidData

TIMEOUT = 10  # seconds: a clerk waits for the registration, not for a dead server
# Hex digits reserved for the token beside the signature: the TSA's certificate chain and
# the signed TSTInfo, a few kilobytes.
TOKEN_RESERVE = 2 * 12288


class TimestampUnavailable(InvalidData):
    """The TSA did not answer or answered wrongly: nothing was signed, nothing is stored."""

    status = 503


def timestamper(url: str | None, timeout: float = TIMEOUT) -> TimeStamper | None:
    return HTTPTimeStamper(url, timeout=timeout) if url else None


def unavailable(url: str, exc: Exception) -> TimestampUnavailable:
    cause = exc.__cause__ or exc
    reason = str(cause).strip().splitlines()[0][:200] if str(cause).strip() else type(cause).__name__
    message = (f"Không lấy được dấu thời gian từ máy chủ dấu thời gian {url} ({reason}). "
               "Văn bản chưa được đăng ký; thử lại sau hoặc báo quản trị hệ thống.")
    return TimestampUnavailable(message, errors={"file": message})


__all__ = ["TOKEN_RESERVE", "TimestampRequestError", "TimestampUnavailable", "timestamper",
           "unavailable"]
