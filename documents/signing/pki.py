"""A test and demo PKI: a root CA, and signing certificates for an agency and for a person.

Never for production keys. ECDSA P-256 keys are derived from a seed string and certificates are
signed with deterministic ECDSA (RFC 6979), so the same seed gives byte-identical keys and
certificates on every machine; RSA-2048 keys (``key_type="rsa"``) are random.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Wide enough for the demo data and for validation "now" for twenty years.
NOT_BEFORE = datetime(2025, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(2045, 1, 1, tzinfo=UTC)
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class Issued:
    """A private key with its certificate and the chain above it (issuer first, root last)."""

    key: PrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = field(default=())

    def key_pem(self, password: bytes | None = None) -> bytes:
        encryption = (serialization.BestAvailableEncryption(password) if password
                      else serialization.NoEncryption())
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      encryption)

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def chain_pem(self) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.chain)

    def pkcs12(self, password: bytes | None = None, friendly_name: str = "signing") -> bytes:
        encryption = (serialization.BestAvailableEncryption(password) if password
                      else serialization.NoEncryption())
        return pkcs12.serialize_key_and_certificates(
            friendly_name.encode(), self.key, self.cert, list(self.chain) or None, encryption)


@dataclass(frozen=True)
class DemoPki:
    root: Issued
    agency: Issued
    person: Issued


def make_key(seed: str, key_type: str = "ec") -> PrivateKey:
    """An ECDSA P-256 key derived from ``seed`` (deterministic) or a random RSA-2048 key."""
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type != "ec":
        raise ValueError(f"unknown key type {key_type!r} (ec or rsa)")
    digest = hashlib.sha256(f"qlvbdh-demo-key:{seed}".encode()).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (_P256_ORDER - 1) + 1,
                                 ec.SECP256R1())


def _name(common_name: str, organisation: str | None = None, unit: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if unit:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


def _serial(seed: str, subject: x509.Name) -> int:
    digest = hashlib.sha256(f"{seed}:{subject.rfc4514_string()}".encode()).digest()
    return int.from_bytes(digest[:16], "big") >> 1  # positive, < 2**127


def _sign(builder: x509.CertificateBuilder, issuer_key: PrivateKey) -> x509.Certificate:
    if isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        return builder.sign(issuer_key, hashes.SHA256(), ecdsa_deterministic=True)
    return builder.sign(issuer_key, hashes.SHA256())


def issue_root(common_name: str, organisation: str, seed: str, key_type: str = "ec") -> Issued:
    """A self-signed root CA (basicConstraints CA, keyCertSign + cRLSign)."""
    key = make_key(f"{seed}:root", key_type)
    name = _name(common_name, organisation)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(_serial(seed, name))
        .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
    )
    return Issued(key, _sign(builder, key))


def issue_signer(issuer: Issued, common_name: str, seed: str, organisation: str | None = None,
                 unit: str | None = None, key_type: str = "ec", digital_signature: bool = True,
                 non_repudiation: bool = True, crl_url: str | None = None) -> Issued:
    """A leaf certificate for signing documents: digitalSignature + nonRepudiation (the flags
    let tests make certificates that lack them); ``crl_url``: where its CA publishes the CRL."""
    key = make_key(f"{seed}:{common_name}", key_type)
    subject = _name(common_name, organisation, unit)
    issuer_ski = issuer.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer.cert.subject).public_key(key.public_key())
        .serial_number(_serial(seed, subject))
        .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=digital_signature, content_commitment=non_repudiation,
            key_encipherment=not (digital_signature or non_repudiation),
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
                       critical=False)
    )
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None,
            reasons=None, crl_issuer=None)]), critical=False)
    return Issued(key, _sign(builder, issuer.key), (issuer.cert, *issuer.chain))


def issue_tsa(issuer: Issued, common_name: str, seed: str, key_type: str = "ec") -> Issued:
    """A timestamp authority's certificate: digitalSignature and the critical extended key
    usage timeStamping that RFC 3161 requires of a TSA."""
    key = make_key(f"{seed}:tsa:{common_name}", key_type)
    subject = _name(common_name, "QLVBĐH (demo, không dùng thật)")
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer.cert.subject).public_key(key.public_key())
        .serial_number(_serial(f"{seed}:tsa", subject))
        .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    )
    return Issued(key, _sign(builder, issuer.key), (issuer.cert, *issuer.chain))


def make_demo_pki(seed: str = "qlvbdh-demo",
                  agency_name: str = "Văn phòng Ủy ban nhân dân tỉnh Hà Nam",
                  person_name: str = "Nguyễn Văn An",
                  root_name: str = "QLVBĐH Demo Root CA",
                  key_type: str = "ec") -> DemoPki:
    """A root CA, the agency's certificate (CN and O: the agency) and a person's (O: the
    agency)."""
    root = issue_root(root_name, "QLVBĐH (demo, không dùng thật)", seed, key_type)
    agency = issue_signer(root, agency_name, seed, organisation=agency_name, key_type=key_type)
    person = issue_signer(root, person_name, seed, organisation=agency_name, key_type=key_type)
    return DemoPki(root=root, agency=agency, person=person)
