"""The in-process shortcut for cheap expressions: it answers exactly what a helper would, and
leaves to a helper everything outside its allow-list or over non-scalar data."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from engine import cheap, wire
from engine.sandbox import Sandbox, SandboxError, SandboxLimits

CONTEXT = {"decision": "return", "approved": True, "count": 3, "amount": Decimal("1.5"), "none": None,
           "at": datetime(2026, 11, 23, tzinfo=timezone.utc), "name": "Phòng Kinh tế",
           "items": [1, 2], "form": {"unit": 2, "nested": {"k": "v"}}}
CONTEXT["data"] = dict(CONTEXT)

EVALUATED_HERE = [
    "decision == 'return'", "approved == True", "approved is True", "none is None", "none is not None",
    "data.get('approved') is False", "data.get('missing') is not None", "data.get('missing', 7)",
    "data.get('count') or data.get('missing')", "not approved", "count > 2 and count <= 3",
    "1 < count < 5", "decision in ('return', 'close')", "decision not in ['assign']", "'Kinh' in name",
    "form['unit']", "form['nested']['k']", "items[0] == 1", "amount > 1", "'x' if approved else 'y'",
    "data['at'] < at", "'distribute'", "count != 3.0", "at.isoformat()",
    "level(data.get('decision')) > 0", "shift(at.isoformat(), 2) if level(decision) > 0 else shift('x', 1)",
    "data.get('deadline') or shift(at.isoformat(), 5)",
    "{'status': '04', 'document': data.get('count'), 'late': count > 2}",
]
HELPER_ONLY = [
    "items == [1, 2]",  # a literal list: not in the allow-list
    "items == form",  # non-scalar operands
    "form",  # a non-scalar result
    "len(items)", "-count", "missing == 1", "form['absent']", "name < count", "count + 1",
    "decision.upper() == 'RETURN'", "data.get(decision)", "name[1:3]",
    "level(items)",  # a registered function gets scalars only
    "name.isoformat()", "level(decision, default=1)", "unknown(1)", "len(name)",
    "{'items': items}", "{**form}", "{count: 1}", "[{'a': 1}]",
]


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    functions = {"level": lambda value: 1 if value == "return" else 0,
                 "shift": lambda when, days: f"{when}+{days}d"}
    return Sandbox(functions, limits=SandboxLimits(seconds=1))


@pytest.mark.parametrize("source", EVALUATED_HERE)
def test_cheap_expressions_are_answered_here_as_a_helper_would(sandbox, source):
    done, value = cheap.evaluate(source, CONTEXT, sandbox._functions, 1)
    assert done
    from_helper = wire.untag(sandbox._run("eval", source, CONTEXT)["value"])
    assert value == from_helper and type(value) is type(from_helper)
    if isinstance(value, dict):
        assert all(type(v) is type(from_helper[k]) for k, v in value.items())


@pytest.mark.parametrize("source", HELPER_ONLY)
def test_everything_else_goes_to_a_helper(sandbox, source):
    assert cheap.evaluate(source, CONTEXT, sandbox._functions, 1) == (False, None)
    try:
        sandbox.evaluate(source, CONTEXT)  # answered (or refused) by the helper as before
    except SandboxError:
        pass


def test_a_registered_function_called_here_fails_and_times_out_as_in_a_helper():
    failing = Sandbox({"fail": lambda: 1 / 0}, limits=SandboxLimits(seconds=1))
    with pytest.raises(SandboxError, match="^ZeroDivisionError: division by zero$"):
        failing.evaluate("fail()", {})
    slow = Sandbox({"slow": lambda: time.sleep(1.2)}, limits=SandboxLimits(seconds=1))
    with pytest.raises(SandboxError, match="^time limit of 1 s exceeded$"):
        slow.evaluate("slow() or slow() or slow()", {})
