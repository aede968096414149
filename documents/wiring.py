"""The one place where the domain plugs into the engine: lanes to roles, forms, service-task
handlers and the functions diagrams may call. Nothing else in the domain touches SpiffWorkflow."""
from __future__ import annotations

from typing import Any

from engine import clock
from engine import step as steps
from engine.errors import InvalidData
from engine.runtime import EngineHooks, TaskEvent, TaskListener, WorkflowRuntime
from engine.sandbox import Sandbox, SandboxLimits
from forms import FormInvalid, default_registry

from . import form_references
from .calendar.functions import SANDBOX_FUNCTIONS as CALENDAR_FUNCTIONS
from .deadlines import escalation
from .deadlines.policy import SANDBOX_FUNCTIONS as POLICY_FUNCTIONS
from .incoming import assignment as incoming_assignment
from .incoming import contract as incoming_contract
from .incoming import service as incoming
from .models import ROLES
from .outgoing import contract as outgoing_contract
from .outgoing import steps as outgoing_steps
from .outgoing.deadlines import issue_due
from .settings import Settings

URGENCY_LEVELS = {"normal": 0, "urgent": 1, "very_urgent": 2, "flash": 3}
# Lanes may be named by role key or by the Vietnamese title process admins see in the editor.
LANE_ROLES = {role: role for role in ROLES} | {
    "Văn thư": "clerk", "Lãnh đạo": "leader", "Lãnh đạo cơ quan": "leader",
    "Lãnh đạo phòng": "unit_head", "Trưởng phòng": "unit_head", "Chuyên viên": "staff",
}


def urgency_level(value: Any) -> int:
    """0 normal … 3 flash; unknown or missing values count as normal."""
    return URGENCY_LEVELS.get(str(value), 0) if value is not None else 0


def validate_form(form_key: str, data: dict[str, Any], scope: str) -> dict[str, Any]:
    """The cleaned form. A submitted form sets every one of its fields: one left empty is cleared
    (None), so a value from an earlier round (a previous lead, a previous handler) cannot linger
    in the process data. Units and people it names must be of the agency (``scope``), and a unit
    that would get a task only its head can take must have one (form ui ``headed``)."""
    registry = default_registry()
    try:
        clean = registry.validate(form_key, data, now=clock.now())  # x-not-past: by the engine's clock
    except FormInvalid as exc:
        raise InvalidData("Dữ liệu biểu mẫu không hợp lệ.", errors=exc.errors) from None
    definition = registry.get(form_key)
    step = steps.current()
    foreign = form_references.foreign(step.session, scope, definition, clean) if step is not None else {}
    if foreign:
        raise InvalidData("Biểu mẫu nêu đơn vị hoặc người không thuộc cơ quan.", errors=foreign)
    headless = form_references.headless(step.session, definition, clean) if step is not None else {}
    if headless:
        raise InvalidData(next(iter(headless.values())), errors=headless)
    fields = {name: clean.get(name) for name in definition.schema.get("properties", {})}
    return outgoing_contract.completed_form(form_key, incoming_contract.completed_form(form_key, fields))


def _task_listeners(*listeners: TaskListener) -> TaskListener:
    """One listener telling each of ``listeners`` (each ignores the roles of other processes)."""
    def tell(session, event: TaskEvent) -> None:
        for listener in listeners:
            listener(session, event)
    return tell


def build_runtime(engine_clock: clock.Clock | None = None, settings: Settings | None = None) -> WorkflowRuntime:
    settings = settings or Settings.from_env()
    limits = SandboxLimits(seconds=settings.sandbox_seconds, memory_mb=settings.sandbox_memory_mb,
                    workers=settings.sandbox_workers)
    sandbox = Sandbox({"urgency_level": urgency_level}, limits=limits)
    # Business calendar (issue 3 item 3): add_working_days / add_working_hours, default calendar.
    for name, function in (CALENDAR_FUNCTIONS | POLICY_FUNCTIONS).items():
        sandbox.register(name, function)
    sandbox.register("issue_due", issue_due)  # the outgoing issue's deadline (NĐ 30 Điều 16)
    hooks = EngineHooks(
        lane_role=lambda lane: LANE_ROLES.get(lane) if lane else None,
        validate_form=validate_form,
        form_exists=lambda key: key in default_registry(),
        services=escalation.SERVICES,  # the deadline timers' reminders and escalations
        subscribers={incoming_contract.STATUS_MESSAGE: incoming.record_progress},
        # What the domain relies on in the diagrams it starts, checked at deploy.
        contracts={incoming_contract.PROCESS: incoming_contract.check,
                   outgoing_contract.PROCESS: outgoing_contract.check},
        unmarked_roles=incoming_contract.unmarked_roles,
        task_listener=_task_listeners(incoming_assignment.on_task_event, outgoing_steps.on_task_event,
                                      escalation.on_task_event),
    )
    return WorkflowRuntime(sandbox, clock=engine_clock, hooks=hooks)
