"""From untrusted BPMN XML to a parsed, sandbox-checked specification.

Order matters: refuse DTDs and entities before lxml sees them, validate against the BPMN XSD,
let SpiffWorkflow parse, then check every expression and script against the sandbox. Every
refusal names the element and the reason."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .errors import DiagramRefused
from .sandbox import Sandbox, SandboxViolation

MAX_DIAGRAM_BYTES = 2 * 1024 * 1024
NSMAP = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
# Task properties (spiffworkflow:property) whose values are expressions evaluated at run time.
EXPRESSION_PROPERTIES = frozenset({"candidateUser", "candidateUnit", "dueDate", "urgency"})

# (xpath, kind): every place SpiffWorkflow or the runtime evaluates text from the diagram.
_CODE_LOCATIONS: tuple[tuple[str, str], ...] = (
    ("//bpmn:conditionExpression", "expression"),
    ("//bpmn:timeDate | //bpmn:timeDuration | //bpmn:timeCycle", "expression"),
    ("//bpmn:loopCardinality | //bpmn:completionCondition", "expression"),
    ("//bpmn:scriptTask/bpmn:script", "script"),
    ("//spiffworkflow:preScript | //spiffworkflow:postScript", "script"),
    ("//spiffworkflow:messagePayload | //spiffworkflow:expression", "expression"),
    ("//bpmn:formalExpression[not(parent::bpmn:conditionExpression)]", "expression"),
    ("//spiffworkflow:parameter/@value", "expression"),
)

_xml_parser = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


@dataclass(frozen=True)
class ParsedDiagram:
    key: str
    name: str
    sha256: str
    spec: Any
    subprocess_specs: dict[str, Any]
    user_tasks: tuple[tuple[str, dict[str, str]], ...]  # (element id, spiffworkflow properties)
    service_operations: tuple[tuple[str, str], ...]      # (element id, operation name)
    start_lanes: tuple[str, ...]                         # lanes holding the process's start events


def sha256_of(xml: bytes) -> str:
    return hashlib.sha256(xml).hexdigest()


def as_bytes(xml: str | bytes) -> bytes:
    return xml.encode("utf-8") if isinstance(xml, str) else xml


def load_xml(xml: bytes) -> etree._Element:
    if len(xml) > MAX_DIAGRAM_BYTES:
        raise DiagramRefused(f"the diagram is larger than {MAX_DIAGRAM_BYTES // 1024} KiB")
    head = xml[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in xml.upper():
        raise DiagramRefused("DTDs and entity declarations are not allowed in a diagram")
    try:
        root = etree.fromstring(xml, _xml_parser)
    except etree.XMLSyntaxError as exc:
        raise DiagramRefused(f"malformed XML: {exc.msg}", line=exc.lineno) from None
    if root.tag != f"{{{NSMAP['bpmn']}}}definitions":
        raise DiagramRefused("the document is not BPMN 2.0: its root must be bpmn:definitions")
    return root


def _owning_element_id(node: etree._Element) -> str | None:
    """The id of the flow element (task, event, flow…) that holds ``node``."""
    current = node
    while current is not None:
        parent = current.getparent()
        if current.get("id") and parent is not None and etree.QName(parent).localname in (
            "process", "subProcess", "transaction", "adHocSubProcess", "collaboration", "definitions",
        ):
            return current.get("id")
        current = parent
    return None


def code_locations(root: etree._Element) -> Iterable[tuple[str | None, str, str]]:
    """Yield (element id, kind, source) for every expression and script in the diagram."""
    for xpath, kind in _CODE_LOCATIONS:
        for hit in root.xpath(xpath, namespaces=NSMAP):
            if isinstance(hit, str):  # an attribute value
                source, owner = str(hit), hit.getparent()
            else:
                source, owner = hit.text or "", hit
            if source.strip():
                yield _owning_element_id(owner), kind, source
    for prop in root.xpath("//spiffworkflow:property", namespaces=NSMAP):
        if prop.get("name") in EXPRESSION_PROPERTIES and (prop.get("value") or "").strip():
            yield _owning_element_id(prop), "expression", prop.get("value")


def check_code(root: etree._Element, sandbox: Sandbox) -> None:
    for element_id, kind, source in code_locations(root):
        try:
            if kind == "script":
                sandbox.check_script(source)
            else:
                sandbox.check_expression(source)
        except SandboxViolation as exc:
            raise DiagramRefused(exc.reason, element_id=element_id) from None
        except SyntaxError as exc:
            raise DiagramRefused(f"invalid expression: {exc.msg}", element_id=element_id) from None


def _validate_schema(root: etree._Element) -> None:
    try:
        VALIDATOR.validate(root)
    except ValidationException as exc:
        raise DiagramRefused(f"not valid BPMN 2.0: {exc}", line=getattr(exc, "line_number", None)) from None


def _spiff_parse(root: etree._Element, name_hint: str) -> tuple[str, str, Any, dict[str, Any]]:
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(root, filename=name_hint)
        process_ids = parser.get_process_ids()
        if not process_ids:
            raise DiagramRefused("the diagram has no executable process (isExecutable=\"true\")")
        # A collaboration may hold several pools; the one started is the first executable process.
        key = process_ids[0]
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        raise DiagramRefused(str(exc.args[0] if exc.args else exc), element_id=getattr(exc, "id", None),
                             line=getattr(exc, "line_number", None)) from None
    except SpiffWorkflowException as exc:
        raise DiagramRefused(str(exc)) from None
    name = spec.description or key
    return key, name, spec, subprocess_specs


def _user_tasks(root: etree._Element) -> tuple[tuple[str, dict[str, str]], ...]:
    found = []
    for node in root.xpath("//bpmn:userTask | //bpmn:manualTask", namespaces=NSMAP):
        props = {p.get("name"): p.get("value") for p in node.xpath(".//spiffworkflow:property", namespaces=NSMAP)}
        found.append((node.get("id"), props))
    return tuple(found)


def _service_operations(root: etree._Element) -> tuple[tuple[str, str], ...]:
    return tuple(
        (op.getparent().getparent().get("id"), op.get("id"))
        for op in root.xpath("//bpmn:serviceTask/bpmn:extensionElements/spiffworkflow:serviceTaskOperator",
                             namespaces=NSMAP)
    )


def _start_lanes(root: etree._Element, process_id: str) -> tuple[str, ...]:
    process = root.xpath("//bpmn:process[@id=$pid]", pid=process_id, namespaces=NSMAP)[0]
    lanes = []
    for start in process.xpath("./bpmn:startEvent", namespaces=NSMAP):
        names = process.xpath(".//bpmn:lane[bpmn:flowNodeRef=$sid]/@name", sid=start.get("id"), namespaces=NSMAP)
        lanes.extend(str(n) for n in names)
    return tuple(lanes)


def parse_diagram(xml: str | bytes, sandbox: Sandbox, *, check: bool = True) -> ParsedDiagram:
    """Parse and validate a diagram; ``check=False`` skips only the sandbox pass (already done at deploy)."""
    data = as_bytes(xml)
    root = load_xml(data)
    _validate_schema(root)
    if check:
        check_code(root, sandbox)
    key, name, spec, subprocess_specs = _spiff_parse(root, "diagram.bpmn")
    return ParsedDiagram(key, name, sha256_of(data), spec, subprocess_specs, _user_tasks(root),
                         _service_operations(root), _start_lanes(root, key))


class SpecCache:
    """Parsed specs by the diagram's hash: a diagram is parsed once per process, never per request.
    Specs hold no run-time state, so one parsed spec serves every instance of its version."""

    def __init__(self, sandbox: Sandbox, size: int = 256) -> None:
        self._sandbox = sandbox
        self._size = size
        self._parsed: OrderedDict[str, ParsedDiagram] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha: str, load_xml: Callable[[], str]) -> ParsedDiagram:
        with self._lock:
            parsed = self._parsed.get(sha)
            if parsed is not None:
                self._parsed.move_to_end(sha)
                return parsed
        parsed = parse_diagram(load_xml(), self._sandbox, check=False)
        with self._lock:
            self._parsed[sha] = parsed
            while len(self._parsed) > self._size:
                self._parsed.popitem(last=False)
        return parsed
