"""Which network addresses a crawl may connect to: public ones, and the origins the user named.

A page of an archived site can redirect anywhere: to a cloud metadata service (169.254.169.254), to a Redis
or PostgreSQL next to the crawler, to an intranet. Following it sends a request there and archives the
answer, a server-side request forgery. So only globally routable unicast addresses are reached, unless the
URL's origin (scheme, host, port) is one the user gave: a start URL, a ``--base-url``, a URL to ``fetch``
(that is how the local replica and a newsroom's own intranet site are crawled).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # IPv4 addresses reached through a NAT64 gateway


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL, lower-cased, with the scheme's default port written out."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = 0
    host = (parts.hostname or "").lower()
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: str) -> bool:
    """True for a globally routable unicast address; False for loopback, private, link-local, shared,
    multicast, reserved and unspecified ones, however written (IPv4-mapped and other IPv6 forms too)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id names a link: never public
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)) is not None:
        ip = embedded
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_link_local)


def literal_address(host: str) -> str | None:
    """The address itself when a URL's host is an IP literal ("127.0.0.2", "[::1]"), else None."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None
