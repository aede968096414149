"""The embedded default: the web process also runs a worker thread and the scheduler, on an
in-memory broker. Same actors, same code paths as the Redis deployment."""
from __future__ import annotations

import threading

import dramatiq
from dramatiq import Worker

from . import context, scheduler


def start(broker: dramatiq.Broker, system, interval: float) -> tuple[Worker, threading.Event]:
    context.use(system)
    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    return worker, scheduler.start_thread(interval)
