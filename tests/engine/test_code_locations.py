"""Every place the engine evaluates diagram text is sandbox-checked at deploy: one test per place,
and two generic ones that find the places from SpiffWorkflow itself (its evaluation call sites,
and where each text and attribute of a diagram lands in the parsed spec)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import SpiffWorkflow
from lxml import etree

from engine.code_locations import EXPRESSION_PROPERTIES, code_locations
from engine.errors import DiagramRefused
from engine.parsing import as_bytes, parse_diagram
from engine.sandbox import Sandbox

from . import diagrams

HOSTILE = "__import__(&apos;os&apos;).system(&apos;id&apos;)"
# Places the XPath list of the first deploy check did not reach (issue: engine hardening, item 7).
MISSED_BEFORE = {
    "loopCondition", "conditionalEventDefinition/condition", "correlationPropertyRetrievalExpression/messagePath",
    "correlationPropertyRetrievalExpression/formalExpression", "signal extensionElements/payloadExpression",
}


@pytest.mark.parametrize("place", sorted(diagrams.CODE_PLACES))
def test_hostile_code_is_refused_in_every_place_naming_the_element(place):
    build, element_id = diagrams.CODE_PLACES[place]
    with pytest.raises(DiagramRefused) as caught:
        parse_diagram(build(HOSTILE), Sandbox())
    assert caught.value.element_id == element_id
    assert "__import__" in caught.value.reason


@pytest.mark.parametrize("place", sorted(diagrams.CODE_PLACES))
def test_harmless_code_in_every_place_is_accepted(place):
    build, _ = diagrams.CODE_PLACES[place]
    parse_diagram(build("3" if "Cardinality" in place else "1 == 1"), Sandbox())


def test_the_places_missed_before_are_among_those_tested():
    assert MISSED_BEFORE <= diagrams.CODE_PLACES.keys()


def test_a_missing_timer_expression_is_refused():
    xml = diagrams.boundary_timer("timeDuration", "", interrupting=True)
    with pytest.raises(DiagramRefused) as caught:
        parse_diagram(xml, Sandbox())
    assert caught.value.element_id == "timer" and "missing" in caught.value.reason


def test_a_business_rule_task_is_refused():
    """DMN decisions evaluate their own expressions; no DMN is ever parsed, so none can run."""
    xml = diagrams.linear('<bpmn:businessRuleTask id="rule"><bpmn:extensionElements><spiffworkflow:calledDecisionId>'
                          "d</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>",
                          ids=["rule"])
    with pytest.raises(DiagramRefused):
        parse_diagram(xml, Sandbox())


# ---------------------------------------------------------------- generic: Spiff's call sites
SPIFF = Path(SpiffWorkflow.__file__).parent
_CALL = re.compile(r"(?:script_engine|environment)\s*\.\s*(?:evaluate|execute|call_service)\s*\(")
# Every call through which SpiffWorkflow 3.2 evaluates diagram text, and what covers it. A new
# one (an upgrade) fails the test below until it is read and added to engine.code_locations.
KNOWN_CALL_SITES = {
    # the script engine itself: the sandbox (engine.scripting) replaces its environment
    ("bpmn/script_engine/python_engine.py", "return self.environment.evaluate(expression, task.data, external_context)"),
    ("bpmn/script_engine/python_engine.py", "return self.environment.execute(script, task.data, external_context or {})"),
    ("bpmn/script_engine/python_engine.py", "return self.environment.call_service(task.data, **kwargs)"),
    # ad hoc completion condition; conditions of gateways and loops on an ad hoc path
    ("bpmn/specs/bpmn_process_spec.py", "if workflow.script_engine.environment.evaluate(self.completion_condition, workflow.data):"),
    ("bpmn/specs/bpmn_process_spec.py", "return workflow.script_engine.environment.evaluate(cond, workflow.data, external_context=workflow.data_objects)"),
    # gateway conditions (cond_task_specs)
    ("bpmn/specs/bpmn_task_spec.py", "return task.workflow.script_engine.evaluate(task, self.args[0], external_context=task.workflow.data_objects)"),
    ("bpmn/specs/event_definitions/conditional.py", "has_fired=my_task.workflow.script_engine.evaluate(my_task, self.expression, external_context=my_task.workflow.data_objects)"),
    ("bpmn/specs/event_definitions/message.py", "value = script_engine.environment.evaluate(prop.retrieval_expression, ctx)"),
    ("bpmn/specs/event_definitions/timer.py", "event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)"),
    ("bpmn/specs/event_definitions/timer.py", "expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)"),
    ("bpmn/specs/mixins/multiinstance_task.py", "cond_complete = self.condition is not None and not my_task.workflow.script_engine.evaluate(my_task, self.condition)"),
    ("bpmn/specs/mixins/multiinstance_task.py", "return my_task.workflow.script_engine.evaluate(last_child, self.condition)"),
    ("bpmn/specs/mixins/multiinstance_task.py", "my_task.internal_data['cardinality'] = my_task.workflow.script_engine.evaluate(my_task, self.cardinality)"),
    ("bpmn/specs/mixins/multiinstance_task.py", "cardinality = my_task.workflow.script_engine.evaluate(my_task, self.cardinality)"),
    ("bpmn/specs/mixins/script_task.py", "return task.workflow.script_engine.execute(task, self.script)"),
    # message payloads; signal, error and escalation payloads
    ("spiff/specs/event_definitions.py", "payload = my_task.workflow.script_engine.evaluate(my_task, self.expression)"),
    ("spiff/specs/mixins/service_task.py", "'value': task.workflow.script_engine.evaluate(task=task, expression=param['value']),"),
    ("spiff/specs/mixins/service_task.py", "result = task.workflow.script_engine.call_service("),  # handler names: runtime
    ("spiff/specs/spiff_task.py", "my_task.workflow.script_engine.execute(my_task, script)"),  # pre/postScript
    # never reached: we use neither the Camunda parser nor DMN (a businessRuleTask is refused)
    ("camunda/specs/event_definitions.py", "result = my_task.workflow.script_engine.evaluate(my_task, self.expression)"),
    ("camunda/specs/multiinstance_task.py", "cardinality = my_task.workflow.script_engine.evaluate(my_task, task_spec.cardinality)"),
    ("dmn/engine/DMNEngine.py", "'dmninputexpr': script_engine.evaluate(task, input_expr)"),
    ("dmn/engine/DMNEngine.py", "return script_engine.evaluate(task, match_expr, external_context=external_context)"),
    ("dmn/engine/DMNEngine.py", "return script_engine.evaluate(task, expr)"),
    ("dmn/specs/model.py", "outvalue = script_engine.evaluate(task, outputEntry.text)"),
}


def spiff_call_sites() -> set[tuple[str, str]]:
    found = set()
    for path in SPIFF.rglob("*.py"):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if _CALL.search(line):
                found.add((path.relative_to(SPIFF).as_posix(), line.strip()))
    return found


def test_every_place_spiffworkflow_evaluates_is_known():
    assert spiff_call_sites() == KNOWN_CALL_SITES


# ---------------------------------------------------------------- generic: where diagram text lands
MARK = "__import__('os')"
# Attributes of parsed specs that hold diagram text the engine never evaluates.
INERT = {
    "name", "bpmn_id", "bpmn_name", "description", "documentation", "lane", "message_var", "variable",
    "operation_name", "result_variable", "resultVariable", "type", "code", "spec", "task_spec",
    "instructionsForEndUser", "formKey", "candidateRole", "calledDecisionId", "messageVariable",
}
SAMPLES = {"kitchen sink": diagrams.KITCHEN_SINK, "gateway": diagrams.GATEWAY, "sender": diagrams.SENDER,
           "receiver": diagrams.RECEIVER, "service": diagrams.SERVICE, "cycle": diagrams.CYCLE_TIMER,
           "start timer": diagrams.START_TIMER}
SAMPLES.update({place: build("1") for place, (build, _) in diagrams.CODE_PLACES.items()})


def strings_in(obj: Any, path: tuple[str, ...] = (), seen: set[int] | None = None) -> Iterator[tuple[tuple, str]]:
    """Every string reachable from SpiffWorkflow objects, with the attribute path to it."""
    seen = set() if seen is None else seen
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from strings_in(value, path + (str(key),), seen)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for value in obj:
            yield from strings_in(value, path, seen)
    elif type(obj).__module__.startswith("SpiffWorkflow") and hasattr(obj, "__dict__") and id(obj) not in seen:
        seen.add(id(obj))
        for key, value in vars(obj).items():
            yield from strings_in(value, path + (key,), seen)


def marked_variants(xml: str) -> Iterator[tuple[str, bytes]]:
    """The diagram with MARK in place of each text and each attribute value, one at a time."""
    count = sum(1 for _ in etree.fromstring(as_bytes(xml)).iter())
    for index in range(count):
        node = list(etree.fromstring(as_bytes(xml)).iter())[index]
        if not isinstance(node.tag, str):
            continue
        slots = ([None] if (node.text or "").strip() else []) + list(node.attrib)
        for slot in slots:
            root = etree.fromstring(as_bytes(xml))
            target = list(root.iter())[index]
            if slot is None:
                target.text = MARK
            else:
                target.set(slot, MARK)
            yield f"{etree.QName(target).localname}/{slot or 'text()'}", etree.tostring(root)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_diagram_text_reaching_the_spec_is_checked_or_inert(sample):
    """Whatever a diagram's texts and attributes become in the parsed spec, code_locations yields
    it, unless the attribute holding it is one the engine never evaluates (INERT)."""
    for where, xml in marked_variants(SAMPLES[sample]):
        try:
            parsed = parse_diagram(xml, Sandbox(), check=False)
        except DiagramRefused:
            continue  # the variant is not a deployable diagram at all
        checked = {loc.source for loc in code_locations(parsed.spec, parsed.subprocess_specs)}
        specs = [parsed.spec, *parsed.subprocess_specs.values()]
        for path, text in strings_in(specs):
            if MARK not in text or path[-1] in INERT:
                continue
            if len(path) > 1 and path[-2] == "properties" and path[-1] not in EXPRESSION_PROPERTIES:
                continue  # raw task properties, read but never evaluated
            assert text in checked, f"{sample}: {where} reaches {'.'.join(path)} unchecked"
            with pytest.raises(DiagramRefused):
                parse_diagram(xml, Sandbox())


def test_a_timer_after_an_event_based_gateway_is_named_by_its_event():
    """Spiff moves the definitions of the events after the gateway into the gateway itself."""
    xml = diagrams.KITCHEN_SINK.replace("<bpmn:timeDuration>'PT1H'", f"<bpmn:timeDuration>{HOSTILE}")
    with pytest.raises(DiagramRefused) as caught:
        parse_diagram(xml, Sandbox())
    assert caught.value.element_id == "too_late"
