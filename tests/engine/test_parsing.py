"""From untrusted bytes to a parsed diagram: DTDs refused wherever they are, any encoding XML
allows read and kept as UTF-8, and odd diagrams refused with a reason instead of failing later."""
from __future__ import annotations

import codecs
import copy

import pytest
from lxml import etree

from engine.diagram_limits import (MAX_ELEMENT_ID, MAX_FLOW_NODES, MAX_PROCESS_KEY, MAX_SUBPROCESS_DEPTH,
                                   MAX_XML_DEPTH, MIN_TIMER_CYCLE)
from engine.errors import DiagramRefused
from engine.models import HumanTask, ProcessDefinition
from engine.parsing import normalise_xml, parse_diagram
from engine.sandbox import Sandbox

from . import diagrams

BODY = diagrams.GATEWAY.split("?>", 1)[1]
FRENCH = diagrams.GATEWAY.replace("Duyệt", "Révision")  # representable in Latin-1


def parse(xml: str | bytes):
    return parse_diagram(xml, Sandbox())


def refusal(xml: str | bytes) -> DiagramRefused:
    with pytest.raises(DiagramRefused) as caught:
        parse(xml)
    return caught.value


def title_of(parsed, element_id: str) -> str:
    return parsed.spec.task_specs[element_id].bpmn_name


# ---------------------------------------------------------------- DTDs, wherever they are
@pytest.mark.parametrize("prolog", [
    "<!--" + "x" * 5000 + "-->",                                  # past the 4 KiB the old check read
    "\n" * 3000 + "<?spiff note?>" + " " * 2000,
    "".join(f"<!-- {i} -->" for i in range(600)),
], ids=["after 4 KiB of comment", "after whitespace and a PI", "after many comments"])
@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE bpmn:definitions SYSTEM "http://127.0.0.1/evil.dtd">',
    "<!DOCTYPE bpmn:definitions>",
], ids=["entity", "external", "bare"])
def test_a_doctype_anywhere_in_the_prolog_is_refused(prolog, doctype):
    xml = '<?xml version="1.0" encoding="UTF-8"?>' + prolog + doctype + BODY
    assert "DTD" in refusal(xml.encode()).reason


def test_a_doctype_in_utf16_is_refused():
    xml = '<?xml version="1.0" encoding="UTF-16"?>' + "<!--" + "x" * 5000 + '--><!DOCTYPE d [<!ENTITY x "y">]>' + BODY
    assert "DTD" in refusal(xml.encode("utf-16")).reason


def test_a_doctype_after_the_root_is_malformed():
    assert "malformed XML" in refusal(diagrams.GATEWAY + "<!DOCTYPE d>").reason


# ---------------------------------------------------------------- encodings
def declared(xml: str, encoding: str) -> str:
    return xml.replace('encoding="UTF-8"', f'encoding="{encoding}"')


@pytest.mark.parametrize("encoded", [
    declared(FRENCH, "ISO-8859-1").encode("latin-1"),
    declared(FRENCH, "iso-8859-1").replace('"iso-8859-1"', "'iso-8859-1'").encode("latin-1"),
    declared(FRENCH, "windows-1252").encode("cp1252"),
    declared(FRENCH, "UTF-16").encode("utf-16"),                         # with a BOM
    codecs.BOM_UTF16_BE + declared(FRENCH, "UTF-16").encode("utf-16-be"),
    declared(FRENCH, "UTF-16").encode("utf-16-le"),                      # no BOM, by declaration
    FRENCH.split("?>", 1)[1].lstrip().encode("utf-16"),                  # a BOM, no declaration
], ids=["latin-1", "latin-1 quoted", "cp1252", "utf-16", "utf-16-be", "utf-16-le", "utf-16 no declaration"])
def test_any_encoding_xml_allows_is_read_and_kept_as_utf8(encoded):
    parsed = parse(encoded)
    assert title_of(parsed, "review") == "Révision"
    text = parsed.xml_utf8.decode("utf-8")
    assert "Révision" in text and 'encoding="UTF-8"' in text or not text.startswith("<?xml")
    assert normalise_xml(encoded) == parsed.xml_utf8
    # What the runtime stores parses again to the same diagram, and hashes as stored.
    again = parse_diagram(text, Sandbox(), check=False)
    assert title_of(again, "review") == "Révision" and again.sha256 == parsed.sha256


