"""An agency's default handling deadlines (deadlines/models.py) and the diagram function that
reads them."""
from __future__ import annotations

SANDBOX_FUNCTIONS: dict = {}
