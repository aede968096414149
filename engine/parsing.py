"""From untrusted BPMN XML to a parsed, sandbox-checked specification.

Order matters: refuse DTDs and entities before lxml sees them, read the encoding the document
declares and keep it as UTF-8, check sizes and nesting, validate against the BPMN XSD, let
SpiffWorkflow parse, then check every expression and script of the parsed spec against the
sandbox. Every refusal names the element and the reason."""
from __future__ import annotations

import codecs
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .code_locations import EXPRESSION_PROPERTIES, CodeLocation, code_locations
from .diagram_limits import (OverLimit, check_constant, check_depth, check_process_key, check_properties,
                             check_structure)
from .errors import DiagramRefused
from .marks import MarkedElement, ThrownMessage, marked_elements, thrown_messages
from .sandbox import Sandbox, SandboxViolation

__all__ = ["EXPRESSION_PROPERTIES", "MAX_DIAGRAM_BYTES", "ParsedDiagram", "SpecCache", "as_bytes",
           "load_xml", "normalise_xml", "parse_diagram", "sha256_of"]

MAX_DIAGRAM_BYTES = 2 * 1024 * 1024
NSMAP = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
_DTD_REFUSED = "DTDs and entity declarations are not allowed in a diagram"
_DECLARED_ENCODING = re.compile(r"""^(\ufeff?\s*<\?xml\b[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")

_xml_parser = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


@dataclass(frozen=True)
class ParsedDiagram:
    key: str
    name: str
    sha256: str                                          # of ``xml_utf8``
    spec: Any
    subprocess_specs: dict[str, Any]
    user_tasks: tuple[tuple[str, dict[str, str]], ...]  # (element id, spiffworkflow properties)
    service_operations: tuple[tuple[str, str], ...]      # (element id, operation name)
    start_lanes: tuple[str, ...]                         # lanes holding the process's start events
    # The diagram as stored: UTF-8 whatever encoding it was sent in (identical bytes when it
    # already was UTF-8). Store ``xml_utf8.decode("utf-8")``; ``sha256`` is its hash.
    xml_utf8: bytes = b""
    marked: tuple[MarkedElement, ...] = ()               # elements carrying a domainRole (engine/marks.py)
    thrown: tuple[ThrownMessage, ...] = ()               # messages the process throws


def sha256_of(xml: bytes) -> str:
    return hashlib.sha256(xml).hexdigest()


def as_bytes(xml: str | bytes) -> bytes:
    """Bytes of a diagram; text is already decoded, so its declaration is made to say UTF-8."""
    if isinstance(xml, bytes):
        return xml
    return _DECLARED_ENCODING.sub(_utf8_declaration, xml, count=1).encode("utf-8")


def _utf8_declaration(match: re.Match) -> str:
    declared = match.group(0)[len(match.group(1)) + 1:-1]
    return match.group(0) if declared.lower().replace("-", "") == "utf8" else f'{match.group(1)}"UTF-8"'



def _refuse_dtd(xml: bytes) -> Any:
    """Expat, through defusedxml, refuses a DOCTYPE or entity wherever it is in the document;
    lxml never sees one. It also decodes what the declaration or BOM announces."""
    try:
        return defused_fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise DiagramRefused(_DTD_REFUSED) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise DiagramRefused(f"malformed XML: {str(exc).split(':')[0]}", line=line) from None
    except (LookupError, UnicodeError, ValueError) as exc:
        raise DiagramRefused(f"malformed XML: {exc}") from None


def _parse_lxml(xml: bytes) -> etree._Element:
    try:
        root = etree.fromstring(xml, _xml_parser)
    except etree.XMLSyntaxError as exc:
        raise DiagramRefused(f"malformed XML: {exc.msg}", line=exc.lineno) from None
    except (LookupError, UnicodeError, ValueError) as exc:
        raise DiagramRefused(f"malformed XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:  # a second net behind _refuse_dtd
        raise DiagramRefused(_DTD_REFUSED)
    return root


def _to_utf8(xml: bytes, root: etree._Element) -> bytes:
    """``xml`` re-encoded as UTF-8 with a declaration saying so; the bytes themselves when they
    already are UTF-8. Raises DiagramRefused when the text does not survive the re-encoding."""
    # A byte order mark decides (lxml reports UTF-8 for a UTF-16 text without a declaration).
    has_bom = xml.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    encoding = "UTF-16" if has_bom else root.getroottree().docinfo.encoding or "UTF-8"
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise DiagramRefused(f"unsupported encoding '{encoding}'") from None
    if codec == "utf-8":
        return xml
    if codec == "utf-16" and not has_bom:  # declared only: the first "<" tells the byte order
        codec = "utf-16-be" if xml.startswith(b"\x00<") else "utf-16-le"
    try:
        text = xml.decode(codec)
    except (UnicodeError, LookupError) as exc:
        raise DiagramRefused(f"the diagram is not valid {encoding}: {exc}") from None
    utf8 = as_bytes(text)
    if _canonical(_parse_lxml(utf8)) != _canonical(root):
        raise DiagramRefused(f"the diagram's {encoding} text could not be converted to UTF-8")
    return utf8


def _canonical(root: etree._Element) -> bytes:
    return etree.tostring(root, method="c14n")


def _load(xml: str | bytes, *, limits: bool = True) -> tuple[bytes, etree._Element]:
    data = as_bytes(xml)
    if len(data) > MAX_DIAGRAM_BYTES:
        raise DiagramRefused(f"the diagram is larger than {MAX_DIAGRAM_BYTES // 1024} KiB")
    tree = _refuse_dtd(data)
    if limits:
        try:
            check_depth(tree)
        except OverLimit as exc:
            raise DiagramRefused(exc.reason) from None
    root = _parse_lxml(data)
    utf8 = _to_utf8(data, root)
    if utf8 is not data:
        root = _parse_lxml(utf8)  # from now on every element and line is the stored text's
    if root.tag != f"{{{NSMAP['bpmn']}}}definitions":
        raise DiagramRefused("the document is not BPMN 2.0: its root must be bpmn:definitions")
    return utf8, root


def normalise_xml(xml: str | bytes) -> bytes:
    """The diagram as the UTF-8 bytes to store and hash, from any encoding XML allows (declared
    or by BOM). Raises DiagramRefused for a DTD, malformed XML or an undecodable text."""
    return _load(xml)[0]


def load_xml(xml: bytes) -> etree._Element:
    """The parsed root of a diagram; refuses DTDs, malformed XML and non-BPMN documents."""
    return _load(xml)[1]


def _line_of(root: etree._Element, element_id: str | None) -> int | None:
    if not element_id:
        return None
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None


def _flow_id(root: etree._Element, location: CodeLocation) -> str | None:
    """A gateway condition lives on a sequence flow, which the parsed spec does not keep: find
    the gateway's outgoing flow carrying this condition, to name it."""
    for flow in root.xpath("//bpmn:sequenceFlow[@sourceRef=$gw]", gw=location.element_id, namespaces=NSMAP):
        condition = flow.find("bpmn:conditionExpression", NSMAP)
        if condition is not None and condition.text == location.source:
            return flow.get("id")
    return location.element_id


def _refuse(root: etree._Element, reason: str, element_id: str | None) -> DiagramRefused:
    return DiagramRefused(reason, element_id=element_id, line=_line_of(root, element_id))


def check_code(root: etree._Element, sandbox: Sandbox, spec: Any, subprocess_specs: dict[str, Any]) -> None:
    """Sandbox-check every expression and script the engine will run, and the constants it
    will use (timers, due dates, urgency). Raises DiagramRefused naming the element."""
    for location in code_locations(spec, subprocess_specs):
        element_id = _flow_id(root, location) if location.target is not None else location.element_id
        if location.source is None:
            if location.required:
                raise _refuse(root, f"the {location.where} is missing", element_id)
            continue
        try:
            if location.kind == "script":
                sandbox.check_script(location.source)
            else:
                sandbox.check_expression(location.source)
            check_constant(location)
        except SandboxViolation as exc:
            raise _refuse(root, f"{location.where}: {exc.reason}", element_id) from None
        except SyntaxError as exc:
            raise _refuse(root, f"{location.where}: invalid {location.kind}: {exc.msg}", element_id) from None
        except (RecursionError, MemoryError):  # Python's own parser gives up on absurd nesting
            raise _refuse(root, f"{location.where}: the {location.kind} is nested too deeply", element_id) from None
        except OverLimit as exc:
            raise _refuse(root, exc.reason, element_id) from None


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
    except RecursionError:  # a backstop: check_structure bounds what Spiff recurses over
        raise DiagramRefused("the process is too long or nested too deeply to parse") from None
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
    """Parse and validate a diagram. ``check=False`` (a stored diagram, checked when deployed)
    skips what is deploy-time policy: the limits, the sandbox and the constants, so that a
    version deployed under older rules still runs. Raises DiagramRefused."""
    data, root = _load(xml, limits=check)
    if check:
        _check_limits(root, lambda: check_structure(root))
    _validate_schema(root)
    key, name, spec, subprocess_specs = _spiff_parse(root, "diagram.bpmn")
    for each in (spec, *subprocess_specs.values()):
        connect_loops(each)
    user_tasks = _user_tasks(root)
    if check:
        _check_limits(root, lambda: (check_process_key(key), check_properties(user_tasks)))
        check_code(root, sandbox, spec, subprocess_specs)
    process = root.xpath("//bpmn:process[@id=$pid]", pid=key, namespaces=NSMAP)[0]
    return ParsedDiagram(key, name, sha256_of(data), spec, subprocess_specs, user_tasks,
                         _service_operations(root), _start_lanes(root, key), data,
                         marked=marked_elements(process), thrown=thrown_messages(root, process))


def connect_loops(spec: Any) -> None:
    """A multi-instance or loop task hears its children complete through a connection that
    SpiffWorkflow makes on the child's spec only when it creates a child. A spec parsed in another
    process (a worker, a restart) never made it, and the task would wait for its children
    forever: connect every loop once, when its spec is parsed."""
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, LoopTask):
            child = spec.task_specs.get(task_spec.task_spec)
            if child is not None and not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)


def _check_limits(root: etree._Element, check: Callable[[], Any]) -> None:
    try:
        check()
    except OverLimit as exc:
        raise _refuse(root, exc.reason, exc.element_id) from None


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
