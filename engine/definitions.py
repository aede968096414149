"""Process definitions: deploy a diagram as the next version of its key in a scope, find the
version an instance or a start uses, and keep parsed specs cached by the diagram's hash."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import clock as clocks
from .errors import DiagramRefused, NotFound
from .hooks import EngineHooks
from .models import DEFAULT_SCOPE, ProcessDefinition, ProcessInstance
from .parsing import ParsedDiagram, SpecCache, as_bytes, parse_diagram
from .sandbox import Sandbox

SYSTEM_ACTOR = "system"


class Definitions:
    """Diagrams and their versions (a mixin of WorkflowRuntime)."""

    sandbox: Sandbox
    hooks: EngineHooks
    specs: SpecCache
    _definition_sha: dict[int, str]

    def deploy(self, session: Session, scope: str, xml: str | bytes, actor: str) -> ProcessDefinition:
        """Validate a diagram and store it as the next version of its process key in ``scope``.
        Deploying the same bytes again returns the existing version. Raises DiagramRefused."""
        parsed = parse_diagram(as_bytes(xml), self.sandbox)
        self._check_references(parsed)
        latest = self._latest(session, scope, parsed.key, active_only=False)
        if latest is not None and latest.sha256 == parsed.sha256 and latest.active:
            return latest
        definition = ProcessDefinition(
            scope=scope, key=parsed.key, version=(latest.version + 1) if latest else 1, name=parsed.name[:255],
            bpmn_xml=parsed.xml_utf8.decode("utf-8"), sha256=parsed.sha256, created_by=actor,
            created_at=clocks.now(), active=True,
        )
        session.add(definition)
        session.flush()
        self.specs.get(parsed.sha256, lambda: definition.bpmn_xml)
        return definition

    def deploy_directory(self, session: Session, directory: Path, actor: str = SYSTEM_ACTOR) -> list[ProcessDefinition]:
        """Deploy every default diagram shipped in ``directory`` to the default scope."""
        return [self.deploy(session, DEFAULT_SCOPE, path.read_bytes(), actor)
                for path in sorted(directory.glob("*.bpmn"))]

    def _check_references(self, parsed: ParsedDiagram) -> None:
        for element_id, props in parsed.user_tasks:
            form_key = props.get("formKey")
            if form_key and self.hooks.form_exists and not self.hooks.form_exists(form_key):
                raise DiagramRefused(f"form '{form_key}' does not exist", element_id=element_id)
        for element_id, operation in parsed.service_operations:
            if operation not in self.hooks.services:
                raise DiagramRefused(f"no service handler is registered as '{operation}'", element_id=element_id)
        contract = self.hooks.contracts.get(parsed.key)
        missing = list(contract(parsed)) if contract else []
        if missing:  # every piece at once: the process admin fixes the diagram in one go
            raise DiagramRefused(f"the '{parsed.key}' process lacks what the system relies on: " + "; ".join(missing))

    @staticmethod
    def _latest(session: Session, scope: str, key: str, *, active_only: bool = True) -> ProcessDefinition | None:
        query = sa.select(ProcessDefinition).where(ProcessDefinition.scope == scope, ProcessDefinition.key == key)
        if active_only:
            query = query.where(ProcessDefinition.active.is_(True))
        return session.scalar(query.order_by(ProcessDefinition.version.desc()).limit(1))

    def definition_for(self, session: Session, scope: str, key: str) -> ProcessDefinition:
        """The scope's own latest active version, else the default one (one query: a start runs it)."""
        query = (sa.select(ProcessDefinition)
                 .where(ProcessDefinition.scope.in_((scope, DEFAULT_SCOPE)), ProcessDefinition.key == key,
                        ProcessDefinition.active.is_(True))
                 .order_by((ProcessDefinition.scope == scope).desc(), ProcessDefinition.version.desc()).limit(1))
        definition = session.scalar(query)
        if definition is None:
            raise NotFound(f"no process definition '{key}' is deployed")
        return definition

    def start_roles(self, session: Session, scope: str, key: str) -> frozenset[str]:
        """Roles of the lanes holding the start event: who may start the process (empty: anyone)."""
        diagram = self._diagram(self.definition_for(session, scope, key))
        return frozenset(role for role in map(self.hooks.lane_role, diagram.start_lanes) if role)

    def element_roles(self, session: Session, instance_id: int, scope: str) -> dict[str, str]:
        """The roles marked on the elements of an instance's diagram (``domainRole``), by element id:
        the domain finds its steps by role, whatever the agency's diagram calls them."""
        instance = self.instance(session, instance_id, scope)
        return {m.element_id: m.role for m in self._diagram_of(instance).marked}

    def definitions(self, session: Session, scope: str) -> list[ProcessDefinition]:
        query = (sa.select(ProcessDefinition)
                 .where(ProcessDefinition.scope.in_((scope, DEFAULT_SCOPE)))
                 .order_by(ProcessDefinition.key, ProcessDefinition.scope, ProcessDefinition.version.desc()))
        return list(session.scalars(query))

    def definition(self, session: Session, definition_id: int, scope: str) -> ProcessDefinition:
        definition = session.get(ProcessDefinition, definition_id)
        if definition is None or definition.scope not in (scope, DEFAULT_SCOPE):
            raise NotFound(f"process definition {definition_id} not found")
        return definition

    def _diagram(self, definition: ProcessDefinition) -> ParsedDiagram:
        return self.specs.get(definition.sha256, lambda: definition.bpmn_xml)

    def _diagram_of(self, instance: ProcessInstance) -> ParsedDiagram:
        # Definition rows never change, so their hashes are cached: a step reads no definition.
        sha = self._definition_sha.get(instance.definition_id)
        if sha is None:
            session = sa.orm.object_session(instance)
            definition = session.get(ProcessDefinition, instance.definition_id)
            sha = self._definition_sha[instance.definition_id] = definition.sha256
            return self._diagram(definition)
        return self.specs.get(sha, lambda: self._definition_xml(instance))

    @staticmethod
    def _definition_xml(instance: ProcessInstance) -> str:
        session = sa.orm.object_session(instance)
        return session.scalar(sa.select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.id == instance.definition_id))
