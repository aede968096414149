"""Digital signatures with pyHanko: agency and personal signatures, and their validation."""
