"""The signature through HTTP: the signer's task page shows the panel (certificate, preview,
"Ký số"), the CSRF form signs and completes the step; the JSON API does the same; the denials
(another leader 403, another agency 404, no CSRF 403, not logged in); the public CRL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from documents.files.models import Attachment
from documents.models import Agency, User
from documents.outgoing import contract as c
from documents.outgoing.models import OutgoingDocument, State
from documents.signing import credentials
from engine.db import unit_of_work
from tests.api.conftest import csrf_of, get_token, page_login
from tests.outgoing.test_workflow import to_signature
from tests.outgoing.workflow_office import Flow, bureau  # noqa: F401  (fixture)


@pytest.fixture
def system(pg):
    return pg


@pytest.fixture
def flow(pg, bureau) -> Flow:
    return Flow(pg, bureau)


@pytest.fixture
def client(pg, flow):
    with TestClient(create_app(pg, start_worker=False), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def document_id(flow) -> int:
    document_id = flow.new()
    flow.add_version(document_id)
    to_signature(flow, document_id)
    with unit_of_work(flow.system.sessions) as session:
        agency = session.get(Agency, flow["a.leader2"].agency_id)
        flow.system.keystore.install_demo(agency.code, agency.name)
        for who in ("a.leader", "a.leader2"):
            credentials.install_demo_person(session, flow.system.keystore, agency,
                                            session.get(User, flow[who].user_id))
    return document_id


def bearer(client, username):
    return {"Authorization": f"Bearer {get_token(client, username)}"}


def nothing_signed(flow, document_id) -> bool:
    with unit_of_work(flow.system.sessions) as session:
        files = session.scalars(sa.select(Attachment).where(Attachment.owner_type == "outgoing_signed")).all()
        return not files and session.get(OutgoingDocument, document_id).signed_file_id is None


def test_the_signer_signs_from_the_task_page(client, flow, document_id):
    task = flow.task(document_id, c.SIGN)
    page_login(client, "a.leader2")
    page = client.get(f"/tasks/{task.id}")
    assert page.status_code == 200
    assert 'id="signing-certificate"' in page.text and "leader2 a" in page.text and "QLVBĐH Demo Root CA" in page.text
    assert f'src="/outgoing/{document_id}/sign/preview.png"' in page.text and 'id="sign-button"' in page.text
    preview = client.get(f"/outgoing/{document_id}/sign/preview.png")
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/png"

    refused = client.post(f"/outgoing/{document_id}/sign", data={"csrf_token": "forged"})
    assert refused.status_code == 403 and nothing_signed(flow, document_id)

    done = client.post(f"/outgoing/{document_id}/sign", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"] == f"/outgoing/{document_id}#signed"
    assert flow.state(document_id) == State.ISSUING and not nothing_signed(flow, document_id)


def test_another_leader_sees_no_button_and_is_refused(client, flow, document_id):
    task = flow.task(document_id, c.SIGN)
    page_login(client, "a.leader")
    page = client.get(f"/tasks/{task.id}")
    if page.status_code == 200:  # may see the task, may not act on it
        assert 'id="sign-button"' not in page.text
    assert client.get(f"/outgoing/{document_id}/sign/preview.png").status_code == 403
    home = client.get("/tasks")
    refused = client.post(f"/outgoing/{document_id}/sign", data={"csrf_token": csrf_of(home.text)})
    assert refused.status_code == 403 and nothing_signed(flow, document_id)


def test_the_api_signs_for_the_signer_only(client, flow, document_id):
    path = f"/api/outgoing/{document_id}/sign"
    assert client.post(path).status_code == 401
    assert client.post(path, headers=bearer(client, "a.leader")).status_code == 403
    assert client.post(path, headers=bearer(client, "a.clerk")).status_code == 403
    assert client.post(path, headers=bearer(client, "b.leader")).status_code == 404
    assert nothing_signed(flow, document_id)
    answer = client.post(path, headers=bearer(client, "a.leader2"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["signer_id"] == flow["a.leader2"].user_id and body["state"] == State.ISSUING
    assert body["signed_at"].endswith("+07:00") and body["signed_file_id"]
    again = client.post(path, headers=bearer(client, "a.leader2"))
    assert again.status_code == 409


def test_the_crl_is_public(client, flow, document_id):
    crl = client.get("/pki/demo-ca.crl")
    assert crl.status_code == 200 and crl.headers["content-type"] == "application/pkix-crl"
    assert crl.content == flow.system.keystore.crl("demo-ca")
    assert client.get("/pki/nothing-here.crl").status_code == 404
    assert client.get("/pki/..%2Fca%2Fdemo-ca.crl").status_code == 404
