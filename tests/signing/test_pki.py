"""The demo PKI: deterministic, signing certificates fit for document signatures."""
from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

from documents.signing import AgencySigner, load_pem, validate_pdf
from documents.signing.pki import make_demo_pki
from engine.errors import InvalidData
from tests.signing.conftest import AGENCY, AT
from tests.signing.pdfs import make_pdf


def test_the_same_seed_gives_the_same_keys_and_certificates(pki):
    again = make_demo_pki()
    assert again.agency.cert_pem() == pki.agency.cert_pem()
    assert again.agency.key_pem() == pki.agency.key_pem()
    assert make_demo_pki(seed="other").agency.cert_pem() != pki.agency.cert_pem()


def test_signing_certificates_allow_signatures_and_non_repudiation_only(pki):
    for issued in (pki.agency, pki.person):
        usage = issued.cert.extensions.get_extension_for_class(x509.KeyUsage).value
        assert usage.digital_signature and usage.content_commitment  # = nonRepudiation
        assert not usage.key_cert_sign
        assert issued.cert.issuer == pki.root.cert.subject
        assert issued.chain == (pki.root.cert,)
        assert isinstance(issued.key, ec.EllipticCurvePrivateKey)
        assert issued.key.curve.name == "secp256r1"
    assert pki.root.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_pkcs12_and_pem_round_trip(pki):
    _, cert, chain = pkcs12.load_key_and_certificates(pki.agency.pkcs12(b"pw"), b"pw")
    assert cert == pki.agency.cert and chain == [pki.root.cert]
    signer = load_pem(pki.agency.key_pem(b"pw"), pki.agency.cert_pem(), pki.agency.chain_pem(),
                      b"pw")
    assert signer.signing_cert.dump() == pki.agency.cert.public_bytes(Encoding.DER)


def test_a_wrong_pkcs12_password_is_a_clear_refusal(pki):
    with pytest.raises(InvalidData, match="PKCS#12 file cannot be opened"):
        AgencySigner.from_pkcs12(pki.agency.pkcs12(b"pw"), b"wrong")


def test_a_key_that_is_not_the_certificates_is_refused(pki):
    with pytest.raises(InvalidData, match="does not belong to the certificate"):
        load_pem(pki.person.key_pem(), pki.agency.cert_pem())


def test_rsa_2048_signs_and_validates_too(seal_png):
    rsa_pki = make_demo_pki(seed="rsa", key_type="rsa")
    assert isinstance(rsa_pki.agency.key, rsa.RSAPrivateKey)
    assert rsa_pki.agency.key.key_size == 2048
    signer = AgencySigner.from_pem(rsa_pki.agency.key_pem(), rsa_pki.agency.cert_pem(),
                                   rsa_pki.agency.chain_pem())
    signed = signer.sign_scan(make_pdf(1), AGENCY, AT, seal_png)
    assert validate_pdf(signed, [rsa_pki.root.cert_pem()])[0].ok
