"""Signing fixtures: the demo PKI, a second PKI nobody trusts, the agency's signer and seal,
all made once per test session (pure computation: no database, no network)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from documents.signing import AgencySigner, CachedKeySigner, red_seal_png
from documents.signing.pki import DemoPki, Issued, make_demo_pki

AGENCY = "Ủy ban nhân dân tỉnh Hà Nam — Văn phòng"
AT = datetime(2026, 11, 23, 1, 0, 5, tzinfo=UTC)  # Monday 08:00:05 in Vietnam
AT_TEXT = "2026-11-23T08:00:05+07:00"


def signer_for(issued: Issued) -> CachedKeySigner:
    return CachedKeySigner(issued.key, issued.cert, issued.chain)


@pytest.fixture(scope="session")
def pki() -> DemoPki:
    return make_demo_pki()


@pytest.fixture(scope="session")
def stranger_pki() -> DemoPki:
    return make_demo_pki(seed="somebody-else", root_name="Untrusted Root CA")


@pytest.fixture(scope="session")
def agency_signer(pki) -> AgencySigner:
    return AgencySigner(signer_for(pki.agency))


@pytest.fixture(scope="session")
def seal_png() -> bytes:
    return red_seal_png()
