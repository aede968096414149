"""Every piece of diagram text the engine will evaluate or execute, read from the parsed spec.

Coverage comes from the objects SpiffWorkflow 3.2 actually runs, not from a list of XML tags:
each entry below is an attribute that one of Spiff's ``script_engine.evaluate``/``execute``/
``environment.evaluate`` call sites reads (found by reading bpmn/specs/** and spiff/specs/**),
plus the task properties the runtime evaluates itself. tests/engine/test_code_locations.py
re-reads Spiff's sources for those call sites and replays a diagram with a marker in every text
and attribute, so an upgrade that adds a place fails the tests instead of slipping through."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

# Task properties (spiffworkflow:property) whose values the runtime evaluates (runtime._assign).
EXPRESSION_PROPERTIES = frozenset({"candidateUser", "candidateUnit", "dueDate", "urgency"})

# Task-spec attributes holding code. ``condition``: StandardLoopTask (loopCondition) and
# MultiInstanceTask (completionCondition); ``cardinality``: MultiInstanceTask (loopCardinality);
# ``prescript``/``postscript``: every Spiff task; ``script``: ScriptTask; ``cond_task_specs``:
# gateways; ``operation_params``: service tasks; ``event_definition``: events, see below.
_TASK_EXPRESSIONS = ("condition", "cardinality")
_TASK_SCRIPTS = ("prescript", "postscript")
# Event definitions: ``expression`` is a timer's or a condition's expression, or Spiff's message,
# signal, error or escalation payload (messagePayload, payloadExpression). Message events also list
# CorrelationProperty objects whose retrieval_expression is evaluated on every send and receive:
# ``correlation_properties`` (bpmn:correlationPropertyRetrievalExpression/messagePath) and
# ``process_correlations`` (spiffworkflow:processVariableCorrelation).
# Spiff's timer classes by the BPMN element they come from (diagram_limits checks each kind):
_TIMERS = {"TimeDate": "timeDate", "DurationTimer": "timeDuration", "CycleTimer": "timeCycle"}


@dataclass(frozen=True)
class CodeLocation:
    element_id: str | None  # the BPMN element that holds the text (a gateway for its flows' conditions)
    where: str              # what the text is, for the refusal message: "timer expression", …
    kind: str               # "expression" (eval) or "script" (exec)
    source: str | None      # None: nothing to evaluate; refused when ``required``
    required: bool = False  # the engine evaluates it unconditionally: missing text fails at run time
    target: str | None = None  # gateway conditions: the spec name of the flow's target


def process_specs(spec: Any, subprocess_specs: dict[str, Any]) -> Iterator[Any]:
    yield spec
    yield from subprocess_specs.values()


def code_locations(spec: Any, subprocess_specs: dict[str, Any]) -> Iterator[CodeLocation]:
    """Yield every expression and script of a parsed process and of its subprocesses."""
    for process in process_specs(spec, subprocess_specs):
        # An ad hoc subprocess tests its completion condition each time one of its paths ends.
        condition = getattr(process, "completion_condition", None)
        if condition is not None:
            yield CodeLocation(process.name, "completion condition", "expression", condition)
        for task_spec in process.task_specs.values():
            yield from _task_locations(task_spec)


def _task_locations(task_spec: Any) -> Iterator[CodeLocation]:
    element = getattr(task_spec, "bpmn_id", None) or task_spec.name
    for attribute in _TASK_EXPRESSIONS:
        value = getattr(task_spec, attribute, None)
        if value is not None:
            yield CodeLocation(element, _label(attribute), "expression", value)
    if hasattr(task_spec, "script"):  # a script task runs its script, even a missing one
        yield CodeLocation(element, "script", "script", task_spec.script, required=True)
    for attribute in _TASK_SCRIPTS:
        if getattr(task_spec, attribute, None) is not None:
            yield CodeLocation(element, attribute, "script", getattr(task_spec, attribute))
    # Gateways (Spiff's MultiChoice/ExclusiveChoice): one _BpmnCondition per conditional flow;
    # None for the default flow.
    for condition, target in getattr(task_spec, "cond_task_specs", None) or ():
        if condition is not None:
            yield CodeLocation(element, "gateway condition", "expression", condition.args[0], True, target)
    # Spiff's service task evaluates every parameter value before calling the handler.
    for name, param in (getattr(task_spec, "operation_params", None) or {}).items():
        yield CodeLocation(element, f"service parameter '{name}'", "expression", param.get("value"), True)
    definition = getattr(task_spec, "event_definition", None)
    if definition is not None:
        yield from _event_locations(element, definition, _gateway_events(task_spec, element))
    properties = (getattr(task_spec, "extensions", None) or {}).get("properties") or {}
    for name in sorted(EXPRESSION_PROPERTIES & properties.keys()):
        if (properties[name] or "").strip():  # the runtime skips an empty property
            yield CodeLocation(element, f"property '{name}'", "expression", properties[name])


def _gateway_events(task_spec: Any, element: str) -> list[str]:
    """An event-based gateway takes over the definitions of the events after it, in the order of
    its outputs (Spiff's EventBasedGateway.connect): name each by the event it came from."""
    if "EventBasedGateway" not in type(task_spec).__name__:
        return []
    return [getattr(output, "bpmn_id", None) or element for output in task_spec.outputs]


def _event_locations(element: str, definition: Any, owners: list[str] | tuple = ()) -> Iterator[CodeLocation]:
    children = getattr(definition, "event_definitions", None) or ()  # MultipleEventDefinition
    for index, child in enumerate(children):
        yield from _event_locations(owners[index] if index < len(owners) else element, child)
    what, always = _event_expression(definition)
    expression = getattr(definition, "expression", None)
    if expression is not None or always:
        yield CodeLocation(element, what, "expression", expression, always)
    # A bpmn:correlationProperty is named by its id; spiffworkflow:processVariableCorrelation lives
    # in the event itself.
    for prop in getattr(definition, "correlation_properties", None) or ():
        yield CodeLocation(prop.name or element, "correlation property retrieval expression", "expression",
                           prop.retrieval_expression, True)
    for prop in getattr(definition, "process_correlations", None) or ():
        yield CodeLocation(element, f"correlation expression of '{prop.name}'", "expression",
                           prop.retrieval_expression, True)


def _event_expression(definition: Any) -> tuple[str, bool]:
    """What an event definition's ``expression`` is, and whether the engine always evaluates it
    (timers and conditions do; a message or signal payload only when there is one)."""
    name = type(definition).__name__
    for timer, tag in _TIMERS.items():
        if name.startswith(timer):
            return f"{tag} expression", True
    if "Timer" in name:
        return "timer expression", True
    if "Conditional" in name:
        return "conditional event condition", True
    return name.replace("EventDefinition", "").lower() + " payload", False


def _label(attribute: str) -> str:
    return {"condition": "loop or completion condition", "cardinality": "loop cardinality"}[attribute]
