"""Limits a diagram must respect to be deployed: ids and names that fit their columns, bounded
nesting, and timers, due dates and urgency whose constant values the engine can use."""
from __future__ import annotations

import pytest

from engine.diagram_limits import (MAX_ELEMENT_ID, MAX_FLOW_NODES, MAX_PROCESS_KEY, MAX_SUBPROCESS_DEPTH,
                                   MAX_XML_DEPTH, MIN_TIMER_CYCLE)
from engine.errors import DiagramRefused
from engine.models import HumanTask, ProcessDefinition
from engine.parsing import parse_diagram
from engine.sandbox import Sandbox

from . import diagrams
from .test_parsing import parse, refusal


# ---------------------------------------------------------------- ids, names, nesting
def test_the_limits_follow_the_columns():
    assert MAX_PROCESS_KEY == ProcessDefinition.key.property.columns[0].type.length
    assert MAX_ELEMENT_ID + len(".BoundaryEventSplit") == HumanTask.spec_name.property.columns[0].type.length


def test_over_long_ids_and_names_are_refused():
    long_id = "t" * (MAX_ELEMENT_ID + 1)
    assert "id is longer" in refusal(diagrams.linear(diagrams.user_task(long_id), ids=[long_id])).reason
    parse(diagrams.linear(diagrams.user_task("t" * MAX_ELEMENT_ID), ids=["t" * MAX_ELEMENT_ID]))
    process = diagrams.definitions(diagrams.START + diagrams.END + diagrams.flow("f0", "start", "end"),
                                   process_id="p" * (MAX_PROCESS_KEY + 1))
    assert "process id is longer" in refusal(process).reason
    error = refusal(diagrams.linear(diagrams.user_task("t", name="n" * 256), ids=["t"]))
    assert error.element_id == "t" and "name is longer than 255" in error.reason
    error = refusal(diagrams.GATEWAY.replace('name="leader"', f'name="{"L" * 101}"'))
    assert error.element_id == "l1" and "lane name" in error.reason


@pytest.mark.parametrize("name, value", [("formKey", "f" * 101), ("candidateRole", "r" * 51),
                                         ("candidateUser", "'" + "u" * 101 + "'"), ("candidateUnit", "'" + "9" * 51 + "'")])
def test_task_properties_longer_than_their_column_are_refused(name, value):
    error = refusal(diagrams.linear(diagrams.user_task("t", props={name: value.replace("'", "&apos;")}), ids=["t"]))
    assert error.element_id == "t" and name in error.reason and "longer than" in error.reason


def nested_subprocesses(depth: int) -> str:
    body = ""
    for level in range(depth):
        sid = f"s{level}"
        body = (f'<bpmn:subProcess id="{sid}"><bpmn:startEvent id="{sid}_start"/>{body}<bpmn:endEvent id="{sid}_end"/>'
                + diagrams.flow(f"{sid}_f", f"{sid}_start", f"{sid}_end") + "</bpmn:subProcess>")
    return diagrams._with_flow(body, f"s{depth - 1}")


def test_subprocess_nesting_is_bounded():
    parse(nested_subprocesses(MAX_SUBPROCESS_DEPTH))
    assert "subprocesses nest deeper" in refusal(nested_subprocesses(MAX_SUBPROCESS_DEPTH + 1)).reason


@pytest.mark.parametrize("depth", [MAX_XML_DEPTH, 300])
def test_xml_nesting_is_bounded(depth):
    ext = "<a:x xmlns:a='urn:a'>" * depth + "</a:x>" * depth
    xml = diagrams.linear(f'<bpmn:task id="t"><bpmn:extensionElements>{ext}</bpmn:extensionElements></bpmn:task>',
                          ids=["t"])
    assert "deep" in refusal(xml).reason


def test_a_process_too_long_to_parse_is_refused():
    ids = [f"t{i}" for i in range(MAX_FLOW_NODES + 1)]
    error = refusal(diagrams.linear(*[f'<bpmn:task id="{i}"/>' for i in ids], ids=ids))
    assert error.element_id == "p" and f"more than {MAX_FLOW_NODES}" in error.reason


