"""The client's address and scheme behind reverse proxies: forwarded headers are believed from trusted proxies only.

Anyone can send ``X-Forwarded-For``; believing it from any peer lets an attacker pick the address the sign-in
throttle counts. The headers are therefore read only when the direct peer is in ``Settings.trusted_proxies``;
the address is then the right-most one in the chain that is not itself a trusted proxy (proxies append, so
what lies left of an untrusted hop was written by the client and proves nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any

from fastapi import Request

Network = IPv4Network | IPv6Network
SCHEMES = {"http": {"http", "https"}, "websocket": {"ws", "wss"}}


def parse_networks(values: Iterable[str]) -> list[Network]:
    """The networks of the trusted proxies (a bare address is a network of one)."""
    return [ip_network(value, strict=False) for value in values]


def _is_in(address: str, networks: list[Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return any(parsed in network for network in networks)


def forwarded_client(peer: str, forwarded_for: list[str], networks: list[Network]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy, then the nearest untrusted hop it vouches for."""
    if not _is_in(peer, networks):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        try:
            ip_address(hop)
        except ValueError:
            break  # garbage in the chain: keep the last hop we could vouch for
        client = hop
        if not _is_in(hop, networks):
            break
    return client


class TrustedProxyMiddleware:
    """Rewrite the request's client and scheme from forwarded headers, when the direct peer is a trusted proxy."""

    def __init__(self, app: Any, trusted: Iterable[str]) -> None:
        self.app = app
        self.networks = parse_networks(trusted)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        client = scope.get("client")
        if scope["type"] in SCHEMES and self.networks and client and _is_in(client[0], self.networks):
            headers: dict[str, list[str]] = {}
            for name, value in scope.get("headers", []):
                headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
            scope = dict(scope)
            scope["client"] = (forwarded_client(client[0], headers.get("x-forwarded-for", []), self.networks), 0)
            proto = ",".join(headers.get("x-forwarded-proto", [])).split(",")[0].strip().lower()
            if proto in SCHEMES[scope["type"]]:
                scope["scheme"] = proto
        await self.app(scope, receive, send)


def client_address(request: Request) -> str:
    """The address of the client the request comes from (after the trusted-proxy rewrite)."""
    return request.client.host if request.client else "unknown"
