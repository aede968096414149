"""The deadline badges of the pages: ``deadline_state(document)`` is "overdue", "due_soon" or
None by the register's rule (documents/incoming/deadlines.py), so a page never counts otherwise."""
from __future__ import annotations

from documents.incoming import deadlines

from .render import templates

templates.env.globals["deadline_state"] = deadlines.state
