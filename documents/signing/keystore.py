"""Where each agency's signing key, seal image and the trusted roots live: a directory

    <signing_dir>/trust/*.pem               roots trusted when validating received PDFs
    <signing_dir>/<agency code>/agency.p12  the agency's key and certificate chain (PKCS#12)
    <signing_dir>/<agency code>/seal.png    the red seal image

The PKCS#12 password comes from the settings (SIGNING_PASSWORD), the timestamp authority from
TSA_URL. A USB token or HSM would sit behind the same two methods."""
from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path

from ..errors import InvalidData
from .agency import AgencySigner
from .pki import DemoPki, Issued, make_demo_pki
from .seal import red_seal_png
from .signers import Signer
from .timestamps import timestamper


class Keystore:
    def __init__(self, directory: Path, password: bytes | None, tsa_url: str | None = None) -> None:
        self.directory = Path(directory)
        self._password = password
        self.tsa_url = tsa_url
        self._signers: dict[str, AgencySigner] = {}
        self._lock = threading.Lock()

    def signer(self, agency_code: str) -> AgencySigner:
        """The agency's signer, loaded once (parsing a key costs tens of milliseconds)."""
        with self._lock:
            signer = self._signers.get(agency_code)
            if signer is None:
                path = self._agency_dir(agency_code) / "agency.p12"
                if not path.is_file():
                    raise InvalidData(f"agency {agency_code} has no signing key configured")
                signer = self._signers[agency_code] = AgencySigner.from_pkcs12(
                    path.read_bytes(), self._password, timestamper=timestamper(self.tsa_url))
            return signer

    def seal(self, agency_code: str) -> bytes:
        path = self._agency_dir(agency_code) / "seal.png"
        if not path.is_file():
            raise InvalidData(f"agency {agency_code} has no seal image configured")
        return path.read_bytes()

    @cached_property
    def trust_roots(self) -> list[bytes]:
        trust = self.directory / "trust"
        return [p.read_bytes() for p in sorted(trust.glob("*.pem"))] if trust.is_dir() else []

    def _agency_dir(self, agency_code: str) -> Path:
        # Agency codes are validated identifiers (digits, capitals, dots): safe as a folder name.
        if not agency_code or "/" in agency_code or agency_code.startswith("."):
            raise InvalidData(f"invalid agency code {agency_code!r}")
        return self.directory / agency_code

    def person_signer(self, agency_code: str, user_id: int) -> Signer:
        """The person's signer (``<agency>/people/<user_id>.p12``), loaded once."""
        raise NotImplementedError

    def signature_image(self, agency_code: str, user_id: int) -> bytes:
        """The person's signature image (blue, transparent PNG)."""
        raise NotImplementedError

    def install_demo_person(self, agency_code: str, user_id: int, full_name: str) -> Issued:
        """Issue a demo person a certificate from the demo CA; writes the key and the image."""
        raise NotImplementedError

    def revoke(self, agency_code: str, user_id: int | None = None) -> None:
        """Revoke the person's (or, without ``user_id``, the agency's) certificate: the CA's
        CRL is published again and validation reports the signatures invalid."""
        raise NotImplementedError

    def crl(self, name: str) -> bytes:
        """A published CRL (DER) by its file name without ``.crl``."""
        raise NotImplementedError

    @property
    def crls(self) -> list[bytes]:
        """Every published CRL, for offline validation."""
        raise NotImplementedError

    def install_demo(self, agency_code: str, agency_name: str, seed: str = "qlvbdh-demo") -> DemoPki:
        """Write a demo key, seal and root for an agency (demo province and tests only)."""
        pki = make_demo_pki(seed=f"{seed}:{agency_code}", agency_name=agency_name,
                            root_name="QLVBĐH Demo Root CA")
        folder = self._agency_dir(agency_code)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "agency.p12").write_bytes(pki.agency.pkcs12(self._password))
        (folder / "seal.png").write_bytes(red_seal_png(agency_name.upper()))
        trust = self.directory / "trust"
        trust.mkdir(parents=True, exist_ok=True)
        (trust / f"demo-root-{agency_code}.pem").write_bytes(pki.root.cert_pem())
        self.__dict__.pop("trust_roots", None)
        return pki
