"""Digital signatures with pyHanko: the agency's signature on digitised paper documents, the
competent person's and the agency's signatures on outgoing documents (person, issue_stamp) made
through one Signer interface (PKCS#12 file or PKCS#11 token), and the validation of the
signatures on received PDFs (with the CRLs of the demo CA). ``pki``, ``demo_ca`` and ``seal``
make stand-ins for the demo and the tests."""
from .agency import AgencySigner
from .keys import CachedKeySigner, load_pem, load_pkcs12
from .pdfinput import MAX_BYTES, SCAN_MIN_VERSION, open_pdf
from .seal import red_seal_png
from .signers import Pkcs11Signer, Pkcs12Signer, Signer
from .validation import VERDICTS, SignatureReport, validate_pdf, verdict

__all__ = [
    "MAX_BYTES",
    "Pkcs11Signer",
    "Pkcs12Signer",
    "Signer",
    "SCAN_MIN_VERSION",
    "VERDICTS",
    "AgencySigner",
    "CachedKeySigner",
    "SignatureReport",
    "load_pem",
    "load_pkcs12",
    "open_pdf",
    "red_seal_png",
    "validate_pdf",
    "verdict",
]
