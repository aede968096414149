"""Programs from Debian that some tests drive (Chromium, pdftotext). On a developer machine
without them those tests are skipped with the install command; under CI (CI=true) a missing
program fails the test, so a skip can never hide a failure there."""
from __future__ import annotations

import os
import shutil

import pytest

INSTALL = "bash .ci/install-test-tools"


def require_program(program: str, package: str) -> str:
    """The program's path; skip (fail under CI) when it is not installed."""
    path = shutil.which(program)
    if path:
        return path
    message = f"{program} is missing: install Debian's {package} ({INSTALL})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"cannot run under CI: {message}", pytrace=False)
    pytest.skip(message)
