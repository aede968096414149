"""Signing keys held in memory, parsed once.

pyHanko's SimpleSigner parses its private key again on every signature (about 48 ms for RSA,
most of it OpenSSL checking the key); CachedKeySigner keeps the parsed key object instead.
"""
from __future__ import annotations

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from engine.errors import InvalidData

# The CMS around the signature value: signed attributes, algorithm identifiers and the value
# itself (ECDSA P-256 ~72 bytes, RSA-2048 256). Reserving it up front spares pyHanko a dry-run
# signature to measure it.
CMS_OVERHEAD = 4096

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class CachedKeySigner(SimpleSigner):
    """A pyHanko signer over a parsed ECDSA or RSA key and its certificate chain."""

    def __init__(self, key: PrivateKey, cert: x509.Certificate,
                 chain: list[x509.Certificate] | tuple[x509.Certificate, ...] = ()) -> None:
        if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
            raise InvalidData("the signing key must be ECDSA or RSA")
        if key.public_key().public_numbers() != cert.public_key().public_numbers():
            raise InvalidData("the signing key does not belong to the certificate")
        key_info = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        chain_asn1 = [to_asn1(c) for c in chain]
        super().__init__(signing_cert=to_asn1(cert), signing_key=key_info,
                         cert_registry=SimpleCertificateStore.from_certs(chain_asn1))
        self._key = key
        # pyHanko counts the placeholder in hex digits, two per byte
        self.bytes_reserved = 2 * (CMS_OVERHEAD + len(self.signing_cert.dump())
                                   + sum(len(c.dump()) for c in chain_asn1))

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hash_algorithm))
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hash_algorithm)
        return super().sign_raw(data, digest_algorithm)  # PSS and the rest: the slow path


def load_pkcs12(data: bytes, password: bytes | None = None) -> CachedKeySigner:
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        raise InvalidData("the PKCS#12 file cannot be opened (wrong password or not PKCS#12)") \
            from exc
    if key is None or cert is None:
        raise InvalidData("the PKCS#12 file holds no key with its certificate")
    return CachedKeySigner(key, cert, chain)


def load_pem(key_pem: bytes, cert_pem: bytes, chain_pem: bytes = b"",
             password: bytes | None = None) -> CachedKeySigner:
    try:
        key = serialization.load_pem_private_key(key_pem, password)
        cert = x509.load_pem_x509_certificate(cert_pem)
        chain = x509.load_pem_x509_certificates(chain_pem) if chain_pem.strip() else []
    except (ValueError, TypeError) as exc:
        raise InvalidData(f"the signing key or certificate cannot be read: {exc}") from exc
    return CachedKeySigner(key, cert, chain)
