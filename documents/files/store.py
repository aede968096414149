"""Where attachment content lives: a small interface and its local-directory implementation.

Content is addressed by its SHA-256, so the user's file name never reaches a path (traversal is
impossible by construction), identical content is stored once, and a file written by an upload
whose transaction later rolled back is a harmless orphan that a sweep can find (see ``keys``).
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol

_KEY = re.compile(r"^[0-9a-f]{64}$")


class FileStore(Protocol):
    def put(self, data: bytes) -> str:
        """Stores ``data`` and returns its key; storing the same bytes again returns the same key."""

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; raises ``KeyError`` when there are none."""

    def exists(self, key: str) -> bool:
        """Whether content is stored under ``key``."""

    def delete(self, key: str) -> None:
        """Removes the content under ``key`` (no error when absent). Content is shared by every
        attachment with the same bytes: delete only keys no row references any more."""


class LocalFileStore:
    """Files under ``root``, sharded as ``ab/cd/abcd…`` so no directory grows too large."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_of(self, key: str) -> Path:
        # Keys come back from the database, but a forged or corrupted one must not escape the root.
        if not _KEY.match(key):
            raise ValueError(f"not a file-store key: {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self.path_of(key)
        if path.exists():
            # Refresh the time so an orphan sweep with a grace period spares content that an
            # upload still in its transaction has just reused.
            os.utime(path)
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            # Atomic: readers see no file or the whole file; two writers of the same bytes both win.
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)
        return key

    def get(self, key: str) -> bytes:
        try:
            return self.path_of(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def open(self, key: str) -> BinaryIO:
        """A binary stream of the content, for sending large files without loading them."""
        try:
            return self.path_of(key).open("rb")
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        """Every stored key (temporary files of unfinished writes excluded). An orphan sweep takes
        these minus ``SELECT storage_key FROM attachment`` and deletes those older than a grace
        period longer than any upload transaction."""
        if not self.root.is_dir():
            return
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            if _KEY.match(path.name):
                yield path.name


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once its directory is: the row committed next must not point at
    # content a power cut could lose. Windows cannot open a directory, and needs no such step.
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
