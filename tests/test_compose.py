"""docker/compose.yaml keeps attachments and signing keys on named volumes that the api, the
worker and the scheduler share. Read as text (PyYAML is no dependency): the file is small and
its layout is ours."""
from __future__ import annotations

import re
from pathlib import Path

COMPOSE = Path(__file__).resolve().parent.parent / "docker" / "compose.yaml"


def blocks(text: str, indent: int) -> dict[str, str]:
    """The keys at ``indent`` spaces, each with the lines nested under it."""
    found: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        head = re.match(rf"^ {{{indent}}}([\w.-]+):", line)
        if head:
            key = head.group(1)
            found[key] = ""
        elif key is not None and (line.startswith(" " * (indent + 1)) or not line.strip()):
            found[key] += line + "\n"
        elif line.strip() and not line.startswith("#"):
            key = None
    return found


def test_file_store_and_signing_keys_are_named_volumes_shared_by_api_worker_and_scheduler():
    top = blocks(COMPOSE.read_text(encoding="utf-8"), 0)
    app = top["x-app"]
    for variable, volume in (("FILE_STORE_DIR", "files"), ("SIGNING_DIR", "signing")):
        path = re.search(rf"^\s+{variable}: (\S+)$", app, re.M)
        assert path, f"x-app sets no {variable}"
        assert re.search(rf"^\s+- {volume}:{re.escape(path.group(1))}$", app, re.M), f"{volume} not mounted"
        assert re.search(rf"^  {volume}:$", top["volumes"], re.M), f"{volume} is not a named volume"
    services = blocks(top["services"], 2)
    for name in ("api", "worker", "scheduler"):
        assert "<<: *app" in services[name], name
        # A service's own `volumes:` would replace the shared mounts, not add to them.
        assert not re.search(r"^    volumes:", services[name], re.M), name
