"""Every request runs on the system's clock (engine.clock.using): pages, badges and the JSON API
compare deadlines with the same "now" the timers fire by — the demo clock moved by
`qlvbdh demo-clock`, or a test's injected clock — never with the machine's time behind its back."""
from __future__ import annotations

from engine import clock as clocks


class ClockBinding:
    """A pure ASGI middleware (no extra task: the bound clock reaches the endpoint and its threads)."""

    def __init__(self, app, clock: clocks.Clock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope, receive, send) -> None:
        with clocks.using(self.clock):
            await self.app(scope, receive, send)
