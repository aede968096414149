"""Task forms: one JSON Schema (draft 2020-12) + UI hints per BPMN user task.

Usage::

    from forms import default_registry, FormInvalid

    try:
        data = default_registry().validate("incoming_register", payload)
    except FormInvalid as exc:
        exc.errors  # {"subject": "Trường «Trích yếu» là bắt buộc.", ...}
"""

from forms.messages import messages
from forms.registry import (
    FormDefinition,
    FormDefinitionError,
    FormInvalid,
    FormRegistry,
    UnknownForm,
    default_registry,
)

__all__ = [
    "FormDefinition",
    "FormDefinitionError",
    "FormInvalid",
    "FormRegistry",
    "UnknownForm",
    "default_registry",
    "messages",
]
