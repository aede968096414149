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
    return json.loads((_DIR / f"{locale}.json").read_text(encoding="utf-8"))


def locale_of(request: Request) -> str:
    chosen = request.cookies.get("lang")
    return chosen if chosen in LOCALES else request.app.state.system.settings.default_locale


def translator(locale: str) -> Callable[[str], str]:
    strings, fallback = catalog(locale), catalog("vi")
    return lambda key: strings.get(key) or fallback.get(key) or key
