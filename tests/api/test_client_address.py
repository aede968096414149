"""Which address the login throttle counts: the peer, unless a trusted proxy vouches for another."""
from __future__ import annotations

from types import SimpleNamespace

from starlette.datastructures import Headers

from api.client_address import client_address
from documents.settings import Settings


def request(peer: str, forwarded: list[str] | None = None, trusted: tuple[str, ...] = ()) -> SimpleNamespace:
    headers = Headers(raw=[(b"x-forwarded-for", value.encode()) for value in forwarded or []])
    system = SimpleNamespace(settings=Settings(trusted_proxies=trusted))
    return SimpleNamespace(client=SimpleNamespace(host=peer), headers=headers,
                           app=SimpleNamespace(state=SimpleNamespace(system=system)))


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address(request("198.51.100.7", ["192.0.2.1"])) == "198.51.100.7"


def test_a_trusted_proxy_names_the_client_and_what_the_client_wrote_is_ignored():
    trusted = ("10.0.0.0/8",)
    assert client_address(request("10.0.0.2", ["192.0.2.66, 198.51.100.7"], trusted)) == "198.51.100.7"
    assert client_address(request("10.0.0.2", ["198.51.100.7, 10.0.0.3"], trusted)) == "198.51.100.7", \
        "a chain of trusted proxies"
    assert client_address(request("10.0.0.2", ["192.0.2.66", "198.51.100.7"], trusted)) == "198.51.100.7"
    assert client_address(request("198.51.100.9", ["192.0.2.66"], trusted)) == "198.51.100.9", \
        "an untrusted peer's header proves nothing"


def test_garbage_from_a_trusted_proxy_falls_back_to_the_proxy():
    assert client_address(request("10.0.0.2", ["not-an-address"], ("10.0.0.2",))) == "10.0.0.2"


def test_an_ipv6_client_is_counted_by_its_slash_64():
    assert client_address(request("2001:db8:1:2:aaaa::1")) == client_address(request("2001:db8:1:2:bbbb::9")) \
        == "2001:db8:1:2::/64"
    assert client_address(request("::ffff:198.51.100.7")) == "198.51.100.7"
