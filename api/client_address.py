"""The client's address, as the login throttle counts it.

The peer of the connection, unless the peer is a reverse proxy named in TRUSTED_PROXIES: then the
right-most X-Forwarded-For entry that is not itself a trusted proxy (what the left of the header
says was written by the client and proves nothing). An IPv6 client is counted by its /64, the
block one subscriber usually gets, or every request could come from a fresh address.
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request: Request) -> str:
    peer_text = request.client.host if request.client else ""
    peer = _parse(peer_text)
    networks = _networks(request.app.state.system.settings.trusted_proxies)
    if _trusted(peer, networks):
        hops = [hop for header in request.headers.getlist("x-forwarded-for") for hop in header.split(",")]
        for hop in reversed(hops):
            address = _parse(hop)
            if address is None:
                break  # garbage where a trusted proxy should have written an address: use the proxy
            if not _trusted(address, networks):
                return _bucket(address)
    return _bucket(peer) if peer is not None else peer_text[:45] or "unknown"


def _bucket(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


ClientAddress = Annotated[str, Depends(client_address)]
