"""The register of signing credentials (SigningCredential rows): who in an agency can sign, with
what (a PKCS#12 file in the keystore or a key on a PKCS#11 token) and which certificate, so the
pages show the signer's certificate and the signature is refused to someone with none. The keys
themselves stay in the keystore (documents/signing/keystore.py)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from engine import clock

from ..errors import InvalidData
from ..models import Agency, User
from ..outgoing.models import SigningCredential
from .keystore import Keystore

NO_CREDENTIAL = "Người ký chưa được cấp chứng thư số để ký văn bản (liên hệ quản trị hệ thống)."


def active(session: Session, agency_id: int, user_id: int | None) -> SigningCredential | None:
    """The person's (``user_id`` None: the agency's) credential in use, while its certificate is valid."""
    who = SigningCredential.user_id.is_(None) if user_id is None else SigningCredential.user_id == user_id
    return session.scalar(sa.select(SigningCredential).where(
        SigningCredential.agency_id == agency_id, who, SigningCredential.active.is_(True),
        SigningCredential.not_after > clock.now())  # an expired certificate signs nothing
        .order_by(SigningCredential.id.desc()).limit(1))


def required(session: Session, agency_id: int, user_id: int) -> SigningCredential:
    credential = active(session, agency_id, user_id)
    if credential is None:
        raise InvalidData(NO_CREDENTIAL, {"credential": NO_CREDENTIAL})
    return credential


def register(session: Session, agency_id: int, user_id: int | None, kind: str, reference: dict[str, Any],
             certificate: x509.Certificate) -> SigningCredential:
    """Record a credential; the person's earlier ones stop being used."""
    for old in session.scalars(sa.select(SigningCredential).where(
            SigningCredential.agency_id == agency_id, SigningCredential.active.is_(True),
            SigningCredential.user_id.is_(None) if user_id is None else SigningCredential.user_id == user_id)):
        old.active = False
    row = SigningCredential(
        agency_id=agency_id, user_id=user_id, kind=kind, reference=reference,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        subject=common_name(certificate.subject)[:500],
        not_after=certificate.not_valid_after_utc, active=True,
        created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def install_demo_person(session: Session, keystore: Keystore, agency: Agency, user: User) -> SigningCredential:
    """Demo seeding: the demo CA issues ``user`` a certificate (PKCS#12 in the keystore, with a
    blue signature image) and the credential is registered."""
    issued = keystore.install_demo_person(agency.code, user.id, user.full_name, agency_name=agency.name)
    return register(session, agency.id, user.id, "pkcs12", {"file": f"people/{user.id}.p12"}, issued.cert)


def use_token(session: Session, keystore: Keystore, agency: Agency, user: User, *, module: str, token: str,
              key: str, pin: str) -> SigningCredential:
    """The person's key is on a PKCS#11 token (USB token, HSM): registered with the token's
    certificate, read from the token itself."""
    signer = keystore.use_token(agency.code, user.id, module=module, token=token, key=key, pin=pin)
    return register(session, agency.id, user.id, "pkcs11", {"module": module, "token": token, "key": key},
                    signer.certificate)


def revoke(session: Session, keystore: Keystore, agency: Agency, user_id: int) -> None:
    """The person's certificate revoked at the demo CA (published in its CRL) and the credential
    no longer used."""
    keystore.revoke(agency.code, user_id, at=clock.now())  # the engine's clock, as validation uses
    credential = active(session, agency.id, user_id)
    if credential is not None:
        credential.active = False


def certificate_of(credential: SigningCredential) -> x509.Certificate:
    return x509.load_pem_x509_certificate(credential.certificate_pem.encode())


def common_name(name: x509.Name) -> str:
    found = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(found[0].value) if found else name.rfc4514_string()
