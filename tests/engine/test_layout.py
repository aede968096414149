"""The shipped diagrams open in a modeler as drawn: every element, lane and flow has its diagram
interchange (DI), shapes sit inside their lanes without overlapping, and every edge runs in
straight horizontal or vertical segments from the border of its source to the border of its
target."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import pytest

from documents.settings import BPMN_DIR

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
NOT_DRAWN = {"laneSet", "lane", "flowNodeRef", "sequenceFlow", "documentation", "extensionElements", "incoming",
             "outgoing", "multiInstanceLoopCharacteristics", "conditionExpression"}
DIAGRAMS = sorted(BPMN_DIR.glob("*.bpmn"))


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def inside(self, other: "Box") -> bool:
        return (other.x <= self.x and self.x + self.w <= other.x + other.w
                and other.y <= self.y and self.y + self.h <= other.y + other.h)

    def overlaps(self, other: "Box") -> bool:
        return (self.x < other.x + other.w and other.x < self.x + self.w
                and self.y < other.y + other.h and other.y < self.y + self.h)

    def on_border(self, x: float, y: float) -> bool:
        within_x, within_y = self.x <= x <= self.x + self.w, self.y <= y <= self.y + self.h
        return ((x in (self.x, self.x + self.w) and within_y) or (y in (self.y, self.y + self.h) and within_x))


@dataclass(frozen=True)
class Drawing:
    process: ET.Element
    shapes: dict[str, Box]
    labels: dict[str, Box]
    edges: dict[str, list[tuple[float, float]]]


def bounds(element: ET.Element) -> Box:
    found = element.find("dc:Bounds", NS)
    return Box(*(float(found.get(k)) for k in ("x", "y", "width", "height")))


def drawing(path: Path) -> Drawing:
    root = ET.parse(path).getroot()
    process = root.find("bpmn:process", NS)
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == process.get("id")
    shapes, labels, edges = {}, {}, {}
    for shape in plane.findall("bpmndi:BPMNShape", NS):
        assert shape.get("bpmnElement") not in shapes, f"two shapes for {shape.get('bpmnElement')}"
        shapes[shape.get("bpmnElement")] = bounds(shape)
        label = shape.find("bpmndi:BPMNLabel", NS)
        if label is not None:
            labels[shape.get("bpmnElement")] = bounds(label)
    for edge in plane.findall("bpmndi:BPMNEdge", NS):
        assert edge.get("bpmnElement") not in edges, f"two edges for {edge.get('bpmnElement')}"
        edges[edge.get("bpmnElement")] = [(float(p.get("x")), float(p.get("y")))
                                          for p in edge.findall("di:waypoint", NS)]
    return Drawing(process, shapes, labels, edges)


def local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def flow_nodes(process: ET.Element) -> dict[str, ET.Element]:
    return {e.get("id"): e for e in process if local(e) not in NOT_DRAWN}


def lanes(process: ET.Element) -> list[ET.Element]:
    return process.findall("bpmn:laneSet/bpmn:lane", NS)


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_element_lane_and_flow_is_drawn_once(path):
    shown = drawing(path)
    nodes = set(flow_nodes(shown.process))
    lane_ids = {lane.get("id") for lane in lanes(shown.process)}
    flows = {f.get("id") for f in shown.process.findall("bpmn:sequenceFlow", NS)}
    assert set(shown.shapes) == nodes | lane_ids
    assert set(shown.edges) == flows
    in_lanes = [ref.text for lane in lanes(shown.process) for ref in lane.findall("bpmn:flowNodeRef", NS)]
    assert sorted(in_lanes) == sorted(nodes), "every element in exactly one lane"


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_shapes_sit_in_their_lanes_without_overlapping(path):
    shown = drawing(path)
    nodes = flow_nodes(shown.process)
    stacked = [shown.shapes[lane.get("id")] for lane in lanes(shown.process)]
    for upper, lower in zip(stacked, stacked[1:]):
        assert (upper.x, upper.w, upper.y + upper.h) == (lower.x, lower.w, lower.y), "lanes stack edge to edge"
    for lane in lanes(shown.process):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            assert shown.shapes[ref.text].inside(shown.shapes[lane.get("id")]), ref.text
    hosts = {node_id: node.get("attachedToRef") for node_id, node in nodes.items()}
    for a, b in combinations(nodes, 2):
        if hosts[a] == b or hosts[b] == a:  # a boundary event straddles its host's border
            assert shown.shapes[a].overlaps(shown.shapes[b]) and not shown.shapes[a].inside(shown.shapes[b])
        else:
            assert not shown.shapes[a].overlaps(shown.shapes[b]), (a, b)
    for owner, label in shown.labels.items():
        for other in nodes:
            assert not label.overlaps(shown.shapes[other]), (owner, "label over", other)


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_edges_run_straight_from_border_to_border(path):
    shown = drawing(path)
    for flow in shown.process.findall("bpmn:sequenceFlow", NS):
        points = shown.edges[flow.get("id")]
        assert len(points) >= 2, flow.get("id")
        assert shown.shapes[flow.get("sourceRef")].on_border(*points[0]), (flow.get("id"), "leaves", points[0])
        assert shown.shapes[flow.get("targetRef")].on_border(*points[-1]), (flow.get("id"), "enters", points[-1])
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            assert x1 == x2 or y1 == y2, (flow.get("id"), "bends between", (x1, y1), (x2, y2))


def test_the_incoming_diagram_has_its_lanes_in_order_and_starts_at_distribution():
    shown = drawing(BPMN_DIR / "incoming.bpmn")
    assert [lane.get("name") for lane in lanes(shown.process)] == [
        "Văn thư", "Lãnh đạo cơ quan", "Lãnh đạo phòng", "Chuyên viên"]
    ys = [shown.shapes[lane.get("id")].y for lane in lanes(shown.process)]
    assert ys == sorted(ys), "drawn top to bottom in that order"
    (start,) = shown.process.findall("bpmn:startEvent", NS)
    (first,) = [f for f in shown.process.findall("bpmn:sequenceFlow", NS) if f.get("sourceRef") == start.get("id")]
    assert first.get("targetRef") == "distribute"
    user_tasks = {t.get("id") for t in shown.process.findall("bpmn:userTask", NS)}
    assert user_tasks == {"distribute", "recheck", "unit_assign", "handle", "coordinate", "review"}
