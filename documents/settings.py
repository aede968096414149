"""Configuration from the environment, read once. The embedded default needs none of it."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///./qlvbdh.db"
    redis_url: str | None = None
    # One number sizes the request transactions at once, the connection pool and the worker
    # threads together (api/capacity.py): sized apart, they deadlocked under contention.
    db_pool_size: int = 10
    db_pool_timeout: float = 10.0  # seconds a request waits for a turn or a connection, then 503
    db_lock_timeout: float = 10.0  # PostgreSQL: seconds a statement waits for a lock, then 503
    db_statement_timeout: float = 120.0  # PostgreSQL: no statement runs longer
    spiff_log_level: str = "WARNING"  # SpiffWorkflow logs every task state change at INFO
    host: str = "127.0.0.1"
    port: int = 8000
    cookie_secure: bool = False
    bpmn_dir: Path = BPMN_DIR
    default_locale: str = "vi"
    timer_sweep_seconds: float = 5.0
    file_store_dir: Path = Path("./data/files")  # attachments, content-addressed
    signing_dir: Path = Path("./data/signing")  # agency keys, seals, trusted roots
    signing_password: str = "demo-signing"  # of the agencies' PKCS#12 files
    # RFC 3161 timestamp authority: when set, every agency signature carries its timestamp, and
    # a registration whose TSA does not answer is refused (nothing stored, no number taken).
    tsa_url: str | None = None
    # Diagram code runs in helper processes (engine.sandbox_pool): how many per process, and the
    # hard limits of one evaluation (wall clock, address space of a helper).
    sandbox_workers: int = 2
    sandbox_seconds: float = 2.0
    sandbox_memory_mb: int = 512
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks); none by default,
    # or anyone could pick the address the login throttle counts against.
    trusted_proxies: tuple[str, ...] = ()
    # Email of notifications: an SMTP server (none: notifications stay in the app), or, for the
    # demo and development, a folder where each email is written as an .eml file.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "qlvbdh@localhost"
    mail_dir: Path | None = None
    # Where the app is reached from outside: the links in emails.
    public_url: str = "http://127.0.0.1:8000"
    # Demo only: a file holding how far the demo clock is moved ahead (`qlvbdh demo-clock`).
    demo_clock_file: Path | None = None

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ
        return cls(
            database_url=env.get("DATABASE_URL", cls.database_url),
            redis_url=env.get("REDIS_URL") or None,
            db_pool_size=int(env.get("DB_POOL_SIZE", cls.db_pool_size)),
            db_pool_timeout=float(env.get("DB_POOL_TIMEOUT", cls.db_pool_timeout)),
            db_lock_timeout=float(env.get("DB_LOCK_TIMEOUT", cls.db_lock_timeout)),
            db_statement_timeout=float(env.get("DB_STATEMENT_TIMEOUT", cls.db_statement_timeout)),
            spiff_log_level=env.get("SPIFF_LOG_LEVEL", cls.spiff_log_level).upper(),
            host=env.get("HOST", cls.host),
            port=int(env.get("PORT", cls.port)),
            cookie_secure=env.get("COOKIE_SECURE", "").lower() in ("1", "true", "yes"),
            default_locale=env.get("DEFAULT_LOCALE", cls.default_locale),
            timer_sweep_seconds=float(env.get("TIMER_SWEEP_SECONDS", cls.timer_sweep_seconds)),
            file_store_dir=Path(env.get("FILE_STORE_DIR") or cls.file_store_dir),
            signing_dir=Path(env.get("SIGNING_DIR") or cls.signing_dir),
            signing_password=env.get("SIGNING_PASSWORD", cls.signing_password),
            tsa_url=env.get("TSA_URL", "").strip() or None,
            sandbox_workers=int(env.get("SANDBOX_WORKERS", cls.sandbox_workers)),
            sandbox_seconds=float(env.get("SANDBOX_SECONDS", cls.sandbox_seconds)),
            sandbox_memory_mb=int(env.get("SANDBOX_MEMORY_MB", cls.sandbox_memory_mb)),
            trusted_proxies=tuple(p.strip() for p in env.get("TRUSTED_PROXIES", "").split(",") if p.strip()),
            smtp_host=env.get("SMTP_HOST", "").strip() or None,
            smtp_port=int(env.get("SMTP_PORT", cls.smtp_port)),
            smtp_user=env.get("SMTP_USER") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_starttls=env.get("SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
            mail_from=env.get("MAIL_FROM", cls.mail_from),
            mail_dir=Path(env["MAIL_DIR"]) if env.get("MAIL_DIR") else None,
            public_url=env.get("PUBLIC_URL", cls.public_url).rstrip("/"),
            demo_clock_file=Path(env["DEMO_CLOCK_FILE"]) if env.get("DEMO_CLOCK_FILE") else None,
        )
