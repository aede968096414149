"""The process admin's view of the agency's diagrams: each flow (process key) with its versions,
who deployed each and when, and how many running instances use it; a version named by key and
number (for the diff); what the modeler's side panel offers (forms, lane names and their roles,
the contract's element roles); and a deploy refusal worded in Vietnamese. Deploying itself is
documents/processes.deploy (the engine's checks and the audit)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.errors import DiagramRefused
from engine.runtime import DEFAULT_SCOPE, ProcessDefinition, WorkflowRuntime
from forms import default_registry

from . import processes
from .accounts import Identity
from .errors import NotAllowed, NotFound
from .incoming.contract import CONTRACT as INCOMING_CONTRACT
from .models import User
from .permissions import Permission, allows
from .wiring import LANE_ROLES

DEFAULT_PREFIX = "d"  # a default (shipped) version's label: "d1"; the agency's own: "3"


@dataclass(frozen=True)
class Version:
    id: int
    version: int
    own: bool                   # the agency's own deploy (else a default diagram shipped with the system)
    created_at: datetime
    deployed_by: str | None     # a person's name; None for the system
    running: int                # the agency's running instances on this version
    active: bool

    @property
    def label(self) -> str:
        return str(self.version) if self.own else f"{DEFAULT_PREFIX}{self.version}"


@dataclass(frozen=True)
class Flow:
    key: str
    name: str
    versions: list[Version] = field(default_factory=list)  # the one a new instance starts on first

    def version(self, label: str) -> Version:
        """A version by its label: "3" (the agency's own version 3) or "d1" (the default's)."""
        found = next((v for v in self.versions if v.label == label), None)
        if found is None:
            raise NotFound(f"version {label} of process '{self.key}' not found")
        return found


def check(who: Identity) -> None:
    if not allows(who, Permission.DEPLOY_DIAGRAM):
        raise NotAllowed("only a process admin of the agency manages its diagrams")


def flows(session: Session, runtime: WorkflowRuntime, who: Identity) -> list[Flow]:
    """Every flow the agency sees, its versions newest first: its own before the defaults,
    since a start uses the agency's own latest active version when there is one."""
    check(who)
    counts = runtime.running_counts(session, who.agency_code)
    definitions = runtime.definitions(session, who.agency_code)
    names = _deployers(session, definitions)
    by_key: dict[str, list[ProcessDefinition]] = {}
    for definition in definitions:
        by_key.setdefault(definition.key, []).append(definition)
    found = []
    for key, group in sorted(by_key.items()):
        group.sort(key=lambda d: (d.scope == DEFAULT_SCOPE, not d.active, -d.version))
        versions = [Version(d.id, d.version, d.scope != DEFAULT_SCOPE, d.created_at, names.get(d.created_by),
                            counts.get(d.id, 0), d.active) for d in group]
        found.append(Flow(key, group[0].name, versions))
    return found


def _deployers(session: Session, definitions: list[ProcessDefinition]) -> dict[str, str]:
    ids = {int(d.created_by) for d in definitions if d.created_by.isdigit()}
    if not ids:
        return {}
    rows = session.execute(sa.select(User.id, User.full_name).where(User.id.in_(ids)))
    return {str(user_id): name for user_id, name in rows}


def version(session: Session, runtime: WorkflowRuntime, who: Identity, definition_id: int) -> ProcessDefinition:
    """A version the agency sees (another agency's: not found)."""
    check(who)
    return runtime.definition(session, definition_id, who.agency_code)


def flow(session: Session, runtime: WorkflowRuntime, who: Identity, key: str) -> Flow:
    """One flow the agency sees, by its process key (another agency's own flow: not found)."""
    found = next((f for f in flows(session, runtime, who) if f.key == key), None)
    if found is None:
        raise NotFound(f"process '{key}' not found")
    return found


@dataclass(frozen=True)
class Deployed:
    definition: ProcessDefinition
    new: bool  # False: the same diagram as the latest version, which is kept (nothing stored)


def deploy(session: Session, runtime: WorkflowRuntime, who: Identity, xml: bytes) -> Deployed:
    """Deploy as the agency's next version (processes.deploy: every engine check, audited).
    Raises DiagramRefused naming the offending element."""
    check(who)
    known = {d.id for d in runtime.definitions(session, who.agency_code)}
    definition = processes.deploy(session, runtime, who, xml)
    return Deployed(definition, definition.id not in known)


def validate(session: Session, runtime: WorkflowRuntime, who: Identity, xml: bytes) -> None:
    """Run every check a deploy runs and store nothing: the deploy happens in a savepoint that is
    always rolled back (so its version number and audit line vanish too). Raises DiagramRefused."""
    savepoint = session.begin_nested()
    try:
        deploy(session, runtime, who, xml)
    finally:
        savepoint.rollback()


