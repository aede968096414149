"""Sections that features add to a page without editing it: a feature registers a panel — its
template, where on the page it goes (a slot), and the function that gives the template its values
(None: nothing to show for this reader) — when its page module is imported (api/app.py imports
every page module). Each page that takes panels has one registry: document_panels (the incoming
document), outgoing_panels (the outgoing document), task_panels (a task)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, Mapping, TypeVar

V = TypeVar("V", bound=Callable[..., Mapping[str, Any] | None])


@dataclass(frozen=True)
class Panel(Generic[V]):
    template: str
    slot: str
    values: V


class Panels(Generic[V]):
    def __init__(self, *slots: str) -> None:
        self.slots = slots
        self.panels: list[Panel[V]] = []

    def register(self, template: str, slot: str) -> Callable[[V], V]:
        """Decorator of a panel's values function: ``@panels.register("_corrections.html", "facts")``."""
        if slot not in self.slots:
            raise ValueError(f"unknown panel slot {slot!r}")

        def add(values: V) -> V:
            self.panels.append(Panel(template, slot, values))
            return values
        return add

    def shown(self, *args: Any) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
        """slot -> [(template, values)] of the panels shown, each values function called with ``args``."""
        shown: dict[str, list[tuple[str, Mapping[str, Any]]]] = {slot: [] for slot in self.slots}
        for panel in self.panels:
            values = panel.values(*args)
            if values is not None:
                shown[panel.slot].append((panel.template, values))
        return shown
