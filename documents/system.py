"""The running system's parts, built once per process from the settings."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from engine import clock as clocks
from engine.db import make_engine, make_session_factory
from engine.runtime import WorkflowRuntime
from engine.spiff_logs import set_spiff_log_level

from .demo_clock import DemoClock
from .files.store import FileStore, LocalFileStore
from .settings import Settings
from .signing.keystore import Keystore
from .wiring import build_runtime


@dataclass
class System:
    settings: Settings
    db: sa.Engine
    sessions: sessionmaker[Session]
    runtime: WorkflowRuntime
    files: FileStore
    keystore: Keystore


def build_system(settings: Settings | None = None, engine_clock: clocks.Clock | None = None) -> System:
    settings = settings or Settings.from_env()
    if engine_clock is None and settings.demo_clock_file is not None:
        engine_clock = DemoClock(settings.demo_clock_file)  # the demo's time, moved by `qlvbdh demo-clock`
    set_spiff_log_level(settings.spiff_log_level)
    db = make_engine(settings.database_url, pool_size=settings.db_pool_size, pool_timeout=settings.db_pool_timeout,
                     lock_timeout=settings.db_lock_timeout, statement_timeout=settings.db_statement_timeout)
    return System(settings=settings, db=db, sessions=make_session_factory(db), runtime=build_runtime(engine_clock, settings),
                  files=LocalFileStore(settings.file_store_dir),
                  keystore=Keystore(settings.signing_dir, settings.signing_password.encode(),
                                    tsa_url=settings.tsa_url))
