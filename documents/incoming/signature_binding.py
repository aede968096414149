"""Whether a received file was signed by the one who sent it, and whether the check lets the clerk
take the document in (seeds 002 Đ9.1, 004 Đ6.1–6.2; NĐ 30 Đ21.2).

A signature is the sender's when its certificate's subject (CN, O, OU, organizationIdentifier or
serialNumber) names the sending agency: its identifier (e.g. 000.00.31.H99) as a whole token, or
its full name, compared without case, diacritics or extra spaces. On a paper scan, the agency's
own digitisation signature is not the sender's: it is recognised as ours and only has to be valid.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from ..errors import InvalidData
from ..signing import VERDICTS
from .search import fold

WRONG_SIGNER = "wrong_signer"
# What blocks acceptance: an electronic document must carry the sender's valid signatures; a file
# registered by hand may be unsigned, but a signature it does carry must hold.
BLOCKING = {"electronic": frozenset({"invalid", "untrusted", "unsigned", WRONG_SIGNER}),
            "manual": frozenset({"invalid", "untrusted", WRONG_SIGNER}),
            "paper": frozenset({"invalid", "untrusted", WRONG_SIGNER})}
_TOKEN = re.compile(r"[^0-9a-z.]+")


class SignatureRefused(InvalidData):
    """The files' signatures do not let the document in without the clerk's explicit override."""

    status = 409
    problems: list[str] = []  # one sentence per file that fails


@dataclass(frozen=True)
class Party:
    """Who a signature should name: an agency's identifier and name (either may be missing)."""

    code: str | None
    name: str | None

    def shown(self) -> str:
        return " – ".join(p for p in (self.name, self.code) if p) or "?"

    def named_in(self, identifiers: Iterable[str]) -> bool:
        code, name = fold(self.code or ""), fold(self.name or "")
        for value in identifiers:
            folded = fold(value)
            if name and folded == name:
                return True
            if code and code in _TOKEN.split(folded):
                return True
        return False


def bind(check: dict[str, Any], sender: Party | None, own: Party | None = None) -> dict[str, Any]:
    """One file's kept check, with every signature that is neither ours (``own``: the digitising
    agency, on a scan) nor the ``sender``'s marked, and the file's verdict ``wrong_signer`` when
    the signatures are otherwise valid. ``sender`` None: nobody to compare with (kept as is)."""
    if sender is None:
        return check
    signatures, strangers = [], []
    for report in check.get("signatures") or []:
        identifiers = report.get("signer_identifiers") or []
        if own is not None and own.named_in(identifiers):
            signatures.append({**report, "ours": True})
        elif sender.named_in(identifiers):
            signatures.append({**report, "sender": True})
        else:
            found = report.get("signer_subject") or ", ".join(identifiers) or "?"
            strangers.append(found)
            signatures.append({**report, "sender": False,
                               "summary_vi": f"Chữ ký không phải của cơ quan gửi {sender.shown()}: "
                                             f"chứng thư của {found}",
                               "summary_en": f"Not the sending agency's signature ({sender.shown()}): "
                                             f"the certificate is {found}'s"})
    bound = {**check, "signatures": signatures, "expected_signer": {"code": sender.code, "name": sender.name}}
    if strangers and check.get("verdict") == "valid":
        bound["verdict"] = WRONG_SIGNER
        bound["found_signers"] = strangers
    return bound


def failures(checks: Iterable[dict[str, Any]], channel: str) -> list[str]:
    """What is wrong, one Vietnamese sentence per file that blocks acceptance."""
    blocking = BLOCKING.get(channel, BLOCKING["manual"])
    problems = []
    for check in checks:
        verdict = check.get("verdict")
        if verdict not in blocking:
            continue
        if verdict == WRONG_SIGNER:
            expected = Party(**check.get("expected_signer") or {"code": None, "name": None}).shown()
            found = "; ".join(check.get("found_signers") or []) or "?"
            what = f"chữ ký của {found}, không phải của cơ quan gửi {expected}"
        else:
            details = [s.get("summary_vi") for s in check.get("signatures") or [] if not s.get("ok") and s.get("summary_vi")]
            what = "; ".join(details) or VERDICTS.get(verdict, (verdict,))[0].lower()
        problems.append(f"Tệp {check.get('file')}: {what}.")
    return problems


def refusal(problems: list[str], field: str = "override_reason") -> SignatureRefused:
    message = ("Chữ ký số của văn bản không đạt nên chưa thể tiếp nhận. " + " ".join(problems)
               + " Chỉ tiếp nhận khi văn thư xác nhận và nêu lý do.")
    refused = SignatureRefused(message, errors={field: "Cần nêu lý do tiếp nhận dù chữ ký không hợp lệ."})
    refused.problems = problems
    return refused
