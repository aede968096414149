"""Instance state without its spec: the spec lives once per definition version (and once in
memory, parsed), the instance row keeps only the task tree and data.

The format is versioned in the row's ``state_format`` column. A stored state of an older format
is upgraded on load by a chain of small functions, one per format change (the way
SpiffWorkflow's serializer migrates its own versions); a format this code does not know is
refused with a clear error, never guessed at."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any, Callable
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_SERIALIZER_VERSION
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .errors import StateUnreadable
from .parsing import ParsedDiagram

# 1: the format number inside the JSON ("format": 1), the column never written.
# 2: the number in the column only; the JSON names the SpiffWorkflow serializer version it
#    was written with, so a library upgrade can tell which of its migrations apply.
STATE_FORMAT = 2


def _from_1(dct: dict[str, Any]) -> dict[str, Any]:
    dct.pop("format", None)
    dct["serializer_version"] = "1.5"  # format 1 was only ever written by SpiffWorkflow 3.2.0
    return dct


# format N -> the function that turns a format-N dict into format N+1
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _from_1}


class _InstanceStateConverter(BpmnWorkflowConverter):
    """BpmnWorkflowConverter minus the specs, which the runtime supplies from its cache."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def restore(self, dct: dict[str, Any], diagram: ParsedDiagram) -> BpmnWorkflow:
        workflow = self.target_class(diagram.spec, diagram.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.get("bpmn_events", []))
        return workflow


def _build_registry():
    config = dict(SPIFF_CONFIG)
    config.pop(BpmnWorkflow, None)
    registry = BpmnWorkflowSerializer.configure(config)
    converter = _InstanceStateConverter(BpmnWorkflow, registry)
    # Task data may hold dates and decimals (form values); the default registry knows neither.
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]),
                      typename="date")
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]), typename="Decimal")
    return registry, converter


_registry, _converter = _build_registry()


def dump_state(workflow: BpmnWorkflow) -> tuple[str, int]:
    """The state as stored, and its format number (for the row's ``state_format``)."""
    dct = _registry.convert(workflow)
    dct["serializer_version"] = SPIFF_SERIALIZER_VERSION
    return json.dumps(dct, separators=(",", ":"), ensure_ascii=False), STATE_FORMAT


def upgrade(dct: dict[str, Any], state_format: int) -> dict[str, Any]:
    """Bring a stored dict from ``state_format`` to the current format, one step at a time."""
    if not isinstance(state_format, int) or state_format > STATE_FORMAT or (
            state_format < STATE_FORMAT and state_format not in UPGRADES):
        raise StateUnreadable(f"the stored state has format {state_format!r}; this version reads formats "
                              f"up to {STATE_FORMAT}")
    while state_format < STATE_FORMAT:
        dct = UPGRADES[state_format](dct)
        state_format += 1
    return dct


def load_state(state: str, state_format: int, diagram: ParsedDiagram) -> BpmnWorkflow:
    try:
        dct = json.loads(state)
    except (TypeError, ValueError):
        raise StateUnreadable("the stored state is not valid JSON") from None
    if not isinstance(dct, dict):
        raise StateUnreadable("the stored state is not a JSON object")
    dct = upgrade(dct, state_format)
    if dct.get("serializer_version") != SPIFF_SERIALIZER_VERSION:
        raise StateUnreadable(f"the stored state was written by SpiffWorkflow serializer "
                              f"{dct.get('serializer_version')!r}, this one is {SPIFF_SERIALIZER_VERSION}")
    try:
        return _converter.restore(dct, diagram)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateUnreadable(f"the stored state does not fit its diagram ({type(exc).__name__}: {exc})") from None
