"""When an electronic outgoing document must also go on paper (seed 002 Đ6.5, seed 004 Đ5.4).
The rules are data (data/paper_rules.json): each names its legal basis and matches on the
recipient (its name, or that it cannot be reached electronically) or on the document (its type,
words of its subject and summary). The drafter is shown which rule asks for paper, and a paper
copy a rule demands cannot be unticked."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..incoming.search import fold

RULES_FILE = Path(__file__).resolve().parent / "data" / "paper_rules.json"


@dataclass(frozen=True)
class Rule:
    id: str
    basis: str              # "002 Đ6.5a, 004 Đ5.4a"
    scope: str              # "recipient": about one recipient; "document": every recipient outside the agency
    vi: str
    en: str
    recipient_starts: tuple[str, ...] = ()
    recipient_words: tuple[str, ...] = ()
    subject_words: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    unconnected: bool = False

    def label(self, locale: str = "vi") -> str:
        return self.en if locale == "en" else self.vi

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Rule:
        lists = {k: tuple(raw.get(k, ())) for k in ("recipient_starts", "recipient_words", "subject_words", "doc_types")}
        return cls(id=raw["id"], basis=raw["basis"], scope=raw["scope"], vi=raw["vi"], en=raw["en"],
                   unconnected=bool(raw.get("unconnected")), **lists)


@dataclass(frozen=True)
class Document:
    """What the rules read of a document: its type and its words."""

    doc_type: str
    subject: str
    summary: str | None = None


@dataclass(frozen=True)
class Addressee:
    """What the rules read of a recipient."""

    kind: str               # agency | external | unit
    name: str
    code: str | None = None


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    return tuple(Rule.of(r) for r in json.loads(RULES_FILE.read_text(encoding="utf-8"))["rules"])


def required(document: Document, addressee: Addressee) -> list[Rule]:
    """The rules that demand a paper copy for ``addressee`` (none for the agency's own units)."""
    if addressee.kind == "unit":
        return []
    words = _padded(f"{document.subject} {document.summary or ''}")
    name = _padded(addressee.name)
    return [rule for rule in rules() if _applies(rule, document, addressee, words, name)]


def _applies(rule: Rule, document: Document, addressee: Addressee, words: str, name: str) -> bool:
    if rule.doc_types and document.doc_type not in rule.doc_types:
        return False
    if rule.unconnected:
        return addressee.kind == "external" and not addressee.code
    if rule.scope == "document":
        return any(_padded(w) in words for w in rule.subject_words)
    return (any(name.startswith(_padded(w)) for w in rule.recipient_starts)
            or any(_padded(w) in name for w in rule.recipient_words))


def _padded(text: str) -> str:
    # Whole words only: " bo " is a ministry, not the "bo" of "can bo".
    return f" {fold(text)} "
