"""What the domain expects of a diagram it starts, declared once per process key and checked when
a diagram is deployed (engine hook ``contracts``): the roles marked on its elements (the
``domainRole`` property) with how many of each, the form each role's task uses, the timers tied
to a role's task, the collections a multi-instance role runs over and fills, and the values its
thrown messages must carry. A refusal names roles, never element ids, and lists every missing
piece at once. The incoming workflow declares its contract in documents/incoming/contract.py;
the outgoing one will declare its own the same way."""
from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Protocol

USER_TASKS = frozenset({"userTask", "manualTask"})
BOUNDARY_TIMER = frozenset({"boundaryEvent"})


class Marked(Protocol):  # engine.marks.MarkedElement, as the contract reads it
    element_id: str
    kind: str
    role: str
    form_key: str | None
    attached_to: str | None
    timer: bool
    loop_input: str | None
    loop_output: str | None


@dataclass(frozen=True)
class RoleRule:
    """One role: what kind of element carries it, how many may, and what that element must use."""

    role: str
    what: str                                  # in the refusal: "the user task that handles the document"
    kinds: frozenset[str] = USER_TASKS
    required: bool = True                      # exactly one; otherwise at most one
    form: str | None = None                    # the form key a user task must use
    timer_on: str | None = None                # a timer boundary event on the element of this role
    loop: tuple[str, str] | None = None        # multi-instance: (input collection, output collection)


@dataclass(frozen=True)
class MessageRule:
    """A message the process must throw, once for each of ``values`` of its payload's ``field``."""

    name: str
    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Contract:
    process_key: str
    roles: tuple[RoleRule, ...]
    messages: tuple[MessageRule, ...] = ()

    def missing(self, diagram: Any) -> list[str]:
        """What ``diagram`` (an engine ParsedDiagram) lacks, one line per piece; empty when it fits.
        Roles of another process's prefix are left alone (they belong to another contract)."""
        marked = [m for m in diagram.marked if m.role.startswith(self._prefix)]
        problems = [f"role '{m.role}' (element '{m.element_id}') is not one this process knows"
                    for m in marked if m.role not in {r.role for r in self.roles}]
        for rule in self.roles:
            problems.extend(_role_problems(rule, [m for m in marked if m.role == rule.role], marked))
        for rule in self.messages:
            problems.extend(_message_problems(rule, diagram.thrown))
        return problems

    @property
    def _prefix(self) -> str:
        return self.process_key + "."


def _role_problems(rule: RoleRule, found: list[Marked], marked: list[Marked]) -> list[str]:
    label = f"role '{rule.role}' ({rule.what})"
    if not found:
        return [f"{label} is marked on no element"] if rule.required else []
    if len(found) > 1:
        return [f"{label} is marked on {len(found)} elements; it must be on one"]
    (element,) = found
    problems = []
    if element.kind not in rule.kinds:
        problems.append(f"{label} must be on a {' or '.join(sorted(rule.kinds))}, not a {element.kind}")
    if rule.form is not None and element.form_key != rule.form:
        problems.append(f"{label} must use form '{rule.form}'"
                        + (f", not '{element.form_key}'" if element.form_key else ""))
    if rule.timer_on is not None:
        anchors = {m.element_id for m in marked if m.role == rule.timer_on}
        if anchors and (not element.timer or element.attached_to not in anchors):  # no anchor: said above
            problems.append(f"{label} must be a timer boundary event on the element of role '{rule.timer_on}'")
    if rule.loop is not None and (element.loop_input, element.loop_output) != rule.loop:
        problems.append(f"{label} must be a multi-instance over '{rule.loop[0]}' filling '{rule.loop[1]}'")
    return problems


def _message_problems(rule: MessageRule, thrown: Iterable[Any]) -> list[str]:
    problems, seen = [], Counter()
    for message in thrown:
        if message.name != rule.name:
            continue
        payload = _literal_payload(message.payload)
        value = payload.get(rule.field) if payload is not None else None
        if not isinstance(value, str):
            problems.append(f"message '{rule.name}' thrown by '{message.element_id}' must have a payload dict "
                            f"whose '{rule.field}' is a constant text")
        else:
            seen[value] += 1
    problems.extend(f"message '{rule.name}' with {rule.field} '{value}' is thrown nowhere"
                    for value in rule.values if not seen[value])
    return problems


def _literal_payload(source: str | None) -> dict[str, Any] | None:
    """A payload written as a dict display, its constant entries read (the others: ``...``)."""
    try:
        tree = ast.parse(source or "", mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(tree, ast.Dict):
        return None
    return {k.value: (v.value if isinstance(v, ast.Constant) else ...)
            for k, v in zip(tree.keys, tree.values) if isinstance(k, ast.Constant) and isinstance(k.value, str)}
