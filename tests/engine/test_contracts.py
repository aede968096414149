"""The engine's part of diagram contracts, knowing nothing of documents: it reads the roles marked
on elements (``domainRole``) and the messages thrown, projects a human task's role, answers an
instance's roles by element, and refuses at deploy what the contract of a process key lists."""
from __future__ import annotations

import pytest

from engine.errors import DiagramRefused
from engine.parsing import parse_diagram
from engine.sandbox import Sandbox
from tests.engine.conftest import SCOPE
from tests.engine.diagrams import END, SENDER, START, definitions, flow, user_task

MARKED = definitions(
    START + user_task("work", props={"domainRole": "x.work", "formKey": "f_work"})
    + '<bpmn:boundaryEvent id="late" attachedToRef="work" cancelActivity="false"><bpmn:extensionElements>'
    '<spiffworkflow:properties><spiffworkflow:property name="domainRole" value="x.late"/></spiffworkflow:properties>'
    "</bpmn:extensionElements><bpmn:timerEventDefinition><bpmn:timeDuration>'PT1H'</bpmn:timeDuration>"
    "</bpmn:timerEventDefinition></bpmn:boundaryEvent>" + '<bpmn:endEvent id="late_end"/>' + END
    + flow("f0", "start", "work") + flow("f1", "work", "end") + flow("f2", "late", "late_end"),
    process_id="x",
)


def test_marked_elements_and_thrown_messages_are_read_from_the_diagram():
    parsed = parse_diagram(MARKED, Sandbox())
    assert [(m.element_id, m.kind, m.role, m.form_key, m.attached_to, m.timer) for m in parsed.marked] == [
        ("work", "userTask", "x.work", "f_work", None, False),
        ("late", "boundaryEvent", "x.late", None, "work", True)]
    (thrown,) = parse_diagram(SENDER, Sandbox()).thrown
    assert (thrown.element_id, thrown.name, thrown.payload) == ("send", "ping",
                                                                "{'correlation_key': target, 'note': note}")


def test_a_contract_of_the_process_key_refuses_with_every_missing_piece(engine):
    seen = []
    engine.runtime.hooks.contracts["x"] = lambda diagram: seen.append(diagram.key) or ["role 'x.a' is missing",
                                                                                       "role 'x.b' is missing"]
    with pytest.raises(DiagramRefused) as refused:
        engine.deploy(MARKED, scope=SCOPE)
    assert str(refused.value) == ("the 'x' process lacks what the system relies on: role 'x.a' is missing; "
                                  "role 'x.b' is missing")
    engine.deploy(SENDER, scope=SCOPE)  # another key: no contract
    assert seen == ["x"]


def test_human_tasks_carry_their_role_and_an_instance_answers_its_roles(engine):
    engine.runtime.hooks.contracts["x"] = lambda diagram: []
    engine.deploy(MARKED, scope=SCOPE)
    instance = engine.start("x")
    assert engine.task_named(instance.id, "work").role == "x.work"
    with engine.sessions() as session:
        assert engine.runtime.element_roles(session, instance.id, SCOPE) == {"work": "x.work", "late": "x.late"}
