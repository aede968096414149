"""Migration 0011: the open tasks of incoming instances started before roles were marked get the
role of their element in the default diagram; other processes' tasks keep none."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from documents.migrations import alembic_config

NOW = "2026-11-23 01:00:00"


def test_open_tasks_of_earlier_incoming_instances_get_their_roles(tmp_path):
    url = f"sqlite:///{tmp_path / 'before.db'}"
    command.upgrade(alembic_config(url), "0010")
    engine = sa.create_engine(url)
    with engine.begin() as db:
        for definition_id, key in ((1, "incoming"), (2, "leave")):
            db.execute(sa.text("INSERT INTO process_definition (id, scope, key, version, name, bpmn_xml, sha256, "
                               "created_by, created_at, active) VALUES (:id, 'default', :key, 1, :key, '', :id, "
                               "'system', :now, 1)"), {"id": definition_id, "key": key, "now": NOW})
            db.execute(sa.text("INSERT INTO process_instance (id, definition_id, scope, status, state, state_format, "
                               "version, started_by, started_at, updated_at) VALUES (:id, :id, 'a', 'running', '{}', "
                               "1, 1, 'u', :now, :now)"), {"id": definition_id, "now": NOW})
        for task_id, (instance_id, spec_name) in enumerate(((1, "handle"), (1, "coordinate"), (1, "legal_check"),
                                                            (2, "handle"))):
            db.execute(sa.text("INSERT INTO human_task (instance_id, scope, task_id, spec_name, title, created_at, "
                               "urgency, status) VALUES (:instance, 'a', :task, :spec, :spec, :now, 0, 'ready')"),
                       {"instance": instance_id, "task": str(task_id), "spec": spec_name, "now": NOW})
    command.upgrade(alembic_config(url), "0011")
    with engine.connect() as db:
        roles = db.execute(sa.text("SELECT instance_id, spec_name, role FROM human_task ORDER BY id")).all()
    engine.dispose()
    assert roles == [(1, "handle", "incoming.handle"), (1, "coordinate", "incoming.coordinate"),
                     (1, "legal_check", None), (2, "handle", None)]
