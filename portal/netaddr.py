"""The client's address, the one thing every per-address guard (log-in lockout, API throttle, PII log) keys on.

Behind a reverse proxy every connection comes from the proxy, so REMOTE_ADDR alone would put everyone behind one
address (one locked address locks everybody out). `TRUSTED_PROXIES` (setting; env `TRUSTED_PROXIES`, comma-separated
addresses or CIDR networks) names the proxies whose X-Forwarded-For is believed: the client is the nearest address in
that header, read from the right, that is not itself a trusted proxy. A connection from anywhere else is its own
client, whatever X-Forwarded-For it sends (a client cannot pick the address it is counted under).
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]):
    return tuple(ipaddress.ip_network(s.strip(), strict=False) for s in spec if s.strip())


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(remote, networks):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote        # a malformed chain: count the proxy, never a made-up address
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else remote
