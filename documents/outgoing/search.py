"""What the outgoing register's text search reads of a document, folded the way the incoming
register folds (documents/incoming/search.py): one rule for both registers, so a word typed
without marks finds the same documents on either side."""
from __future__ import annotations

from ..incoming.search import fold, like_pattern, terms
from .models import OutgoingDocument

__all__ = ["fold", "like_pattern", "searchable", "terms"]


def searchable(document: OutgoingDocument) -> str:
    """Accent-free lower-case text of the subject, notation, type, recipients and summary, kept in
    ``search_text``: the drafting, the changes and the issue set it again (the notation comes at
    issue), so search never reads the recipients' table."""
    recipients = " ".join(r.name for r in document.recipients if r.name)
    return fold(" ".join(filter(None, (document.subject, document.notation, document.doc_type, recipients,
                                       document.summary))))
