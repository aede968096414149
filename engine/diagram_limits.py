"""What a diagram must respect to be deployed, beyond being valid BPMN and safe code: ids and
names that fit the columns storing them, bounded nesting, and timers and task properties whose
constant values the engine can use. Each would otherwise surface later as a 500 (a database
error, a parser recursion, a timer that cannot be scheduled). Expressions that are not constants
can only be checked when they run."""
from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .code_locations import CodeLocation
from .models import HumanTask, ProcessDefinition

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_PROCESS = f"{{{BPMN}}}process"
_SUBPROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
_FLOW_NODE_ENDINGS = ("task", "Task", "Event", "Gateway", "Process", "transaction", "callActivity")


def _length(column: Any) -> int:
    return column.property.columns[0].type.length


# Spiff names some specs after the element: "<id>.BoundaryEventSplit", "<id> [child]"; both are
# stored as spec_name, so an id leaves room for the longest suffix.
_LONGEST_SPIFF_SUFFIX = ".BoundaryEventSplit"
MAX_PROCESS_KEY = _length(ProcessDefinition.key)
MAX_ELEMENT_ID = _length(HumanTask.spec_name) - len(_LONGEST_SPIFF_SUFFIX)
MAX_NAME = _length(HumanTask.title)
MAX_LANE_NAME = _length(HumanTask.lane)
# Raw (not evaluated) task properties stored in a column, and evaluated ones whose constant is.
PROPERTY_LENGTHS = {"candidateRole": _length(HumanTask.candidate_role), "formKey": _length(HumanTask.form_key),
                    "candidateUser": _length(HumanTask.candidate_user),
                    "candidateUnit": _length(HumanTask.candidate_unit), "domainRole": _length(HumanTask.role)}
URGENCY_LEVELS = range(0, 4)  # HumanTask.urgency: 0 normal … 3 flash

# The shipped diagram nests 7 deep; a subprocess adds 1 or 2. Spiff parses a subprocess by
# recursion, and lxml's own limit (256) would come with a less useful message.
MAX_XML_DEPTH = 48
MAX_SUBPROCESS_DEPTH = 8
# Spiff parses a process by recursion along its flows, about two frames per element, under
# Python's limit of 1000 frames shared with the web stack that called it.
MAX_FLOW_NODES = 300
# The engine sweeps timers every few seconds: a cycle repeating faster would fire on every sweep.
MIN_TIMER_CYCLE = timedelta(minutes=1)
# Spiff turns months into days one month at a time; an absurd duration would spin the parser.
MAX_TIMER_SPAN = timedelta(days=3660)
_MAX_MONTHS = 120


