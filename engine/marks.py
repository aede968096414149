"""What a diagram tells the domain about itself, read once when it is parsed: elements marked with
a role (the ``domainRole`` property) and the messages it throws. The engine attaches no meaning to
a role; the domain's contract for a process key decides which roles, forms and messages it needs,
so an agency may rename and restructure its diagram as long as it marks the same roles."""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

ROLE_PROPERTY = "domainRole"
_NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
_LOOP = "bpmn:multiInstanceLoopCharacteristics"


@dataclass(frozen=True)
class MarkedElement:
    """An element of the process marked with a role, and what a contract may ask of it."""

    element_id: str
    kind: str                        # the BPMN tag: userTask, manualTask, boundaryEvent, …
    role: str
    form_key: str | None = None
    attached_to: str | None = None   # a boundary event's activity
    timer: bool = False              # carries a timer event definition
    loop_input: str | None = None    # a multi-instance activity: the collection it runs over
    loop_output: str | None = None   # … and the collection it fills


@dataclass(frozen=True)
class ThrownMessage:
    """A message thrown by an end event, an intermediate throw event or a send task."""

    element_id: str
    name: str
    payload: str | None              # the payload expression as written


def _properties(node: etree._Element) -> dict[str, str]:
    found = node.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=_NS)
    return {p.get("name"): p.get("value") for p in found}


def _text(node: etree._Element, path: str) -> str | None:
    found = node.find(path, _NS)
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def marked_elements(process: etree._Element) -> tuple[MarkedElement, ...]:
    """Every element of ``process`` (its sub-processes included) carrying a ``domainRole``."""
    marked = []
    for node in process.iter(etree.Element):
        props = _properties(node)
        role = (props.get(ROLE_PROPERTY) or "").strip()
        if not role:
            continue
        marked.append(MarkedElement(
            element_id=node.get("id"), kind=etree.QName(node).localname, role=role, form_key=props.get("formKey"),
            attached_to=node.get("attachedToRef"),
            timer=node.find("bpmn:timerEventDefinition", _NS) is not None,
            loop_input=_text(node, f"{_LOOP}/bpmn:loopDataInputRef"),
            loop_output=_text(node, f"{_LOOP}/bpmn:loopDataOutputRef")))
    return tuple(marked)


def thrown_messages(root: etree._Element, process: etree._Element) -> tuple[ThrownMessage, ...]:
    """The messages ``process`` throws, by the message's name (not its id)."""
    names = {m.get("id"): m.get("name") or m.get("id") for m in root.xpath("./bpmn:message", namespaces=_NS)}
    thrown = []
    for node in process.xpath(".//bpmn:endEvent | .//bpmn:intermediateThrowEvent", namespaces=_NS):
        for definition in node.xpath("./bpmn:messageEventDefinition", namespaces=_NS):
            thrown.append(ThrownMessage(node.get("id"), names.get(definition.get("messageRef"), ""),
                                        _text(definition, "bpmn:extensionElements/spiffworkflow:messagePayload")))
    for node in process.xpath(".//bpmn:sendTask", namespaces=_NS):
        thrown.append(ThrownMessage(node.get("id"), names.get(node.get("messageRef"), ""),
                                    _text(node, "bpmn:extensionElements/spiffworkflow:messagePayload")))
    return tuple(thrown)
