"""UI strings: Vietnamese first, English as the second locale. Chosen by the `lang` cookie."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Callable

from fastapi import Request

LOCALES = ("vi", "en")
_DIR = Path(__file__).resolve().parent / "locales"


@lru_cache(maxsize=None)
def catalog(locale: str) -> dict[str, str]:
    """locales/<locale>.json plus one file an area in locales/<locale>/ (diagrams.json, admin.json…);
    a key defined twice is a mistake, refused at start-up rather than one text silently winning."""
    strings: dict[str, str] = json.loads((_DIR / f"{locale}.json").read_text(encoding="utf-8"))
    for part in sorted((_DIR / locale).glob("*.json")):
        extra = json.loads(part.read_text(encoding="utf-8"))
        twice = sorted(strings.keys() & extra.keys())
        if twice:
            raise ValueError(f"{part.name}: keys already defined: {', '.join(twice[:5])}")
        strings.update(extra)
    return strings


def locale_of(request: Request) -> str:
    chosen = request.cookies.get("lang")
    return chosen if chosen in LOCALES else request.app.state.system.settings.default_locale


def translator(locale: str) -> Callable[[str], str]:
    strings, fallback = catalog(locale), catalog("vi")
    return lambda key: strings.get(key) or fallback.get(key) or key
