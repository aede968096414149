"""Signing with a key on a PKCS#11 token (what Vietnamese USB tokens and HSMs speak), against
SoftHSM2: a token initialised in a temporary directory, the demo signer's key and certificate
imported into it, a PDF signed through pyHanko's PKCS#11 support and validated by pyHanko."""
from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from documents.signing.person import blue_signature_png, sign_as_person
from documents.signing.pki import make_demo_pki
from documents.signing.signers import Pkcs11Signer, Signer
from documents.signing.validation import validate_pdf, verdict
from engine.errors import InvalidData
from tests.signing.stamp_pages import phu_luc_i

MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
TOKEN, PIN, KEY = "qlvbdh-test", "1234", "nguyen-van-an"
AT = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def _module() -> str:
    found = next((m for m in MODULES if Path(m).is_file()), None)
    if found is None or shutil.which("softhsm2-util") is None:
        pytest.fail("SoftHSM2 is missing: .ci/install-test-tools installs Debian's softhsm2")
    return found


@pytest.fixture(scope="module")
def token(tmp_path_factory) -> dict:
    """A fresh SoftHSM2 token holding the demo person's ECDSA key and certificate."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.ec import encode_named_curve_parameters

    module = _module()
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "5678"],
                   check=True, capture_output=True)
    pki = make_demo_pki(seed="pkcs11")
    person = pki.person
    key_id = b"\x01"
    lib = pkcs11.lib(module)
    with lib.get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.KEY_TYPE: KeyType.EC,
            Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1"),
            Attribute.VALUE: person.key.private_numbers().private_value.to_bytes(32, "big"),
            Attribute.LABEL: KEY, Attribute.ID: key_id, Attribute.TOKEN: True, Attribute.PRIVATE: True,
            Attribute.SENSITIVE: True, Attribute.SIGN: True})
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.VALUE: person.cert.public_bytes(serialization.Encoding.DER),
            Attribute.SUBJECT: person.cert.subject.public_bytes(), Attribute.LABEL: KEY, Attribute.ID: key_id,
            Attribute.TOKEN: True})
    yield {"module": module, "pki": pki}
    mp.undo()


def test_a_pdf_signed_with_the_token_validates(token):
    signer = Pkcs11Signer(token["module"], TOKEN, KEY, PIN, chain=[token["pki"].root.cert])
    try:
        assert isinstance(signer, Signer)
        assert signer.certificate == token["pki"].person.cert
        signed = sign_as_person(phu_luc_i(paragraphs=1), signer, image_png=blue_signature_png("Nguyễn Văn An"),
                                name="Nguyễn Văn An", position="Chánh Văn phòng", at=AT)
        again = sign_as_person(phu_luc_i(paragraphs=1), signer, image_png=blue_signature_png("Nguyễn Văn An"),
                               name="Nguyễn Văn An", position=None, at=AT)  # the session is kept open
    finally:
        signer.close()
    for pdf in (signed, again):
        (report,) = validate_pdf(pdf, [token["pki"].root.cert_pem()], moment=AT)
        assert verdict([report]) == "valid" and report.intact and report.valid and report.trusted
        assert report.signer_common_name == "Nguyễn Văn An"
    # Nobody else's root trusts it.
    assert verdict(validate_pdf(signed, [make_demo_pki(seed="other").root.cert_pem()], moment=AT)) == "untrusted"


def test_a_wrong_pin_or_key_label_is_a_clear_refusal(token):
    for pin, key in (("0000", KEY), (PIN, "no-such-key")):
        signer = Pkcs11Signer(token["module"], TOKEN, key, pin)
        with pytest.raises(InvalidData, match="PKCS#11"):
            signer.pyhanko_signer  # noqa: B018


def test_the_keystore_gives_a_person_on_a_token_a_pkcs11_signer(token, tmp_path):
    from documents.signing.keystore import Keystore

    keystore = Keystore(tmp_path / "signing", b"pw")
    signer = keystore.use_token("000.00.01.H99", 7, module=token["module"], token=TOKEN, key=KEY, pin=PIN)
    try:
        assert isinstance(signer, Pkcs11Signer) and keystore.person_signer("000.00.01.H99", 7) is signer
        assert signer.certificate == token["pki"].person.cert
        pin_file = tmp_path / "signing" / "000.00.01.H99" / "people" / "7.pkcs11.json"
        assert pin_file.stat().st_mode & 0o077 == 0  # the PIN is for the service's eyes only
    finally:
        signer.close()
