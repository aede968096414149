"""Files the clerk already uploaded, kept server-side while the registration page asks a question
(a probable duplicate, a signature that fails), so that answering it never means choosing the
files again. Each hold sits under an unguessable token, belongs to the clerk who made it, and
lapses after HOLD_MINUTES; it is removed once the document is registered."""
from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
from pathlib import Path

from documents.accounts import Identity
from engine import clock
from documents.incoming.service import Upload

HOLD_MINUTES = 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def root_of(files) -> Path:
    """Beside a local file store (same disk, same backups), else the system's temporary folder."""
    local = getattr(files, "root", None)
    return (Path(local).parent if local is not None else Path(tempfile.gettempdir())) / "held-uploads"


def hold(root: Path, who: Identity, uploads: list[Upload]) -> str:
    _sweep(root)
    token = secrets.token_urlsafe(24)
    folder = root / token
    folder.mkdir(parents=True)
    for index, upload in enumerate(uploads):
        (folder / str(index)).write_bytes(upload.data)
    manifest = {"user_id": who.user_id, "expires": clock.now().timestamp() + HOLD_MINUTES * 60,
                "names": [u.filename for u in uploads]}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    return token


def held(root: Path, who: Identity, token: str) -> list[Upload] | None:
    """The clerk's held files; None when the token is unknown, lapsed or someone else's."""
    folder = _folder(root, token)
    if folder is None:
        return None
    manifest = json.loads((folder / "manifest.json").read_text())
    if manifest["user_id"] != who.user_id or manifest["expires"] < clock.now().timestamp():
        return None
    return [Upload(name, (folder / str(i)).read_bytes()) for i, name in enumerate(manifest["names"])]


def names(root: Path, who: Identity, token: str) -> list[str]:
    return [u.filename for u in held(root, who, token) or []]


def release(root: Path, token: str) -> None:
    folder = _folder(root, token)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _folder(root: Path, token: str) -> Path | None:
    if not token or not _TOKEN.match(token):
        return None
    folder = root / token
    return folder if (folder / "manifest.json").is_file() else None


def _sweep(root: Path) -> None:
    """Lapsed holds go when a new one is made: nothing else needs to run."""
    if not root.is_dir():
        return
    for folder in root.iterdir():
        try:
            if json.loads((folder / "manifest.json").read_text())["expires"] < clock.now().timestamp():
                shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError, KeyError):
            continue
