"""RFC 3161 timestamps on the agency's signature when a TSA is configured (TSA_URL), against a
timestamp server the tests start themselves; a TSA that is down refuses cleanly."""
from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from documents.settings import Settings
from documents.signing import AgencySigner, validate_pdf
from documents.signing.keys import to_asn1
from documents.signing.pki import issue_root, issue_tsa
from documents.signing.timestamps import TimestampUnavailable, timestamper
from tests.signing.conftest import AGENCY, AT, signer_for
from tests.signing.pdfs import make_pdf
from tests.signing.tsa import closed_port_url, timestamp_server

TSA_NAME = "Máy chủ dấu thời gian thử nghiệm"
STAMPED_AT = datetime(2026, 11, 23, 1, 0, 7, tzinfo=UTC)


@pytest.fixture(scope="module")
def tsa_root():
    return issue_root("Test TSA Root", "QLVBĐH (demo, không dùng thật)", seed="tsa")


@pytest.fixture(scope="module")
def tsa(tsa_root):
    return issue_tsa(tsa_root, TSA_NAME, seed="tsa", key_type="rsa")  # pyHanko's test TSA: RSA


def test_the_signature_carries_a_valid_timestamp_from_the_configured_tsa(pki, tsa, tsa_root,
                                                                         seal_png):
    with timestamp_server(tsa, at=STAMPED_AT) as (url, answered):
        signer = AgencySigner(signer_for(pki.agency), timestamper=timestamper(url))
        signed = signer.sign_scan(make_pdf(1), AGENCY, AT, seal_png)
    assert len(answered) == 1  # the signature asked our TSA, once

    [embedded] = PdfFileReader(BytesIO(signed)).embedded_signatures
    status = validate_pdf_signature(
        embedded,
        signer_validation_context=ValidationContext(trust_roots=[to_asn1(pki.root.cert)],
                                                    allow_fetching=False),
        ts_validation_context=ValidationContext(trust_roots=[to_asn1(tsa_root.cert)],
                                                allow_fetching=False))
    token = status.timestamp_validity
    assert token is not None
    assert (token.intact, token.valid, token.trusted) == (True, True, True)
    assert token.timestamp == STAMPED_AT
    assert token.signing_cert.subject.native["common_name"] == TSA_NAME
    assert status.bottom_line  # the signature itself stays valid
    # the application's own check accepts it once the TSA's root is trusted (signing/trust/)
    [report] = validate_pdf(signed, [pki.root.cert, tsa_root.cert])
    assert report.ok and report.timestamp_time == "2026-11-23T08:00:07+07:00"


def test_without_a_tsa_there_is_no_timestamp(agency_signer, seal_png, pki):
    signed = agency_signer.sign_scan(make_pdf(1), AGENCY, AT, seal_png)
    [embedded] = PdfFileReader(BytesIO(signed)).embedded_signatures
    status = validate_pdf_signature(embedded, signer_validation_context=ValidationContext(
        trust_roots=[to_asn1(pki.root.cert)], allow_fetching=False))
    assert status.timestamp_validity is None


def test_a_tsa_that_is_down_gives_a_clear_error(pki, seal_png):
    url = closed_port_url()
    signer = AgencySigner(signer_for(pki.agency), timestamper=timestamper(url, timeout=2))
    with pytest.raises(TimestampUnavailable) as refused:
        signer.sign_scan(make_pdf(1), AGENCY, AT, seal_png)
    assert refused.value.status == 503
    assert refused.value.message.startswith(f"Không lấy được dấu thời gian từ máy chủ dấu thời "
                                            f"gian {url}")
    assert refused.value.errors["file"] == refused.value.message


def test_tsa_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("TSA_URL", "https://tsa.example.vn/tsr")
    assert Settings.from_env().tsa_url == "https://tsa.example.vn/tsr"
    monkeypatch.setenv("TSA_URL", " ")
    assert Settings.from_env().tsa_url is None
