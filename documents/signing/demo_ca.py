"""The demo province's certificate authority: one root that issues every demo signer (the
leaders) and every agency a certificate carrying its CRL distribution point, and publishes the
CRL of what it revoked. Never for production keys (see pki.py).

    <signing_dir>/ca/<name>.p12           the CA's key and certificate (encrypted)
    <signing_dir>/ca/<name>.revoked.json  serial -> revocation time
    <signing_dir>/crl/<name>.crl          the published CRL (DER), served at /pki/<name>.crl
"""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from .pki import NOT_AFTER, Issued, issue_root, issue_signer
from .private_files import write_private

ORGANISATION = "QLVBĐH (demo, không dùng thật)"
ROOT_NAME = "QLVBĐH Demo Root CA"
DEFAULT_SEED = "qlvbdh-demo"


def ca_name(seed: str) -> str:
    """``demo-ca`` for the demo province; another seed (a test's stranger) gets its own CA."""
    return "demo-ca" if seed == DEFAULT_SEED else \
        f"demo-ca-{hashlib.sha256(seed.encode()).hexdigest()[:10]}"


class DemoCa:
    def __init__(self, directory: Path, password: bytes | None, seed: str = DEFAULT_SEED,
                 base_url: str = "http://localhost:8000", name: str | None = None) -> None:
        """``name``: open an existing CA by its name instead of the seed's."""
        self.directory = Path(directory)
        self.name = name or ca_name(seed)
        self._password = password
        self.crl_url = f"{base_url.rstrip('/')}/pki/{self.name}.crl"
        path = self.directory / "ca" / f"{self.name}.p12"
        if path.is_file():
            key, cert, _ = pkcs12.load_key_and_certificates(path.read_bytes(), password)
            self.root = Issued(key, cert)
        else:  # deterministic from the seed: the same CA on every machine
            self.root = issue_root(ROOT_NAME, ORGANISATION, seed)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_private(path, self.root.pkcs12(password, "ca"))
        if not self.crl_path.is_file():
            self.publish()

    @property
    def crl_path(self) -> Path:
        return self.directory / "crl" / f"{self.name}.crl"

    @property
    def _revoked_path(self) -> Path:
        return self.directory / "ca" / f"{self.name}.revoked.json"

    def issue(self, common_name: str, seed: str, organisation: str | None = None) -> Issued:
        return issue_signer(self.root, common_name, seed, organisation=organisation,
                            crl_url=self.crl_url)

    def issued_this(self, cert: x509.Certificate) -> bool:
        return cert.issuer == self.root.cert.subject

    def revoked(self) -> dict[int, datetime]:
        if not self._revoked_path.is_file():
            return {}
        return {int(serial): datetime.fromisoformat(at)
                for serial, at in json.loads(self._revoked_path.read_text()).items()}

    def revoke(self, cert: x509.Certificate, at: datetime | None = None) -> None:
        at = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        revoked = self.revoked()
        revoked.setdefault(cert.serial_number, at)
        self._revoked_path.write_text(json.dumps(
            {str(serial): when.isoformat() for serial, when in revoked.items()}))
        self.publish(at)

    def publish(self, at: datetime | None = None) -> bytes:
        """Sign and write the CRL of every revoked serial."""
        at = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        revoked = self.revoked()
        last_update = max([at, *revoked.values()]) if revoked else at
        ski = self.root.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = (x509.CertificateRevocationListBuilder()
                   .issuer_name(self.root.cert.subject)
                   .last_update(last_update).next_update(NOT_AFTER)
                   .add_extension(x509.CRLNumber(len(revoked) + 1), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                                  critical=False))
        for serial, when in sorted(revoked.items()):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
        crl = builder.sign(self.root.key, hashes.SHA256())
        der = crl.public_bytes(serialization.Encoding.DER)
        self.crl_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.crl_path.with_suffix(".tmp")
        tmp.write_bytes(der)
        tmp.replace(self.crl_path)  # readers never see half a CRL
        return der
