"""Sections that features add to the incoming document's page (/incoming/<id>) without editing
it: a feature registers a Panel — its template, where on the page it goes, and the function that
gives the template its values (None: nothing to show for this reader). The page module of the
feature registers its panels when imported (api/app.py imports every page module)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.incoming.models import IncomingDocument

SLOTS = ("top", "facts", "end")  # under the heading, after the metadata, at the end of the page

Values = Callable[[Session, Identity, IncomingDocument], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    template: str
    slot: str
    values: Values


PANELS: list[Panel] = []


def register(template: str, slot: str) -> Callable[[Values], Values]:
    """Decorator of a panel's values function: ``@register("_corrections.html", "facts")``."""
    if slot not in SLOTS:
        raise ValueError(f"unknown panel slot {slot!r}")

    def add(values: Values) -> Values:
        PANELS.append(Panel(template, slot, values))
        return values
    return add


def for_page(session: Session, who: Identity, document: IncomingDocument) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
    """slot -> [(template, values)] of the panels this reader sees on this document."""
    shown: dict[str, list[tuple[str, Mapping[str, Any]]]] = {slot: [] for slot in SLOTS}
    for panel in PANELS:
        values = panel.values(session, who, document)
        if values is not None:
            shown[panel.slot].append((panel.template, values))
    return shown
