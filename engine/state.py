"""Instance state without its spec: the spec lives once per definition version (and once in
memory, parsed), the instance row keeps only the task tree and data. The format is versioned
so stored state can be migrated when the library changes."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .parsing import ParsedDiagram

STATE_FORMAT = 1


class _InstanceStateConverter(BpmnWorkflowConverter):
    """BpmnWorkflowConverter minus the specs, which the runtime supplies from its cache."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def restore(self, dct: dict[str, Any], diagram: ParsedDiagram) -> BpmnWorkflow:
        workflow = self.target_class(diagram.spec, diagram.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.get("bpmn_events", []))
        return workflow


def _uuid(value: str):
    from uuid import UUID

    return UUID(value)


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


def dump_state(workflow: BpmnWorkflow) -> str:
    dct = _registry.convert(workflow)
    dct["format"] = STATE_FORMAT
    return json.dumps(dct, separators=(",", ":"), ensure_ascii=False)


def load_state(state: str, diagram: ParsedDiagram) -> BpmnWorkflow:
    dct = json.loads(state)
    if dct.pop("format", None) != STATE_FORMAT:
        raise ValueError("unknown instance state format; a migration is needed")
    return _converter.restore(dct, diagram)
