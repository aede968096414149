"""Service tasks the diagrams' deadline timers call (registered in documents/wiring.py)."""
from __future__ import annotations

from typing import Any

from engine import clock


def remind(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Service task: an overdue reminder. The step itself is the record (instance history)."""
    return {"task": params.get("task"), "at": clock.now().isoformat()}


SERVICES = {"remind": remind}
