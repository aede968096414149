"""Test fixtures. Integration tests talk to the real PostgreSQL and Redis; when either is
unreachable the run fails (it never silently skips)."""
from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
import redis
import sqlalchemy as sa
from argon2 import PasswordHasher

import documents.schema  # noqa: F401  (the whole metadata, for truncation)
from documents import accounts
from documents.migrations import rebuild, upgrade
from documents.settings import Settings
from documents.system import System, build_system
from engine.clock import FixedClock
from engine.db import Base, unit_of_work

# Under pytest-xdist each worker ("gw0", "gw1", …) has a database and a Redis db of its own:
# tests empty them freely.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_NUMBER = int(WORKER.removeprefix("gw") or 0)
_BASE_PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
PG_URL = f"{_BASE_PG_URL}_{WORKER}" if WORKER else _BASE_PG_URL
_BASE_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS_URL = (f"{_BASE_REDIS_URL.rsplit('/', 1)[0]}/{int(_BASE_REDIS_URL.rsplit('/', 1)[1]) - WORKER_NUMBER}"
             if WORKER else _BASE_REDIS_URL)
PASSWORD = "mat-khau-thu-nghiem"
START = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # Monday 08:00 in Vietnam
TESTS = Path(__file__).resolve().parent


def _create_worker_database() -> None:
    """A worker's database is made beside the configured one, from a connection to it."""
    name = sa.engine.make_url(PG_URL).database
    engine = sa.create_engine(_BASE_PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def _require_services() -> None:
    problems = []
    try:
        if WORKER:
            _create_worker_database()
        engine = sa.create_engine(PG_URL)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        problems.append(f"PostgreSQL at {PG_URL}: {exc.__class__.__name__}: {exc}")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as exc:
        problems.append(f"Redis at {REDIS_URL}: {exc}")
    if problems:
        pytest.exit("integration services unreachable:\n  " + "\n  ".join(problems), returncode=3)


def pytest_sessionstart(session: pytest.Session) -> None:
    _require_services()
    rebuild(PG_URL)


def truncate_all(system: System) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with system.db.begin() as connection:
        if system.db.dialect.name == "postgresql":
            connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(sa.text(f"DELETE FROM {table}"))


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at production cost takes ~0.15 s a hash and a province hashes 12 passwords: every
    test gets cheap parameters (verification logic unchanged). Tests of the hashing itself put
    the production hasher back (tests/accounts/test_passwords.py)."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def _system(url: str, clock: FixedClock, files: Path) -> System:
    settings = Settings(database_url=url, file_store_dir=files / "store", signing_dir=files / "signing")
    return build_system(settings, engine_clock=clock)


@pytest.fixture
def pg(clock: FixedClock, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """A System on the real PostgreSQL test database, emptied after the test."""
    system = _system(PG_URL, clock, tmp_path_factory.mktemp("files"))
    try:
        yield system
    finally:
        truncate_all(system)
        system.db.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once to the head revision: each test gets a copy (migrating every
    test's file cost ~0.6 s a test, hundreds of times)."""
    path = tmp_path_factory.mktemp("sqlite") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def lite(tmp_path: Path, clock: FixedClock, migrated_sqlite: Path) -> Iterator[System]:
    """A System on a fresh SQLite file (the embedded default), migrated like `qlvbdh migrate`."""
    copy = tmp_path / "test.db"
    shutil.copyfile(migrated_sqlite, copy)
    url = f"sqlite:///{copy}"
    system = _system(url, clock, tmp_path)
    yield system
    system.db.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def system(request: pytest.FixtureRequest) -> System:
    """Runs the test on both databases: the behaviour must be identical."""
    return request.getfixturevalue("pg" if request.param == "postgresql" else "lite")


@pytest.fixture
def province(system: System) -> dict:
    """Two agencies; in each a unit and one user per role. Returns identities by 'agency.role'."""
    people = {}
    with unit_of_work(system.sessions) as session:
        system.runtime.deploy_directory(session, system.settings.bpmn_dir)
        for prefix, code in (("a", "000.00.01.H99"), ("b", "000.00.02.H99")):
            agency = accounts.create_agency(session, code, f"Cơ quan {prefix.upper()}")
            unit = accounts.create_unit(session, agency, "Phòng Kinh tế")
            for role in ("admin", "process_admin", "clerk", "leader", "unit_head", "staff"):
                user = accounts.create_user(session, agency, f"{prefix}.{role}", f"{role} {prefix}", PASSWORD,
                                            [role], unit=unit if role in ("unit_head", "staff") else None)
                people[f"{prefix}.{role}"] = accounts.identity_of(session, user)
    return people



def drain_outbox(system: System, rounds: int = 3) -> None:
    """Do what the workers do, synchronously."""
    from tasks.inline import drain

    drain(system, rounds)
