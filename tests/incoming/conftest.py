from __future__ import annotations

import pytest

from documents import accounts
from documents.files.store import LocalFileStore
from documents.signing.keystore import Keystore
from engine.db import unit_of_work
from tests.conftest import PASSWORD


@pytest.fixture
def store(tmp_path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "files")


@pytest.fixture(scope="session")
def keystore(tmp_path_factory) -> Keystore:
    """Demo keys for agency A (made once: key generation and PKCS#12 are slow)."""
    keys = Keystore(tmp_path_factory.mktemp("signing"), b"test-password")
    keys.install_demo("000.00.01.H99", "Cơ quan A")
    return keys


@pytest.fixture
def office(system) -> dict:
    """Two agencies with a clerk, a leader and a specialist each."""
    people = {}
    with unit_of_work(system.sessions) as session:
        system.runtime.deploy_directory(session, system.settings.bpmn_dir)
        for prefix, code in (("a", "000.00.01.H99"), ("b", "000.00.02.H99")):
            agency = accounts.create_agency(session, code, f"Cơ quan {prefix.upper()}")
            for role in ("clerk", "leader", "staff"):
                user = accounts.create_user(session, agency, f"{prefix}.{role}", role, PASSWORD, [role])
                people[f"{prefix}.{role}"] = accounts.identity_of(session, user)
    return people
