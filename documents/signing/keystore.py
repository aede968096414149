"""Where each agency's signing key, seal image and the trusted roots live: a directory

    <signing_dir>/trust/*.pem               roots trusted when validating received PDFs
    <signing_dir>/<agency code>/agency.p12  the agency's key and certificate chain (PKCS#12)
    <signing_dir>/<agency code>/seal.png    the red seal image
    <signing_dir>/<agency code>/people/<user id>.p12 / .png / .pkcs11.json   a signer's key
                                            (or the token holding it) and signature image
    <signing_dir>/ca, crl                   the demo CA and its published CRLs (demo_ca.py)

The PKCS#12 password comes from the settings (SIGNING_PASSWORD), the timestamp authority from
TSA_URL. A USB token or HSM would sit behind the same two methods."""
from __future__ import annotations

import json
import re
import threading
from datetime import datetime
from functools import cached_property
from pathlib import Path

from ..errors import InvalidData, NotFound
from .agency import AgencySigner
from .demo_ca import DEFAULT_SEED, DemoCa
from .person import blue_signature_png
from .pki import DemoPki, Issued
from .private_files import write_private
from .seal import red_seal_png
from .signers import KeySigner, Pkcs11Signer, Pkcs12Signer, Signer

CRL_NAME = re.compile(r"[a-z0-9-]{1,40}")
from .timestamps import timestamper


