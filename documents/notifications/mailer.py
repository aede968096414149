"""The email transport: SMTP (the standard library) when SMTP_HOST is set, else one ``.eml`` file
per email in MAIL_DIR (demo, development), else none. It only sends; what an email says and when
it is sent belong to documents/notifications/email.py."""
from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from email.message import Message
from pathlib import Path
from typing import Protocol

from ..settings import Settings

SMTP_SECONDS = 30.0  # one SMTP conversation; well inside the outbox's visibility timeout (2 min)


class TemporaryFailure(Exception):
    """The server could not take the email now (4xx, unreachable, timed out): try again later."""


class PermanentFailure(Exception):
    """The server refused the email for good (5xx: the recipient or the message): no retry."""


class Transport(Protocol):
    def send(self, message: Message) -> None:
        """Hand ``message`` over, or raise TemporaryFailure / PermanentFailure."""


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Message) -> None:
        s = self.settings
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_SECONDS) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:  # this address, this time or for good
            refused = exc.recipients.items()
            code = min((code for _, (code, _) in refused), default=550)
            raise _by_code(code, "; ".join(f"{to}: {_text(reply)}" for to, (_, reply) in refused)) from None
        except smtplib.SMTPDataError as exc:  # this message
            raise _by_code(exc.smtp_code, _text(exc.smtp_error)) from None
        except smtplib.SMTPResponseException as exc:
            # Login or sender refused: the settings are wrong, not this email. Retried, then an
            # incident, so the administrator fixes them and retries rather than losing the email.
            raise TemporaryFailure(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}") from None
        except OSError as exc:  # refused, unreachable, timed out, disconnected (SMTPException is one)
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _by_code(code: int, text: str) -> Exception:
    failure = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return failure(f"SMTP {code}: {text}")


class FolderTransport:
    """Each email as ``<name>.eml``, written whole or not at all (a reader never sees half)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: Message) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").split("@", 1)[0]
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(bytes(message))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.folder / f"{name}.eml")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def transport(settings: Settings) -> Transport | None:
    """The configured transport; None: email is off (notifications stay in the app)."""
    if settings.smtp_host:
        return SmtpTransport(settings)
    if settings.mail_dir is not None:
        return FolderTransport(settings.mail_dir)
    return None
