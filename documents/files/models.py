"""Tables of this feature (filled in by its issue)."""
from engine.db import Base  # noqa: F401
