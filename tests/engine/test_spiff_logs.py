"""SpiffWorkflow logs every task state change at INFO; a running system keeps it at WARNING
unless SPIFF_LOG_LEVEL asks for more."""
from __future__ import annotations

import logging

import pytest

from documents.settings import Settings
from documents.system import build_system
from engine.spiff_logs import SPIFF_LOGGER, set_spiff_log_level

from . import diagrams
from .conftest import Harness


@pytest.fixture
def restore_spiff_level():
    level = logging.getLogger(SPIFF_LOGGER).level
    yield
    logging.getLogger(SPIFF_LOGGER).setLevel(level)


def spiff_records(caplog, engine: Harness) -> list[logging.LogRecord]:
    with caplog.at_level(logging.INFO):
        engine.deploy(diagrams.GATEWAY)
        instance = engine.start("p")
        engine.complete(instance.id, "review", {"approved": True})
    return [r for r in caplog.records if r.name.startswith(SPIFF_LOGGER)]


def test_a_built_system_keeps_spiffworkflow_quiet(lite, engine, caplog, restore_spiff_level):
    logging.getLogger(SPIFF_LOGGER).setLevel(logging.NOTSET)
    build_system(lite.settings).db.dispose()  # what every process does: app, worker, CLI
    assert spiff_records(caplog, engine) == []


def test_spiff_log_level_brings_the_state_changes_back(lite, engine, caplog, restore_spiff_level, monkeypatch):
    monkeypatch.setenv("SPIFF_LOG_LEVEL", "info")
    set_spiff_log_level(Settings.from_env().spiff_log_level)
    assert any(r.levelno == logging.INFO for r in spiff_records(caplog, engine))
