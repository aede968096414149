"""A timestamp authority for the tests: an HTTP server on 127.0.0.1 (random port, own thread)
answering RFC 3161 requests (application/timestamp-query) with real responses signed by a test
TSA certificate, through pyHanko's DummyTimeStamper."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from documents.signing.keys import to_asn1
from documents.signing.pki import Issued


def dummy_stamper(tsa: Issued, at: datetime | None) -> DummyTimeStamper:
    key = asn1_keys.PrivateKeyInfo.load(tsa.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return DummyTimeStamper(tsa_cert=to_asn1(tsa.cert), tsa_key=key,
                            certs_to_embed=[to_asn1(c) for c in tsa.chain], fixed_dt=at)


@contextmanager
def timestamp_server(tsa: Issued, at: datetime | None = None) -> Iterator[tuple[str, list]]:
    """Serve timestamps signed by ``tsa`` (at time ``at``, else now); yields its URL and the
    list of requests it answered."""
    stamper = dummy_stamper(tsa, at)
    answered: list[tsp.TimeStampReq] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_error(415)
                return
            request = tsp.TimeStampReq.load(body)
            reply = stamper.request_tsa_response(request).dump()
            answered.append(request)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/tsa", answered
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_port_url() -> str:
    """A URL nobody listens on: a port bound then released."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_port
    server.server_close()
    return f"http://127.0.0.1:{port}/tsa"
