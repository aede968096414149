from __future__ import annotations

import pytest

from documents import accounts
from documents.files.store import LocalFileStore
from documents.signing.keystore import Keystore
from engine.db import unit_of_work
from tests.conftest import PASSWORD


@pytest.fixture
def store(tmp_path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "files")


@pytest.fixture(scope="session")
def keystore(tmp_path_factory) -> Keystore:
    """Demo keys for agency A (made once: key generation and PKCS#12 are slow)."""
    keys = Keystore(tmp_path_factory.mktemp("signing"), b"test-password")
    keys.install_demo("000.00.01.H99", "Cơ quan A")
    return keys


@pytest.fixture
def office(system) -> dict:
    """Two agencies with a clerk, a leader and a specialist each."""
    people = {}
    with unit_of_work(system.sessions) as session:
        system.runtime.deploy_directory(session, system.settings.bpmn_dir)
        for prefix, code in (("a", "000.00.01.H99"), ("b", "000.00.02.H99")):
            agency = accounts.create_agency(session, code, f"Cơ quan {prefix.upper()}")
            for role in ("clerk", "leader", "staff"):
                user = accounts.create_user(session, agency, f"{prefix}.{role}", role, PASSWORD, [role])
                people[f"{prefix}.{role}"] = accounts.identity_of(session, user)
    return people


# --------------------------------------------------------------------------- documents being handled

CASE_METADATA = {"issuer_code": "000.00.31.H41", "issuer_name": "Sở Nội vụ tỉnh Hà Nam",
                 "number_notation": "123/SNV-VP", "document_date": "2026-11-20", "doc_type": "Công văn",
                 "subject": "Về việc kiểm tra công tác văn thư năm 2026", "due_date": "2026-12-15"}


@pytest.fixture
def bureau(system, clock, monkeypatch) -> dict:
    """Agency A with two units — Phòng Kinh tế (head1, staff, staff2) and Phòng Tổng hợp (head2,
    staff3) — a clerk and two leaders; agency B with a clerk, a leader, a unit head and staff.
    The test clock is bound for the whole test, so every stored time is START."""
    from argon2 import PasswordHasher

    from engine import clock as clocks

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    people = {}
    with clocks.using(clock), unit_of_work(system.sessions) as session:
        system.runtime.deploy_directory(session, system.settings.bpmn_dir)
        for prefix, code in (("a", "000.00.01.H99"), ("b", "000.00.02.H99")):
            agency = accounts.create_agency(session, code, f"Cơ quan {prefix.upper()}")
            units = {"u1": accounts.create_unit(session, agency, "Phòng Kinh tế"),
                     "u2": accounts.create_unit(session, agency, "Phòng Tổng hợp")}
            for name, role, unit in (("clerk", "clerk", None), ("leader", "leader", None),
                                     ("leader2", "leader", None), ("head1", "unit_head", "u1"),
                                     ("head2", "unit_head", "u2"), ("staff", "staff", "u1"),
                                     ("staff2", "staff", "u1"), ("staff3", "staff", "u2")):
                user = accounts.create_user(session, agency, f"{prefix}.{name}", f"{name} {prefix}", PASSWORD, [role],
                                            unit=units[unit] if unit else None)
                people[f"{prefix}.{name}"] = accounts.identity_of(session, user)
            people.update({f"{prefix}.{key}": unit.id for key, unit in units.items()})
    with clocks.using(clock):
        yield people


@pytest.fixture
def case(system, store, keystore, bureau):
    """case(who=a.clerk) registers a document; case.distribute(...) and case.act(...) move it on."""
    return Case(system, store, keystore, bureau)


class Case:
    def __init__(self, system, store, keystore, people) -> None:
        self.system, self.store, self.keystore, self.people = system, store, keystore, people

    def __call__(self, who: str = "a.clerk", **changes) -> int:
        from documents.incoming import service

        with unit_of_work(self.system.sessions) as session:
            # The same metadata every time: each case is a document of its own, not a duplicate.
            return service.register(session, self.system.runtime, self.store, self.keystore, self.people[who],
                                    {**CASE_METADATA, **changes}, allow_duplicate=True).document.id

    def act(self, who: str, document_id: int, step: str, data: dict) -> None:
        """``who`` completes the open ``step`` task of the document meant for them."""
        from documents import processes

        with unit_of_work(self.system.sessions) as session:
            processes.complete(session, self.system.runtime, self.people[who],
                               self.task(session, who, document_id, step).id, data)

    def task(self, session, who: str, document_id: int, step: str):
        from documents.incoming import participants
        from documents.incoming.models import IncomingDocument

        # ``step``: the role's short name ("handle" for incoming.handle)
        task = participants.task_of(session, self.people[who], session.get(IncomingDocument, document_id),
                                    f"incoming.{step}")
        assert task is not None, (who, step)
        return task

    def distribute(self, document_id: int, lead: str = "a.staff", coordinators: tuple[str, ...] = ()) -> None:
        person = self.people[lead]
        self.act("a.leader", document_id, "distribute", {
            "decision": "assign", "direction": "Đề nghị xử lý", "lead_user_id": person.user_id,
            "lead_unit_id": person.unit_id, "coordinators": [self.people[u] for u in coordinators]})

    def handled(self, lead: str = "a.staff", coordinators: tuple[str, ...] = ()) -> int:
        """A registered document distributed to ``lead`` (and the coordinating units named)."""
        document_id = self()
        self.distribute(document_id, lead, coordinators)
        return document_id

    def run(self, function, *args, **kwargs):
        """Call a service in its own unit of work, as a request would."""
        with unit_of_work(self.system.sessions) as session:
            return function(session, *args, **kwargs)


def throw_status(session, document_id: int | None, payload: dict, scope: str | None = None) -> None:
    """What the document's own workflow does when it throws `incoming.status`: the subscriber is
    told which instance threw it (``scope`` overrides the agency, as another agency's diagram)."""
    from documents.incoming import service
    from documents.models import Agency
    from engine.runtime import Thrower

    document = session.get(service.IncomingDocument, document_id) if document_id else None
    agency = session.get(Agency, document.agency_id).code if document else "000.00.01.H99"
    service.record_progress(session, Thrower(scope or agency, document.process_instance_id if document else None,
                                             None), payload)
