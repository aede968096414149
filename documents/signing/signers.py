"""One interface for whatever holds a signing key: a PKCS#12 file (a person's or an agency's,
encrypted at rest), a PKCS#11 token (the USB tokens and HSMs Vietnamese CAs issue), or later a
remote signing service. Each gives pyHanko its ``Signer``, the certificate (to show who signs)
and how many bytes the signature needs in the PDF."""
from __future__ import annotations

from typing import Protocol, runtime_checkable

from cryptography import x509
from pyhanko.sign import signers


@runtime_checkable
class Signer(Protocol):
    """What the person and agency signatures need from a key holder. A remote service fits by
    implementing ``pyhanko_signer`` with a pyHanko ``Signer`` whose ``async_sign_raw`` calls it."""

    @property
    def pyhanko_signer(self) -> signers.Signer: ...

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def bytes_reserved(self) -> int:
        """Hex digits to reserve for the CMS (pyHanko's ``bytes_reserved``)."""
        ...


class Pkcs12Signer:
    """A PKCS#12 file (key + certificate chain), opened once with its password."""

    def __init__(self, data: bytes, password: bytes | None) -> None:
        raise NotImplementedError


class Pkcs11Signer:
    """A key on a PKCS#11 token through pyHanko's PKCS#11 support (python-pkcs11): the module
    (the vendor's .so), the token label, the key label and the user PIN."""

    def __init__(self, module_path: str, token_label: str, key_label: str, pin: str, *,
                 cert_label: str | None = None) -> None:
        raise NotImplementedError
