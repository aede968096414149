"""Small BPMN diagrams for engine tests, written as XML so each test shows what it runs."""
from __future__ import annotations

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="defs" targetNamespace="https://qlvbdh.example/test">\n')


def definitions(body: str, process_id: str = "p", lanes: str = "", extra: str = "") -> str:
    return (f"{HEAD}{extra}<bpmn:process id=\"{process_id}\" isExecutable=\"true\">{lanes}{body}"
            f"</bpmn:process></bpmn:definitions>")


def flow(fid: str, source: str, target: str, condition: str | None = None) -> str:
    cond = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
    return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">{cond}</bpmn:sequenceFlow>'


def user_task(tid: str, name: str | None = None, props: dict[str, str] | None = None) -> str:
    ext = ""
    if props:
        items = "".join(f'<spiffworkflow:property name="{k}" value="{v}"/>' for k, v in props.items())
        ext = f"<bpmn:extensionElements><spiffworkflow:properties>{items}</spiffworkflow:properties></bpmn:extensionElements>"
    return f'<bpmn:userTask id="{tid}" name="{name or tid}">{ext}</bpmn:userTask>'


def script_task(tid: str, script: str) -> str:
    return f'<bpmn:scriptTask id="{tid}"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'


START, END = '<bpmn:startEvent id="start"/>', '<bpmn:endEvent id="end"/>'


def linear(*middle: str, ids: list[str]) -> str:
    """start → ids… → end, with the given elements."""
    chain = ["start", *ids, "end"]
    flows = "".join(flow(f"f{i}", a, b) for i, (a, b) in enumerate(zip(chain, chain[1:])))
    return definitions(START + "".join(middle) + END + flows)


GATEWAY = definitions(
    START
    + user_task("review", "Duyệt")
    + '<bpmn:exclusiveGateway id="gw" default="f_no"/>'
    + user_task("publish") + user_task("rework")
    + '<bpmn:endEvent id="end"/>'
    + flow("f0", "start", "review") + flow("f1", "review", "gw")
    + flow("f_yes", "gw", "publish", "approved == True") + flow("f_no", "gw", "rework")
    + flow("f2", "publish", "end") + flow("f3", "rework", "end"),
    lanes=('<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="leader"><bpmn:flowNodeRef>review</bpmn:flowNodeRef>'
           '</bpmn:lane><bpmn:lane id="l2" name="staff"><bpmn:flowNodeRef>publish</bpmn:flowNodeRef>'
           '<bpmn:flowNodeRef>rework</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>'),
)


def boundary_timer(kind: str, expression: str, interrupting: bool) -> str:
    """A user task 'work' with a boundary timer leading to user task 'after_timer'."""
    return definitions(
        START + user_task("work") + user_task("after_timer") + END + '<bpmn:endEvent id="end2"/>'
        + f'<bpmn:boundaryEvent id="timer" attachedToRef="work" cancelActivity="{str(interrupting).lower()}">'
        + f'<bpmn:timerEventDefinition><bpmn:{kind}>{expression}</bpmn:{kind}></bpmn:timerEventDefinition>'
        + "</bpmn:boundaryEvent>"
        + flow("f0", "start", "work") + flow("f1", "work", "end")
        + flow("f2", "timer", "after_timer") + flow("f3", "after_timer", "end2")
    )


INTERMEDIATE_TIMER = definitions(
    START + '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
    "<bpmn:timeDate>'2026-11-24T08:00:00+07:00'</bpmn:timeDate></bpmn:timerEventDefinition>"
    "</bpmn:intermediateCatchEvent>" + user_task("after") + END
    + flow("f0", "start", "wait") + flow("f1", "wait", "after") + flow("f2", "after", "end")
)

START_TIMER = definitions(
    '<bpmn:startEvent id="start"><bpmn:timerEventDefinition><bpmn:timeDuration>\'PT2H\'</bpmn:timeDuration>'
    "</bpmn:timerEventDefinition></bpmn:startEvent>" + user_task("after") + END
    + flow("f0", "start", "after") + flow("f1", "after", "end")
)

CYCLE_TIMER = definitions(
    START + user_task("work") + END + '<bpmn:endEvent id="end2"/>'
    + script_task("remind", "reminded = True")
    + '<bpmn:boundaryEvent id="every_hour" attachedToRef="work" cancelActivity="false">'
    + "<bpmn:timerEventDefinition><bpmn:timeCycle>'R3/PT1H'</bpmn:timeCycle></bpmn:timerEventDefinition>"
    + "</bpmn:boundaryEvent>"
    + flow("f0", "start", "work") + flow("f1", "work", "end")
    + flow("f2", "every_hour", "remind") + flow("f3", "remind", "end2")
)

MESSAGE_DEFS = '<bpmn:message id="m_ping" name="ping"/>'

SENDER = definitions(
    START + user_task("write") + '<bpmn:intermediateThrowEvent id="send">'
    '<bpmn:messageEventDefinition messageRef="m_ping"><bpmn:extensionElements>'
    "<spiffworkflow:messagePayload>{'correlation_key': target, 'note': note}</spiffworkflow:messagePayload>"
    "</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateThrowEvent>" + END
    + flow("f0", "start", "write") + flow("f1", "write", "send") + flow("f2", "send", "end"),
    process_id="sender", extra=MESSAGE_DEFS,
)

RECEIVER = definitions(
    START + '<bpmn:intermediateCatchEvent id="receive"><bpmn:messageEventDefinition messageRef="m_ping">'
    "<bpmn:extensionElements><spiffworkflow:messageVariable>ping</spiffworkflow:messageVariable>"
    "</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>" + user_task("read") + END
    + flow("f0", "start", "receive") + flow("f1", "receive", "read") + flow("f2", "read", "end"),
    process_id="receiver", extra=MESSAGE_DEFS,
)

SERVICE = definitions(
    START + '<bpmn:serviceTask id="call"><bpmn:extensionElements>'
    '<spiffworkflow:serviceTaskOperator id="double" resultVariable="doubled"><spiffworkflow:parameters>'
    '<spiffworkflow:parameter id="value" type="int" value="amount"/>'
    "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>"
    + user_task("check") + END
    + flow("f0", "start", "call") + flow("f1", "call", "check") + flow("f2", "check", "end"),
    process_id="service",
)
