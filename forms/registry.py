"""Form definitions (JSON Schema + UI hints) and server-side validation."""

from __future__ import annotations

import contextvars
import copy
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError

from forms.messages import DEFAULT_LOCALE, error_messages, messages, normalize_locale

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
WIDGETS = frozenset({"textarea", "select", "date", "datetime", "user", "unit", "checkbox"})
# The columns of the distribution table (one row a unit): lead (one), coordinating, informed.
DISTRIBUTION_COLUMNS = frozenset({"lead", "coordinate", "inform"})

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

FORMAT_CHECKER = FormatChecker(formats=())
NOT_PAST = "x-not-past"  # a date or date-time field marked so must not be before the moment of validation
# The moment ``FormRegistry.validate`` was given; the forms know no clock of their own.
_NOW: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("forms_now", default=None)


@FORMAT_CHECKER.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_DATE_RE.match(value)) and date.fromisoformat(value) is not None


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time: seconds and a UTC offset (or Z) are mandatory."""
    if not isinstance(value, str):
        return True
    return bool(_DATE_TIME_RE.match(value)) and datetime.fromisoformat(value) is not None


@FORMAT_CHECKER.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL_RE.match(value))


def _not_past(validator, marked, value, schema):
    """``x-not-past``: a ``date-time`` before now, or a ``date`` before now's day (in now's zone),
    is refused. Not checked when the caller gave no moment, nor on a value of the wrong format
    (the ``format`` keyword reports that)."""
    now = _NOW.get()
    if not marked or now is None or not isinstance(value, str):
        return
    given = _moment(value, schema.get("format"))
    if given is None:
        return
    if (given < now.date()) if isinstance(given, date) and not isinstance(given, datetime) else (given < now):
        yield ValidationError(f"{value!r} is before {now.isoformat()}")


def _moment(value: str, kind: str | None) -> date | datetime | None:
    try:
        if kind == "date-time" and _DATE_TIME_RE.match(value):
            return datetime.fromisoformat(value)
        if kind == "date" and _DATE_RE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    return None


FormValidator = validators.extend(Draft202012Validator, {NOT_PAST: _not_past})


class UnknownForm(KeyError):
    """No form is registered under the requested key."""

    def __init__(self, key: str, known: list[str] | None = None):
        super().__init__(key)
        self.key = key
        self.known = list(known or [])

    def __str__(self) -> str:
        known = ", ".join(self.known) or "none"
        return f"Unknown form key {self.key!r} (known forms: {known})."


class FormDefinitionError(ValueError):
    """A definition file is malformed (bad structure or invalid schema)."""


class FormInvalid(Exception):
    """Submitted data failed validation; ``errors`` maps field path -> message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()) or "Invalid form data.")


@dataclass(frozen=True)
class FormDefinition:
    key: str
    title: dict[str, str]
    schema: dict
    ui: dict

    @property
    def decision(self) -> str | None:
        """The field a person decides with, rendered as one button a choice (ui.decision)."""
        return self.ui.get("decision")

    def decision_choices(self, locale: str) -> list[tuple[str, str]]:
        """(value as posted, label in ``locale``) of each choice of the decision field."""
        field = self.schema["properties"][self.decision]
        labels = (field.get("x-enumLabels-en") if locale == "en" else None) or field.get("x-enumLabels") or []
        values = choice_values(field)
        return [(v, labels[i] if i < len(labels) else v) for i, v in enumerate(values)]

    def shown_with(self, name: str) -> list[str]:
        """The choices of the decision a field applies to (empty: it applies to every choice)."""
        return list(self.ui.get("shown_with", {}).get(name, []))

    def required_with(self, name: str) -> list[str]:
        """The choices of the decision that need a field of every choice."""
        return list(self.ui.get("required_with", {}).get(name, []))

    @classmethod
    def from_mapping(cls, data: Mapping, source: str = "<mapping>") -> FormDefinition:
        """Build and structurally check a definition; schema must be valid."""
        def fail(reason: str) -> FormDefinitionError:
            return FormDefinitionError(f"{source}: {reason}")

        if not isinstance(data, Mapping):
            raise fail("definition must be a JSON object")
        key, title = data.get("key"), data.get("title")
        schema, ui = data.get("schema"), data.get("ui", {})
        if not isinstance(key, str) or not key:
            raise fail("'key' must be a non-empty string")
        if not isinstance(title, Mapping) or not all(
            isinstance(title.get(lang), str) and title[lang] for lang in ("vi", "en")
        ):
            raise fail("'title' must have non-empty 'vi' and 'en' strings")
        if not isinstance(schema, Mapping):
            raise fail("'schema' must be an object")
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise fail(f"invalid JSON Schema: {exc.message}") from exc
        _check_ui(ui, schema.get("properties") or {}, fail)
        _check_not_past(schema.get("properties") or {}, fail)
        return cls(key=key, title=dict(title), schema=dict(schema), ui=dict(ui))


def _check_ui(ui: Any, properties: Mapping, fail) -> None:
    if not isinstance(ui, Mapping):
        raise fail("'ui' must be an object")
    order, widgets = ui.get("order", []), ui.get("widgets", {})
    if not isinstance(order, list) or not isinstance(widgets, Mapping):
        raise fail("'ui.order' must be a list and 'ui.widgets' an object")
    unknown = [f for f in [*order, *widgets] if f not in properties]
    if unknown:
        raise fail(f"ui refers to fields missing from schema.properties: {unknown}")
    bad = {f: w for f, w in widgets.items() if w not in WIDGETS}
    if bad:
        raise fail(f"unknown widgets {bad}; allowed: {sorted(WIDGETS)}")
    _check_decision(ui, properties, fail)
    distribution = ui.get("distribution", {})
    if not isinstance(distribution, Mapping) or set(distribution) - DISTRIBUTION_COLUMNS or any(
            f not in properties for f in distribution.values()):
        raise fail(f"'ui.distribution' maps {sorted(DISTRIBUTION_COLUMNS)} to fields of the schema")


