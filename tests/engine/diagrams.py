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


def timer_then_service(operation: str) -> str:
    """A user task 'work' whose non-interrupting 1-hour timer 'remind' calls service ``operation``
    (service task 'notify')."""
    return definitions(
        START + user_task("work") + END + '<bpmn:endEvent id="end2"/>'
        + '<bpmn:serviceTask id="notify"><bpmn:extensionElements>'
        f'<spiffworkflow:serviceTaskOperator id="{operation}" resultVariable="sent"><spiffworkflow:parameters/>'
        "</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>"
        + '<bpmn:boundaryEvent id="remind" attachedToRef="work" cancelActivity="false">'
        + "<bpmn:timerEventDefinition><bpmn:timeDuration>'PT1H'</bpmn:timeDuration></bpmn:timerEventDefinition>"
        + "</bpmn:boundaryEvent>"
        + flow("f0", "start", "work") + flow("f1", "work", "end") + flow("f2", "remind", "notify")
        + flow("f3", "notify", "end2"))


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


# ---------------------------------------------------------------- every place the engine evaluates
# Each builder puts ``code`` in one place SpiffWorkflow (or the runtime) evaluates or executes, in
# an element whose id is the key of CODE_PLACES, so a test can prove a hostile value is refused.
def _with_flow(element: str, element_id: str, extra: str = "", process_id: str = "p") -> str:
    return definitions(START + element + END + flow("f0", "start", element_id) + flow("f1", element_id, "end"),
                       process_id=process_id, extra=extra)


def loop_condition(code: str) -> str:
    return _with_flow('<bpmn:task id="loop"><bpmn:standardLoopCharacteristics>'
                      f"<bpmn:loopCondition>{code}</bpmn:loopCondition>"
                      "</bpmn:standardLoopCharacteristics></bpmn:task>", "loop")


def conditional_event(code: str) -> str:
    return _with_flow('<bpmn:intermediateCatchEvent id="until"><bpmn:conditionalEventDefinition>'
                      f"<bpmn:condition>{code}</bpmn:condition>"
                      "</bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>", "until")


def correlation_property(code: str, tag: str = "messagePath") -> str:
    """A message whose correlation property is retrieved by ``code`` (bpmn-js writes the
    expression as formalExpression, which Spiff renames messagePath)."""
    extra = (MESSAGE_DEFS + '<bpmn:correlationProperty id="cp_target" name="target">'
             '<bpmn:correlationPropertyRetrievalExpression messageRef="m_ping">'
             f"<bpmn:{tag}>{code}</bpmn:{tag}>"
             "</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>")
    return _with_flow('<bpmn:intermediateThrowEvent id="send"><bpmn:messageEventDefinition messageRef="m_ping">'
                      "<bpmn:extensionElements><spiffworkflow:messagePayload>{'target': 1}"
                      "</spiffworkflow:messagePayload></bpmn:extensionElements>"
                      "</bpmn:messageEventDefinition></bpmn:intermediateThrowEvent>", "send", extra)


def process_correlation(code: str) -> str:
    return _with_flow('<bpmn:intermediateCatchEvent id="receive"><bpmn:messageEventDefinition messageRef="m_ping">'
                      "<bpmn:extensionElements><spiffworkflow:processVariableCorrelation>"
                      "<spiffworkflow:propertyId>target</spiffworkflow:propertyId>"
                      f"<spiffworkflow:expression>{code}</spiffworkflow:expression>"
                      "</spiffworkflow:processVariableCorrelation></bpmn:extensionElements>"
                      "</bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>", "receive", MESSAGE_DEFS)


def signal_payload(code: str) -> str:
    """A signal whose payload is ``code``, written in the signal's own extensionElements."""
    extra = ('<bpmn:signal id="sig" name="wake"><bpmn:extensionElements>'
             f"<spiffworkflow:payloadExpression>{code}</spiffworkflow:payloadExpression>"
             "</bpmn:extensionElements></bpmn:signal>")
    return _with_flow('<bpmn:intermediateThrowEvent id="shout"><bpmn:signalEventDefinition signalRef="sig"/>'
                      "</bpmn:intermediateThrowEvent>", "shout", extra)


