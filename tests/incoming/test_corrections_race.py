"""Two clerks correct the same registration at once: the second waits for the first's row lock,
then finds the version it read stale (409). Row locks are PostgreSQL's: this module runs there."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from documents.errors import Conflict
from documents.incoming import corrections
from engine import clock as clocks
from engine.db import unit_of_work

from .test_corrections import NEW_SUBJECT, REASON, correct, stored


@pytest.fixture
def system(pg):
    return pg


def test_two_clerks_at_once_the_second_waits_then_gets_409(case, bureau, clock):
    document_id = case()

    def second_clerk():
        with clocks.using(clock):
            return correct(case, document_id=document_id, changes={"subject": "Trích yếu của người thứ hai"})

    with ThreadPoolExecutor(max_workers=1) as pool:
        with unit_of_work(case.system.sessions) as session:
            corrections.correct(session, bureau["a.clerk"], document_id, {"subject": NEW_SUBJECT}, REASON, 0)
            racer = pool.submit(second_clerk)
            with pytest.raises(TimeoutError):  # it waits for the first correction's row lock
                racer.result(timeout=1.0)
        with pytest.raises(Conflict):  # then finds the version it read stale
            racer.result(timeout=10)
    document, rows = stored(case, document_id)
    assert document.subject == NEW_SUBJECT and len(rows) == 1