class Keystore:
    def __init__(self, directory: Path, password: bytes | None, tsa_url: str | None = None,
                 public_url: str = "http://localhost:8000") -> None:
        self.directory = Path(directory)
        self._password = password
        self.tsa_url = tsa_url
        self.public_url = public_url  # where /pki/<name>.crl is served (certificates name it)
        self._signers: dict[str, AgencySigner] = {}
        self._people: dict[str, Signer] = {}
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
        """The person's signer, loaded once: a PKCS#11 token when ``people/<id>.pkcs11.json``
        names one (module, token, key, pin), else ``people/<id>.p12`` (encrypted at rest with
        the keystore's password)."""
        key = f"{agency_code}/{int(user_id)}"
        with self._lock:
            signer = self._people.get(key)
            if signer is None:
                folder = self._agency_dir(agency_code) / "people"
                token = folder / f"{int(user_id)}.pkcs11.json"
                path = folder / f"{int(user_id)}.p12"
                if token.is_file():
                    ref = json.loads(token.read_text())
                    signer = Pkcs11Signer(ref["module"], ref["token"], ref["key"], ref["pin"],
                                          cert_label=ref.get("cert"))
                elif path.is_file():
                    signer = Pkcs12Signer(path.read_bytes(), self._password)
                else:
                    raise InvalidData("Người ký chưa được cấp chứng thư số để ký văn bản "
                                      "(liên hệ quản trị hệ thống)")
                self._people[key] = signer
            return signer

    def signature_image(self, agency_code: str, user_id: int) -> bytes:
        """The person's signature image (blue, transparent PNG)."""
        path = self._agency_dir(agency_code) / "people" / f"{int(user_id)}.png"
        if not path.is_file():
            raise InvalidData("Người ký chưa có ảnh chữ ký (liên hệ quản trị hệ thống)")
        return path.read_bytes()

    def install_demo_person(self, agency_code: str, user_id: int, full_name: str, *,
                            agency_name: str | None = None, seed: str = DEFAULT_SEED) -> Issued:
        """Issue a demo signer a certificate from the demo CA: writes ``people/<id>.p12`` and
        the blue signature image ``people/<id>.png``."""
        ca = self.demo_ca(seed)
        issued = ca.issue(full_name, f"{seed}:{agency_code}:person:{int(user_id)}",
                          organisation=agency_name)
        folder = self._agency_dir(agency_code) / "people"
        folder.mkdir(parents=True, exist_ok=True)
        write_private(folder / f"{int(user_id)}.p12", issued.pkcs12(self._password))
        (folder / f"{int(user_id)}.png").write_bytes(blue_signature_png(full_name))
        with self._lock:
            self._people.pop(f"{agency_code}/{int(user_id)}", None)
        return issued

    def use_token(self, agency_code: str, user_id: int, *, module: str, token: str, key: str, pin: str,
                  cert: str | None = None) -> Signer:
        """The person signs with a key on a PKCS#11 token from now on (``people/<id>.pkcs11.json``,
        readable by the service only, like the PKCS#12 files); returns the opened signer."""
        folder = self._agency_dir(agency_code) / "people"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{int(user_id)}.pkcs11.json"
        # Opened once before anything is kept: a wrong PIN or label is refused here, never stored
        # (a stored wrong PIN would lock the token after a few signatures).
        probe = Pkcs11Signer(module, token, key, pin, cert_label=cert)
        try:
            probe.certificate  # noqa: B018  (opens the session and reads the key's certificate)
        finally:
            probe.close()
        write_private(path, json.dumps({"module": module, "token": token, "key": key, "pin": pin,
                                        "cert": cert}).encode())
        with self._lock:
            old = self._people.pop(f"{agency_code}/{int(user_id)}", None)
        if isinstance(old, Pkcs11Signer):
            old.close()
        return self.person_signer(agency_code, user_id)

    def demo_ca(self, seed: str = DEFAULT_SEED) -> DemoCa:
        """The demo CA (made on first use), its root among the trusted ones."""
        ca = DemoCa(self.directory, self._password, seed, self.public_url)
        trust = self.directory / "trust"
        path = trust / f"{ca.name}.pem"
        if not path.is_file():
            trust.mkdir(parents=True, exist_ok=True)
            path.write_bytes(ca.root.cert_pem())
            self.__dict__.pop("trust_roots", None)
        return ca

    def revoke(self, agency_code: str, user_id: int | None = None,
               at: datetime | None = None) -> None:
        """Revoke the person's (or, without ``user_id``, the agency's) certificate at its demo
        CA, which publishes its CRL again: validation then reports the signatures invalid."""
        signer = (self.person_signer(agency_code, user_id) if user_id is not None
                  else KeySigner(self.signer(agency_code).signer))
        cert = signer.certificate
        for path in sorted((self.directory / "ca").glob("*.p12")):
            ca = DemoCa(self.directory, self._password, base_url=self.public_url,
                        name=path.stem)
            if ca.issued_this(cert):
                ca.revoke(cert, at)
                return
        raise InvalidData("Chứng thư số này không do CA của hệ thống cấp, không thu hồi được")

    def crl(self, name: str) -> bytes:
        """A published CRL (DER) by its name without ``.crl``."""
        if not CRL_NAME.fullmatch(name):
            raise NotFound(f"no CRL named {name}")
        path = self.directory / "crl" / f"{name}.crl"
        if not path.is_file():
            raise NotFound(f"no CRL named {name}")
        return path.read_bytes()

    @property
    def crls(self) -> list[bytes]:
        """Every published CRL, for offline validation (read each time: revocations happen)."""
        folder = self.directory / "crl"
        return [p.read_bytes() for p in sorted(folder.glob("*.crl"))] if folder.is_dir() else []

    def install_demo(self, agency_code: str, agency_name: str, seed: str = DEFAULT_SEED) -> DemoPki:
        """Write a demo key and seal for an agency, its certificate issued by the demo CA of
        ``seed`` (demo province and tests only)."""
        ca = self.demo_ca(seed)
        agency_seed = f"{seed}:{agency_code}"
        agency = ca.issue(agency_name, agency_seed, organisation=agency_name)
        person = ca.issue("Nguyễn Văn An", agency_seed, organisation=agency_name)
        folder = self._agency_dir(agency_code)
        folder.mkdir(parents=True, exist_ok=True)
        write_private(folder / "agency.p12", agency.pkcs12(self._password))
        (folder / "seal.png").write_bytes(red_seal_png(agency_name.upper()))
        with self._lock:
            self._signers.pop(agency_code, None)
        return DemoPki(root=ca.root, agency=agency, person=person)
