"""Deploying untrusted diagrams: hostile or broken input is refused with the element and the
reason, and nothing is stored."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.db import unit_of_work
from engine.errors import DiagramRefused
from engine.models import ProcessDefinition

from . import diagrams

ESCAPES = [
    ("__import__('os').system('id')", "__import__"),
    ("().__class__.__base__.__subclasses__()", "__class__"),
    ("getattr(data, '__class__')", "getattr"),
    ("'{0.__class__}'.format(data)", "format"),
    ("'{x}'.format_map(data)", "format_map"),
    ("open('/etc/passwd').read()", "open"),
    ("eval('1')", "eval"),
    ("[c for c in ().__class__.__mro__]", "__class__"),
    ("type(data)", "type"),
    ("globals()", "globals"),
]


def count_definitions(engine) -> int:
    with unit_of_work(engine.sessions) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(ProcessDefinition))


def refused(engine, xml) -> DiagramRefused:
    before = count_definitions(engine)
    with pytest.raises(DiagramRefused) as caught:
        engine.deploy(xml)
    assert count_definitions(engine) == before
    return caught.value


@pytest.mark.parametrize("expression, culprit", ESCAPES)
def test_sandbox_escapes_in_a_condition_are_refused_naming_the_flow(engine, expression, culprit):
    xml = diagrams.GATEWAY.replace("approved == True", expression.replace("'", "&apos;"))
    error = refused(engine, xml)
    assert error.element_id == "f_yes"
    assert culprit in error.reason


@pytest.mark.parametrize("expression, culprit", ESCAPES)
def test_sandbox_escapes_in_a_script_task_are_refused(engine, expression, culprit):
    xml = diagrams.linear(diagrams.script_task("evil", f"x = {expression}".replace("'", "&apos;")), ids=["evil"])
    error = refused(engine, xml)
    assert error.element_id == "evil" and culprit in error.reason


@pytest.mark.parametrize("script, reason", [
    ("import os", "import"),
    ("while True:\n    pass", "while"),
    ("f = lambda: 1", "lambda"),
    ("def f():\n    return 1", "def"),
])
def test_forbidden_statements_in_scripts(engine, script, reason):
    error = refused(engine, diagrams.linear(diagrams.script_task("s", script), ids=["s"]))
    assert error.element_id == "s" and reason in error.message


def test_escapes_in_timer_expressions_and_task_properties(engine):
    timer = diagrams.boundary_timer("timeDuration", "__import__('os').getcwd()", interrupting=True)
    assert refused(engine, timer).element_id == "timer"
    prop = diagrams.linear(diagrams.user_task("t", props={"dueDate": "open('/etc/passwd')"}), ids=["t"])
    assert refused(engine, prop).element_id == "t"


def test_escape_in_a_message_payload(engine):
    xml = diagrams.SENDER.replace("{'correlation_key': target, 'note': note}", "().__class__")
    assert refused(engine, xml).element_id == "send"


def test_external_entities_and_dtds_are_refused(engine):
    xxe = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           + diagrams.GATEWAY.split("?>", 1)[1].replace('name="Duyệt"', 'name="&x;"'))
    assert "DTD" in refused(engine, xxe).reason
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              '<lolz>&lol2;</lolz>')
    assert "DTD" in refused(engine, laughs).reason


@pytest.mark.parametrize("xml, reason", [
    ("<bpmn:definitions", "malformed XML"),
    ("", "malformed XML"),
    ('<?xml version="1.0"?><html><body/></html>', "not BPMN 2.0"),
    (diagrams.GATEWAY.replace("<bpmn:exclusiveGateway", "<bpmn:notAThing"), "not valid BPMN 2.0"),
    (diagrams.GATEWAY.replace('isExecutable="true"', 'isExecutable="false"'), "no executable process"),
    (diagrams.GATEWAY.replace('targetRef="publish"', 'targetRef="missing"'), "missing"),
])
def test_broken_diagrams_are_refused_with_a_reason(engine, xml, reason):
    assert reason in refused(engine, xml).message


def test_oversized_diagram_is_refused(engine):
    assert "larger than" in refused(engine, " " * (3 * 1024 * 1024)).reason


def test_unknown_service_operation_is_refused(engine):
    xml = diagrams.SERVICE.replace('id="double"', 'id="rm_rf"')
    error = refused(engine, xml)
    assert error.element_id == "call" and "rm_rf" in error.reason


def test_the_shipped_incoming_diagram_deploys(system):
    with unit_of_work(system.sessions) as session:
        deployed = system.runtime.deploy_directory(session, system.settings.bpmn_dir)
    assert "incoming" in [d.key for d in deployed]


def test_a_doctype_after_4_kib_of_comments_is_refused(engine):
    xml = '<?xml version="1.0"?><!--' + "x" * 5000 + '--><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    assert "DTD" in refused(engine, (xml + diagrams.GATEWAY.split("?>", 1)[1]).encode()).reason


@pytest.mark.parametrize("xml", [
    diagrams.linear(diagrams.user_task("t" * 300), ids=["t" * 300]),
    diagrams.definitions(diagrams.START + diagrams.END + diagrams.flow("f0", "start", "end"), process_id="p" * 120),
    diagrams.boundary_timer("timeCycle", "'R/PT0S'", interrupting=False),
    diagrams.boundary_timer("timeDate", "'soon'", interrupting=True),
    diagrams.linear(diagrams.user_task("t", props={"dueDate": "&apos;tomorrow&apos;"}), ids=["t"]),
], ids=["element id", "process id", "cycle", "timeDate", "dueDate"])
def test_odd_diagrams_are_refused_not_failed(engine, xml):
    refused(engine, xml)


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16"])
def test_a_diagram_in_another_encoding_is_stored_as_utf8(engine, encoding):
    xml = diagrams.GATEWAY.replace("Duyệt", "Révision").replace('encoding="UTF-8"', f'encoding="{encoding}"')
    definition = engine.deploy(xml.encode(encoding.lower()))
    assert "Révision" in definition.bpmn_xml and 'encoding="UTF-8"' in definition.bpmn_xml


@pytest.mark.parametrize("place", ["loopCondition", "conditionalEventDefinition/condition",
                                   "correlationPropertyRetrievalExpression/messagePath",
                                   "signal extensionElements/payloadExpression"])
def test_code_in_places_the_first_check_missed_is_refused_at_deploy(engine, place):
    build, element_id = diagrams.CODE_PLACES[place]
    error = refused(engine, build("__import__(&apos;os&apos;).system(&apos;id&apos;)"))
    assert error.element_id == element_id and "__import__" in error.reason