@dataclass(frozen=True)
class PanelChoices:
    """What the modeler's properties panel offers in its lists."""

    forms: list[tuple[str, str]]          # (form key, title)
    lane_roles: dict[str, str]            # lane name -> role
    element_roles: list[tuple[str, str]]  # (domainRole, what it is)
    services: list[str]


def panel_choices(runtime: WorkflowRuntime) -> PanelChoices:
    registry = default_registry()
    forms = [(key, registry.get(key).title.get("vi") or key) for key in registry.keys()]
    roles = [(rule.role, rule.what) for rule in INCOMING_CONTRACT.roles]
    return PanelChoices(forms, dict(LANE_ROLES), roles, sorted(runtime.hooks.services))


# ---------------------------------------------------------------- refusals, in Vietnamese
# The engine words its refusals in English (it knows no locale); the system's language is
# Vietnamese, so the page shows these, and the engine's own text in English.
_WHERE = {
    "timeDate expression": "biểu thức hẹn giờ (ngày giờ)",
    "timeDuration expression": "biểu thức hẹn giờ (khoảng thời gian)",
    "timeCycle expression": "biểu thức hẹn giờ (chu kỳ)", "timer expression": "biểu thức hẹn giờ",
    "gateway condition": "điều kiện của luồng", "script": "đoạn mã", "prescript": "mã chạy trước",
    "postscript": "mã chạy sau", "conditional event condition": "điều kiện của sự kiện",
}
_REASONS: list[tuple[re.Pattern[str], str]] = [(re.compile(p), vi) for p, vi in (
    (r"^form '(.+)' does not exist$", "biểu mẫu «{0}» không tồn tại"),
    (r"^no service handler is registered as '(.+)'$", "không có dịch vụ nào tên «{0}»"),
    (r"^the '(.+)' process lacks what the system relies on: (.+)$",
     "quy trình «{0}» thiếu phần hệ thống cần: {1}"),
    (r"^malformed XML: (.+)$", "XML sai cú pháp: {0}"),
    (r"^not valid BPMN 2\.0: (.+)$", "không đúng chuẩn BPMN 2.0: {0}"),
    (r"^the diagram has no executable process", "sơ đồ không có quy trình thực thi được (isExecutable=\"true\")"),
    (r"^attribute '(.+)' is not allowed$", "không được dùng thuộc tính «{0}»"),
    (r"^name '(.+)' is not allowed$", "không được dùng tên «{0}»"),
    (r"^(.+) not allowed$", "không được dùng: {0}"),
    (r"^(.+) ['\"](.*)['\"]: repeats more often than every (\d+) seconds$", "{0} «{1}» lặp lại dày hơn mỗi {2} giây"),
    (r"^(.+) ['\"](.*)['\"]: is not an ISO 8601 duration.*$",
     "{0} «{1}» không phải khoảng thời gian ISO 8601 (như PT2H, P3D)"),
    (r"^(.+) ['\"](.*)['\"]: is not an ISO 8601 repetition.*$", "{0} «{1}» không phải chu kỳ ISO 8601 (như R3/PT1H)"),
    (r"^(.+) ['\"](.*)['\"]: is not an ISO 8601 date-time.*$", "{0} «{1}» không phải ngày giờ ISO 8601"),
    (r"^(.+) ['\"](.*)['\"]: is longer than (\d+) (days|months)$", "{0} «{1}» dài quá {2} {3}"),
    (r"^the (.+) is missing$", "thiếu {0}"),
    (r"^(.+): invalid (?:expression|script): (.+)$", "{0}: sai cú pháp: {1}"),
)]


def refusal_vi(refused: DiagramRefused) -> str:
    """The refusal as the page shows it in Vietnamese; an unknown wording keeps the engine's."""
    reason = reason_vi(refused.reason)
    where = f"Phần tử «{refused.element_id}»: " if refused.element_id else ""
    line = f" (dòng {refused.line})" if refused.line else ""
    return f"Không triển khai được sơ đồ. {where}{reason}{line}."


def reason_vi(reason: str) -> str:
    """What is wrong, without where (the overlay on the element says where)."""
    place, sep, rest = reason.partition(": ")
    if sep and place in _WHERE:  # "<where>: <sandbox reason>"
        return f"{_WHERE[place]}: {reason_vi(rest)}"
    for pattern, vi in _REASONS:
        found = pattern.match(reason)
        if found:
            return vi.format(*(_WHERE.get(g, g) for g in found.groups()))
    return reason