def task_script(code: str, which: str = "preScript") -> str:
    return _with_flow(f'<bpmn:task id="prepared"><bpmn:extensionElements><spiffworkflow:{which}>{code}'
                      f"</spiffworkflow:{which}></bpmn:extensionElements></bpmn:task>", "prepared")


def multi_instance(code: str, tag: str = "loopCardinality") -> str:
    cardinality = "3" if tag != "loopCardinality" else code
    condition = f"<bpmn:completionCondition>{code}</bpmn:completionCondition>" if tag != "loopCardinality" else ""
    return _with_flow('<bpmn:task id="many"><bpmn:multiInstanceLoopCharacteristics>'
                      f"<bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality>{condition}"
                      "</bpmn:multiInstanceLoopCharacteristics></bpmn:task>", "many")


def service_parameter(code: str) -> str:
    return SERVICE.replace('value="amount"', f'value="{code}"')


def ad_hoc_completion(code: str) -> str:
    inner = ('<bpmn:adHocSubProcess id="adhoc"><bpmn:task id="anything"/>'
             f"<bpmn:completionCondition>{code}</bpmn:completionCondition></bpmn:adHocSubProcess>")
    return _with_flow(inner, "adhoc")


def inclusive_gateway(code: str) -> str:
    return definitions(
        START + '<bpmn:inclusiveGateway id="either" default="f_other"/>' + user_task("a") + user_task("b")
        + END + '<bpmn:endEvent id="end2"/>'
        + flow("f0", "start", "either") + flow("f_when", "either", "a", code) + flow("f_other", "either", "b")
        + flow("f1", "a", "end") + flow("f2", "b", "end2"))


# place -> (builder, the element id a refusal must name)
CODE_PLACES = {
    "loopCondition": (loop_condition, "loop"),
    "conditionalEventDefinition/condition": (conditional_event, "until"),
    "correlationPropertyRetrievalExpression/messagePath": (correlation_property, "cp_target"),
    "correlationPropertyRetrievalExpression/formalExpression":
        (lambda code: correlation_property(code, "formalExpression"), "cp_target"),
    "processVariableCorrelation/expression": (process_correlation, "receive"),
    "signal extensionElements/payloadExpression": (signal_payload, "shout"),
    "extensionElements/preScript": (task_script, "prepared"),
    "extensionElements/postScript": (lambda code: task_script(code, "postScript"), "prepared"),
    "loopCardinality": (multi_instance, "many"),
    "completionCondition": (lambda code: multi_instance(code, "completionCondition"), "many"),
    "adHocSubProcess/completionCondition": (ad_hoc_completion, "adhoc"),
    "inclusiveGateway conditionExpression": (inclusive_gateway, "f_when"),
    "service parameter": (service_parameter, "call"),
    "scriptTask/script": (lambda code: linear(script_task("evil", f"x = {code}"), ids=["evil"]), "evil"),
    "timeDate": (lambda code: boundary_timer("timeDate", code, interrupting=True), "timer"),
    "timeCycle": (lambda code: boundary_timer("timeCycle", code, interrupting=False), "timer"),
    "messagePayload": (lambda code: SENDER.replace("{'correlation_key': target, 'note': note}", code), "send"),
    "property candidateUser": (lambda code: linear(user_task("t", props={"candidateUser": code}), ids=["t"]), "t"),
}


def _sub(sid: str, body: str, tag: str = "subProcess") -> str:
    return f'<bpmn:{tag} id="{sid}"><bpmn:startEvent id="{sid}_start"/>{body}</bpmn:{tag}>'


