"""Entry module for `dramatiq tasks.worker` (what `qlvbdh worker` runs): binds the actors to
the broker named by the environment before the worker starts consuming."""
from documents.settings import Settings
from engine import outbox

from . import actors
from .broker import make_broker

broker = make_broker(Settings.from_env())
actors.bind(broker)
outbox.on_commit(actors.wake_relay)
