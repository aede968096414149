"""The deadline timers' service tasks (documents/deadlines/escalation.py) on their own: what they
refuse, what they do outside a stored instance's step, and the ``remind`` of diagrams deployed
before ``notify`` (the default diagram's overdue path still calls it: tests/deadlines/test_timers.py)."""
from __future__ import annotations

import pytest

from documents.deadlines import escalation
from documents.wiring import build_runtime


@pytest.mark.parametrize("params, problem", [
    ({"kind": "late", "to": "task", "task": "handle"}, "kind must be one of"),
    ({"kind": "overdue", "to": "everyone", "task": "handle"}, "to must be one of"),
    ({"kind": "overdue", "to": "task"}, "task must name the user task"),
    ({"kind": "overdue", "to": "task", "task": ""}, "task must name the user task"),
])
def test_bad_parameters_are_refused_with_what_is_wrong(params, problem):
    with pytest.raises(ValueError, match=problem):
        escalation.notify(params, {})


def test_outside_a_step_nobody_is_told():
    done = escalation.notify({"kind": "reminder", "to": "task", "task": "handle"}, {})
    assert (done["kind"], done["to"], done["task"], done["notified"]) == ("reminder", "task", "handle", 0)


def test_remind_is_an_overdue_notice_to_the_steps_holders():
    done = escalation.remind({"task": "distribute"}, {})
    assert (done["kind"], done["to"], done["task"]) == ("overdue", "task", "distribute")


def test_the_runtime_offers_both_services():
    assert {"notify", "remind"} <= set(build_runtime().hooks.services)
