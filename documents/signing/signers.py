"""One interface for whatever holds a signing key: a PKCS#12 file (a person's or an agency's,
encrypted at rest), a PKCS#11 token (the USB tokens and HSMs Vietnamese CAs issue), or later a
remote signing service. Each gives pyHanko its ``Signer``, the certificate (to show who signs)
and how many bytes the signature needs in the PDF."""
from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.sign import signers

from engine.errors import InvalidData

from .keys import CMS_OVERHEAD, CachedKeySigner, load_pkcs12


@runtime_checkable
class Signer(Protocol):
    """What the person and agency signatures need from a key holder. A remote service fits by
    giving a pyHanko ``Signer`` whose ``async_sign_raw`` calls the service."""

    @property
    def pyhanko_signer(self) -> signers.Signer: ...

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def bytes_reserved(self) -> int:
        """Hex digits to reserve for the CMS (pyHanko's ``bytes_reserved``)."""
        ...


def reserve_for(signer: signers.Signer) -> int:
    """Hex digits for a CMS carrying the signer's certificate and chain: reserving them up front
    spares pyHanko a dry-run signature to measure (for a token, a second use of the key)."""
    certs = [signer.signing_cert, *(signer.cert_registry or ())]
    return 2 * (CMS_OVERHEAD + sum(len(c.dump()) for c in certs if c is not None))


def to_cryptography(cert) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


class KeySigner:
    """A key held in memory (``CachedKeySigner``): what a PKCS#12 file gives once opened."""

    def __init__(self, signer: CachedKeySigner) -> None:
        self._signer = signer
        self.certificate = to_cryptography(signer.signing_cert)

    @property
    def pyhanko_signer(self) -> CachedKeySigner:
        return self._signer

    @property
    def bytes_reserved(self) -> int:
        return self._signer.bytes_reserved


class Pkcs12Signer(KeySigner):
    """A PKCS#12 file (key + certificate chain), opened once with its password."""

    def __init__(self, data: bytes, password: bytes | None) -> None:
        super().__init__(load_pkcs12(data, password))


class Pkcs11Signer:
    """A key on a PKCS#11 token through pyHanko's PKCS#11 support (python-pkcs11): the module
    (the vendor's .so), the token label, the key label and the user PIN. The session is opened
    on first use and kept: logging in to a token costs more than a signature. ``raw_mechanism``:
    the digest is computed here and the token only signs it (CKM_ECDSA, CKM_RSA_PKCS), which
    every token offers; many (SoftHSM2 among them) lack the hash-and-sign ECDSA mechanisms."""

    def __init__(self, module_path: str, token_label: str, key_label: str, pin: str, *,
                 cert_label: str | None = None,
                 chain: list[x509.Certificate] | tuple[x509.Certificate, ...] = (),
                 raw_mechanism: bool = True) -> None:
        self.module_path, self.token_label = module_path, token_label
        self.key_label, self.cert_label = key_label, cert_label or key_label
        self._pin = pin
        self._chain = tuple(chain)
        self._raw = raw_mechanism
        self._signer: signers.Signer | None = None
        self._session = None
        self._lock = threading.Lock()

    @property
    def pyhanko_signer(self) -> signers.Signer:
        with self._lock:
            if self._signer is None:
                self._signer = self._open()
            return self._signer

    def _open(self) -> signers.Signer:
        from asn1crypto import x509 as asn1_x509
        from pkcs11 import PKCS11Error
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        try:
            self._session = open_pkcs11_session(
                self.module_path, token_criteria=TokenCriteria(label=self.token_label),
                user_pin=self._pin)
            signer = PKCS11Signer(
                self._session, cert_label=self.cert_label, key_label=self.key_label,
                ca_chain=[asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in self._chain],
                use_raw_mechanism=self._raw)
            signer.signing_cert  # noqa: B018 — pull the certificate now: a wrong label fails here
        except (PKCS11Error, OSError, RuntimeError) as exc:
            self.close()
            raise InvalidData(f"Không mở được khóa ký trên thiết bị PKCS#11 "
                              f"'{self.token_label}' ({type(exc).__name__}: {exc})") from exc
        return signer

    @property
    def certificate(self) -> x509.Certificate:
        return to_cryptography(self.pyhanko_signer.signing_cert)

    @property
    def bytes_reserved(self) -> int:
        return reserve_for(self.pyhanko_signer)

    def close(self) -> None:
        if self._session is not None:
            try:
                self._session.close()
            finally:
                self._session, self._signer = None, None

