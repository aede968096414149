"""Sections that features add to the task page (/tasks/<id>) without editing it, as
document_panels does for the incoming document's page: a feature registers a Panel — its
template, where it goes, and the function giving the template its values (None: nothing for this
task and reader). ``before_form`` panels may carry the step's own actions (e.g. the signature's
"Ký số" button, which signs and completes the task in one action)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from documents.accounts import Identity
from engine.runtime import HumanTask, WorkflowRuntime

SLOTS = ("top", "before_form", "end")  # under the heading, just above the form, after it

Values = Callable[[Session, WorkflowRuntime, Identity, HumanTask], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    template: str
    slot: str
    values: Values


PANELS: list[Panel] = []


def register(template: str, slot: str) -> Callable[[Values], Values]:
    """Decorator of a panel's values function: ``@register("_outgoing_sign.html", "before_form")``."""
    if slot not in SLOTS:
        raise ValueError(f"unknown panel slot {slot!r}")

    def add(values: Values) -> Values:
        PANELS.append(Panel(template, slot, values))
        return values
    return add


def for_task(session: Session, runtime: WorkflowRuntime, who: Identity,
             task: HumanTask) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
    """slot -> [(template, values)] of the panels this reader sees on this task."""
    shown: dict[str, list[tuple[str, Mapping[str, Any]]]] = {slot: [] for slot in SLOTS}
    for panel in PANELS:
        values = panel.values(session, runtime, who, task)
        if values is not None:
            shown[panel.slot].append((panel.template, values))
    return shown
