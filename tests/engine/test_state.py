"""The stored instance state is versioned in its row (state_format): a state written by an older
format is upgraded on load through the upgrade chain, and one this version cannot read is
refused with a clear error, the row left as it is."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.db import unit_of_work
from engine.errors import StateUnreadable
from engine.models import HumanTask, ProcessInstance
from engine.state import STATE_FORMAT

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def stored(engine, instance_id: int) -> tuple[int, str]:
    with unit_of_work(engine.sessions) as session:
        row = session.get(ProcessInstance, instance_id)
        return row.state_format, row.state


def overwrite(engine, instance_id: int, state: str, state_format: int) -> None:
    with unit_of_work(engine.sessions) as session:
        session.execute(sa.update(ProcessInstance).where(ProcessInstance.id == instance_id)
                        .values(state=state, state_format=state_format))


def test_every_save_writes_the_current_format_in_its_column(engine):
    engine.deploy((FIXTURES / "state_format_1.bpmn").read_text())
    instance = engine.start("p")
    state_format, state = stored(engine, instance.id)
    assert state_format == STATE_FORMAT == 2
    assert '"format"' not in state and '"serializer_version":"1.5"' in state


def test_a_state_stored_in_format_1_is_upgraded_and_runs_on(engine, clock):
    """tests/engine/fixtures/state_format_1.json was written by the code of format 1 (the number
    inside the JSON, the column never written): a user task waiting, its 1-hour timer armed."""
    engine.deploy((FIXTURES / "state_format_1.bpmn").read_text())
    instance = engine.start("p")
    old = (FIXTURES / "state_format_1.json").read_text()
    overwrite(engine, instance.id, old, 1)
    (work,) = [tid for tid, task in json.loads(old)["tasks"].items() if task["task_spec"] == "work"]
    with unit_of_work(engine.sessions) as session:  # the queue row of that state's waiting task
        session.execute(sa.update(HumanTask).where(HumanTask.instance_id == instance.id).values(task_id=work))
    assert engine.data(instance.id) == {"subject": "Công văn số 12", "due": "2026-11-25"}
    engine.complete(instance.id, "work")
    assert engine.instance(instance.id).status == "completed"
    assert stored(engine, instance.id)[0] == STATE_FORMAT  # saved in the current format


@pytest.mark.parametrize("state, state_format, reason", [
    ('{"tasks": {}}', 99, "format 99"),
    ("not json at all", STATE_FORMAT, "not valid JSON"),
    ('{"serializer_version": "0.9", "tasks": {}}', STATE_FORMAT, "serializer '0.9'"),
], ids=["unknown format", "damaged", "older library"])
def test_a_state_that_cannot_be_read_is_a_clear_error_and_is_left_alone(engine, state, state_format, reason):
    engine.deploy((FIXTURES / "state_format_1.bpmn").read_text())
    instance = engine.start("p")
    overwrite(engine, instance.id, state, state_format)
    with pytest.raises(StateUnreadable, match=reason) as refused:
        engine.complete(instance.id, "work")
    assert refused.value.status == 409
    assert stored(engine, instance.id) == (state_format, state)
