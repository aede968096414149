"""Turn jsonschema ValidationError objects into human-readable messages.

Vietnamese ('vi') is the default locale; English ('en') is available.
Field labels come from the schema: ``title`` (Vietnamese) and
``x-title-en`` (English).  Enum labels come from ``x-enumLabels`` /
``enumNames`` (Vietnamese) and ``x-enumLabels-en`` (English).  A schema may
override the text for one keyword with
``"x-messages": {"<keyword>": {"vi": "...", "en": "..."}}``; ``{label}`` is
substituted in the override.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from jsonschema.exceptions import ValidationError

DEFAULT_LOCALE = "vi"

_VI = {
    "required": "Trường «{label}» là bắt buộc.",
    "minLength": "«{label}» phải có ít nhất {limit} ký tự.",
    "maxLength": "«{label}» dài tối đa {limit} ký tự.",
    "enum": "«{label}» phải là một trong: {options}.",
    "const": "«{label}» phải là {value}.",
    "type": "«{label}» phải là {type}.",
    "format": "«{label}» không đúng định dạng {format}.",
    "format.date": "«{label}» phải là ngày theo ISO 8601, ví dụ 2026-11-21.",
    "format.date-time": (
        "«{label}» phải là ngày giờ ISO 8601, ví dụ 2026-11-21T08:00:00+07:00."
    ),
    "format.email": "«{label}» phải là địa chỉ email hợp lệ, ví dụ vanthu@example.gov.vn.",
    "minimum": "«{label}» phải lớn hơn hoặc bằng {limit}.",
    "maximum": "«{label}» phải nhỏ hơn hoặc bằng {limit}.",
    "exclusiveMinimum": "«{label}» phải lớn hơn {limit}.",
    "exclusiveMaximum": "«{label}» phải nhỏ hơn {limit}.",
    "multipleOf": "«{label}» phải là bội số của {limit}.",
    "pattern": "«{label}» không đúng định dạng.",
    "pattern.example": "«{label}» không đúng định dạng, ví dụ {example}.",
    "additionalProperties": "Trường «{label}» không được phép có trong biểu mẫu.",
    "minItems": "«{label}» phải có ít nhất {limit} mục.",
    "maxItems": "«{label}» có tối đa {limit} mục.",
    "uniqueItems": "«{label}» không được có mục trùng nhau.",
    "x-not-past": "{label} đã qua: chọn một thời điểm sau bây giờ.",
    "item": "{label}, mục {n}",
    "anyOf.required": "Cần nhập ít nhất một trong các trường: {labels}.",
    "invalid": "«{label}» không hợp lệ.",
    "invalid.form": "Dữ liệu biểu mẫu không hợp lệ.",
    "not_object": "Dữ liệu biểu mẫu phải là một đối tượng JSON.",
    "type.string": "chuỗi ký tự",
    "type.integer": "số nguyên",
    "type.number": "số",
    "type.boolean": "giá trị đúng/sai",
    "type.array": "danh sách",
    "type.object": "đối tượng",
    "type.null": "giá trị rỗng",
    "or": " hoặc ",
}

_EN = {
    "required": "The field “{label}” is required.",
    "minLength": "“{label}” must be at least {limit} characters long.",
    "maxLength": "“{label}” must be at most {limit} characters long.",
    "enum": "“{label}” must be one of: {options}.",
    "const": "“{label}” must be {value}.",
    "type": "“{label}” must be {type}.",
    "format": "“{label}” is not a valid {format}.",
    "format.date": "“{label}” must be an ISO 8601 date, e.g. 2026-11-21.",
    "format.date-time": (
        "“{label}” must be an ISO 8601 date-time, e.g. 2026-11-21T08:00:00+07:00."
    ),
    "format.email": "“{label}” must be a valid email address, e.g. clerk@example.gov.vn.",
    "minimum": "“{label}” must be greater than or equal to {limit}.",
    "maximum": "“{label}” must be less than or equal to {limit}.",
    "exclusiveMinimum": "“{label}” must be greater than {limit}.",
    "exclusiveMaximum": "“{label}” must be less than {limit}.",
    "multipleOf": "“{label}” must be a multiple of {limit}.",
    "pattern": "“{label}” has an invalid format.",
    "pattern.example": "“{label}” has an invalid format, e.g. {example}.",
    "additionalProperties": "The field “{label}” is not allowed in this form.",
    "minItems": "“{label}” must have at least {limit} items.",
    "maxItems": "“{label}” must have at most {limit} items.",
    "uniqueItems": "“{label}” must not contain duplicate items.",
    "x-not-past": "{label} has passed: choose a time after now.",
    "item": "{label}, item {n}",
    "anyOf.required": "At least one of these fields is required: {labels}.",
    "invalid": "“{label}” is invalid.",
    "invalid.form": "The form data is invalid.",
    "not_object": "The form data must be a JSON object.",
    "type.string": "a text string",
    "type.integer": "an integer",
    "type.number": "a number",
    "type.boolean": "true or false",
    "type.array": "a list",
    "type.object": "an object",
    "type.null": "empty",
    "or": " or ",
}

_CATALOGS = {"vi": MappingProxyType(_VI), "en": MappingProxyType(_EN)}
SUPPORTED_LOCALES = tuple(_CATALOGS)

# Keywords whose limit is ``error.validator_value``.
_LIMIT_KEYWORDS = frozenset({
    "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minItems", "maxItems",
})


def normalize_locale(locale: str | None) -> str:
    """Map 'vi-VN', 'en_US', None, ... onto a supported locale code."""
    code = re.split(r"[-_]", (locale or DEFAULT_LOCALE).strip().lower())[0]
    if code not in _CATALOGS:
        raise ValueError(
            f"Unsupported locale {locale!r}; expected one of {SUPPORTED_LOCALES}"
        )
    return code


def messages(locale: str = DEFAULT_LOCALE) -> Mapping[str, str]:
    """Message templates for ``locale`` ('vi' default, or 'en')."""
    return _CATALOGS[normalize_locale(locale)]


def field_path(path: Iterable[Any]) -> str:
    """Dotted path of a field: ``items.0.name``; ``""`` is the whole form."""
    return ".".join(str(part) for part in path)


def schema_at(root: Mapping, path: Iterable[Any]) -> Mapping:
    """Sub-schema describing the value at ``path`` (``{}`` if unknown)."""
    node: Any = root
    for part in path:
        if not isinstance(node, Mapping):
            return {}
        if isinstance(part, int):
            prefix = node.get("prefixItems") or []
            node = prefix[part] if part < len(prefix) else node.get("items", {})
        else:
            node = (node.get("properties") or {}).get(part, {})
    return node if isinstance(node, Mapping) else {}


def label_for(schema: Mapping, name: Any, locale: str) -> str:
    """Human label of a field: localised title, else the raw field name."""
    if locale != "vi" and schema.get(f"x-title-{locale}"):
        return str(schema[f"x-title-{locale}"])
    return str(schema.get("title") or name or "")


def enum_labels(schema: Mapping, locale: str) -> list[str]:
    """Display labels of an enum, falling back to the raw values."""
    values = list(schema.get("enum") or [])
    if locale == "vi":
        labels = schema.get("x-enumLabels") or schema.get("enumNames")
    else:
        labels = schema.get(f"x-enumLabels-{locale}")
    if isinstance(labels, list) and len(labels) == len(values):
        return [str(label) for label in labels]
    return [str(value) for value in values]


def error_messages(
    errors: Iterable[ValidationError], root: Mapping, locale: str = DEFAULT_LOCALE
) -> dict[str, str]:
    """Map field path -> message; the first message for a path wins."""
    locale = normalize_locale(locale)
    result: dict[str, str] = {}
    for error in errors:
        for path, text in _describe(error, root, locale):
            result.setdefault(path, text)
    return result


def _describe(error: ValidationError, root: Mapping, locale: str):
    """Yield (field path, message) pairs for one error."""
    cat = _CATALOGS[locale]
    base = list(error.absolute_path)
    keyword = error.validator
    if keyword in ("required", "dependentRequired"):
        for name in _missing(error):
            yield field_path(base + [name]), _field_text(cat, "required", root, base + [name], locale)
        return
    if keyword == "additionalProperties":
        for name in _extras(error):
            yield field_path(base + [name]), cat["additionalProperties"].format(label=name)
        return
    override = _override(error.schema, keyword, locale)
    label = _label(root, base, locale)
    if override:
        yield field_path(base), override.format_map(_Safe(label=label))
    elif keyword in ("anyOf", "oneOf") and _all_required(error.context or []):
        names = [name for sub in error.context for name in _missing(sub)]
        labels = ", ".join(
            _quote(_label(root, base + [n], locale), locale) for n in dict.fromkeys(names)
        )
        yield field_path(base), cat["anyOf.required"].format(labels=labels)
    else:
        yield field_path(base), _keyword_text(error, cat, label, locale, base)


def _keyword_text(error, cat, label, locale, base) -> str:
    keyword, value, schema = error.validator, error.validator_value, error.schema
    if keyword == "minLength":
        key = "required" if error.instance == "" else "minLength"
        return cat[key].format(label=label, limit=value)
    if keyword in _LIMIT_KEYWORDS:
        return cat[keyword].format(label=label, limit=value)
    if keyword == "enum":
        options = ", ".join(enum_labels(schema, locale))
        return cat["enum"].format(label=label, options=options)
    if keyword == "const":
        return cat["const"].format(label=label, value=value)
    if keyword == "type":
        types = value if isinstance(value, list) else [value]
        names = cat["or"].join(cat.get(f"type.{t}", str(t)) for t in types)
        return cat["type"].format(label=label, type=names)
    if keyword == "format":
        template = cat.get(f"format.{value}", cat["format"])
        return template.format(label=label, format=value)
    if keyword == "pattern":
        examples = schema.get("examples") or []
        if examples:
            return cat["pattern.example"].format(label=label, example=examples[0])
        return cat["pattern"].format(label=label)
    if keyword in ("uniqueItems", "x-not-past"):
        return cat[keyword].format(label=label)
    if not base:
        return cat["invalid.form"]
    return cat["invalid"].format(label=label)


def _field_text(cat, key, root, path, locale) -> str:
    override = _override(schema_at(root, path), key, locale)
    label = _label(root, path, locale)
    return (override or cat[key]).format_map(_Safe(label=label))


def _label(root: Mapping, path: list, locale: str) -> str:
    """Label of the field at ``path``; untitled list items use the list's."""
    name = path[-1] if path else ""
    schema = schema_at(root, path)
    if isinstance(name, int) and not schema.get("title"):
        parent = _label(root, path[:-1], locale)
        return _CATALOGS[locale]["item"].format(label=parent, n=name + 1)
    return label_for(schema, name, locale)


def _override(schema: Any, keyword: str, locale: str) -> str | None:
    if not isinstance(schema, Mapping):
        return None
    texts = (schema.get("x-messages") or {}).get(keyword) or {}
    return texts.get(locale) if isinstance(texts, Mapping) else None


def _missing(error: ValidationError) -> list[str]:
    """Names of the properties a required/dependentRequired error misses."""
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    value = error.validator_value
    if error.validator == "dependentRequired":
        value = [n for k, names in value.items() if k in instance for n in names]
    return [name for name in value if name not in instance]


def _extras(error: ValidationError) -> list[str]:
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    known = schema.get("properties") or {}
    patterns = list((schema.get("patternProperties") or {}))
    return [
        name for name in instance
        if name not in known and not any(re.search(p, name) for p in patterns)
    ]


def _all_required(context: list[ValidationError]) -> bool:
    return bool(context) and all(
        e.validator == "required" and not e.relative_path for e in context
    )


def _quote(label: str, locale: str) -> str:
    return f"«{label}»" if locale == "vi" else f"“{label}”"


class _Safe(dict):
    """format_map mapping that leaves unknown placeholders untouched."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
