"""Digital signatures with pyHanko: the agency's signature on digitised paper documents, and
the validation of the signatures on received PDFs. ``pki`` and ``seal`` make stand-ins for the
demo and the tests."""
from .agency import AgencySigner
from .keys import CachedKeySigner, load_pem, load_pkcs12
from .pdfinput import MAX_BYTES, SCAN_MIN_VERSION, open_pdf
from .seal import red_seal_png
from .validation import VERDICTS, SignatureReport, validate_pdf, verdict

__all__ = [
    "MAX_BYTES",
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
