"""A paper registration with a timestamp authority configured: the scan's agency signature
carries the TSA's token; when the TSA is down the registration fails cleanly — nothing stored,
no number consumed."""
from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
import sqlalchemy as sa
from pyhanko.pdf_utils.reader import PdfFileReader

from documents.files.models import Attachment
from documents.incoming import service
from documents.incoming.models import IncomingDocument
from documents.registers.models import RegisterEntry
from documents.signing.keystore import Keystore
from documents.signing.pki import issue_root, issue_tsa
from documents.signing.timestamps import TimestampUnavailable
from engine import clock
from engine.db import unit_of_work
from tests.incoming.test_register import METADATA
from tests.signing.stamp_pages import scan_of_heading
from tests.signing.tsa import closed_port_url, timestamp_server

AT = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def tsa_root():
    return issue_root("Test TSA Root", "QLVBĐH (demo, không dùng thật)", seed="tsa")


@pytest.fixture(scope="module")
def tsa(tsa_root):
    return issue_tsa(tsa_root, "TSA thử nghiệm", seed="tsa", key_type="rsa")


@pytest.fixture(scope="module")
def signing_dir(tmp_path_factory, tsa_root):
    """The agency's demo key and seal; the TSA's root trusted beside the agencies' roots, as a
    deployment that configures TSA_URL does."""
    folder = tmp_path_factory.mktemp("signing-tsa")
    Keystore(folder, b"pw").install_demo("000.00.01.H99", "Cơ quan A")
    (folder / "trust" / "tsa-root.pem").write_bytes(tsa_root.cert_pem())
    return folder


def register(system, store, keystore, who):
    scan, _ = scan_of_heading(dpi=200)
    with clock.using(clock.FixedClock(AT)), unit_of_work(system.sessions) as session:
        result = service.register(session, system.runtime, store, keystore, who, dict(METADATA),
                                  [service.Upload("scan.pdf", scan)], "paper")
        return result.document.incoming_number, result.attachments[0].storage_key


def stored(system) -> tuple[int, int, int]:
    with unit_of_work(system.sessions) as session:
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(model))
                     for model in (IncomingDocument, RegisterEntry, Attachment))


def test_a_tsa_that_is_down_stores_nothing_and_takes_no_number(system, store, office, signing_dir,
                                                               tsa):
    down = Keystore(signing_dir, b"pw", tsa_url=closed_port_url())
    with pytest.raises(TimestampUnavailable) as refused:
        register(system, store, down, office["a.clerk"])
    assert "dấu thời gian" in refused.value.errors["file"]
    assert stored(system) == (0, 0, 0)
    assert not store.root.exists() or not any(p.is_file() for p in store.root.rglob("*"))

    with timestamp_server(tsa) as (url, answered):
        number, key = register(system, store, Keystore(signing_dir, b"pw", tsa_url=url),
                               office["a.clerk"])
    assert number == 1 and len(answered) == 1  # the failed attempt consumed no number
    [embedded] = PdfFileReader(BytesIO(store.get(key))).embedded_signatures
    assert embedded.signer_info["unsigned_attrs"].native[0]["type"] == "signature_time_stamp_token"
