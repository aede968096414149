"""From untrusted bytes to a parsed diagram: DTDs refused wherever they are, any encoding XML
allows read and kept as UTF-8, and odd diagrams refused with a reason instead of failing later
(the limits themselves: test_diagram_limits.py)."""
from __future__ import annotations

import codecs
import copy

import pytest
from lxml import etree

from engine.errors import DiagramRefused
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