# Most BPMN constructs SpiffWorkflow runs, in one diagram: the generic coverage test rewrites each
# of its texts and attributes in turn and looks where the value lands in the parsed spec.
KITCHEN_SINK = definitions(
    START
    + '<bpmn:userTask id="ask" name="Ask"><bpmn:documentation>Doc</bpmn:documentation><bpmn:extensionElements>'
    "<spiffworkflow:instructionsForEndUser>Hello</spiffworkflow:instructionsForEndUser>"
    "<spiffworkflow:preScript>a = 1</spiffworkflow:preScript><spiffworkflow:postScript>b = 2</spiffworkflow:postScript>"
    '<spiffworkflow:properties><spiffworkflow:property name="formKey" value="f"/>'
    '<spiffworkflow:property name="candidateRole" value="leader"/>'
    '<spiffworkflow:property name="candidateUser" value="u"/><spiffworkflow:property name="candidateUnit" value="2"/>'
    "<spiffworkflow:property name=\"dueDate\" value=\"'P1D'\"/><spiffworkflow:property name=\"urgency\" value=\"1\"/>"
    "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
    + '<bpmn:manualTask id="read" name="Read"><bpmn:multiInstanceLoopCharacteristics isSequential="true">'
    "<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef><bpmn:inputDataItem id=\"item\" name=\"item\"/>"
    "<bpmn:completionCondition>done</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics></bpmn:manualTask>"
    + _sub("inner", '<bpmn:endEvent id="inner_fail"><bpmn:errorEventDefinition errorRef="err"/></bpmn:endEvent>'
           + flow("if0", "inner_start", "inner_fail"))
    + '<bpmn:boundaryEvent id="caught" attachedToRef="inner"><bpmn:errorEventDefinition errorRef="err"/>'
    "</bpmn:boundaryEvent>"
    + _sub("tx", '<bpmn:scriptTask id="tx_work"><bpmn:script>c = 3</bpmn:script></bpmn:scriptTask>'
           '<bpmn:endEvent id="tx_end"/>' + flow("tf0", "tx_start", "tx_work") + flow("tf1", "tx_work", "tx_end"),
           "transaction")
    + '<bpmn:intermediateThrowEvent id="escalate"><bpmn:escalationEventDefinition escalationRef="esc"/>'
    "</bpmn:intermediateThrowEvent>"
    + '<bpmn:sendTask id="post" messageRef="m_ping"><bpmn:extensionElements>'
    "<spiffworkflow:messagePayload>{'x': 1}</spiffworkflow:messagePayload></bpmn:extensionElements></bpmn:sendTask>"
    + '<bpmn:eventBasedGateway id="race"/>'
    + '<bpmn:intermediateCatchEvent id="answer"><bpmn:messageEventDefinition messageRef="m_ping">'
    "<bpmn:extensionElements><spiffworkflow:messageVariable>reply</spiffworkflow:messageVariable>"
    "</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>"
    + '<bpmn:intermediateCatchEvent id="too_late"><bpmn:timerEventDefinition>'
    "<bpmn:timeDuration>'PT1H'</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    + '<bpmn:callActivity id="call_other" calledElement="other"/>'
    + '<bpmn:endEvent id="end2"/><bpmn:endEvent id="end3"/>' + END
    + flow("f0", "start", "ask") + flow("f1", "ask", "read") + flow("f2", "read", "inner")
    + flow("f3", "inner", "tx") + flow("f4", "caught", "end2") + flow("f5", "tx", "escalate")
    + flow("f6", "escalate", "post") + flow("f7", "post", "race") + flow("f8", "race", "answer")
    + flow("f9", "race", "too_late") + flow("f10", "answer", "call_other") + flow("f11", "too_late", "end3")
    + flow("f12", "call_other", "end"),
    lanes=('<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="leader"><bpmn:flowNodeRef>ask</bpmn:flowNodeRef>'
           "</bpmn:lane></bpmn:laneSet>"),
    extra=(MESSAGE_DEFS
           + '<bpmn:error id="err" name="Oops" errorCode="E1"><bpmn:extensionElements>'
           "<spiffworkflow:payloadExpression>{'why': 1}</spiffworkflow:payloadExpression>"
           "</bpmn:extensionElements></bpmn:error>"
           + '<bpmn:escalation id="esc" name="Up" escalationCode="X1"><bpmn:extensionElements>'
           "<spiffworkflow:payloadExpression>{'up': 1}</spiffworkflow:payloadExpression>"
           "</bpmn:extensionElements></bpmn:escalation>"),
).replace("</bpmn:definitions>", '<bpmn:process id="other" isExecutable="true"><bpmn:startEvent id="o_start"/>'
          + '<bpmn:endEvent id="o_end"/>' + flow("o0", "o_start", "o_end") + "</bpmn:process></bpmn:definitions>")
