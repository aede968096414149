"""Hard limits on diagram code: each hostile construct below ran for minutes or allocated
gigabytes inside one guarded operation; now each is stopped by the helper's OS limits, the
watchdog or the cap on what comes back, the helper is replaced, and other threads are answered
meanwhile. Timings are asserted with generous bounds, never tight ones."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

import pytest

from engine import clock as clocks
from engine import step as steps
from engine.errors import ProcessFailed
from engine.runtime import EngineHooks, WorkflowRuntime
from engine.sandbox import Sandbox, SandboxError, SandboxLimits
from engine.sandbox_pool import pool_for
from tests.engine import diagrams

LIMITS = SandboxLimits(seconds=1)
STOPPED = r"time limit of 1 s exceeded|memory limit of 512 MiB exceeded|larger than the limit of 1 MiB"
BOUND = 15  # seconds: anything near it means the limits did not work
BIG = "[[list(range(1000))] * 1000] * 1000"  # 10**9 ints reachable through shared references

HOSTILE = {
    "comparing huge shared structures": ("eval", f"[{BIG}] * 1000 == [{BIG}] * 1000"),
    "str() of a big list": ("eval", f"len(str({BIG}))"),
    "%-formatting with many fields": ("eval", "len(('%s' * 100000) % tuple([[list(range(1000))] * 100] * 100000))"),
    "f-string concatenation": ("exec", f"x = {BIG}\nn = len(f'{{x}}{{x}}{{x}}{{x}}')"),
    "star-unpacking": ("exec", "s = [0]\nfor i in range(40):\n    s = [*s, *s]\nn = len(s)"),
    "translate with a list table": ("eval", "len(('a' * 1000000).translate(['b' * 1000000] * 128))"),
    "nested comprehensions": ("eval", "len([[0] * 1000000 for i in range(99999) for j in range(1)])"),
    "unicode_escape doubling": ("exec", "s = '\\\\' * 1000000\nfor i in range(40):\n"
                                        "    s = s.encode('unicode_escape').decode()"),
    "memory": ("eval", "len([list(range(100000)) for i in range(3000)])"),
    "huge result": ("eval", BIG),
    "huge script output into task data": ("exec", f"blob = {BIG}"),
}


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox({"echo": lambda value: value}, limits=LIMITS)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_code_is_stopped_and_the_helper_replaced(sandbox, name):
    kind, source = HOSTILE[name]
    sandbox.evaluate("len([1])", {})  # a helper is up (not the in-process shortcut)
    before = pool_for(LIMITS).pids()
    context = {"kept": [1, 2]}
    started = time.monotonic()
    with pytest.raises(SandboxError, match=STOPPED):
        if kind == "eval":
            sandbox.evaluate(source, context)
        else:
            sandbox.execute(source, context)
    assert time.monotonic() - started < BOUND
    assert context == {"kept": [1, 2]}  # nothing stored
    for pid in before - pool_for(LIMITS).pids():  # a killed helper is gone, another took its place
        assert not _alive(pid)
    assert sandbox.evaluate("echo(kept) + [3]", context) == [1, 2, 3]


def test_a_helper_killed_while_idle_fails_no_evaluation(sandbox):
    sandbox.evaluate("len([1])", {})
    for pid in pool_for(LIMITS).pids():
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert sandbox.evaluate("len([1, 2])", {}) == 2


def _hold_both_helpers(sandbox: Sandbox) -> None:
    """Start both helpers: two evaluations held at once inside a registered function."""
    barrier = threading.Barrier(2)
    holding = Sandbox({"meet": lambda: barrier.wait(10)}, limits=LIMITS)
    assert pool_for(holding.limits) is pool_for(sandbox.limits)
    other = threading.Thread(target=holding.evaluate, args=("meet()", {}))
    other.start()
    holding.evaluate("meet()", {})
    other.join()


def test_other_threads_are_answered_while_one_evaluation_overruns(sandbox):
    _hold_both_helpers(sandbox)
    reasons: list[str] = []

    def hostile() -> None:
        try:
            sandbox.evaluate(HOSTILE["comparing huge shared structures"][1], {})
        except SandboxError as exc:
            reasons.append(exc.reason)

    thread = threading.Thread(target=hostile)
    thread.start()
    time.sleep(0.3)  # the hostile evaluation is running
    for _ in range(3):
        started = time.monotonic()
        assert sandbox.evaluate("decision == 'return'", {"decision": "return"}) is True
        assert time.monotonic() - started < 1.0
    thread.join(BOUND)
    assert reasons == ["time limit of 1 s exceeded"]


def test_registered_functions_run_in_the_calling_thread_with_its_step_and_clock():
    sandbox = Sandbox({"agency": lambda: steps.current().scope, "engine_now": clocks.now}, limits=LIMITS)
    fixed = clocks.FixedClock(datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc))
    with clocks.using(fixed), steps.running(session=None, scope="000.00.01.H99"):
        # str(…): a builtin, so a helper evaluates these (calls alone are answered in-process)
        assert sandbox.evaluate("str(agency())", {}) == "000.00.01.H99"
        assert sandbox.evaluate("str(engine_now())", {}) == str(fixed.now())
        assert sandbox.evaluate("str(datetime.now(timezone.utc))", {}) == str(fixed.now())
        assert sandbox.evaluate("agency()", {}) == "000.00.01.H99"  # in-process
        assert sandbox.evaluate("isinstance(at, datetime)", {"at": fixed.now()}) is True
        context: dict = {}
        sandbox.execute("stamp = datetime.now().isoformat()", context)
    assert context == {"stamp": "2026-11-23T01:00:00"}


def test_what_a_registered_function_raises_is_the_reason(sandbox):
    failing = Sandbox({"fail": lambda: 1 / 0}, limits=LIMITS)
    with pytest.raises(SandboxError, match="ZeroDivisionError: division by zero"):
        failing.evaluate("[fail()]", {})  # in a helper, which calls back
    with pytest.raises(SandboxError, match="arguments of echo\\(\\): result larger than the limit of 1 MiB"):
        sandbox.evaluate(f"echo({BIG})", {})


def test_task_data_types_cross_both_ways(sandbox):
    from datetime import date, time as dtime, timedelta
    from decimal import Decimal
    value = {"at": datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc), "day": date(2026, 11, 23),
             "hour": dtime(7, 30), "span": timedelta(days=1, microseconds=5), "amount": Decimal("1.10"),
             "tags": {"a"}, "frozen": frozenset({1}), "pair": (1, "x"), "raw": b"\x00\xff", 3: "int key",
             "$t": "not a tag"}
    assert sandbox.evaluate("echo(value)", {"value": value}) == value
    context = {"value": value, "items": [1]}
    sandbox.execute("items.append(2)\ncopy = value", context)
    assert context == {"value": value, "items": [1, 2], "copy": value}
    context = {}
    sandbox.execute("empty = {}", context)
    assert context == {"empty": {}}
    context = {"flag": 1}
    sandbox.execute("flag = True", context)  # True == 1, yet it changed
    assert context["flag"] is True


def test_only_what_a_script_changes_counts_against_the_cap(sandbox):
    context = {"big": ["x" * 1000] * 2000, "items": []}  # 2 MB of task data, left alone
    sandbox.execute("n = len(big)\nitems.append(n)", context)
    assert context["n"] == 2000 and context["items"] == [2000]
    with pytest.raises(SandboxError, match="larger than the limit of 1 MiB"):
        sandbox.execute("big.append('y')", context)  # changed: all of it comes back
    assert len(context["big"]) == 2000


def test_a_helper_ends_when_its_engine_process_dies():
    """The engine is killed while its helper runs a hostile evaluation: the helper's CPU
    backstop ends it (an idle helper ends at once, on the closed pipe)."""
    code = ("import os, signal, threading, time\n"
            "from engine.sandbox import Sandbox, SandboxLimits\n"
            "from engine.sandbox_pool import pool_for\n"
            "sandbox = Sandbox(limits=SandboxLimits(seconds=1, workers=1))\n"
            "sandbox.evaluate('len([1])', {})\n"
            "print(*pool_for(sandbox.limits).pids(), flush=True)\n"
            f"threading.Thread(target=sandbox.evaluate, args=({HOSTILE['comparing huge shared structures'][1]!r}, {{}}),"
            " daemon=True).start()\n"
            "time.sleep(0.3)\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n")
    engine = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    (pid,) = map(int, engine.stdout.split())
    deadline = time.monotonic() + BOUND
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)


# --- through a deployed diagram -----------------------------------------------------------

@pytest.fixture
def runtime(clock) -> WorkflowRuntime:
    return WorkflowRuntime(Sandbox(limits=LIMITS), clock=clock, hooks=EngineHooks())


def test_a_script_with_a_huge_output_fails_its_step_and_stores_nothing(engine):
    engine.deploy(diagrams.linear(diagrams.user_task("a"), diagrams.script_task("s", f"blob = {BIG}"),
                                  diagrams.user_task("b"), ids=["a", "s", "b"]))
    instance = engine.start("p")
    version = engine.instance(instance.id).version
    started = time.monotonic()
    with pytest.raises(ProcessFailed, match="larger than the limit of 1 MiB"):
        engine.complete(instance.id, "a")
    assert time.monotonic() - started < BOUND
    assert engine.instance(instance.id).version == version
    assert engine.open_names(instance.id) == ["a"]
    assert "blob" not in engine.data(instance.id)


def _sandbox_reason(exc: BaseException | None) -> str:
    """The SandboxError behind a ProcessFailed. SpiffWorkflow words a failed expression as
    "Error evaluating expression '…'" and keeps the cause as ``.exception``."""
    seen = []
    while exc is not None and exc not in seen:
        if isinstance(exc, SandboxError):
            return exc.reason
        seen.append(exc)
        exc = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    return ""


def test_a_slow_condition_fails_its_step_within_the_time_limit(engine):
    slow = HOSTILE["comparing huge shared structures"][1]
    xml = diagrams.definitions(
        diagrams.START + diagrams.user_task("a") + '<bpmn:exclusiveGateway id="gw" default="f_no"/>'
        + diagrams.user_task("yes") + diagrams.user_task("no") + diagrams.END + '<bpmn:endEvent id="end2"/>'
        + diagrams.flow("f0", "start", "a") + diagrams.flow("f1", "a", "gw")
        + diagrams.flow("f_yes", "gw", "yes", slow) + diagrams.flow("f_no", "gw", "no")
        + diagrams.flow("f2", "yes", "end") + diagrams.flow("f3", "no", "end2"))
    engine.deploy(xml)
    instance = engine.start("p")
    started = time.monotonic()
    with pytest.raises(ProcessFailed) as info:
        engine.complete(instance.id, "a")
    assert time.monotonic() - started < BOUND
    assert _sandbox_reason(info.value) == "time limit of 1 s exceeded"
    assert engine.open_names(instance.id) == ["a"]


def test_a_huge_message_payload_fails_the_throwing_step(engine):
    sender = diagrams.SENDER.replace("'note': note", f"'blob': {BIG}")
    engine.deploy(sender)
    instance = engine.start("sender", {"target": "k"})
    with pytest.raises(ProcessFailed) as info:
        engine.complete(instance.id, "write")
    assert _sandbox_reason(info.value) == "result larger than the limit of 1 MiB"
    assert engine.open_names(instance.id) == ["write"]