def _check_not_past(properties: Mapping, fail) -> None:
    wrong = [name for name, field in properties.items() if isinstance(field, Mapping) and NOT_PAST in field
             and (field[NOT_PAST] is not True or field.get("format") not in ("date", "date-time"))]
    if wrong:
        raise fail(f"'{NOT_PAST}: true' marks only fields of format date or date-time: {wrong}")


def _check_decision(ui: Mapping, properties: Mapping, fail) -> None:
    """ui.decision names an enum or boolean field; ui.confirm lists its choices that ask for a
    confirmation; ui.shown_with maps a field to the choices it applies to, ui.required_with a
    field of every choice to those that need it (the schema says so; the page asks for it then)."""
    decision, confirm = ui.get("decision"), ui.get("confirm", [])
    if decision is None:
        if confirm or ui.get("shown_with") or ui.get("required_with"):
            raise fail("'ui.confirm', 'ui.shown_with' and 'ui.required_with' need 'ui.decision'")
        return
    field = properties.get(decision)
    if not isinstance(field, Mapping) or not ("enum" in field or field.get("type") == "boolean"):
        raise fail("'ui.decision' must name an enum or boolean field of the schema")
    values = set(choice_values(field))
    if not isinstance(confirm, list) or not set(confirm) <= values:
        raise fail(f"'ui.confirm' must list choices of {decision!r}: {sorted(values)}")
    for hint in ("shown_with", "required_with"):
        fields = ui.get(hint, {})
        if not isinstance(fields, Mapping) or any(
                f not in properties or not isinstance(c, list) or not set(c) <= values for f, c in fields.items()):
            raise fail(f"'ui.{hint}' maps fields of the schema to lists of choices of {decision!r}")


def choice_values(field: Mapping) -> list[str]:
    """The choices of an enum or boolean field as a form posts them (true before false)."""
    if field.get("type") == "boolean":
        return ["true", "false"]
    return [str(v) for v in field.get("enum", [])]


def clean(value: Any, schema: Any) -> Any:
    """NFC-normalise and strip strings, drop unknown fields, fill defaults."""
    schema = schema if isinstance(schema, Mapping) else {}
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, Mapping):
        return _clean_object(value, schema)
    if isinstance(value, (list, tuple)):
        prefix = schema.get("prefixItems") or []
        items = schema.get("items", {})
        return [
            clean(v, prefix[i] if i < len(prefix) else items) for i, v in enumerate(value)
        ]
    return value


def _clean_object(value: Mapping, schema: Mapping) -> dict:
    props = schema.get("properties")
    patterns = list(schema.get("patternProperties") or {})
    if props is None and not patterns:  # free-form object: keep every key
        return {k: clean(v, {}) for k, v in value.items()}
    props = props or {}
    out: dict = {}
    for key, item in value.items():
        if key in props:
            out[key] = clean(item, props[key])
        elif isinstance(key, str) and any(re.search(p, key) for p in patterns):
            out[key] = clean(item, {})
    for key, sub in props.items():
        if key not in out and isinstance(sub, Mapping) and "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
    return out


class FormRegistry:
    def __init__(self) -> None:
        self._forms: dict[str, FormDefinition] = {}
        self._validators: dict[str, Draft202012Validator] = {}

    def register(self, definition: FormDefinition) -> None:
        if definition.key in self._forms:
            raise FormDefinitionError(f"duplicate form key {definition.key!r}")
        self._forms[definition.key] = definition
        self._validators[definition.key] = FormValidator(
            definition.schema, format_checker=FORMAT_CHECKER
        )

    def load_directory(self, path: str | Path) -> list[str]:
        """Register every ``*.json`` file in ``path``; returns the new keys."""
        loaded = []
        for file in sorted(Path(path).glob("*.json")):
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise FormDefinitionError(f"{file}: invalid JSON: {exc}") from exc
            definition = FormDefinition.from_mapping(data, source=str(file))
            if definition.key != file.stem:
                raise FormDefinitionError(
                    f"{file}: key {definition.key!r} must match the file name"
                )
            self.register(definition)
            loaded.append(definition.key)
        return loaded

    def get(self, key: str) -> FormDefinition:
        try:
            return self._forms[key]
        except (KeyError, TypeError):
            raise UnknownForm(key, self.keys()) from None

    def keys(self) -> list[str]:
        return sorted(self._forms)

    def __contains__(self, key: object) -> bool:
        return key in self._forms

    def validate(self, key: str, data: Mapping, locale: str = DEFAULT_LOCALE, *,
                 now: datetime | None = None) -> dict:
        """Return cleaned data or raise FormInvalid with localised messages. ``now`` (aware) is
        the moment fields marked ``x-not-past`` are checked against: the caller's clock."""
        definition = self.get(key)
        locale = normalize_locale(locale)
        if not isinstance(data, Mapping):
            raise FormInvalid({"": messages(locale)["not_object"]})
        if now is not None and now.tzinfo is None:
            raise ValueError("validate needs a timezone-aware 'now'")
        cleaned = clean(data, definition.schema)
        token = _NOW.set(now)
        try:
            found = error_messages(self._validators[key].iter_errors(cleaned), definition.schema, locale)
        finally:
            _NOW.reset(token)
        if found:
            raise FormInvalid(found)
        return cleaned


@lru_cache(maxsize=1)
def default_registry() -> FormRegistry:
    """Registry of the bundled ``forms/definitions/*.json`` (loaded once)."""
    registry = FormRegistry()
    registry.load_directory(DEFINITIONS_DIR)
    return registry
