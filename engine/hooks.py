"""What the engine knows of the outside world: who acts (Principal), and what the domain plugs in
through its one wiring module (EngineHooks)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from sqlalchemy.orm import Session

from .scripting import ServiceHandler

if TYPE_CHECKING:
    from .parsing import ParsedDiagram


@dataclass(frozen=True)
class Principal:
    """Who is acting, as the engine needs to know it: a user key, a scope, roles and units."""

    user: str
    scope: str
    roles: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Thrower:
    """The instance that threw a message: a subscriber acts only inside its scope and only on what
    this instance stands for, whatever the payload claims (a payload is diagram data)."""

    scope: str
    instance_id: int
    business_key: str | None


# A domain subscriber: called once per thrown message, inside the throwing step's transaction.
Subscriber = Callable[[Session, Thrower, dict[str, Any]], None]


@dataclass(frozen=True)
class TaskEvent:
    """Something happened to a human task: ``opened`` (it became ready, row written), ``claimed``
    (someone took it) or ``completed`` (with the cleaned form ``data``). ``task`` is the engine's
    row (read it; never change it): its ``role`` says what the step means to the domain."""

    kind: str
    task: Any  # engine.models.HumanTask
    actor: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


# A domain listener of task events: called inside the step's transaction, after the rows are
# flushed; an exception fails the step like any other part of it.
TaskListener = Callable[[Session, TaskEvent], None]
# A domain contract for one process key: what a diagram deployed under that key lacks (roles,
# forms, messages…), each piece in words; nothing when it meets the contract.
ContractCheck = Callable[["ParsedDiagram"], Iterable[str]]


@dataclass
class EngineHooks:
    """What the domain plugs in through its one wiring module."""

    lane_role: Callable[[str | None], str | None] = lambda lane: lane
    # (form key, submitted data, scope of the acting agency) -> the cleaned data
    validate_form: Callable[[str, dict[str, Any], str], dict[str, Any]] | None = None
    form_exists: Callable[[str], bool] | None = None
    # Service handlers run inside the step: engine.step.current() gives its session and scope.
    services: dict[str, ServiceHandler] = field(default_factory=dict)
    # Messages the domain itself listens to (a document's status, a notification), by name.
    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    # Told of every human task opened, claimed or completed (the domain keys on the task's role).
    task_listener: TaskListener | None = None
    # Checked at deploy, by process key: the domain starts these processes and relies on them.
    contracts: dict[str, ContractCheck] = field(default_factory=dict)
    # Element id -> role for a process key's versions deployed before roles were marked on
    # elements: their instances' new tasks still carry their role.
    unmarked_roles: Callable[[str], Mapping[str, str]] = lambda key: {}
