"""The periodic part: sweep due timers, re-publish anything the outbox still holds, and write the
day's digests (every tick: once an agency's day is settled, the digest actor's check is one query).
Runs as its own process (`qlvbdh scheduler`) or as a thread of the embedded server."""
from __future__ import annotations

import logging
import threading

from . import actors

log = logging.getLogger(__name__)


def tick() -> None:
    actors.sweep_timers.send()
    # Rows younger than this are still being published by the commit hook that wrote them.
    actors.relay.send(older_than_seconds=10.0)
    actors.send_digests.send()


def run_forever(interval: float, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    log.info("scheduler: every %.1f s", interval)
    while not stop.is_set():
        try:
            tick()
        except Exception:  # a broker outage must not kill the loop; the next tick retries
            log.exception("scheduler tick failed")
        stop.wait(interval)


def start_thread(interval: float) -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(interval, stop), name="scheduler", daemon=True).start()
    return stop
