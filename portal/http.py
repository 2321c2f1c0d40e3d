"""The client's IP address, the one way every view, audit event and rate limit reads it.

Behind a reverse proxy REMOTE_ADDR is the proxy's address and the client's is in X-Forwarded-For,
which anyone can also send: the header is believed only when the connection comes from a proxy listed
in settings.TRUSTED_PROXIES (CIDRs), and read from the right, each trusted proxy adding the address it
saw, so that the first address not ours is the client (what the client wrote itself stays to its left).
"""

import ipaddress
from functools import cache

from django.conf import settings


@cache
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in proxies)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return any(address in network for network in networks)


def client_ip(request) -> str | None:
    """The address of the client that sent `request` (None without a request or an address).

    REMOTE_ADDR unless it is a trusted proxy's; then the right-most X-Forwarded-For entry that is not a
    trusted proxy (an unreadable entry stops the walk at the last proxy, never at what a client wrote).
    """
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    current = _address(remote or "")
    if current is None or not networks or not _trusted(current, networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _address(entry)
        if address is None:
            break
        current = address
        if not _trusted(address, networks):
            break
    return str(current)
