"""Runs every BPMN expression and script through the sandbox: conditions, timer expressions,
scripts, message payloads, service-task parameters. SpiffWorkflow's own environment would
``eval`` with full builtins; this one never does."""
from __future__ import annotations

import json
from typing import Any, Callable, Mapping

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .sandbox import Sandbox

# A service handler gets the evaluated parameters and a copy of the task data, returns JSON-able data.
ServiceHandler = Callable[[dict[str, Any], dict[str, Any]], Any]


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    def __init__(self, sandbox: Sandbox, services: Mapping[str, ServiceHandler]) -> None:
        super().__init__({})
        self.sandbox = sandbox
        self.services = services

    def evaluate(self, expression, context, external_context=None):
        scope = dict(context)
        if external_context:
            scope.update(external_context)
        # `data` lets a diagram test for optional fields: data.get('deadline').
        scope.setdefault("data", dict(scope))
        return self.sandbox.evaluate(expression, scope)

    def execute(self, script, context, external_context=None):
        self.sandbox.execute(script, context)
        return True

    def call_service(self, context, operation_name=None, operation_params=None, **_ignored):
        handler = self.services.get(operation_name)
        if handler is None:
            raise LookupError(f"no service handler is registered as '{operation_name}'")
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        return json.dumps(handler(params, dict(context)), default=str)


class SandboxScriptEngine(PythonScriptEngine):
    def evaluate(self, task, expression, external_context=None):
        # SpiffWorkflow rewords a failed expression as "Error evaluating expression '…'" and keeps
        # the reason only as the cause: an incident must say why (a limit, a missing name).
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException:
            raise
        except Exception as err:
            reason = getattr(err, "reason", None) or f"{type(err).__name__}: {err}"
            raise WorkflowTaskException(f"{reason} (in expression '{_shortened(expression)}')", task=task,
                                        exception=err) from None

    def call_service(self, task, **kwargs):
        # SpiffWorkflow 3.2.0's own error path here names an undefined variable and turns every
        # failing service into "NameError: name 'script' is not defined": say what really failed.
        try:
            return self.environment.call_service(task.data, **kwargs)
        except SpiffWorkflowException:
            raise
        except Exception as err:
            raise WorkflowTaskException(f"service '{kwargs.get('operation_name')}' failed: "
                                        f"{type(err).__name__}: {err}", task=task, exception=err) from None


def _shortened(source: str, length: int = 200) -> str:
    return source if len(source) <= length else source[:length] + "…"


def script_engine(sandbox: Sandbox, services: Mapping[str, ServiceHandler]) -> PythonScriptEngine:
    return SandboxScriptEngine(environment=SandboxEnvironment(sandbox, services))