class OverLimit(ValueError):
    """A limit broken by ``element_id``; parsing turns it into DiagramRefused."""

    def __init__(self, reason: str, element_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.element_id = reason, element_id


# ---------------------------------------------------------------- the XML: ids, names, nesting
def check_depth(root: Any) -> None:
    """Nesting of any ElementTree-like tree, without recursion: run on the first (expat) parse,
    before lxml stops at its own limit with a message about its options. Raises OverLimit."""
    level = [(root, 1)]
    while level:
        node, depth = level.pop()
        if depth > MAX_XML_DEPTH:
            raise OverLimit(f"the XML nests deeper than {MAX_XML_DEPTH} elements")
        level.extend((child, depth + 1) for child in node)


def check_structure(root: etree._Element) -> None:
    """Ids, names and subprocess nesting of the whole document. Raises OverLimit."""
    subprocess_depth = 0
    for event, node in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(node.tag, str):
            continue  # comments and processing instructions
        if etree.QName(node).namespace == BPMN and etree.QName(node).localname in _SUBPROCESSES:
            subprocess_depth += 1 if event == "start" else -1
        if event == "start":
            if subprocess_depth > MAX_SUBPROCESS_DEPTH:
                raise OverLimit(f"subprocesses nest deeper than {MAX_SUBPROCESS_DEPTH}", node.get("id"))
            _check_attributes(node)
    _check_flow_nodes(root)


def _check_flow_nodes(root: etree._Element) -> None:
    for container in root.iter(*(f"{{{BPMN}}}{tag}" for tag in ("process", *_SUBPROCESSES))):
        count = sum(1 for child in container if isinstance(child.tag, str)
                    and etree.QName(child).localname.endswith(_FLOW_NODE_ENDINGS))
        if count > MAX_FLOW_NODES:
            raise OverLimit(f"more than {MAX_FLOW_NODES} tasks, events and gateways in one process or "
                            "subprocess: split it into subprocesses", container.get("id"))


def _check_attributes(node: etree._Element) -> None:
    element_id, name = node.get("id"), node.get("name")
    if element_id is None and node.tag == _PROCESS:  # the XSD allows it; Spiff keys processes by id
        raise OverLimit("a process must have an id", _owner(node))
    if element_id is not None and len(element_id) > MAX_ELEMENT_ID:
        raise OverLimit(f"an id is longer than {MAX_ELEMENT_ID} characters", element_id[:40] + "…")
    if name is None:
        return
    is_lane = etree.QName(node).localname == "lane"
    limit = MAX_LANE_NAME if is_lane else MAX_NAME
    if len(name) > limit:
        raise OverLimit(f"the {'lane ' if is_lane else ''}name is longer than {limit} characters", _owner(node))


def _owner(node: etree._Element) -> str | None:
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return None if node is None else node.get("id")


def check_process_key(key: str) -> None:
    if len(key) > MAX_PROCESS_KEY:
        raise OverLimit(f"the process id is longer than {MAX_PROCESS_KEY} characters", key[:40] + "…")


def check_properties(user_tasks: tuple[tuple[str, dict[str, str]], ...]) -> None:
    """Raw task properties stored as they are (formKey, candidateRole, domainRole) must fit their column."""
    for element_id, props in user_tasks:
        for name in ("candidateRole", "formKey", "domainRole"):
            if len(props.get(name) or "") > PROPERTY_LENGTHS[name]:
                raise OverLimit(f"property {name} is longer than {PROPERTY_LENGTHS[name]} characters", element_id)


# ---------------------------------------------------------------- constants the engine will use
def check_constant(location: CodeLocation) -> None:
    """When ``location`` is a timer or task property given as a constant, check that the engine
    can use its value. Raises OverLimit."""
    check = _CONSTANT_CHECKS.get(location.where)
    if check is None or location.source is None:
        return
    try:
        value = ast.literal_eval(location.source.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return  # not a constant: only the run can tell
    problem = check(value)
    if problem:
        raise OverLimit(f"{location.where} {location.source.strip()[:80]!r}: {problem}", location.element_id)


def _time_date(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string: an ISO 8601 date-time such as '2026-11-24T08:00:00+07:00'"
    try:
        TimerEventDefinition.get_datetime(value)  # how the engine schedules it
        if not isinstance(TimerEventDefinition.parse_time_or_duration(value), datetime):  # how Spiff fires it
            raise ValueError
    except (ValueError, TypeError, OverflowError, AttributeError):
        return "is not an ISO 8601 date-time such as '2026-11-24T08:00:00+07:00'"
    return None


def _time_duration(value: Any) -> str | None:
    span = _duration(value)
    if isinstance(span, str):
        return span
    return None if span <= MAX_TIMER_SPAN else f"is longer than {MAX_TIMER_SPAN.days} days"


def _time_cycle(value: Any) -> str | None:
    usage = "is not an ISO 8601 repetition such as 'R3/PT1H'"
    if not isinstance(value, str) or not value.upper().startswith("R"):
        return usage
    parts = value.upper().replace("--", "/").strip("R").split("/")
    if len(parts) not in (2, 3) or any(isinstance(_duration(p), str) for p in parts[1:] if p.startswith("P")):
        return usage
    try:
        _, _, interval = TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:  # Spiff raises bare Exception for a bad interval
        return usage
    if interval < MIN_TIMER_CYCLE:
        return f"repeats more often than every {int(MIN_TIMER_CYCLE.total_seconds())} seconds"
    return None


def _duration(value: Any) -> timedelta | str:
    """An ISO 8601 duration as Spiff computes it, or what is wrong with it."""
    usage = "is not an ISO 8601 duration such as 'PT2H' or 'P3D'"
    if not isinstance(value, str) or not value.upper().startswith("P"):
        return usage
    try:
        parsed = TimerEventDefinition.parse_iso_duration(value)
        if parsed.get("years", 0) * 12 + parsed.get("months", 0) > _MAX_MONTHS:
            return f"is longer than {_MAX_MONTHS} months"
        start = datetime.now(timezone.utc)
        return TimerEventDefinition.get_timedelta_from_start(parsed, start)
    except Exception:  # Spiff raises bare Exception('Invalid duration')
        return usage


def _due_date(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.upper().startswith("P"):
        return _time_duration(value)
    return _time_date(value)


def _urgency(value: Any) -> str | None:
    try:
        level = int(value or 0)  # as the runtime reads it
    except (ValueError, TypeError, OverflowError):
        level = None
    return None if level in URGENCY_LEVELS else f"must be a level {URGENCY_LEVELS[0]}–{URGENCY_LEVELS[-1]}"


def _fits(limit: int):
    def check(value: Any) -> str | None:
        return None if value in (None, "") or len(str(value)) <= limit else f"is longer than {limit} characters"
    return check


_CONSTANT_CHECKS = {
    "timeDate expression": _time_date,
    "timeDuration expression": _time_duration,
    "timeCycle expression": _time_cycle,
    "property 'dueDate'": _due_date,
    "property 'urgency'": _urgency,
    "property 'candidateUser'": _fits(PROPERTY_LENGTHS["candidateUser"]),
    "property 'candidateUnit'": _fits(PROPERTY_LENGTHS["candidateUnit"]),
}

