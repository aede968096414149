"""The English locale is complete: every Vietnamese UI text has an English one (the main catalogs
and each area's file), and every named step of the shipped diagrams has an English name for
step_title (api/locales/en/steps.json). No database needed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from api.i18n import catalog

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "api" / "locales"
BPMN = ROOT / "bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# What a person sees as a step: tasks, events and gateways (not lanes, messages or data items).
STEP_KINDS = ("Task", "Event", "Gateway")


def keys(path: Path) -> set[str]:
    return set(json.loads(path.read_text(encoding="utf-8")))


def area_files() -> list[str]:
    return sorted(path.name for path in (LOCALES / "vi").glob("*.json"))


def test_every_vietnamese_key_of_the_main_catalog_has_an_english_text():
    missing = sorted(keys(LOCALES / "vi.json") - keys(LOCALES / "en.json"))
    assert missing == [], f"en.json lacks: {missing}"


@pytest.mark.parametrize("name", area_files())
def test_every_area_file_has_an_english_twin_with_the_same_keys(name):
    english = LOCALES / "en" / name
    assert english.exists(), f"api/locales/en/{name} is missing"
    missing = sorted(keys(LOCALES / "vi" / name) - keys(english))
    assert missing == [], f"en/{name} lacks: {missing}"


def test_every_vietnamese_text_has_a_non_empty_english_one_across_all_files():
    vietnamese, english = catalog("vi"), catalog("en")
    empty = sorted(key for key in vietnamese if not english.get(key, "").strip())
    assert empty == [], f"empty English texts: {empty}"


def named_steps(diagram: Path) -> list[tuple[str, str, str]]:
    """(process key, element id, name) of each named task, event and gateway of a diagram."""
    steps = []
    for process in etree.parse(str(diagram)).iter(f"{{{BPMN_NS}}}process"):
        key = process.get("id")
        steps.append((key, key, process.get("name") or key))
        for element in process.iter():
            kind = etree.QName(element).localname if isinstance(element.tag, str) else ""
            if element.get("name") and kind.endswith(STEP_KINDS):
                steps.append((key, element.get("id"), element.get("name")))
    return steps


@pytest.mark.parametrize("diagram", sorted(BPMN.glob("*.bpmn")), ids=lambda path: path.name)
def test_every_named_step_of_the_shipped_diagrams_has_an_english_name(diagram):
    english = catalog("en")
    steps = named_steps(diagram)
    assert len(steps) > 5
    missing = [f"step.{key}.{element} ({name})" for key, element, name in steps
               if f"step.{key}.{element}" not in english]
    assert missing == [], f"api/locales/en/steps.json lacks: {missing}"


def test_step_title_reads_the_page_locale_and_falls_back_to_the_diagrams_name():
    from api.pages.render import templates

    template = templates.env.from_string("{{ step_title('incoming', element, 'Tên trong sơ đồ') }}")
    assert template.render(locale="en", element="distribute") == "Distribute the incoming document"
    assert template.render(locale="vi", element="distribute") == "Tên trong sơ đồ"
    assert template.render(locale="en", element="added_by_an_admin") == "Tên trong sơ đồ"
