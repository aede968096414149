"""While diagram code overruns its limits in one thread, the web process keeps answering."""
from __future__ import annotations

import threading
import time

from engine.sandbox import SandboxError

SLOW = "[[[[list(range(1000))] * 1000] * 1000] * 1000] * 2 == [[[[list(range(1000))] * 1000] * 1000] * 1000] * 2"


def test_healthz_answers_within_a_second_while_diagram_code_overruns(client, system):
    reasons: list[str] = []

    def hostile() -> None:
        try:
            system.runtime.sandbox.evaluate(SLOW, {})
        except SandboxError as exc:
            reasons.append(exc.reason)

    thread = threading.Thread(target=hostile)
    thread.start()
    answers = []
    while thread.is_alive():
        began = time.monotonic()
        status = client.get("/healthz").status_code
        answers.append((status, time.monotonic() - began))
        time.sleep(0.1)
    thread.join()
    seconds = system.runtime.sandbox.limits.seconds
    assert reasons == [f"time limit of {seconds:g} s exceeded"]
    assert len(answers) >= 5
    assert all(status == 200 for status, _ in answers)
    assert max(took for _, took in answers) < 1.0  # generous: the usual answer takes milliseconds