def test_absurdly_nested_code_is_refused():
    error = refusal(diagrams.GATEWAY.replace("approved == True", "+".join(["1"] * 100_000)))
    assert error.element_id == "f_yes" and "nested too deeply" in error.reason


# ---------------------------------------------------------------- constants the engine will use
@pytest.mark.parametrize("kind, expression, problem", [
    ("timeDate", "'garbage'", "not an ISO 8601 date-time"),
    ("timeDate", "'PT1H'", "not an ISO 8601 date-time"),
    ("timeDate", "5", "must be a string"),
    ("timeDate", "'9999-12-31T23:59:59-05:00'", "not an ISO 8601 date-time"),
    ("timeDuration", "'garbage'", "not an ISO 8601 duration"),
    ("timeDuration", "'T1H'", "not an ISO 8601 duration"),
    ("timeDuration", "'PT'", "not an ISO 8601 duration"),
    ("timeDuration", "'P99999999Y'", "longer than"),
    ("timeCycle", "'R/PT0S'", "repeats more often"),
    ("timeCycle", "'R3/PT30S'", "repeats more often"),
    ("timeCycle", "'garbage'", "not an ISO 8601 repetition"),
    ("timeCycle", "'R5'", "not an ISO 8601 repetition"),
    ("timeCycle", "'R3/PT1H/PT2H'", "not an ISO 8601 repetition"),
    ("timeCycle", "'R3/P9999999Y'", "not an ISO 8601 repetition"),
])
def test_constant_timers_the_engine_cannot_schedule_are_refused(kind, expression, problem):
    error = refusal(diagrams.boundary_timer(kind, expression, interrupting=kind != "timeCycle"))
    assert error.element_id == "timer" and kind in error.reason and problem in error.reason


@pytest.mark.parametrize("kind, expression", [
    ("timeDate", "'2026-11-24T08:00:00+07:00'"), ("timeDate", "'2026-11-24'"),
    ("timeDuration", "'P3D'"), ("timeDuration", "'P1M'"), ("timeDuration", "'PT2H30M'"),
    ("timeCycle", "'R3/PT1H'"), ("timeCycle", "'R/P1D'"), ("timeCycle", "'R3/2026-01-01T00:00:00Z/PT1H'"),
    ("timeDate", "data.get('deadline')"), ("timeCycle", "every"),  # not constants: checked when they run
])
def test_usable_or_computed_timers_are_accepted(kind, expression):
    parse(diagrams.boundary_timer(kind, expression.replace("'", "&apos;"), interrupting=kind != "timeCycle"))


def test_the_shortest_cycle_is_accepted():
    minutes = int(MIN_TIMER_CYCLE.total_seconds() // 60)
    parse(diagrams.boundary_timer("timeCycle", f"'R/PT{minutes}M'", interrupting=False))


@pytest.mark.parametrize("name, value, accepted", [
    ("dueDate", "'garbage'", False), ("dueDate", "5", False), ("dueDate", "'P3D'", True),
    ("dueDate", "'2026-12-01T17:00:00+07:00'", True), ("dueDate", "None", True), ("dueDate", "'P99Y'", False),
    ("urgency", "'urgent'", False), ("urgency", "7", False), ("urgency", "-1", False), ("urgency", "1e400", False),
    ("urgency", "2", True),
    ("urgency", "urgency_level(data.get('urgency'))", True),
])
def test_constant_due_dates_and_urgency_must_be_usable(name, value, accepted):
    xml = diagrams.linear(diagrams.user_task("t", props={name: value.replace("'", "&apos;")}), ids=["t"])
    sandbox = Sandbox({"urgency_level": lambda value: 0})
    if accepted:
        parse_diagram(xml, sandbox)
    else:
        with pytest.raises(DiagramRefused) as caught:
            parse_diagram(xml, sandbox)
        assert caught.value.element_id == "t" and name in caught.value.reason


def test_a_stored_diagram_loads_under_newer_limits():
    """Limits are deploy-time policy: a version deployed before them keeps running."""
    xml = diagrams.linear(diagrams.user_task("t", name="n" * 300, props={"urgency": "7"}), ids=["t"])
    assert parse_diagram(xml, Sandbox(), check=False).spec.task_specs["t"].bpmn_name == "n" * 300