def test_vietnamese_in_windows_1258():
    xml = declared(diagrams.GATEWAY.replace("Duyệt", "Duyêt"), "windows-1258").encode("cp1258")
    assert title_of(parse(xml), "review") == "Duyêt"


def test_utf8_is_stored_byte_for_byte():
    """So a diagram deployed before keeps its hash, and deploying it again is no new version."""
    data = diagrams.GATEWAY.encode("utf-8")
    parsed = parse(data)
    assert parsed.xml_utf8 == data and normalise_xml(data) is data
    text = diagrams.GATEWAY.replace('encoding="UTF-8"', "encoding='utf-8'")
    assert parse(text).xml_utf8 == text.encode("utf-8")


def test_text_given_as_str_with_another_declared_encoding_is_taken_as_decoded():
    parsed = parse(declared(FRENCH, "ISO-8859-1"))
    assert title_of(parsed, "review") == "Révision" and b'encoding="UTF-8"' in parsed.xml_utf8


@pytest.mark.parametrize("data, reason", [
    (diagrams.GATEWAY.replace("Duyệt", "R\udcffx").encode("utf-8", "surrogateescape"), "malformed XML"),
    (declared(diagrams.GATEWAY, "x-klingon").encode(), "unknown encoding"),
    (declared(diagrams.GATEWAY, "UTF-16").encode(), "malformed XML"),
    (declared(diagrams.GATEWAY.replace("Duyệt", "日本"), "Shift_JIS").encode("shift_jis"), "not supported"),
    (declared(FRENCH, "US-ASCII").encode("latin-1"), "malformed XML"),
], ids=["bad utf-8", "unknown", "utf-8 declared utf-16", "multi-byte", "latin-1 declared ascii"])
def test_undecodable_text_is_refused_with_a_reason(data, reason):
    assert reason in refusal(data).reason


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
    ("urgency", "'urgent'", False), ("urgency", "7", False), ("urgency", "-1", False), ("urgency", "2", True),
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


def odd_variants(xml: str):
    """The diagram with, in turn, each element dropped or doubled, each attribute removed,
    emptied or made very long, and each text emptied or replaced."""
    base = xml.encode("utf-8")
    for index in range(sum(1 for _ in etree.fromstring(base).iter())):
        node = list(etree.fromstring(base).iter())[index]
        if not isinstance(node.tag, str):
            continue
        edits = [("drop", None), ("double", None), ("text", ""), ("text", "x")]
        edits += [(edit, name) for name in node.attrib for edit in ("remove", "empty", "long")]
        for edit, name in edits:
            root = etree.fromstring(base)
            target = list(root.iter())[index]
            parent = target.getparent()
            if edit in ("drop", "double") and parent is None:
                continue
            if edit == "drop":
                parent.remove(target)
            elif edit == "double":
                target.addnext(copy.deepcopy(target))
            elif edit == "text":
                target.text = name
            elif edit == "remove":
                del target.attrib[name]
            else:
                target.set(name, "" if edit == "empty" else "z" * 300)
            yield f"{etree.QName(target).localname} {edit} {name or ''}", etree.tostring(root)


def test_odd_diagrams_are_refused_never_failed():
    """Whatever is wrong with a diagram, deploying it is a DiagramRefused (422), never a 500."""
    for what, xml in odd_variants(diagrams.KITCHEN_SINK):
        try:
            parse(xml)
        except DiagramRefused:
            pass
        except Exception as exc:  # noqa: BLE001 - the point of the test
            pytest.fail(f"{what}: {type(exc).__name__}: {exc}")
